"""Comparisons that give a drug *less* of an effect: "pruritus occurred less frequently with fexofenadine",
"bupivacaine with sufentanil gave a lower incidence of nausea", "amisulpride was associated with less weight gain",
"the risk of hypoglycaemia was decreased with sitagliptin", "more airway obstruction with propofol than with
dexmedetomidine" (for dexmedetomidine); and the opposite, a drug's arm counted with *more* of a condition ("more
patients assigned erlotinib had diarrhoea than did those assigned placebo"), which states no treatment.

Such a sentence does not state the effect as the drug's adverse event (the audit guideline calls it
``prevented_improved``; the annotation guideline ``ae_less``), yet the words around the pair read like one.
:func:`less_with_drug` tells them apart: a less-comparative governs the effect, and the drug is the arm it speaks of
-- the chemical mention nearest the comparative that is not itself the comparator ("than with X", "compared with
X", "as effective as X"), with the drugs joined to it in one combination or list; for a *more*-comparative, the
comparator itself.  An effect written onto the drug ("X-induced Y", "X-related emergence Y") is never
read this way.  Word lists: :mod:`extract.relations.cues`.
"""

from __future__ import annotations

import re

from extract.relations.coordination import coordinated_members
from extract.relations.cues import (
    COMPARATOR,
    COMPARATOR_FILLER,
    LESS_AFTER,
    LESS_BEFORE,
    MORE_AFTER,
    MORE_BEFORE,
    PEOPLE,
)
from extract.relations.memo import sentence_entities
from extract.relations.types import DocumentView, EntityView

_LESS_BEFORE = re.compile(rf"(?:{LESS_BEFORE})(?:\s+(?:of|in))?\s+(?:[\w-]+[\s,]+){{0,4}}$", re.I)
_LESS_AFTER = re.compile(rf"^[^.;]{{0,40}}?(?:{LESS_AFTER})", re.I)
_MORE_BEFORE = re.compile(rf"(?:{MORE_BEFORE})(?:\s+(?:of|in))?\s+(?:[\w-]+[\s,]+){{0,4}}$", re.I)
_MORE_AFTER = re.compile(rf"^[^.;]{{0,40}}?(?:{MORE_AFTER})", re.I)
_COMPARATOR = re.compile(rf"(?:{COMPARATOR})\s+(?:(?:{COMPARATOR_FILLER})\s+){{0,3}}$", re.I)
_ATTACHED = re.compile(r"^\s*[-\u2010]?\s*(?:induced|related|associated|dependent)\b(?:\s+[\w-]+){0,2}\s*$", re.I)
#: What joins the drugs of one arm: a combination ("enalapril-felodipine", "X/Y", "X plus Y") or a list
#: ("tolbutamide, glipizide and gliclazide are less likely to ...").
_SAME_ARM = re.compile(r"^\s*(?:[-\u2010/+]|,|,?\s*(?:and|or|plus))\s*$", re.I)


def _is_comparator(text: str, mention: EntityView) -> bool:
    return bool(_COMPARATOR.search(text[max(0, mention.start - 40) : mention.start]))


def less_with_drug(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """The sentence of this same-sentence pair says the drug came with *less* of the disease."""
    text = doc.text
    if chem.end <= dis.start and dis.start - chem.end < 40 and _ATTACHED.search(text[chem.end : dis.start]):
        return False
    sent = doc.sentences[dis.sentence_index]
    # A comparative before a list of effects or after it governs every member: "weight gain, fluid retention, and
    # dyspnea were observed in more patients in the A group compared with those receiving X".
    listed = [dis, *coordinated_members(doc, dis)]
    span = (min(e.start for e in listed), max(e.end for e in listed))
    cue = _cue(text, span, sent.start, sent.end, _LESS_BEFORE, _LESS_AFTER)
    if cue is None:
        # "more Y with Z than with X": the drug had less when it is the comparator of a more-comparative
        more = _cue(text, span, sent.start, sent.end, _MORE_BEFORE, _MORE_AFTER)
        return more is not None and _is_comparator(text, chem)
    arms = [
        e for e in sentence_entities(doc, dis.sentence_index) if e.label == "CHEMICAL" and not _is_comparator(text, e)
    ]
    if not any(e is chem or e.entity_id == chem.entity_id for e in arms):
        return False  # the drug is the comparator: the other arm had less
    nearest = min(arms, key=lambda e: min(abs(e.start - cue), abs(e.end - cue)))
    return any(e.entity_id == chem.entity_id for e in _arm(arms, nearest, text))


def _cue(
    text: str, span: tuple[int, int], lo: int, hi: int, before: re.Pattern[str], after: re.Pattern[str]
) -> int | None:
    """Offset of a comparative governing the effect (or list of effects) at ``span``: right before it, else right
    after it."""
    first, last = span
    start = max(lo, first - 70)
    found = before.search(text[start:first])
    if found:
        return start + found.start()
    found = after.search(text[last : min(hi, last + 60)])
    return last + found.end() if found else None


def _arm(arms: list[EntityView], nearest: EntityView, text: str) -> list[EntityView]:
    """``nearest`` and the mentions joined to it, one after another, by ``_SAME_ARM``."""
    ordered = sorted(arms, key=lambda e: e.start)
    i = next(k for k, e in enumerate(ordered) if e is nearest)
    lo = hi = i
    while lo > 0 and _SAME_ARM.match(text[ordered[lo - 1].end : ordered[lo].start]):
        lo -= 1
    while hi + 1 < len(ordered) and _SAME_ARM.match(text[ordered[hi].end : ordered[hi + 1].start]):
        hi += 1
    return ordered[lo : hi + 1]


#: "more patients (who were) assigned (to) / receiving / given / on / treated with" (and a dose) right before the drug.
_MORE_PEOPLE_ON = re.compile(
    rf"\b(?:more|greater\s+numbers?\s+of)\s+(?:of\s+the\s+)?(?:\w+\s+)?{PEOPLE}\s+(?:who\s+(?:were\s+)?)?"
    r"(?:assigned(?:\s+to)?|allocated(?:\s+to)?|randomi[sz]ed\s+to|receiving|received|given|taking|on|treated\s+with|"
    r"in\s+the)\s+(?:the\s+)?(?:\d+(?:\.\d+)?\s*(?:mg|µg|μg|mcg|microg|g|ml|mL|IU|units?)(?:/kg)?\s+(?:of\s+)?)?$",
    re.I,
)
#: Between the drug and the condition: a dose or the arm's noun, then a verb of having the condition ("had",
#: "developed", "experienced", "reported") -- not one of an outcome reached ("achieved a headache response").
_HAD = re.compile(
    r"^\s*(?:[\w.%/-]+\s+){0,3}?(?:had|developed|experienced|reported|suffered(?:\s+from)?|presented\s+with)\s+"
    r"(?:(?:a|an|any|at\s+least\s+one|one\s+or\s+more|episodes?\s+of|grade\s+[\d\u2013-]+|severe|mild|"
    r"moderate|serious|new|first-cycle)\s+)*$",
    re.I,
)
_THAN = re.compile(r"^[^.;]{0,150}?\bthan\b", re.I)


def more_with_drug(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """The sentence of this same-sentence pair counts the drug's arm with *more* of the condition than a comparator:
    "(Significantly) more patients assigned erlotinib had diarrhoea of grade 3-4 than did those assigned placebo"."""
    if chem.sentence_index != dis.sentence_index or chem.end > dis.start:
        return False
    text = doc.text
    sent = doc.sentences[dis.sentence_index]
    return (
        _MORE_PEOPLE_ON.search(text[max(sent.start, chem.start - 70) : chem.start]) is not None
        and _HAD.match(text[chem.end : dis.start]) is not None
        and _THAN.match(text[dis.end : sent.end]) is not None
    )
