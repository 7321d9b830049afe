"""Gold corpora → spaCy ``Doc`` objects and ``DocBin`` files for NER training.

Each corpus is described by a :class:`CorpusSpec`: where the PubTator file lives
(relative to ``get_settings().corpora_dir``), how its mention types map onto our
two labels, and whether unlabelled tokens are *outside* (the corpus annotates
both of our labels) or *missing* (it annotates only one of them, so an
unannotated chemical must not be taught as "not an entity").

Training text is built exactly like ``documents.text`` of the clean stage:
``title + "\\n\\n" + abstract`` (PubTator offsets refer to ``title + " " +
abstract``; abstract mentions are shifted by one character).  Mentions that do
not align to token boundaries are not dropped silently: their tokens are marked
*missing* so the model is neither rewarded nor punished there, and they are
counted in :class:`ConversionStats`.

Label guidelines (where the corpora agree and where they do not):

* **BC5CDR** ``Chemical`` → CHEMICAL, ``Disease`` → DISEASE (the reference).
* **BioRED** ``ChemicalEntity`` → CHEMICAL, ``DiseaseOrPhenotypicFeature`` →
  DISEASE; genes, variants, species and cell lines are ignored (outside).
  Measured on the 101 abstracts annotated in both corpora (identical texts):
  2,256 chemical/disease spans agree exactly, 180 only in BC5CDR, 212 only in
  BioRED (span agreement F1 ≈ 0.92).  Where they disagree: BC5CDR marks ions
  and small endogenous molecules or peptides as chemicals (Na, K, Ca, NO, NMDA,
  dopamine, bradykinin, U-II, glutathione) which BioRED leaves out or types as
  genes; BioRED marks proteins/lipids and drug-class words (antithrombin,
  lipid, NSAIDs, anesthetics) and adjectives ("inflammatory", "anxiogenic",
  "serotonergic") that BC5CDR does not.  We keep BioRED (it helped on BC5CDR
  dev, models/EXPERIMENTS.md) but every document whose PMID is in BC5CDR is
  skipped: dev PMIDs always (50 docs), train PMIDs because BC5CDR's own
  annotation is used (51 docs).
* **NCBI disease** ``SpecificDisease``, ``DiseaseClass``, ``CompositeMention``,
  ``Modifier`` → DISEASE.  It annotates no chemicals (non-disease tokens are
  *missing*, not outside) and its guidelines differ from BC5CDR's: NCBI does not
  annotate symptoms/signs as diseases (BC5CDR does, e.g. "pain",
  "hypotensive"), includes gene-named disease modifiers ("BRCA1 breast cancer"
  modifiers) and treats some general class words ("cancer", "tumour") more
  eagerly.
* **GSC+** is HPO phenotypes, a different target (phenotypic abnormalities),
  and is not used for NER training.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from extract.corpora.pubtator import PubtatorDocument, read_pubtator, unique_documents
from extract.schemas import ENTITY_LABELS
from extract.settings import get_settings

__all__ = [
    "LABELS",
    "CorpusSpec",
    "CORPORA",
    "ConversionStats",
    "to_training_text",
    "pubtator_to_doc",
    "load_documents",
    "write_docbin",
]

LABELS = ENTITY_LABELS

TITLE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class CorpusSpec:
    """A PubTator corpus file and its mapping onto our labels."""

    name: str
    path: str  # relative to corpora_dir
    label_map: Mapping[str, str]
    #: "outside": unannotated tokens are O; "missing": unknown (corpus lacks a label).
    unlabelled: str = "outside"


_BC5CDR = {"Chemical": "CHEMICAL", "Disease": "DISEASE"}
_BIORED = {"ChemicalEntity": "CHEMICAL", "DiseaseOrPhenotypicFeature": "DISEASE"}
_NCBI = {t: "DISEASE" for t in ("SpecificDisease", "DiseaseClass", "CompositeMention", "Modifier")}

#: Known corpora by name (names usable as ``extra_corpora`` in ``train_ner``).
CORPORA: dict[str, CorpusSpec] = {
    "bc5cdr_train": CorpusSpec("bc5cdr_train", "bc5cdr/CDR_TrainingSet.PubTator.txt", _BC5CDR),
    "bc5cdr_dev": CorpusSpec("bc5cdr_dev", "bc5cdr/CDR_DevelopmentSet.PubTator.txt", _BC5CDR),
    "biored_train": CorpusSpec("biored_train", "biored/Train.PubTator", _BIORED),
    "biored_dev": CorpusSpec("biored_dev", "biored/Dev.PubTator", _BIORED),
    "ncbi_train": CorpusSpec("ncbi_train", "ncbi_disease/NCBItrainset_corpus.txt", _NCBI, "missing"),
    "ncbi_dev": CorpusSpec("ncbi_dev", "ncbi_disease/NCBIdevelopset_corpus.txt", _NCBI, "missing"),
}


@dataclass
class ConversionStats:
    """Counts from converting one corpus."""

    corpus: str
    documents: int = 0
    skipped_documents: int = 0
    mentions: int = 0
    ignored_type: int = 0
    misaligned: int = 0
    overlapping: int = 0
    per_label: dict[str, int] = field(default_factory=dict)


def to_training_text(doc: PubtatorDocument) -> tuple[str, int]:
    """``title + "\\n\\n" + abstract`` and the shift for offsets past the title."""
    return f"{doc.title}{TITLE_SEPARATOR}{doc.abstract}", len(TITLE_SEPARATOR) - 1


def pubtator_to_doc(
    pdoc: PubtatorDocument,
    nlp: Language,
    label_map: Mapping[str, str],
    unlabelled: str = "outside",
    stats: ConversionStats | None = None,
) -> Doc:
    """A tokenized ``Doc`` with gold entities set (misaligned mentions → missing tokens)."""
    text, shift = to_training_text(pdoc)
    doc = nlp.make_doc(text)
    title_len = len(pdoc.title)
    spans: list[Span] = []
    missing: list[Span] = []
    for m in pdoc.mentions:
        label = label_map.get(m.type)
        if label is None:
            if stats:
                stats.ignored_type += 1
            continue
        start = m.start + (shift if m.start > title_len else 0)
        end = m.end + (shift if m.start > title_len else 0)
        span = doc.char_span(start, end, label=label)
        if stats:
            stats.mentions += 1
            stats.per_label[label] = stats.per_label.get(label, 0) + 1
        if span is None:
            if stats:
                stats.misaligned += 1
            wide = doc.char_span(start, end, alignment_mode="expand")
            if wide is not None:
                missing.append(wide)
            continue
        spans.append(span)
    kept = filter_spans(spans)
    if stats:
        stats.overlapping += len(spans) - len(kept)
    kept_tokens = {i for s in kept for i in range(s.start, s.end)}
    missing = [s for s in filter_spans(missing) if not any(i in kept_tokens for i in range(s.start, s.end))]
    doc.set_ents(kept, missing=missing, default="missing" if unlabelled == "missing" else "outside")
    doc.user_data["pmid"] = pdoc.pmid
    return doc


def load_documents(spec: CorpusSpec, corpora_dir: Path | None = None) -> list[PubtatorDocument]:
    """All documents of a corpus, repeated PMIDs dropped."""
    root = corpora_dir or get_settings().corpora_dir
    return list(unique_documents(read_pubtator(root / spec.path)))


def write_docbin(
    specs: Iterable[CorpusSpec],
    nlp: Language,
    path: Path,
    *,
    exclude_pmids: set[str] | frozenset[str] = frozenset(),
    limit: int | None = None,
    corpora_dir: Path | None = None,
) -> list[ConversionStats]:
    """Convert corpora to one ``DocBin`` at ``path``; documents in ``exclude_pmids`` are skipped.

    PMIDs are also de-duplicated across corpora (the first corpus listed wins).
    """
    docbin = DocBin(store_user_data=True)
    seen = set(exclude_pmids)
    all_stats: list[ConversionStats] = []
    for spec in specs:
        stats = ConversionStats(spec.name)
        docs = load_documents(spec, corpora_dir)
        if limit is not None:
            docs = docs[:limit]
        for pdoc in docs:
            if pdoc.pmid in seen:
                stats.skipped_documents += 1
                continue
            seen.add(pdoc.pmid)
            docbin.add(pubtator_to_doc(pdoc, nlp, spec.label_map, spec.unlabelled, stats))
            stats.documents += 1
        all_stats.append(stats)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return all_stats
