"""Case-insensitive cue patterns searched as case-sensitive ones over lower-cased ASCII text.

Python's ``re`` matches a pattern compiled with ``re.IGNORECASE`` two to three times slower than the same
pattern without it, and the relation cues (:mod:`extract.relations.rules`, :mod:`extract.relations.cues`) are long
alternations run over whole sentences and cue regions, mostly without a match.  On ASCII text, lower-casing
changes only ``A-Z``, so a pattern whose letters are all lower-case finds a match in the lower-cased text exactly
when the case-insensitive pattern finds one in the text (the special case-foldings of ``re.IGNORECASE``, such as
the Kelvin sign or the long s, are not ASCII).  :func:`found` uses that twin where it applies and the pattern
itself everywhere else; it answers only whether there is a match.
"""

from __future__ import annotations

import re

#: Pattern -> its case-sensitive twin, or None where lower-casing the text would not be the same.
_TWINS: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def found(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` (``pattern.search(text) is not None``)."""
    if text.isascii():
        twin = _TWINS.get(pattern, pattern)
        if twin is pattern:
            twin = _TWINS[pattern] = lower_case_twin(pattern)
        if twin is not None:
            return twin.search(text.lower()) is not None
    return pattern.search(text) is not None


def lower_case_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without ``re.IGNORECASE``, for lower-cased ASCII text; None unless ``pattern`` is an ASCII
    ``re.IGNORECASE`` pattern whose letters (outside escapes such as ``\\b`` or ``\\S``) are all lower-case."""
    source = pattern.pattern
    if not pattern.flags & re.IGNORECASE or not isinstance(source, str) or not source.isascii():
        return None
    i = 0
    while i < len(source):
        if source[i] == "\\":
            if i + 1 < len(source) and (source[i + 1] in "xuUN" or source[i + 1].isdigit()):
                return None  # a character given by its code could be an upper-case letter
            i += 2  # an escape: \b, \s, \S, \W, \., \\ ...
            continue
        if source[i].isupper():
            return None
        i += 1
    return re.compile(source, pattern.flags & ~re.IGNORECASE)
