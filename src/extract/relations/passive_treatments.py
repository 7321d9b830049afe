"""Conditions a sentence says were treated with a drug: "Hypotension was treated with ephedrine 6 mg", "Nausea and
vomiting were treated with metoclopramide", "Pruritus was treated with naloxone and nausea with ondansetron".

Trial reports state how the events of the study were managed in this form, and the models read it poorly: the joint
model gives "Nausea and vomiting were treated with metoclopramide" as metoclopramide's adverse events (seventh draw,
judged wrong), and "Hypotension was treated with ephedrine" no row at all.  The construction leaves no doubt, so it
is read by pattern:

* the condition (with the conditions coordinated with it) is the subject of a passive "was / were treated (managed,
  reversed, corrected, relieved, controlled) with / by", or is "requiring" the drug ("hypotension requiring
  ephedrine"), and the drug is the first chemical within a few words after "with" (a route, a dose, "a bolus of" or
  fluids given with it may stand between), or a chemical coordinated with that one;
* an elliptic second clause counts too: "..., and nausea with ondansetron" (condition, "with", drug);
* so do the people with the condition given the drug ("patients experiencing nausea and/or vomiting were administered
  metoclopramide", "patients with hypertension were given amlodipine") and "treated for <condition> with <drug>".

:func:`passive_treatments` gives the (drug, condition) mention pairs of a document; the extractor states each as a
treatment and drops an adverse-event row of the pair.  Treatment rows the models give the condition with another drug
of the sentence stay: "treated with amitriptyline and with citalopram", "primaquine plus quinine", "labetalol in
combination with guanfacine" name more drugs of the same treatment than the pattern follows (dropping them lost 10
rows of the audit and seventh-draw runs that state a treatment, for one wrong one).
"""

from __future__ import annotations

import re

from extract.relations.memo import sentence_entities
from extract.relations.types import (
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    EntityView,
    RelationCandidate,
)

#: A dose: "6 mg", "0.5 mg", "10 IU".
_DOSE = r"\d+(?:\.\d+)?\s*(?:mg|µg|μg|mcg|g|ml|mL|iu|IU|units?)"
#: After the condition(s): the passive verb and "with" / "by", up to the drug (matched at an offset: no "^").
_PASSIVE = re.compile(
    r"\s*(?:\([^()]{0,80}\)\s*)?(?:,\s*)?(?:(?:which|that)\s+)?"
    r"(?:(?:was|were|is|are|had\s+been|has\s+been|have\s+been)\s+"
    r"(?:\w+ly\s+)?(?:treated|managed|reversed|corrected|relieved|controlled|eliminated|abolished)\s+(?:\w+ly\s+)?"
    r"(?:with|by|using)\s+"
    # a case report's title: "Macrophage activation syndrome successfully treated with cyclosporine" (not "Hepatitis
    # in a patient treated with isoniazid", an adverse event: without an auxiliary the adverb must say it worked),
    # "Eosinophilic peritonitis responding to treatment with glycyrrhizin", "Esophageal spasm relieved by glucagon"
    r"|(?:successfully|effectively)\s+(?:treated|managed|controlled)\s+(?:with|by|using)\s+"
    r"|respond(?:ing|ed|s)\s+(?:well\s+|promptly\s+|favou?rably\s+)?to\s+(?:(?:treatment|therapy)\s+with\s+)?"
    r"|(?:relieved|abolished|eliminated)\s+(?:by|with)\s+"
    # "Hypotension requiring ephedrine", "bradycardia that required treatment with atropine", "Gastrointestinal
    # haemorrhage necessitated the use of misoprostol"
    r"|(?:requir|necessitat)(?:ed|ing)\s+(?:(?:treatment|therapy|rescue)\s+with\s+|(?:the\s+)?(?:administration|use)\s+of\s+)?"
    # the people who have the condition were given the drug: "The patients experiencing nausea and/or vomiting were
    # administered metoclopramide", "Fifty patients with ... reflux disease were given lansoprazole"
    r"|(?:was|were)\s+(?:then\s+|subsequently\s+|immediately\s+)?(?:administered|given|prescribed)\s+)",
    re.I,
)
#: "treated for" right before the condition(s), "with" and the drug after them: "Ten patients ... were treated for
#: hypertension with i.v. nitroglycerin".
_TREATED_FOR = re.compile(r"\btreated\s+for\s+$", re.I)
#: What may stand between "with" and the drug: a route, a dose, "a bolus of", "intravenous", fluids given with it
#: ("intravenous fluids and ephedrine").
_BEFORE_DRUG = re.compile(
    r"^(?:(?:intravenous\s+|iv\s+)?(?:fluids?|crystalloids?|colloids?|volume(?:\s+replacement)?|fluid\s+bol(?:us|i))\s+"
    r"(?:and|or|and/or|plus)\s+|"
    r"(?:a|an|the|single|repeated|additional|incremental|small|further)\s+|(?:bolus|boluses|doses?|injections?|"
    r"infusions?)\s+(?:of\s+)?|(?:intravenous|iv|i\.v\.|oral|intramuscular|im|i\.m\.|subcutaneous|sc|s\.c\.|rectal|"
    rf"topical|inhaled|nebuli[sz]ed|sublingual)\s+|{_DOSE}\s+(?:of\s+)?)*$",
    re.I,
)
#: Between two drugs of the same treatment: "naloxone and oxygen", "atropine or glycopyrrolate", "ephedrine 6 mg or
#: phenylephrine".
_DRUG_LIST = re.compile(rf"^(?:\s*{_DOSE}\b)?(?:\s*,)?\s+(?:and|or)\s+$|^\s*,\s*$")
#: Between two conditions treated together: "Nausea and vomiting", "nausea, vomiting or pruritus".
_CONDITION_LIST = re.compile(r"^\s*(?:,\s*)?(?:and|or|and/or)?\s*$|^\s*/\s*$")
#: An elliptic clause after the first treatment: ", and nausea with ondansetron", "; pruritus with naloxone".
_ELLIPTIC = re.compile(r"^\s*(?:,|;)?\s*(?:and|or)?\s*$")
_WITH = re.compile(r"\s+(?:with|by)\s+", re.I)
#: A hyphenated word goes on after the mention.
_WORD_GOES_ON = re.compile(r"-[a-z]")
#: "..., respectively" shortly after the drugs.
_RESPECTIVELY = re.compile(r"[^.;]{0,40}?\brespectively\b", re.I)
#: A dose right after the previous drug, before an elliptic clause: "ephedrine 6 mg, and bradycardia with atropine".
_LEADING_DOSE = re.compile(rf"^\s*(?:{_DOSE}\b)?")


def _drugs_after(doc: DocumentView, chems: list[EntityView], at: int, limit: int) -> list[EntityView]:
    """The chemical right after offset ``at`` (only a route or dose between) and those coordinated with it."""
    text = doc.text
    first = next((c for c in chems if c.start >= at), None)
    if first is None or first.start > limit or not _BEFORE_DRUG.match(text[at : first.start]):
        return []
    if _WORD_GOES_ON.match(text, first.end):
        return []  # "lipid" of "lipid-lowering medications": a word the mention is only the start of
    out = [first]
    for c in chems:
        if c.start > out[-1].end and _DRUG_LIST.match(text[out[-1].end : c.start]):
            out.append(c)
        elif c.start > out[-1].end:
            break
    return out


def passive_treatments(doc: DocumentView) -> list[tuple[EntityView, EntityView]]:
    """(drug, condition) mention pairs of ``doc`` stated as "condition was treated with drug" (module docstring)."""
    pairs: list[tuple[EntityView, EntityView]] = []
    text = doc.text
    for sent in doc.sentences:
        mentions = sentence_entities(doc, sent.index)
        chems = [e for e in mentions if e.label == "CHEMICAL"]
        if not chems:
            continue
        diseases = [e for e in mentions if e.label == "DISEASE"]
        i = 0
        while i < len(diseases):
            # the conditions coordinated from diseases[i] on
            j = i
            while j + 1 < len(diseases) and _CONDITION_LIST.match(text[diseases[j].end : diseases[j + 1].start]):
                j += 1
            group = diseases[i : j + 1]
            m = _PASSIVE.match(text, group[-1].end, sent.end)
            if m is None and _TREATED_FOR.search(text, max(sent.start, group[0].start - 20), group[0].start):
                m = _WITH.match(text, group[-1].end, sent.end)
            if m is None:
                i = j + 1
                continue
            drugs = _drugs_after(doc, chems, m.end(), m.end() + 40)
            if drugs and _RESPECTIVELY.match(text, drugs[-1].end, sent.end):
                # "nausea or vomiting, necessitating naloxone and antiemetic therapy, respectively": not every
                # drug treats every condition, and which treats which is the earlier list's
                drugs = []
            pairs += [(d, c) for d in drugs for c in group]
            # elliptic clauses: ", and nausea with ondansetron"
            at = drugs[-1].end if drugs else m.end()
            k = j + 1
            while drugs and k < len(diseases):
                nxt = diseases[k]
                between = text[at : nxt.start]
                gap = _LEADING_DOSE.sub("", between)
                w = _WITH.match(text, nxt.end, sent.end)
                if not _ELLIPTIC.match(gap) or w is None:
                    break
                more = _drugs_after(doc, chems, w.end(), w.end() + 40)
                if not more:
                    break
                pairs += [(d, nxt) for d in more]
                at, k = more[-1].end, k + 1
            i = k if drugs else j + 1
    return pairs


#: Score of a treatment row the construction states (the rules' treatment readings score 0.75; this one is explicit).
SCORE = 0.85


def with_passive_treatments(
    doc: DocumentView, candidates: list[RelationCandidate], method: str = "rules"
) -> list[RelationCandidate]:
    """``candidates`` with the document's passive treatments stated (module docstring): each pair's adverse-event row
    dropped and a treatment row added where none is."""
    pairs = passive_treatments(doc)
    if not pairs:
        return candidates
    keys = {(d.entity_id, c.entity_id) for d, c in pairs}
    out = [c for c in candidates if c.type != DRUG_ADVERSE_EVENT or (c.head.entity_id, c.tail.entity_id) not in keys]
    have = {(c.head.entity_id, c.tail.entity_id) for c in out if c.type == DRUG_TREATS_DISEASE}
    for d, c in pairs:
        if (d.entity_id, c.entity_id) not in have:
            have.add((d.entity_id, c.entity_id))
            out.append(RelationCandidate(DRUG_TREATS_DISEASE, d, c, d.sentence_index, SCORE, method=method))
    return out
