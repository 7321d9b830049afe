"""An arm's count of zero: the sentence gives the drug *no* case of the effect.

"The most common AE were diarrhoea (12 AE in total, 12 after CMC-001 and 0 after gadobenate dimeglumine)",
"Hypotension (27.5%), palpitations (7.5%) and maternal tachycardia (7.5%) were reported in the nifedipine group and
none (0%) in the atosiban group", "'somnolence' [cetirizine (0), placebo (1), mizolastine (3)]": the words read like
an adverse-event report for every drug named, but for this one the count is zero, which the annotation guideline of
``data/gold/relation_annotations/`` labels ``ae_negated``.  Of the judged adverse-event pairs there (draws 1-11) with
such a count right before or after the drug, all 5 are ``ae_negated``.  A bare percentage is not read ("the success
rate ranging from 0% with etoposide to 93% with talc": a rate of something else).

:func:`zero_count` is read where the relation model marks its same-sentence adverse-event rows negated
(:mod:`extract.relations.model`); the row stays, negated, as for any other negation cue.
"""

from __future__ import annotations

import re

from extract.relations.types import DocumentView, EntityView

#: Right before the drug: "0 after", "none (0%) in the", "zero patients given".
_ZERO_BEFORE = re.compile(
    r"(?<![\d.,])(?:0|zero|none)\s*(?:\(\s*0(?:\.0+)?\s*%?\s*\)\s*)?"
    r"(?:(?:patients?|subjects?|participants?|cases?|events?|AEs?)\s+)?"
    r"(?:after|with|in|on|receiving|given|for|taking|treated\s+with)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$",
    re.I,
)
#: Right after the drug: "cetirizine (0),", "X: 0 and".
_ZERO_AFTER = re.compile(
    r"\s*[:,(]?\s*(?:n\s*=\s*)?0(?:\s*\(\s*0(?:\.0+)?\s*%\s*\))?\s*(?:[),;]|and\b|vs\b|versus\b|$)", re.I
)
_WINDOW = 50


def zero_count(doc: DocumentView, chem: EntityView) -> bool:
    """A count of zero stands right before or right after the drug mention ``chem``, within its sentence."""
    sent = doc.sentences[chem.sentence_index]
    before = doc.text[max(sent.start, chem.start - _WINDOW) : chem.start]
    if _ZERO_BEFORE.search(before):
        return True
    return _ZERO_AFTER.match(doc.text, chem.end, min(sent.end, chem.end + 25)) is not None
