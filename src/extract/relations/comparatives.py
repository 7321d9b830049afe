"""Comparisons that give a drug *less* of an effect: "pruritus occurred less frequently with fexofenadine",
"bupivacaine with sufentanil gave a lower incidence of nausea", "amisulpride was associated with less weight gain".

Such a sentence does not state the effect as the drug's adverse event (the audit guideline calls it
``prevented_improved``; the annotation guideline ``ae_less``), yet the words around the pair read like one.
:func:`less_with_drug` tells them apart: a less-comparative governs the effect, and the drug is the arm it speaks of
-- the chemical mention nearest the comparative that is not itself the comparator ("than with X", "compared with
X", "as effective as X").  An effect written onto the drug ("X-induced Y", "X-related emergence Y") is never
read this way.  Word lists: :mod:`extract.relations.cues`.
"""

from __future__ import annotations

import re

from extract.relations.cues import COMPARATOR, COMPARATOR_FILLER, LESS_AFTER, LESS_BEFORE
from extract.relations.memo import sentence_entities
from extract.relations.types import DocumentView, EntityView

_LESS_BEFORE = re.compile(rf"(?:{LESS_BEFORE})(?:\s+(?:of|in))?\s+(?:[\w-]+[\s,]+){{0,4}}$", re.I)
_LESS_AFTER = re.compile(rf"^[^.;]{{0,40}}?(?:{LESS_AFTER})", re.I)
_COMPARATOR = re.compile(rf"(?:{COMPARATOR})\s+(?:(?:{COMPARATOR_FILLER})\s+){{0,3}}$", re.I)
_ATTACHED = re.compile(r"^\s*[-\u2010]?\s*(?:induced|related|associated|dependent)\b(?:\s+[\w-]+){0,2}\s*$", re.I)


def _is_comparator(text: str, mention: EntityView) -> bool:
    return bool(_COMPARATOR.search(text[max(0, mention.start - 40) : mention.start]))


def less_with_drug(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """The sentence of this same-sentence pair says the drug came with *less* of the disease."""
    text = doc.text
    if chem.end <= dis.start and dis.start - chem.end < 40 and _ATTACHED.search(text[chem.end : dis.start]):
        return False
    sent = doc.sentences[dis.sentence_index]
    lo = max(sent.start, dis.start - 70)
    before = _LESS_BEFORE.search(text[lo : dis.start])
    if before:
        cue = lo + before.start()
    else:
        after = _LESS_AFTER.search(text[dis.end : min(sent.end, dis.end + 60)])
        if not after:
            return False
        cue = dis.end + after.end()
    arms = [
        e for e in sentence_entities(doc, dis.sentence_index) if e.label == "CHEMICAL" and not _is_comparator(text, e)
    ]
    if not any(e is chem or e.entity_id == chem.entity_id for e in arms):
        return False  # the drug is the comparator: the other arm had less
    nearest = min(arms, key=lambda e: min(abs(e.start - cue), abs(e.end - cue)))
    return nearest.entity_id == chem.entity_id
