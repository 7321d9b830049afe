"""Chemical mentions that name a substance measured in the patient, not a drug given to them.

"decreased plasma [H+]", "serum creatinine", "oxygen saturation", "triglyceride concentrations": the NER stage tags the
substance as a chemical (BC5CDR does), and a drug -> disease row with it as the drug tells an analyst that creatinine
caused contrast nephropathy. A mention is read as a measured analyte when a measurement noun follows it, a body-fluid or
level word comes before it ("serum", "elevated") or a body-fluid word begins it, and its concept has no MeSH
pharmacological action: a drug's own level ("serum digoxin concentrations" before nausea) keeps its rows, since digoxin
has one (Cardiotonic Agents); and so does a substance the document also names outside a measurement (MeSH gives lithium,
the element, no action, but "serum lithium levels" in a report that says "on lithium therapy" is the drug's level). On
the judged adverse-event and treatment rows of the training draws (``data/gold/relation_annotations``) the rule drops 27
rows judged wrong and none of the 6,229 judged right (``models/EXPERIMENTS.md``, thirteenth session). A mediator the
body releases ("production of prostaglandins and prostacyclins", "inflammatory mediators, such as bradykinin") is no
drug wherever else the document names it, and neither is a measured quantity by its MeSH concept (Blood Glucose); over
every judged row of ``data/gold/relation_annotations`` that drops 5 more rows judged wrong, and a drug's market release
("after the release of celecoxib") keeps 2 (one right, one wrong; twenty-seventh session).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

from extract.relations.types import DocumentView, EntityView

#: A measurement noun right after the mention: "creatinine levels", "oxygen saturation", "lactate value".
MEASURED_AFTER = re.compile(
    r"^\s*(?:[)\]]\s*)?(?:levels?|concentrations?|saturation|values?|content|clearance|excretion|secretion|production|"
    r"synthesis|turnover|uptake|output|tension|flux|balance|metabolism|homeostasis|measurements?|activity|"
    r"activities)\b",
    re.I,
)
#: A body fluid or an origin right before it (one word may stand between): "serum creatinine", "plasma [H+".
MEASURED_BEFORE = re.compile(
    r"\b(?:serum|plasma|blood|urinary|urine|csf|cerebrospinal|tissue|intracellular|extracellular|endogenous|"
    r"circulating|fasting|postprandial|arterial|venous|salivary|faecal|fecal)\s+(?:[\w-]+\s+)?[(\[]?$",
    re.I,
)
#: The body releasing or making the substance, right before it: "release of 5-hydroxytryptamine", "the production of
#: prostaglandins", "in vitro release of interferon-gamma", "biosynthesis of prostaglandins"; or the substance named as
#: an example of the body's mediators: "inflammatory mediators, such as bradykinin".  A mediator, not a drug given,
#: whether or not MeSH gives it a pharmacological action (serotonin has several), wherever else the document names
#: it.  A dosage form's release ("sustained-release of nifedipine", "a quick release of ibuprofen in the gastrointestinal
#: tract") is the drug's.
RELEASED_BEFORE = re.compile(
    r"(?<!sustained[- ])(?<!extended[- ])(?<!controlled[- ])(?<!modified[- ])(?<!delayed[- ])(?<!slow[- ])"
    r"(?<!quick[- ])(?<!rapid[- ])(?<!fast[- ])(?<!immediate[- ])(?<!prolonged[- ])"
    r"\b(?:(?:release|production|overproduction|synthesis|biosynthesis|secretion|generation)\s+of"
    r"|mediators,?\s+(?:such\s+as|including|like))\s+(?:(?:the|endogenous)\s+)?[(\[]?$",
    re.I,
)
#: A drug's release to the market: "after the release of celecoxib and rofecoxib" (no mediator).
MARKET_RELEASE = re.compile(
    r"\b(?:after|before|since|following|until|prior\s+to)\s+(?:the\s+)?(?:market\s+)?release\s+of\s+", re.I
)
#: What stands between two mentions of one list: "production of leukotrienes, prostacyclins, prostaglandins and
#: thromboxane A2" (every member is released).
LIST_SEPARATOR = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)$")
#: A level word right before it: "increased ALP" in a list of adverse events, "elevated cortisol", "high
#: glucose-mediated induction"; not a substance given to induce something ("high capsaicin-induced pain") or taken in
#: ("high fat diet", "a high vitamin C intake": :data:`GIVEN_AFTER`).
LEVEL_BEFORE = re.compile(
    r"\b(?:increased|elevated|raised|high|higher|low|lower|abnormal|elevation\s+of|increase\s+in|rise\s+in)\s+[(\[]?$",
    re.I,
)
GIVEN_AFTER = re.compile(
    r"^\s*[-\u2010]?\s*(?:induced|diets?|intakes?|consumption|doses?|dosing|dosage|exposure|supplement\w*|feeding|fed|"
    r"loading|infusion|administration)\b",
    re.I,
)
#: The mention itself names the fluid: "blood glucose", "serum ferritin".
MEASURED_TEXT = re.compile(r"^(?:serum|plasma|blood|urinary|urine|csf|fasting)\s", re.I)
_WINDOW = 40
#: MeSH descriptors that name a quantity measured in the patient, never a substance given: a mention linked to one
#: of them is measured wherever it stands, whatever else the document names with the same concept ("MBG" and
#: "glycemia", linked to Blood Glucose like "blood glucose", had kept every "blood glucose" mention of a trial
#: report as a drug: "blood glucose -> hypoglycemia").  BC5CDR pairs none of them with a disease (train, dev).
MEASURED_CONCEPTS = frozenset(
    {
        "MESH:D001786",  # Blood Glucose
        "MESH:D001806",  # Blood Urea Nitrogen
        "MESH:D006442",  # Glycated Hemoglobin
        "MESH:D008078",  # Cholesterol, LDL
        "MESH:D008076",  # Cholesterol, HDL
    }
)


@lru_cache(maxsize=4)
def drug_concepts(linker_dir: Path | None) -> frozenset[str]:
    """Concept ids with a MeSH pharmacological action in the linker folder's ``mesh_annotations.json.gz`` (empty
    without one)."""
    path = Path(linker_dir) / "mesh_annotations.json.gz" if linker_dir else None
    if path is None or not path.exists():
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(cid for cid, ann in json.load(fh).items() if ann.get("drug_classes"))


def measured_heads(doc: DocumentView, drugs: frozenset[str]) -> set[str]:
    """Entity ids of the CHEMICAL mentions of ``doc`` that name a measured substance whose concept (or text, when
    unlinked) the document never names otherwise: "serum lithium levels" in a report that also says "on lithium
    therapy" is the drug's level, and its rows stay.  A mention linked only to :data:`MEASURED_CONCEPTS` is measured
    wherever it stands, and so is a mediator the body releases or makes (:data:`RELEASED_BEFORE`) and the mentions
    listed after it ("production of leukotrienes, prostacyclins, prostaglandins and thromboxane A2")."""
    measured, named_otherwise, by_definition, released = [], set(), set(), set()
    previous: EntityView | None = None
    for e in sorted((e for e in doc.entities if e.label == "CHEMICAL"), key=lambda e: e.start):
        key = e.concept_id or e.text.lower()
        ids = e.linked_ids
        listed_after_released = (
            previous is not None
            and previous.entity_id in released
            and previous.sentence_index == e.sentence_index
            and LIST_SEPARATOR.match(doc.text[previous.end : e.start]) is not None
        )
        previous = e
        if listed_after_released or is_released(doc, e):
            released.add(e.entity_id)
        elif ids and ids <= MEASURED_CONCEPTS:
            by_definition.add(e.entity_id)
        elif _measured_in_context(doc, e, drugs):
            measured.append((e.entity_id, key))
        else:
            named_otherwise.add(key)
    return released | by_definition | {entity_id for entity_id, key in measured if key not in named_otherwise}


def _sentence_bounds(doc: DocumentView, entity: EntityView) -> tuple[int, int]:
    sentence = doc.sentences[entity.sentence_index] if 0 <= entity.sentence_index < len(doc.sentences) else None
    return (sentence.start, sentence.end) if sentence is not None else (0, len(doc.text))


def is_released(doc: DocumentView, entity: EntityView) -> bool:
    """``entity`` (a CHEMICAL mention) names a mediator the body releases or makes (:data:`RELEASED_BEFORE`)."""
    lo, _hi = _sentence_bounds(doc, entity)
    before = doc.text[max(lo, entity.start - _WINDOW) : entity.start]
    return RELEASED_BEFORE.search(before) is not None and MARKET_RELEASE.search(before) is None


def is_measured_analyte(doc: DocumentView, entity: EntityView, drugs: frozenset[str]) -> bool:
    """``entity`` (a CHEMICAL mention) names a substance measured, not a drug (see the module docstring)."""
    return is_released(doc, entity) or _measured_in_context(doc, entity, drugs)


def _measured_in_context(doc: DocumentView, entity: EntityView, drugs: frozenset[str]) -> bool:
    """A measurement word or a body fluid around ``entity``, whose concept has no pharmacological action."""
    lo, hi = _sentence_bounds(doc, entity)
    before = doc.text[max(lo, entity.start - _WINDOW) : entity.start]
    # A concept with pharmacological actions of its own is a drug.  A class named as the drug ("NSAIDs",
    # "neurohormone") carries only its own class (the linker's class descriptors), which says nothing about being
    # given rather than measured ("circulatory neurohormone levels"): with the linker's file at hand only its
    # concepts count; without it, any class does.
    if (entity.concept_id and entity.concept_id in drugs) or (entity.drug_classes and not drugs):
        return False
    after = doc.text[entity.end : min(hi, entity.end + _WINDOW)]
    level = LEVEL_BEFORE.search(before) is not None and GIVEN_AFTER.match(after) is None
    return bool(
        MEASURED_AFTER.match(after) or MEASURED_BEFORE.search(before) or MEASURED_TEXT.match(entity.text) or level
    )
