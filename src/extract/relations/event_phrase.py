"""The adverse event as stated: a drug_adverse_event tail widened to the words that qualify it.

The NER follows BC5CDR, which leaves severity, course, extent and site words out of a disease
mention ("severe hepatitis" -> "hepatitis").  Pharmacovigilance reads them as part of the event
(seriousness, reversibility), and the ADE corpus annotates adverse effects that way ("severe
hepatitis", "fatal pulmonary fibrosis", "hypersensitivity reactions", "methotrexate toxicity").

:class:`EventPhrase` learns from the ADE corpus which neighbouring words belong to the effect:
for every NER disease mention that overlaps a gold adverse effect, the words walked over to its
left and right are counted as inside or outside the gold span (the walk stops at the first word
outside).  A word is taken when it was inside at least ``min_count`` times and at least
``min_rate`` of the times it was met; a word of the relation's own drug mention counts as
``<drug>`` ("methotrexate toxicity").  Widening never leaves the evidence sentence, walks at
most ``max_words`` words per side and never ends on punctuation ("TTP/HUS" yes, "/HUS" no).  The result is kept next to the mention (``tail_phrase`` of the
relations table); the entity itself keeps its BC5CDR span.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

WORD = re.compile(r"\w+(?:[-'\u2019]\w+)*|[^\w\s]")
DRUG = "<drug>"
SIDES = ("left", "right")


@dataclass(frozen=True)
class Span:
    """A character span; entity views (``start``/``end``) are accepted wherever a Span is."""

    start: int
    end: int


@lru_cache(maxsize=1024)
def _words(text: str, lo: int, hi: int) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...]]:
    """The word spans of ``text[lo:hi]`` in order, their starts and their ends (cached: a sentence's rows share
    them)."""
    words = tuple((m.start(), m.end()) for m in WORD.finditer(text, lo, hi))
    return words, tuple(a for a, _b in words), tuple(b for _a, b in words)


@dataclass
class EventPhrase:
    """Counts of neighbour words inside / outside gold adverse-effect spans, per side."""

    counts: dict[str, dict[str, list[int]]] = field(default_factory=lambda: {s: {} for s in SIDES})
    min_count: int = 2
    min_rate: float = 0.5
    max_words: int = 4

    # ------------------------------------------------------------------ learning
    def observe(self, text: str, bounds: tuple[int, int], mention: Span, gold: Span, drug: Span | None) -> None:
        """Count the words around one predicted ``mention`` that overlaps the ``gold`` effect span."""
        words = _words(text, *bounds)
        for side, walk in self._walks(words, mention):
            table = self.counts[side]
            for a, b in walk:
                inside = gold.start <= a and b <= gold.end
                key = self._key(text, a, b, drug)
                row = table.setdefault(key, [0, 0])
                row[0 if inside else 1] += 1
                if not inside:
                    break

    def fit(self, examples: Iterable[tuple[str, tuple[int, int], Span, Span, Span | None]]) -> EventPhrase:
        for text, bounds, mention, gold, drug in examples:
            self.observe(text, bounds, mention, gold, drug)
        return self

    # ------------------------------------------------------------------ use
    def widen(self, text: str, bounds: tuple[int, int], mention: Span, drug: Span | None = None) -> tuple[int, int]:
        """``(start, end)`` of the event phrase around ``mention`` within ``bounds`` (its sentence)."""
        start, end = mention.start, mention.end
        for side, walk in self._walks(_words(text, *bounds), mention):
            for a, b in walk:
                if not self.takes(side, self._key(text, a, b, drug)):
                    break
                if not text[a:b][0].isalnum():
                    continue  # punctuation is taken only inside: a phrase never starts or ends with it
                if side == "left":
                    start = a
                else:
                    end = b
        return start, end

    def takes(self, side: str, key: str) -> bool:
        inside, outside = self.counts[side].get(key, (0, 0))
        return inside >= self.min_count and inside >= self.min_rate * (inside + outside)

    def vocabulary(self, side: str) -> list[str]:
        """The words this model widens over on ``side``, most often seen first."""
        taken = [(k, v[0]) for k, v in self.counts[side].items() if self.takes(side, k)]
        return [k for k, _ in sorted(taken, key=lambda kv: (-kv[1], kv[0]))]

    # ------------------------------------------------------------------ helpers
    def _walks(self, words, mention: Span):
        """The words to the left of ``mention`` (nearest first) and to its right, ``max_words`` each; ``words``:
        :func:`_words` (spans in order, never overlapping, so their starts and ends are sorted)."""
        spans, starts, ends = words
        n_left = bisect_right(ends, mention.start)
        first_right = bisect_left(starts, mention.end)
        left = spans[max(0, n_left - self.max_words) : n_left][::-1]
        right = spans[first_right : first_right + self.max_words]
        return (("left", left), ("right", right))

    @staticmethod
    def _key(text: str, a: int, b: int, drug: Span | None) -> str:
        if drug is not None and drug.start <= a and b <= drug.end:
            return DRUG
        return text[a:b].lower()

    def to_dict(self) -> dict:
        return {
            "min_count": self.min_count,
            "min_rate": self.min_rate,
            "max_words": self.max_words,
            "counts": {s: {k: list(v) for k, v in sorted(self.counts[s].items())} for s in SIDES},
        }

    @classmethod
    def from_dict(cls, data: dict) -> EventPhrase:
        counts = {s: {k: list(v) for k, v in data["counts"].get(s, {}).items()} for s in SIDES}
        return cls(counts, data["min_count"], data["min_rate"], data["max_words"])
