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
from collections.abc import Callable
from functools import lru_cache, partial

#: ``id`` of a pattern -> the pattern and its case-sensitive twin, or None where lower-casing the text would not be
#: the same.  Keyed by ``id``: a compiled pattern hashes its whole compiled code at every lookup (0.4-1.8 us for the
#: cue alternations); the entry holds the pattern, so its ``id`` is not reused while the entry exists.
_TWINS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}
#: ``id`` of a pattern -> the pattern and its cached search (:func:`cached_found`).
_SEARCHES: dict[int, tuple[re.Pattern[str], Callable[[str], bool]]] = {}


def found(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` (``pattern.search(text) is not None``)."""
    if text.isascii():
        entry = _TWINS.get(id(pattern))
        if entry is None:
            entry = _TWINS[id(pattern)] = (pattern, lower_case_twin(pattern))
        twin = entry[1]
        if twin is not None:
            return twin.search(text.lower()) is not None
    return pattern.search(text) is not None


def cached_found(pattern: re.Pattern[str], text: str) -> bool:
    """:func:`found`, remembered for the last 8,192 texts of each pattern (the cue regions the rules and the
    features both test)."""
    entry = _SEARCHES.get(id(pattern))
    if entry is None:
        entry = _SEARCHES[id(pattern)] = (pattern, lru_cache(maxsize=8192)(partial(found, pattern)))
    return entry[1](text)


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
