"""NER evaluation on a gold corpus through the project's real stages.

:func:`evaluate_ner` (behind ``biomed-extract evaluate --task ner``) builds raw
document rows from the gold corpus (format ``pubtator``, ``title``, ``text`` =
abstract), runs ``extract.runner.run_texts(rows, stages=("clean", "ner"))`` (the
stage's pipeline from ``configs/ner_stage.cfg``, :func:`extract.ner.pipeline.build_ner_nlp`),
maps each predicted entity from ``documents.text`` (title + ``"\\n\\n"`` +
cleaned abstract) back onto the PubTator text (title + ``" "`` + abstract) with a
character alignment, and scores with STRICT matching on (start, end, label).

Gold labels: BC5CDR ``Chemical`` → CHEMICAL, ``Disease`` → DISEASE (other
corpora through :data:`extract.training.corpus.CORPORA` label maps, chosen from
the mention types present).

:func:`evaluate_model_direct` scores a model folder with ``spacy.load`` only
(no clean stage, no post-processing) — used during training and for the model
card, where the model itself, not the whole stage, is measured.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from extract.corpora.pubtator import PubtatorDocument, raw_document_rows, read_pubtator, unique_documents
from extract.evaluation.alignment import CharAlignment
from extract.evaluation.metrics import strict_scores
from extract.schemas import ENTITY_LABELS

__all__ = ["LABELS", "GOLD_LABEL_MAP", "evaluate_ner", "evaluate_model_direct", "gold_tuples"]

LABELS = ENTITY_LABELS

#: Gold mention types of the supported corpora → our labels.
GOLD_LABEL_MAP: dict[str, str] = {
    "Chemical": "CHEMICAL",
    "Disease": "DISEASE",
    "ChemicalEntity": "CHEMICAL",
    "DiseaseOrPhenotypicFeature": "DISEASE",
    "SpecificDisease": "DISEASE",
    "DiseaseClass": "DISEASE",
    "CompositeMention": "DISEASE",
    "Modifier": "DISEASE",
}


def load_corpus(corpus: Path, fmt: str, limit: int | None, task: str = "NER") -> list[PubtatorDocument]:
    """Unique documents of a PubTator corpus (first ``limit``), for the evaluations."""
    if fmt != "pubtator":
        raise ValueError(f"unsupported {task} evaluation format {fmt!r} (supported: 'pubtator')")
    docs = list(unique_documents(read_pubtator(corpus)))
    return docs[:limit] if limit is not None else docs


def gold_tuples(
    docs: Iterable[PubtatorDocument], label_map: Mapping[str, str] = GOLD_LABEL_MAP
) -> set[tuple[str, int, int, str]]:
    """``(pmid, start, end, label)`` for every gold mention with a mapped type."""
    out = set()
    for d in docs:
        for m in d.mentions:
            label = label_map.get(m.type)
            if label:
                out.add((d.pmid, m.start, m.end, label))
    return out


class _Mapper:
    """documents.text offsets → PubTator offsets for one document.

    If cleaning left title and abstract unchanged (text == title + "\\n\\n" + abstract)
    the mapping is a shift of one character after the title; otherwise a
    :class:`CharAlignment` between the PubTator text and the cleaned text is used.
    """

    def __init__(self, doc: PubtatorDocument, cleaned: str) -> None:
        self.title_len = len(doc.title)
        self.changed = cleaned != f"{doc.title}\n\n{doc.abstract}"
        self.alignment = CharAlignment(doc.text, cleaned) if self.changed else None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.alignment is not None:
            return self.alignment.span(start, end)
        shift = 1 if start > self.title_len else 0
        return start - shift, end - shift


def ner_stage_switches(settings) -> dict[str, bool]:
    """The NER stage's switchable post-processing as the evaluation ran it.  ``drug_classes`` off gives BC5CDR's
    own span convention for drug classes ("calcium" of "calcium channel blockers", the agent, not the class);
    the product default widens to the class (``extract.ner.drug_classes``)."""
    return {
        "drug_classes": settings.drug_classes,
        "biologic_drugs": settings.biologic_drugs,
        "ade_effects": settings.ade_effects,
    }


def evaluate_ner(
    corpus: Path,
    fmt: str = "pubtator",
    limit: int | None = None,
    *,
    model: str | Path | None = None,
) -> dict:
    """Strict (start, end, label) P/R/F1 of the real clean+ner stages on a PubTator corpus.

    ``model`` selects the NER model folder (name under ``models_dir`` or a path;
    default: the settings' choice, i.e. the newest ``models/ner-*``).
    Returns ``{"task": "ner", "precision", "recall", "f1", "per_label": {...}, "n_docs", ...}``.
    """
    from extract.runner import run_texts
    from extract.settings import get_settings

    docs = load_corpus(Path(corpus), fmt, limit)
    settings = get_settings()
    if model is not None:
        settings = settings.model_copy(update={"ner_model": str(model)})
    started = time.time()
    tables = run_texts(raw_document_rows(docs), stages=("clean", "ner"), settings=settings)
    seconds = time.time() - started
    texts = dict(zip(tables["documents"].column("doc_id").to_pylist(), tables["documents"].column("text").to_pylist()))
    by_id = {f"PMID:{d.pmid}": d for d in docs}
    aligners = {doc_id: _Mapper(by_id[doc_id], text) for doc_id, text in texts.items() if doc_id in by_id}
    predicted = set()
    ents = tables["entities"].select(["doc_id", "start", "end", "label"]).to_pylist()
    unaligned = 0
    for e in ents:
        doc = by_id.get(e["doc_id"])
        if doc is None or e["doc_id"] not in aligners or e["label"] not in LABELS:
            continue  # ADVERSE_EFFECT spans (extract.ner.adverse_effects) are no BC5CDR mention
        start, end = aligners[e["doc_id"]].span(e["start"], e["end"])
        if end <= start:
            unaligned += 1
            continue
        predicted.add((doc.pmid, start, end, e["label"]))
    scores = strict_scores(gold_tuples(docs), predicted, LABELS)
    return {
        "task": "ner",
        **scores,
        "n_docs": len(docs),
        "n_docs_processed": len(texts),
        "unaligned_predictions": unaligned,
        "texts_changed_by_clean": sum(1 for a in aligners.values() if a.changed),
        "seconds": round(seconds, 2),
        "mode": "pipeline",
        "ner_stage": ner_stage_switches(settings),
    }


def evaluate_model_direct(model_dir: str | Path, corpus: Path, limit: int | None = None) -> dict:
    """Strict scores of a model folder alone (``spacy.load``; text = title + "\\n\\n" + abstract)."""
    import spacy

    docs = load_corpus(Path(corpus), "pubtator", limit)
    nlp = spacy.load(model_dir)
    texts = [f"{d.title}\n\n{d.abstract}" for d in docs]
    started = time.time()
    predicted = set()
    n_words = 0
    for d, sdoc in zip(docs, nlp.pipe(texts, batch_size=64)):
        n_words += len(sdoc)
        title_len = len(d.title)
        for ent in sdoc.ents:
            shift = 1 if ent.start_char > title_len else 0
            predicted.add((d.pmid, ent.start_char - shift, ent.end_char - shift, ent.label_))
    seconds = time.time() - started
    scores = strict_scores(gold_tuples(docs), predicted, LABELS)
    return {
        "task": "ner",
        **scores,
        "n_docs": len(docs),
        "seconds": round(seconds, 2),
        "words_per_second": round(n_words / seconds, 1) if seconds else None,
        "docs_per_second": round(len(docs) / seconds, 1) if seconds else None,
        "mode": "direct",
    }
