"""The NER stage: ``documents`` + ``sentences`` -> ``entities``.

Sentence boundaries come from the clean stage (the model never re-splits), so
``sentence_index`` in ``entities`` and ``relations`` always agrees with the
``sentences`` table.
"""

from __future__ import annotations

import bisect
import gc
import logging
import math
import multiprocessing as mp
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extract import schemas
from extract.ner.pipeline import NerPipeline, get_pipeline
from extract.nlp.inference_ops import one_thread
from extract.rejects import Reject
from extract.settings import Settings, get_settings

STAGE = "ner"
log = logging.getLogger(__name__)


@dataclass
class NerResult:
    entities: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    model_version: str = ""


def sentences_by_doc(sentences: pa.Table) -> dict[str, list[tuple[int, int, int, str | None]]]:
    out: dict[str, list[tuple[int, int, int, str | None]]] = {}
    cols = sentences.select(["doc_id", "sentence_index", "start", "end", "section"]).to_pydict()
    for doc_id, idx, start, end, section in zip(cols["doc_id"], cols["sentence_index"], cols["start"],
                                                cols["end"], cols["section"]):
        out.setdefault(doc_id, []).append((idx, start, end, section))
    for spans in out.values():
        spans.sort()
    return out


def _new_doc(nlp: Language, doc_id: str, text: str, starts: Iterable[int]) -> Doc:
    """``nlp.make_doc(text)`` with ``doc._.doc_id`` and sentence starts at the character offsets ``starts``."""
    doc = nlp.make_doc(text)
    doc._.doc_id = doc_id
    if len(doc):
        # One array write instead of ``token.is_sent_start = ...`` per token (each of those
        # re-checks the doc's annotation): 1 = sentence start, -1 = not a start.
        idx = doc.to_array(IDX).astype(np.int64)
        flags = np.where(np.isin(idx, np.fromiter(starts, dtype=np.int64)), 1, -1).astype(np.int64)
        flags[0] = 1
        doc.from_array([SENT_START], flags.view(np.uint64))
    return doc


def _sentence_of(starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(starts, char) - 1)


#: One entity as the stage reads it off a processed doc: start, end, text, label, method,
#: abbreviation_of, concept_id, concept_ids, concept_name, ontology, link_score, negated, uncertain.
EntityRecord = tuple[int, int, str, str, str, str | None, str | None, list[str] | None, str | None, str | None,
                     float | None, bool, bool]

#: Per document, its entity records, or the error text when it could not be processed.
DocOutcome = list[EntityRecord] | str


def entity_records(doc: Doc) -> list[EntityRecord]:
    """The entities of a processed doc in document order (plain tuples: cheap to send between processes)."""
    return [
        (ent.start_char, ent.end_char, ent.text, ent.label_, ent._.method or "model", ent._.abbreviation_of,
         ent._.concept_id, ent._.concept_ids, ent._.concept_name, ent._.ontology, ent._.link_score, bool(ent._.negated),
         bool(ent._.uncertain))
        for ent in sorted(doc.ents, key=lambda e: (e.start_char, e.end_char))
    ]


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _process(nlp: Language, items: list[tuple[str, str, list[int]]], batch_size: int) -> list[DocOutcome]:
    """Make and run the docs of ``(doc_id, text, sentence starts)`` through the whole pipeline.

    ``nlp.pipe`` over the batch; if that fails, doc by doc, so one bad document costs only itself.
    """
    with one_thread():
        return _process_items(nlp, items, batch_size)


def _process_items(nlp: Language, items: list[tuple[str, str, list[int]]], batch_size: int) -> list[DocOutcome]:
    outcomes: list[DocOutcome] = [""] * len(items)
    made: list[tuple[int, Doc]] = []
    for k, (doc_id, text, starts) in enumerate(items):
        try:
            made.append((k, _new_doc(nlp, doc_id, text, starts)))
        except Exception as exc:
            outcomes[k] = _error(exc)
    for i in range(0, len(made), batch_size):
        chunk = made[i : i + batch_size]
        try:
            for (k, _), doc in zip(chunk, nlp.pipe([d for _, d in chunk], batch_size=batch_size), strict=True):
                outcomes[k] = entity_records(doc)
        except Exception:
            for k, doc in chunk:
                try:
                    outcomes[k] = entity_records(nlp(doc))
                except Exception as exc:
                    outcomes[k] = _error(exc)
    return outcomes


def _items(metas: list[dict], sents: dict[str, list]) -> list[tuple[str, str, list[int]]]:
    return [(m["doc_id"], m["text"], [s for _, s, _, _ in sents.get(m["doc_id"], [])]) for m in metas]


def extract_entities(documents: pa.Table, sentences: pa.Table, settings: Settings | None = None,
                     pipeline: NerPipeline | None = None, batch_size: int = 64) -> NerResult:
    """Run the NER pipeline over cleaned documents; one failing document becomes a reject.

    With ``settings.ner_processes > 1`` (and more documents than one batch) forked worker
    processes run the whole pipeline (see :func:`_process_multiprocess`); the output is the
    same as with one process.
    """
    pipeline = pipeline or get_pipeline(settings)
    sents = sentences_by_doc(sentences)
    rows: list[dict] = []
    rejects: list[Reject] = []
    docs_meta = documents.select(["doc_id", "batch_id", "source", "text", "sections"]).to_pylist()
    items = _items(docs_meta, sents)
    n_process = max(1, (settings or get_settings()).ner_processes)
    outcomes = None
    if n_process > 1 and len(docs_meta) > batch_size:
        try:
            outcomes = _process_multiprocess(pipeline.nlp, items, batch_size, n_process)
        except Exception:
            log.warning("NER with %d processes failed; redoing the chunk in one process", n_process, exc_info=True)
    if outcomes is None:
        outcomes = _process(pipeline.nlp, items, batch_size)
    for meta, outcome in zip(docs_meta, outcomes, strict=True):
        if isinstance(outcome, str):
            rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                                  detail=outcome, doc_id=meta["doc_id"]))
            continue
        doc_sents = sents.get(meta["doc_id"], [])
        starts = [s for _, s, _, _ in doc_sents]
        sections = sorted((s["start"], s["end"], s["name"]) for s in (meta["sections"] or []))
        section_starts = [s for s, _, _ in sections]
        for n, (start, end, text, label, method, abbreviation_of, concept_id, concept_ids, concept_name, ontology,
                link_score, negated, uncertain) in enumerate(outcome):
            sidx = _sentence_of(starts, start)
            sec_i = bisect.bisect_right(section_starts, start) - 1
            section = sections[sec_i][2] if sec_i >= 0 and start < sections[sec_i][1] else None
            rows.append({
                "doc_id": meta["doc_id"], "batch_id": meta["batch_id"], "entity_id": f"{meta['doc_id']}#e{n}",
                "start": start, "end": end, "text": text, "label": label,
                "sentence_index": doc_sents[sidx][0] if doc_sents else 0, "section": section,
                "method": method, "abbreviation_of": abbreviation_of,
                "concept_id": concept_id, "concept_ids": concept_ids, "concept_name": concept_name, "ontology": ontology,
                "link_score": link_score, "negated": negated, "uncertain": uncertain,
                "model_version": pipeline.version,
            })
    return NerResult(entities=schemas.to_table("entities", rows), rejects=rejects, model_version=pipeline.version)


# ------------------------------------------------------------------ worker processes

#: (nlp, batch size) in a worker process (set by :func:`_init_worker`).
_WORKER_STATE: tuple[Language, int] | None = None


def _init_worker(nlp: Language, batch_size: int) -> None:
    """Worker start-up.  With the fork start method the arguments are inherited, not pickled."""
    global _WORKER_STATE
    _WORKER_STATE = (nlp, batch_size)


def _process_chunk(chunk: list[tuple[str, str, list[int]]]) -> list[DocOutcome]:
    """Worker: :func:`_process` with the pipeline inherited from the parent."""
    assert _WORKER_STATE is not None, "worker started without a pipeline"
    nlp, batch_size = _WORKER_STATE
    return _process(nlp, chunk, batch_size)


def _multiprocess_batch_size(n_docs: int, n_process: int, batch_size: int) -> int:
    """Docs per worker task: ``batch_size``, but at least two tasks per worker so the last one does not
    leave a core idle for long (smaller batches cost the model more per doc)."""
    return max(8, min(batch_size, math.ceil(n_docs / (n_process * 2))))


def _process_multiprocess(nlp: Language, items: list[tuple[str, str, list[int]]], batch_size: int,
                          n_process: int) -> list[DocOutcome]:
    """:func:`_process` over chunks of ``items`` in ``n_process`` forked worker processes.

    Workers are forked from this process, so they share the loaded pipeline (model, lexicon,
    linker index) copy-on-write and load nothing (nmslib indexes cannot be pickled; they are
    never sent).  ``gc.freeze()`` from before the fork until the workers have exited keeps the
    garbage collector (theirs and ours) from touching, and so copying, those objects.  A task
    sends ``(doc_id, text, sentence starts)`` and gets back plain entity tuples, so this process
    neither tokenises nor runs any component: the whole pipeline (model, abbreviations, linker
    with its per-process caches and batched index queries, context) runs in the workers, and
    both cores do the same kind of work.
    """
    if "fork" not in mp.get_all_start_methods():
        raise RuntimeError("worker processes need the 'fork' start method")
    size = _multiprocess_batch_size(len(items), n_process, batch_size)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    executor = ProcessPoolExecutor(max_workers=n_process, mp_context=mp.get_context("fork"),
                                   initializer=_init_worker, initargs=(nlp, size))
    # Frozen objects are skipped by the collector in the workers and here: a full collection
    # writes to every tracked object's header and so un-shares its page on either side.
    gc.freeze()
    try:
        return [outcome for chunk_outcomes in executor.map(_process_chunk, chunks) for outcome in chunk_outcomes]
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def filter_documents(table: pa.Table, doc_ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["doc_id"], value_set=pa.array(doc_ids, pa.string())))
