"""Lexicon features for the NER tok2vec: dictionary matches written to ``Token.tag``.

The component ``extract_lexicon_features`` runs before ``ner``.  A case-insensitive
token-sequence dictionary (the same matches as a ``PhraseMatcher`` on ``LOWER``,
without its per-pattern ``Doc`` storage, which cost ~0.5 GB for 124k terms) over chemical names (DrugBank open vocabulary: common names
and synonyms) and disease names (CTD MEDIC: names and synonyms) marks every
token with its dictionary positions, e.g. ``B-CHEM``, ``I-DIS`` or ``B-CHEM|B-DIS``
(``LEX-O`` when unmatched), in ``token.tag_`` — an attribute no other component
of our NER pipeline sets (there is no tagger).  The NER model reads it as one
more ``MultiHashEmbed`` attribute (``TAG``), so it *learns* how far to trust the
dictionaries; matches are never turned into entities directly.

The term lists are read once from ``shared/vocab`` at ``initialize`` and stored
inside the model folder (``lexicon_features/terms.json.gz``), so a trained model
does not need ``shared/`` at run time.  Registered through the
``spacy_factories`` entry point ``extract_lexicon_features``.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["LexiconFeatures", "make_lexicon_features", "load_vocab_terms"]

_MIN_LEN = 3
_LABELS = ("CHEM", "DIS")


def _clean_terms(terms: Iterable[str]) -> list[str]:
    out = set()
    for term in terms:
        term = term.strip()
        if len(term) < _MIN_LEN or term.isdigit() or len(term) > 80:
            continue
        out.add(term)
    return sorted(out)


def load_vocab_terms(vocab_dir: Path) -> dict[str, list[str]]:
    """``{"CHEM": [...], "DIS": [...]}`` from DrugBank (names, synonyms) and CTD MEDIC (names, synonyms)."""
    chem: list[str] = []
    with open(vocab_dir / "drugbank_vocabulary" / "drugbank_vocabulary.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            chem.append(row.get("Common name") or "")
            chem.extend((row.get("Synonyms") or "").split(" | "))
    dis: list[str] = []
    with gzip.open(vocab_dir / "ctd_diseases" / "CTD_diseases.tsv.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 8:
                continue
            dis.append(cols[0])
            dis.extend(cols[7].split("|"))
    return {"CHEM": _clean_terms(chem), "DIS": _clean_terms(dis)}


class LexiconFeatures:
    """Sets ``token.tag_`` to dictionary match positions (see module docstring)."""

    def __init__(self, nlp: Language, name: str = "extract_lexicon_features") -> None:
        self.nlp = nlp
        self.name = name
        self.terms: dict[str, list[str]] = {label: [] for label in _LABELS}
        # lower-cased token sequence -> labels; and every proper prefix, to stop scanning early
        self._index: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._prefixes: set[tuple[str, ...]] = set()
        self._max_len = 0

    def _build(self) -> None:
        index: dict[tuple[str, ...], set[str]] = {}
        for label in _LABELS:
            for doc in self.nlp.tokenizer.pipe(self.terms.get(label, []), batch_size=1000):
                key = tuple(t.lower_ for t in doc)
                if key:
                    index.setdefault(key, set()).add(label)
        self._index = {k: tuple(sorted(v)) for k, v in index.items()}
        self._prefixes = {k[:n] for k in self._index for n in range(1, len(k))}
        self._max_len = max((len(k) for k in self._index), default=0)

    def initialize(
        self,
        get_examples: Callable[[], Iterable] | None = None,
        *,
        nlp: Language | None = None,
        vocab_dir: str | None = None,
    ) -> None:
        """Read the term lists from ``vocab_dir`` (default: ``get_settings().vocab_dir``)."""
        from extract.settings import get_settings

        self.terms = load_vocab_terms(Path(vocab_dir) if vocab_dir else get_settings().vocab_dir)
        self._build()

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """All (label, start, end) dictionary matches, overlapping and nested ones included."""
        lowers = [t.lower_ for t in doc]
        out = []
        n = len(lowers)
        for i in range(n):
            for j in range(i + 1, min(n, i + self._max_len) + 1):
                key = tuple(lowers[i:j])
                for label in self._index.get(key, ()):
                    out.append((label, i, j))
                if key not in self._prefixes:
                    break
        return out

    def __call__(self, doc: Doc) -> Doc:
        marks: list[set[str]] = [set() for _ in range(len(doc))]
        for label, start, end in self.matches(doc):
            marks[start].add(f"B-{label}")
            for i in range(start + 1, end):
                marks[i].add(f"I-{label}")
        for token, mark in zip(doc, marks):
            token.tag_ = "|".join(sorted(mark)) if mark else "LEX-O"
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with gzip.open(path / "terms.json.gz", "wt", encoding="utf-8") as handle:
            json.dump(self.terms, handle)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LexiconFeatures:
        with gzip.open(Path(path) / "terms.json.gz", "rt", encoding="utf-8") as handle:
            self.terms = json.load(handle)
        self._build()
        return self


@Language.factory("extract_lexicon_features")
def make_lexicon_features(nlp: Language, name: str) -> LexiconFeatures:
    """spaCy factory (entry point ``spacy_factories``: ``extract_lexicon_features``)."""
    return LexiconFeatures(nlp, name)
