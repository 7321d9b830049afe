"""Lexicon NER: a PhraseMatcher over names from ``shared/vocab`` and the corpora's training mentions.

It is the fallback when no trained model folder is present (and a source of
lexicon features for training).  Terms: DrugBank names and synonyms
(CHEMICAL); CTD MEDIC disease names and synonyms, HPO term names and exact
synonyms (DISEASE); gold mentions of the BC5CDR and NCBI-disease training
splits with their labels.  Short or common-English terms are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract.nlp import extensions  # noqa: F401  (registers span attributes)
from extract.vocab.ctd import read_ctd_diseases
from extract.vocab.drugbank import read_drugbank_vocabulary
from extract.vocab.files import vocab_files
from extract.vocab.obo import read_obo

_COMMON = frozenset(
    """all air aim alpha base beta can cap care cell cold control delta diet fat fever gamma glucose gold iron lead
    light mass milk oxygen pain plan rest salt sodium stress sugar water zinc time type sex age bear heart
    death men women normal pressure rate trial study mild moderate severe profound transient chronic acute
    progressive episodic recurrent frequent rare occasional sporadic generalized localized bilateral unilateral
    onset death""".split()
)
_MIN_LEN = 4


def _vocab_terms(vocab_dir: Path) -> Iterator[tuple[str, str]]:
    """(term, label) pairs of the vocabularies present under ``vocab_dir``."""
    files = vocab_files(vocab_dir)
    if files.drugbank_vocabulary.exists():
        for drug in read_drugbank_vocabulary(files.drugbank_vocabulary):
            yield drug.common_name, "CHEMICAL"
            for synonym in drug.synonyms:
                yield synonym, "CHEMICAL"
    if files.ctd_diseases.exists():
        for disease in read_ctd_diseases(files.ctd_diseases):
            yield disease.name, "DISEASE"
            for synonym in disease.synonyms:
                yield synonym, "DISEASE"
    if files.hpo_obo.exists():
        for term in read_obo(files.hpo_obo):  # obsolete terms too: their names still occur in text
            yield term.name, "DISEASE"
            for synonym in term.synonym_texts(("EXACT",)):
                yield synonym, "DISEASE"


def _corpus_terms(corpora_dir: Path) -> Iterator[tuple[str, str]]:
    files = [
        corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt",
        corpora_dir / "ncbi_disease" / "NCBItrainset_corpus.txt",
    ]
    for path in files:
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 5 and cols[1].isdigit():
                    label = "CHEMICAL" if cols[4] == "Chemical" else "DISEASE"
                    yield cols[3], label


def collect_terms(vocab_dir: Path, corpora_dir: Path) -> dict[str, str]:
    votes: dict[str, Counter] = {}
    for term, label in list(_vocab_terms(vocab_dir)) + list(_corpus_terms(corpora_dir)) * 3:
        term = term.strip()
        key = term.lower()
        if len(term) < _MIN_LEN or key in _COMMON or len(term.split()) > 8 or not re.search(r"[a-z]", key):
            continue
        votes.setdefault(key, Counter())[label] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


@lru_cache(maxsize=2)
def _cached_terms(vocab_dir: str, corpora_dir: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(collect_terms(Path(vocab_dir), Path(corpora_dir)).items()))


def release_terms() -> None:
    """Forget the cached lexicon terms (:func:`extract.ner.pipeline.release_ner_nlp`)."""
    _cached_terms.cache_clear()


class LexiconNER:
    def __init__(self, nlp: Language, vocab_dir: str, corpora_dir: str):
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        by_label: dict[str, list[str]] = {"CHEMICAL": [], "DISEASE": []}
        for term, label in _cached_terms(vocab_dir, corpora_dir):
            by_label[label].append(term)
        for label, terms in by_label.items():
            self.matcher.add(label, list(nlp.tokenizer.pipe(terms, batch_size=2000)))

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        spans = filter_spans(spans)
        for span in spans:
            span._.method = "lexicon"
        doc.ents = spans
        return doc


@Language.factory("extract_lexicon_ner", default_config={"vocab_dir": "", "corpora_dir": ""})
def make_lexicon_ner(nlp: Language, name: str, vocab_dir: str, corpora_dir: str) -> LexiconNER:
    return LexiconNER(nlp, vocab_dir, corpora_dir)
