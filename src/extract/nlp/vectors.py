"""Static vectors read through a per-key memo: the NER model's floret vectors.

A floret table builds each token's vector from the hashes of its character n-grams on every call
(``spacy.vectors.Vectors.get_batch``), for every occurrence of a word.  Most words of a batch are words the
process has already seen, so :class:`CachedFloretVectors` keeps the vectors it computed per key and computes
only the new ones: the same vectors, a tenth of the NER stage's time saved on abstracts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from spacy.strings import StringStore
from spacy.vectors import Vectors

from extract.nlp.floret import BatchFloretVectors

__all__ = ["CachedFloretVectors", "load_cached_vectors"]


class CachedFloretVectors(BatchFloretVectors):
    """Floret vectors that remember the vectors of the keys they computed, and compute new ones all together
    (:class:`extract.nlp.floret.BatchFloretVectors`).  The same vectors as :class:`spacy.vectors.Vectors`; the memo is emptied when it holds ``max_keys`` keys (50,000 keys of a
    128-wide table: about 30 MB)."""

    max_keys = 50_000

    def get_batch(self, keys):
        memo = self.__dict__.setdefault("_memo", {})
        keys = np.asarray(keys, dtype="uint64")
        unique, inverse = np.unique(keys, return_inverse=True)
        if not len(unique):
            return Vectors.get_batch(self, keys)
        missing = [k for k in unique.tolist() if k not in memo]
        if missing:
            if len(memo) + len(missing) > self.max_keys:
                memo.clear()
                missing = unique.tolist()
            for key, row in zip(missing, super().get_batch(np.asarray(missing, dtype="uint64"))):
                memo[key] = row
        return np.stack([memo[k] for k in unique.tolist()])[inverse]


def load_cached_vectors(folder: Path, strings: StringStore) -> Vectors:
    """The static vectors of the spaCy vocabulary folder ``folder`` (e.g. ``models/ner-*/vocab``): a
    :class:`CachedFloretVectors` for a floret table, a plain :class:`Vectors` otherwise."""
    vectors = Vectors(strings=strings).from_disk(folder, exclude=["strings"])
    return _cached(vectors, strings)


def _cached(vectors: Vectors, strings: StringStore) -> Vectors:
    if vectors.mode != "floret" or isinstance(vectors, CachedFloretVectors):
        return vectors
    cached = CachedFloretVectors(strings=strings)
    cached.from_bytes(vectors.to_bytes())
    return cached
