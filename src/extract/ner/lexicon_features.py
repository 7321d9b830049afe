"""Lexicon features for the NER tok2vec: dictionary matches written to ``Token.tag``.

The component ``extract_lexicon_features`` runs before ``ner``.  A case-insensitive
token-sequence dictionary (the same matches as a ``PhraseMatcher`` on ``LOWER``,
without its per-pattern ``Doc`` storage, which cost ~0.5 GB for 124k terms) over chemical names (DrugBank open vocabulary: common names
and synonyms; with ``include_mesh`` also MeSH: entry terms of the Chemicals and Drugs
descriptors and the supplementary concepts' names) and disease names (CTD MEDIC: names
and synonyms; with ``include_hpo`` HPO phenotypes; with ``include_mesh`` the entry terms of
MeSH's Diseases (C) and Mental Disorders (F03) descriptors; with ``separate_mesh_marks`` the MeSH
names are marked ``MCHEM``/``MDIS`` instead) marks every
token with its dictionary positions, e.g. ``B-CHEM``, ``I-DIS`` or ``B-CHEM|B-DIS``
(with ``word_marks``, a token outside every match but occurring as a content word in
some term gets ``W-CHEM``/``W-DIS``: "dystrophic" and "calcification" in "dystrophic
calcification", which no vocabulary holds whole; ``LEX-O`` otherwise), in ``token.tag_`` — an attribute no other component
of our NER pipeline sets (there is no tagger).  The NER model reads it as one
more ``MultiHashEmbed`` attribute (``TAG``), so it *learns* how far to trust the
dictionaries; matches are never turned into entities directly.

The term lists are read once from ``shared/vocab`` at ``initialize`` and stored
inside the model folder (``lexicon_features/terms.json.gz``), so a trained model
does not need ``shared/`` at run time; next to them ``lexicon_features/tokens.json.gz`` keeps every term as the
model's tokenizer splits it (with a fingerprint of that tokenizer), so loading the model does not tokenize the
~220k terms again (~10 s); a folder without the file, or with another tokenizer's, is tokenized as before.
Registered through the
``spacy_factories`` entry point ``extract_lexicon_features``.

Lexicon dropout (training only): a model that always sees the dictionary marks
learns to distrust every mention the dictionaries lack (exp8/exp9 never tagged
"dystrophic calcification", which no vocabulary holds).  The augmenter
``extract.lexicon_dropout.v1`` (:mod:`extract.training.augmenters`, ``[corpora.train.augmenter]``) stamps each
training doc with a rate and a seed in ``Doc.user_data``; the component then drops
each dictionary match with that probability, so the model also learns to find
mentions without dictionary support.  Docs without the stamp (dev evaluation,
inference) always get every match.  The seed sequence is fixed, so training stays
reproducible.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from spacy.attrs import LOWER, TAG
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc

from extract.vocab.ctd import read_ctd_diseases
from extract.vocab.drugbank import read_drugbank_vocabulary
from extract.vocab.files import vocab_files
from extract.vocab.mesh import CHEMICAL_TREES, mesh_chemical_and_disease_names
from extract.vocab.obo import descendants, read_terms

__all__ = ["LexiconFeatures", "make_lexicon_features", "load_vocab_terms"]

#: ``Doc.user_data`` keys set by the training augmenter (absent at inference).
DROPOUT_RATE_KEY = "extract_lexicon_dropout_rate"
DROPOUT_SEED_KEY = "extract_lexicon_dropout_seed"
#: The component folder's files: the term lists, and the terms as the tokenizer splits them.
TERMS_FILE = "terms.json.gz"
TOKENS_FILE = "tokens.json.gz"

_MIN_LEN = 3
_HPO_PHENOTYPE_ROOT = "HP:0000118"
_LABELS = ("CHEM", "DIS")


def _clean_terms(terms: Iterable[str]) -> list[str]:
    out = set()
    for term in terms:
        term = term.strip()
        if len(term) < _MIN_LEN or term.isdigit() or len(term) > 80:
            continue
        out.add(term)
    return sorted(out)


def _hpo_phenotype_names(path: Path) -> list[str]:
    """Names and EXACT synonyms of HPO terms under "Phenotypic abnormality" (not modifiers, onset, inheritance)."""
    terms = read_terms(path)
    names: list[str] = []
    for term_id in sorted(descendants(terms, _HPO_PHENOTYPE_ROOT)):
        names.append(terms[term_id].name)
        names.extend(terms[term_id].synonym_texts(("EXACT",)))
    return names


def load_vocab_terms(
    vocab_dir: Path,
    include_hpo: bool = False,
    include_mesh: bool = False,
    mesh_chemical_trees: Sequence[str] = CHEMICAL_TREES,
    separate_mesh_marks: bool = False,
) -> dict[str, list[str]]:
    """``{"CHEM": [...], "DIS": [...]}`` from DrugBank (names, synonyms) and CTD MEDIC (names, synonyms);
    with ``include_hpo`` also HPO phenotype names and EXACT synonyms as ``DIS``; with ``include_mesh``
    the MeSH chemical names as ``CHEM`` (descriptors under ``mesh_chemical_trees``, default the whole D
    tree, and the supplementary concepts) and disease names as ``DIS``
    (:func:`extract.vocab.mesh.mesh_chemical_and_disease_names`); with ``separate_mesh_marks`` the MeSH
    names go to their own lists ``MCHEM`` and ``MDIS`` instead (marks ``B-MCHEM``...), so the model can
    trust MeSH-only matches less than the others (a name in both gets both marks)."""
    files = vocab_files(vocab_dir)
    chem: list[str] = []
    for drug in read_drugbank_vocabulary(files.drugbank_vocabulary):
        chem.append(drug.common_name)
        chem.extend(drug.synonyms)
    dis: list[str] = []
    for disease in read_ctd_diseases(files.ctd_diseases):
        dis.append(disease.name)
        dis.extend(disease.synonyms)
    if include_hpo:
        dis.extend(_hpo_phenotype_names(files.hpo_obo))
    if include_mesh:
        mesh = mesh_chemical_and_disease_names(files, chemical_trees=tuple(mesh_chemical_trees))
        if separate_mesh_marks:
            return {
                "CHEM": _clean_terms(chem),
                "DIS": _clean_terms(dis),
                "MCHEM": _clean_terms(mesh.chemicals),
                "MDIS": _clean_terms(mesh.diseases),
            }
        chem.extend(mesh.chemicals)
        dis.extend(mesh.diseases)
    return {"CHEM": _clean_terms(chem), "DIS": _clean_terms(dis)}


class LexiconFeatures:
    """Sets ``token.tag_`` to dictionary match positions (see module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "extract_lexicon_features",
        include_hpo: bool = False,
        word_marks: bool = False,
        include_mesh: bool = False,
        mesh_chemical_trees: Sequence[str] = CHEMICAL_TREES,
        separate_mesh_marks: bool = False,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.include_hpo = include_hpo
        self.include_mesh = include_mesh
        self.mesh_chemical_trees = tuple(mesh_chemical_trees)
        self.separate_mesh_marks = separate_mesh_marks
        self.word_marks = word_marks
        self.terms: dict[str, list[str]] = {label: [] for label in _LABELS}
        # Keyed by the hashes of lower-cased tokens (the ``LOWER`` attribute), so ``__call__`` reads
        # one array per doc instead of a Python object per token:
        # token sequence -> labels, and every proper prefix of a sequence (to stop scanning early);
        self._index: dict[tuple[int, ...], tuple[str, ...]] = {}
        self._prefixes: set[tuple[int, ...]] = set()
        self._max_len = 0
        # content word -> labels of the terms it occurs in (``word_marks`` only).
        self._words: dict[int, tuple[str, ...]] = {}
        # tag string -> its hash in the vocab's StringStore (filled on first use)
        self._tag_hashes: dict[str, int] = {}

    def tokenizer_fingerprint(self) -> str:
        """SHA-1 of the tokenizer's rules (its serialized form without the vocab)."""
        return hashlib.sha1(self.nlp.tokenizer.to_bytes(exclude=["vocab"])).hexdigest()

    def tokenized_terms(self) -> dict[str, list[list[str]]]:
        """Every term as the lower-cased texts of its tokens, per label, in the order of ``terms``."""
        return {
            label: [[t.lower_ for t in doc] for doc in self.nlp.tokenizer.pipe(terms, batch_size=1000)]
            for label, terms in self.terms.items()
        }

    def _build(self, tokens: dict[str, list[list[str]]] | None = None) -> None:
        """The match index from ``tokens`` (:meth:`tokenized_terms`; computed when not given)."""
        tokens = self.tokenized_terms() if tokens is None else tokens
        index: dict[tuple[str, ...], set[str]] = {}
        for label in sorted(self.terms):  # CHEM, DIS (and MCHEM, MDIS with separate MeSH marks)
            for words in tokens.get(label, []):
                key = tuple(words)
                if key:
                    index.setdefault(key, set()).add(label)
        self._words = {}
        if self.word_marks:
            from spacy.lang.en.stop_words import STOP_WORDS

            words: dict[str, set[str]] = {}
            for key, labels in index.items():
                for word in key:
                    if len(word) >= 4 and word.isalpha() and word not in STOP_WORDS:
                        words.setdefault(word, set()).update(labels)
            self._words = {hash_string(w): tuple(sorted(v)) for w, v in words.items()}
        self._index = {tuple(hash_string(w) for w in k): tuple(sorted(v)) for k, v in index.items()}
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

        self.terms = load_vocab_terms(
            Path(vocab_dir) if vocab_dir else get_settings().vocab_dir,
            self.include_hpo,
            self.include_mesh,
            self.mesh_chemical_trees,
            self.separate_mesh_marks,
        )
        self._build()

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """All (label, start, end) dictionary matches, overlapping and nested ones included."""
        return self._matches(doc.to_array(LOWER).tolist())

    def _matches(self, lowers: list[int]) -> list[tuple[str, int, int]]:
        index, prefixes = self._index, self._prefixes
        out = []
        n = len(lowers)
        for i in range(n):
            for j in range(i + 1, min(n, i + self._max_len) + 1):
                key = tuple(lowers[i:j])
                for label in index.get(key, ()):
                    out.append((label, i, j))
                if key not in prefixes:
                    break
        return out

    def _tag_hash(self, tag: str) -> int:
        value = self._tag_hashes.get(tag)
        if value is None:
            value = self._tag_hashes[tag] = self.nlp.vocab.strings.add(tag)
        return value

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        lowers = doc.to_array(LOWER).tolist()
        found = self._matches(lowers)
        rate = doc.user_data.get(DROPOUT_RATE_KEY)
        if rate:
            rng = random.Random(doc.user_data.get(DROPOUT_SEED_KEY, 0))
            found = [match for match in found if rng.random() >= rate]
        marks: dict[int, set[str]] = {}
        for label, start, end in found:
            marks.setdefault(start, set()).add(f"B-{label}")
            for i in range(start + 1, end):
                marks.setdefault(i, set()).add(f"I-{label}")
        if self.word_marks:
            for i, lower in enumerate(lowers):
                if i not in marks and lower in self._words:
                    marks[i] = {f"W-{label}" for label in self._words[lower]}
        tags = np.full((len(doc), 1), self._tag_hash("LEX-O"), dtype=np.uint64)
        for i, mark in marks.items():
            tags[i, 0] = self._tag_hash("|".join(sorted(mark)))
        doc.from_array([TAG], tags)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with gzip.open(path / TERMS_FILE, "wt", encoding="utf-8") as handle:
            json.dump(self.terms, handle)
        self.write_tokens(path)

    def write_tokens(self, path: str | Path) -> Path:
        """Write ``tokens.json.gz`` (the terms as this component's tokenizer splits them) into the folder ``path``,
        next to its ``terms.json.gz``, whose hash it records."""
        target = Path(path) / TOKENS_FILE
        data = {
            "tokenizer": self.tokenizer_fingerprint(),
            "terms_sha1": _file_sha1(Path(path) / TERMS_FILE),
            "tokens": self.tokenized_terms(),
        }
        with gzip.GzipFile(target, "wb", mtime=0) as raw:  # mtime 0: the same terms give the same bytes
            raw.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        return target

    def _stored_tokens(self, path: Path) -> dict[str, list[list[str]]] | None:
        """The folder's tokenized terms when this tokenizer split the folder's own ``terms.json.gz``, else None."""
        if not (path / TOKENS_FILE).exists():
            return None
        with gzip.open(path / TOKENS_FILE, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("tokenizer") != self.tokenizer_fingerprint() or data.get("terms_sha1") != _file_sha1(
            path / TERMS_FILE
        ):
            return None
        return data.get("tokens")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LexiconFeatures:
        path = Path(path)
        with gzip.open(path / TERMS_FILE, "rt", encoding="utf-8") as handle:
            self.terms = json.load(handle)
        self._build(self._stored_tokens(path))
        return self


def _file_sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


@Language.factory(
    "extract_lexicon_features",
    default_config={
        "include_hpo": False,
        "word_marks": False,
        "include_mesh": False,
        "mesh_chemical_trees": ["D"],
        "separate_mesh_marks": False,
    },
)
def make_lexicon_features(
    nlp: Language,
    name: str,
    include_hpo: bool,
    word_marks: bool,
    include_mesh: bool,
    mesh_chemical_trees: list[str],
    separate_mesh_marks: bool,
) -> LexiconFeatures:
    """spaCy factory (entry point ``spacy_factories``: ``extract_lexicon_features``)."""
    return LexiconFeatures(nlp, name, include_hpo, word_marks, include_mesh, mesh_chemical_trees, separate_mesh_marks)
