"""Reader for the ADE corpus v2 (``DRUG-AE.rel`` and ``ADE-NEG.txt``).

``DRUG-AE.rel`` rows are ``PMID|sentence|effect|begin|end|drug|begin|end``; the offsets count
from the start of "PMID\\n\\nTitle\\n\\nAbstract", which is not distributed, so they are
ignored and each mention is located in its sentence by string search (exact first, then
case-insensitive; among several occurrences the one nearest to the other mention of the pair
when that one is already placed, else the first).  Rows of one (PMID, sentence) are grouped
into one :class:`AdeSentence` holding all its drug -> effect pairs.  ``ADE-NEG.txt`` rows
(``PMID NEG sentence``) become sentences without pairs.  A sentence that also occurs as a
positive is dropped from the negatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class AdeMention:
    start: int  # offset in the sentence
    end: int
    text: str


@dataclass
class AdeSentence:
    pmid: str
    text: str
    pairs: list[tuple[AdeMention, AdeMention]] = field(default_factory=list)  # (drug, effect)
    unlocated: int = 0  # pairs whose mentions could not be found in the sentence

    @property
    def negative(self) -> bool:
        return not self.pairs and not self.unlocated

    @property
    def drugs(self) -> list[AdeMention]:
        return _unique(d for d, _ in self.pairs)

    @property
    def effects(self) -> list[AdeMention]:
        return _unique(e for _, e in self.pairs)


def _unique(items: Iterator[AdeMention]) -> list[AdeMention]:
    seen: dict[tuple[int, int], AdeMention] = {}
    for m in items:
        seen.setdefault((m.start, m.end), m)
    return sorted(seen.values(), key=lambda m: (m.start, m.end))


def locate(sentence: str, mention: str, near: int | None = None) -> AdeMention | None:
    """Find ``mention`` in ``sentence`` (exact, then case-insensitive; whole word preferred)."""
    mention = mention.strip()
    if not mention:
        return None
    for flags in (0, re.I):
        hits = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(mention) + r"(?!\w)", sentence, flags)]
        if not hits:
            hits = [m.start() for m in re.finditer(re.escape(mention), sentence, flags)]
        if hits:
            start = min(hits, key=lambda h: abs(h - near)) if near is not None else hits[0]
            return AdeMention(start, start + len(mention), sentence[start : start + len(mention)])
    return None


def read_drug_ae(path: Path) -> list[AdeSentence]:
    """Positive sentences of ``DRUG-AE.rel`` grouped by (PMID, sentence), in file order."""
    by_key: dict[tuple[str, str], AdeSentence] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("|")
            if len(parts) < 8:
                continue
            # The sentence itself may contain '|': the last six fields are fixed.
            pmid, effect, drug = parts[0], parts[-6], parts[-3]
            sentence = "|".join(parts[1:-6])
            sent = by_key.setdefault((pmid, sentence), AdeSentence(pmid=pmid, text=sentence))
            d = locate(sentence, drug)
            e = locate(sentence, effect, near=d.start if d else None)
            if d is not None and e is not None and (d.end <= e.start or e.end <= d.start):
                if (d, e) not in sent.pairs:
                    sent.pairs.append((d, e))
            elif d is not None and e is not None and (d.start, d.end) != (e.start, e.end):
                # Overlapping mentions ("insulin allergy" / "insulin"): keep them, they are real.
                if (d, e) not in sent.pairs:
                    sent.pairs.append((d, e))
            else:
                sent.unlocated += 1
    return list(by_key.values())


def read_ade_neg(path: Path) -> list[AdeSentence]:
    """Negative sentences of ``ADE-NEG.txt``."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"^(\d+)\s+NEG\s+(.*)$", line.rstrip("\n"))
            if m:
                out.append(AdeSentence(pmid=m.group(1), text=m.group(2)))
    return out


def read_ade(corpus_dir: Path, negatives: bool = True) -> list[AdeSentence]:
    """All ADE sentences: positives (with located pairs), then negatives not seen as positives."""
    corpus_dir = Path(corpus_dir)
    pos = read_drug_ae(corpus_dir / "DRUG-AE.rel")
    if not negatives:
        return pos
    seen = {(s.pmid, s.text) for s in pos}
    neg = [s for s in read_ade_neg(corpus_dir / "ADE-NEG.txt") if (s.pmid, s.text) not in seen]
    return pos + neg


def pmid_folds(sentences: list[AdeSentence], k: int = 5) -> dict[str, int]:
    """Deterministic fold (0..k-1) per PMID: PMIDs sorted numerically, dealt round-robin."""
    pmids = sorted({s.pmid for s in sentences}, key=lambda p: (len(p), p))
    return {p: i % k for i, p in enumerate(pmids)}
