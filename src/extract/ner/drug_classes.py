"""Drug-class mentions: "calcium channel blockers", "dopamine antagonists", "ACE inhibitors".

The BC5CDR guideline annotates only the chemical inside such a phrase ("calcium" in
"calcium channel blockers"), and the NER model learns exactly that.  For the product
the class is the drug: an analyst looking for what treats calcinosis wants "calcium
channel blockers", not the element calcium.  The component ``extract_drug_classes``
runs after the model's mentions are cleaned and repeated (``extract_label_consistency``) and widens
a CHEMICAL mention over a directly following class head:

    CHEMICAL [channel|receptor|reuptake|pump|converting enzyme] (blocker|antagonist|agonist|inhibitor|donor)[s]

("angiotensin-converting enzyme inhibitors", as BC5CDR itself annotates that class; "nitric oxide
donor", the drug that releases it).  An upper-case short form in brackets may stand before the head
("angiotensin converting enzyme (ACE) inhibitors", as trial reports write it); the abbreviation
component gives its short form nothing of the class ("ACE" is the enzyme, ``extract.context.abbreviations``).

The widened span keeps the CHEMICAL label and gets ``span._.method = "drug_class"``.
Nothing else is changed, and a class head that would run into another entity is left
alone.  Cost on strict BC5CDR scoring: each widened mention counts as one false
positive plus one false negative (measured in ``benchmarks/README.md``/the NER card).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.nlp.entity_edits import edit_entities

__all__ = ["DrugClassExtender", "CLASS_HEADS", "CLASS_MODIFIERS", "class_head_end"]

#: Lower-cased head nouns that turn "X" into the class "X <head>".
CLASS_HEADS = frozenset(
    {
        "blocker",
        "blockers",
        "antagonist",
        "antagonists",
        "agonist",
        "agonists",
        "inhibitor",
        "inhibitors",
        "donor",
        "donors",
    }
)
#: Optional words between the chemical and the head ("calcium channel blockers").
CLASS_MODIFIERS = frozenset(
    {"channel", "receptor", "reuptake", "pump", "converting", "enzyme", "ii", "-", "(2+)", "2+"}
)  # "ii": "angiotensin II receptor blockers"


def class_head_end(doc: Doc, i: int, taken: set[int], max_modifiers: int = 3) -> int | None:
    """End of the class head that follows a chemical ending at token ``i`` ("channel blockers" after "calcium"),
    over at most ``max_modifiers`` modifier words and no token of ``taken``; None when no class head follows."""
    modifiers = 0
    while i < len(doc) and modifiers <= max_modifiers and i not in taken:
        if _bracketed_short_form(doc, i, taken):  # "angiotensin converting enzyme (ACE) inhibitors"
            i += 3
            continue
        lower = doc[i].lower_
        if lower in CLASS_HEADS:
            return i + 1
        if lower not in CLASS_MODIFIERS:
            return None
        if lower != "-":  # "angiotensin-converting-enzyme inhibitors": hyphens are no words
            modifiers += 1
        i += 1
    return None


class DrugClassExtender:
    """Widen CHEMICAL mentions over a following drug-class head (see module docstring)."""

    def __init__(self, nlp: Language, name: str = "extract_drug_classes", max_modifiers: int = 3) -> None:
        self.name = name
        self.max_modifiers = max_modifiers

    def _class_end(self, doc: Doc, ent: Span, taken: set[int]) -> int | None:
        return class_head_end(doc, ent.end, taken, self.max_modifiers)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        taken = {i for ent in ents for i in range(ent.start, ent.end)}

        def widen(ent: Span) -> Span:
            end = self._class_end(doc, ent, taken) if ent.label_ == "CHEMICAL" else None
            if end is None:
                return ent
            widened = Span(doc, ent.start, end, label=ent.label)
            widened._.method = "drug_class"
            return widened

        return edit_entities(doc, widen, ents)


def _bracketed_short_form(doc: Doc, i: int, taken: set[int]) -> bool:
    """``doc[i:i + 3]`` is an upper-case short form in brackets that no entity holds ("(ACE)")."""
    if i + 2 >= len(doc) or doc[i].text != "(" or doc[i + 2].text != ")" or {i, i + 1, i + 2} & taken:
        return False
    short = doc[i + 1].text
    return len(short) >= 2 and short.isupper() and short.isalnum()


@Language.factory("extract_drug_classes", default_config={"max_modifiers": 3})
def make_drug_classes(nlp: Language, name: str, max_modifiers: int) -> DrugClassExtender:
    return DrugClassExtender(nlp, name, max_modifiers)
