"""Floret vectors of many words at once: spaCy's n-gram hashing, done with numpy arrays.

A floret table (the static vectors of the NER model and of the relation stage's sentence classifier) has no
row per word: a word's vector is the mean of the rows its character n-grams hash to.  spaCy computes that in
Python, one n-gram and one MurmurHash3 call at a time (about 20 us a word), then gathers the rows of all the
words at once (some 100 MB of fresh memory for the 3,000 new words of a forked worker's first batch).
:class:`BatchFloretVectors` does the same for all the words of a call together: the n-grams of ASCII words are
cut from one byte array and hashed with a vectorised MurmurHash3_x64_128 (a word with other characters takes
spaCy's own path), and :func:`mean_rows` averages one row of every word at a time.  The row indices and their
order are spaCy's and the averaging is thinc's ``reduce_mean`` arithmetic, so the vectors are the same
(``tests/test_relations_speed.py`` compares them).
"""

from __future__ import annotations

import numpy as np
from spacy.language import Language
from spacy.vectors import Mode, Vectors
from thinc.backends import get_array_ops

_C1 = np.uint64(0x87C37B91114253D5)
_C2 = np.uint64(0x4CF5AD432745937F)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_LOW32 = np.uint64(0xFFFFFFFF)


def batch_floret_vectors(nlp: Language) -> bool:
    """Give ``nlp`` a :class:`BatchFloretVectors` over its floret table (the same array, not a copy); False (and
    nothing changed) when its vectors are not a floret table."""
    old = nlp.vocab.vectors
    if not isinstance(old, Vectors) or old.mode != Mode.floret or isinstance(old, BatchFloretVectors):
        return False
    nlp.vocab.vectors = BatchFloretVectors(
        strings=nlp.vocab.strings,
        data=old.data,
        name=old.name,
        mode=Mode.floret,
        minn=old.minn,
        maxn=old.maxn,
        hash_count=old.hash_count,
        hash_seed=old.hash_seed,
        bow=old.bow,
        eow=old.eow,
        attr=old.attr,
    )
    return True


class BatchFloretVectors(Vectors):
    """A floret table whose :meth:`get_batch` hashes the n-grams of all the requested words in a few array
    operations; the same vectors as :class:`spacy.vectors.Vectors`."""

    def get_batch(self, keys):
        if self.mode != Mode.floret or not isinstance(self.data, np.ndarray):
            return Vectors.get_batch(self, keys)
        words = [self.strings.as_string(key) for key in keys]
        if sum(len(w) for w in words) == 0:
            return Vectors.get_batch(self, keys)
        unique = list(dict.fromkeys(words))
        position = {w: i for i, w in enumerate(unique)}
        rows, lengths = self.ngram_rows(unique)
        vectors = mean_rows(self.data, rows, lengths)
        return get_array_ops(self.data).as_contig(vectors[[position[w] for w in words]])

    def ngram_rows(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The table rows of each word's n-grams, all words' in a row (spaCy's order: the padded word, then its
        n-grams by length and start, each n-gram's ``hash_count`` hashes), and each word's number of rows."""
        hc = min(int(self.hash_count), 4)
        padded = [self.bow + w + self.eow if w else "" for w in words]
        fast = [bool(w) and p.isascii() for w, p in zip(words, padded)]
        sizes = np.array([len(p) if f else 0 for p, f in zip(padded, fast)], dtype=np.int64)
        counts = np.where(sizes > 0, 1, 0)
        for n in range(int(self.minn), int(self.maxn) + 1):
            counts += np.maximum(sizes - n + 1, 0)
        slow = {i: self._spacy_rows(words[i]) for i, f in enumerate(fast) if not f}
        lengths = np.array([len(slow[i]) if i in slow else counts[i] * hc for i in range(len(words))], dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        rows = np.zeros(int(lengths.sum()), dtype=np.int64)
        for i, r in slow.items():
            rows[first[i] : first[i] + len(r)] = r
        if not any(fast):
            return rows, lengths
        buffer = np.frombuffer("".join(p for p, f in zip(padded, fast) if f).encode("ascii"), dtype=np.uint8)
        kept = np.flatnonzero(fast)
        starts = np.concatenate([[0], np.cumsum(sizes[kept])[:-1]]).astype(np.int64)
        # (word, n-gram) pairs by length: the whole padded word (slot 0), then the n-grams of each length.
        by_length: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        word_sizes = sizes[kept]
        for size in np.unique(word_sizes):
            picked = word_sizes == size
            by_length.setdefault(int(size), []).append((starts[picked], first[kept[picked]]))
        slot = np.ones(len(kept), dtype=np.int64)
        for n in range(int(self.minn), int(self.maxn) + 1):
            m = np.maximum(word_sizes - n + 1, 0)
            if not m.any():
                continue
            owner = np.repeat(np.arange(len(kept)), m)
            offset = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)
            by_length.setdefault(n, []).append(
                (starts[owner] + offset, first[kept[owner]] + (slot[owner] + offset) * hc)
            )
            slot += m
        n_rows = np.uint64(self.data.shape[0])
        for size, parts in by_length.items():
            at = np.concatenate([p[0] for p in parts])
            out = np.concatenate([p[1] for p in parts])
            h1, h2 = _murmurhash3_x64_128(buffer[at[:, None] + np.arange(size)], int(self.hash_seed))
            for j, h in enumerate((h1 & _LOW32, h1 >> np.uint64(32), h2 & _LOW32, h2 >> np.uint64(32))[:hc]):
                rows[out + j] = (h % n_rows).astype(np.int64)
        return rows, lengths

    def _spacy_rows(self, word: str) -> list[int]:
        """spaCy's own rows of ``word`` (one n-gram at a time)."""
        if word == "":
            return []
        return [h % self.data.shape[0] for ngram in self._get_ngrams(word) for h in self._get_ngram_hashes(ngram)]


def mean_rows(table: np.ndarray, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per word, the mean of its ``lengths[i]`` rows of ``table`` (``rows`` holds all words' rows in a row),
    computed as thinc's ``reduce_mean`` does (each row times ``1 / length`` added in turn, in the table's float
    type), one row of every word at a time: the same means without gathering all the rows at once (~100 MB of
    fresh pages for a few thousand new words)."""
    means = np.zeros((len(lengths), table.shape[1]), dtype=table.dtype)
    if not len(lengths):
        return means
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    with np.errstate(divide="ignore"):
        scale = (1.0 / lengths.astype(np.float64)).astype(table.dtype)
    # Longest first, so that the words still adding a row at step t are the first ones.
    order = np.argsort(-lengths, kind="stable")
    longest, first, scale = lengths[order], first[order], scale[order, None]
    sums = np.zeros_like(means)
    for t in range(int(longest[0])):
        k = int(np.searchsorted(-longest, -t, side="left"))
        sums[:k] += table[rows[first[:k] + t]] * scale[:k]
    means[order] = sums
    return means


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _fmix(k: np.ndarray) -> np.ndarray:
    k = k ^ (k >> np.uint64(33))
    k = k * _M1
    k = k ^ (k >> np.uint64(33))
    k = k * _M2
    return k ^ (k >> np.uint64(33))


def _words64(data: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The bytes ``lo:hi`` (at most 8) of each row as a little-endian 64-bit word (zeros above ``hi``)."""
    block = np.zeros((data.shape[0], 8), dtype=np.uint8)
    block[:, : hi - lo] = data[:, lo:hi]
    return block.view("<u8")[:, 0].astype(np.uint64)


def _murmurhash3_x64_128(data: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MurmurHash3_x64_128 of each row of ``data`` (uint8, one key of ``data.shape[1]`` bytes a row): the two
    64-bit halves, as the ``murmurhash`` package's ``hash128_x64`` gives them."""
    n, length = data.shape
    with np.errstate(over="ignore"):
        h1 = np.full(n, seed, dtype=np.uint64)
        h2 = np.full(n, seed, dtype=np.uint64)
        for b in range(length // 16):
            k1 = _words64(data, 16 * b, 16 * b + 8)
            k2 = _words64(data, 16 * b + 8, 16 * b + 16)
            h1 ^= _rotl(k1 * _C1, 31) * _C2
            h1 = (_rotl(h1, 27) + h2) * np.uint64(5) + np.uint64(0x52DCE729)
            h2 ^= _rotl(k2 * _C2, 33) * _C1
            h2 = (_rotl(h2, 31) + h1) * np.uint64(5) + np.uint64(0x38495AB5)
        tail, rest = 16 * (length // 16), length % 16
        if rest > 8:
            h2 ^= _rotl(_words64(data, tail + 8, length) * _C2, 33) * _C1
        if rest > 0:
            h1 ^= _rotl(_words64(data, tail, tail + min(rest, 8)) * _C1, 31) * _C2
        h1 ^= np.uint64(length)
        h2 ^= np.uint64(length)
        h1 += h2
        h2 += h1
        h1 = _fmix(h1)
        h2 = _fmix(h2)
        h1 += h2
        h2 += h1
    return h1, h2
