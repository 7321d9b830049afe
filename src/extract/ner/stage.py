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
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from spacy.attrs import ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE, IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extract import schemas
from extract.ner.pipeline import NerPipeline, get_pipeline
from extract.ner.postprocess import POSTPROCESSING_PIPES
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


def _make_doc(pipeline: NerPipeline, doc_id: str, text: str, sents: list[tuple[int, int, int, str | None]]) -> Doc:
    return _new_doc(pipeline.nlp, doc_id, text, [s for _, s, _, _ in sents])


def _make_doc_or_reject(pipeline: NerPipeline, meta: dict, sents: dict[str, list], rejects: list[Reject]) -> Doc | None:
    try:
        return _make_doc(pipeline, meta["doc_id"], meta["text"], sents.get(meta["doc_id"], []))
    except Exception as exc:
        rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                              detail=f"{type(exc).__name__}: {exc}", doc_id=meta["doc_id"]))
        return None


def _sentence_of(starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(starts, char) - 1)


def extract_entities(documents: pa.Table, sentences: pa.Table, settings: Settings | None = None,
                     pipeline: NerPipeline | None = None, batch_size: int = 64) -> NerResult:
    """Run the NER pipeline over cleaned documents; one failing document becomes a reject."""
    pipeline = pipeline or get_pipeline(settings)
    sents = sentences_by_doc(sentences)
    rows: list[dict] = []
    rejects: list[Reject] = []
    docs_meta = documents.select(["doc_id", "batch_id", "source", "text", "sections"]).to_pylist()
    n_process = max(1, (settings or get_settings()).ner_processes)
    processed = None
    if n_process > 1 and len(docs_meta) > batch_size:
        try:
            processed, doc_rejects = _pipe_multiprocess(pipeline, docs_meta, sents, batch_size, n_process)
            rejects.extend(doc_rejects)
        except Exception:
            log.warning("NER with %d processes failed; redoing the chunk in one process", n_process, exc_info=True)
    if processed is None:
        good = []
        for meta in docs_meta:
            doc = _make_doc_or_reject(pipeline, meta, sents, rejects)
            if doc is not None:
                good.append((meta, doc))
        processed = _pipe_safely(pipeline, good, rejects, batch_size)
    for meta, doc in processed:
        doc_sents = sents.get(meta["doc_id"], [])
        starts = [s for _, s, _, _ in doc_sents]
        sections = sorted((s["start"], s["end"], s["name"]) for s in (meta["sections"] or []))
        section_starts = [s for s, _, _ in sections]
        for n, ent in enumerate(sorted(doc.ents, key=lambda e: (e.start_char, e.end_char))):
            sidx = _sentence_of(starts, ent.start_char)
            sec_i = bisect.bisect_right(section_starts, ent.start_char) - 1
            section = sections[sec_i][2] if sec_i >= 0 and ent.start_char < sections[sec_i][1] else None
            rows.append({
                "doc_id": meta["doc_id"], "batch_id": meta["batch_id"], "entity_id": f"{meta['doc_id']}#e{n}",
                "start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": ent.label_,
                "sentence_index": doc_sents[sidx][0] if doc_sents else 0, "section": section,
                "method": ent._.method or "model", "abbreviation_of": ent._.abbreviation_of,
                "concept_id": ent._.concept_id, "concept_name": ent._.concept_name, "ontology": ent._.ontology,
                "link_score": ent._.link_score, "negated": bool(ent._.negated), "uncertain": bool(ent._.uncertain),
                "model_version": pipeline.version,
            })
    return NerResult(entities=schemas.to_table("entities", rows), rejects=rejects, model_version=pipeline.version)


def _split_pipeline(nlp: Language) -> tuple[list[str], list[tuple[str, object]]]:
    """(names of the model pipes, [(name, component)] of the post-processing pipes).

    The post-processing part starts at the first of ``POSTPROCESSING_PIPES`` and runs to
    the end, so anything a model brings before its ``ner`` (e.g. ``extract_lexicon_features``)
    stays in the model part.
    """
    names = list(nlp.pipe_names)
    cut = next((i for i, name in enumerate(names) if name in POSTPROCESSING_PIPES), len(names))
    return names[:cut], [(name, nlp.get_pipe(name)) for name in names[cut:]]


def _apply(proc, docs: Iterable[Doc]) -> Iterator[Doc]:
    for doc in docs:
        yield proc(doc)


def _run_components(docs: Iterable[Doc], components: list[tuple[str, object]], batch_size: int) -> Iterator[Doc]:
    """Chain the components over a doc stream, as ``Language.pipe`` does in one process."""
    for _, proc in components:
        docs = proc.pipe(docs, batch_size=batch_size) if hasattr(proc, "pipe") else _apply(proc, docs)
    return iter(docs)


# ------------------------------------------------------------------ worker processes

#: Token attributes that carry the entities from a worker back to this process.
_ENT_ATTRS = [ENT_IOB, ENT_TYPE, ENT_KB_ID, ENT_ID]

#: (nlp, model pipe names, batch size) in a worker process (set by :func:`_init_worker`).
_WORKER_STATE: tuple[Language, list[str], int] | None = None

#: One doc's result from a worker: token count, ``_ENT_ATTRS`` array, the strings of the hashes
#: in it, and ``doc.user_data`` (span extensions the model pipes set, e.g. ``method``).
_Annotation = tuple[int, np.ndarray, dict[int, str], dict]


def _init_worker(nlp: Language, model_pipes: list[str], batch_size: int) -> None:
    """Worker start-up.  With the fork start method the arguments are inherited, not pickled."""
    global _WORKER_STATE
    _WORKER_STATE = (nlp, model_pipes, batch_size)


def _annotate_chunk(chunk: list[tuple[str, str, list[int]]]) -> list[_Annotation | None]:
    """Worker: make the docs of ``(doc_id, text, sentence starts)`` and run the model pipes on them."""
    assert _WORKER_STATE is not None, "worker started without a pipeline"
    nlp, model_pipes, batch_size = _WORKER_STATE
    made: list[Doc | None] = []
    for doc_id, text, starts in chunk:
        try:
            made.append(_new_doc(nlp, doc_id, text, starts))
        except Exception:  # this process rejects it when it fails to make the same doc
            made.append(None)
    docs = _run_components([d for d in made if d is not None],
                           [(name, nlp.get_pipe(name)) for name in model_pipes], batch_size)
    annotated = []
    for doc in docs:
        array = doc.to_array(_ENT_ATTRS)
        strings = {int(h): nlp.vocab.strings[int(h)] for h in np.unique(array[:, 1:]) if h} if len(doc) else {}
        annotated.append((len(doc), array, strings, dict(doc.user_data)))
    found = iter(annotated)
    return [None if d is None else next(found) for d in made]


def _annotate(doc: Doc, annotation: _Annotation) -> Doc:
    """Copy a worker's entities and ``user_data`` onto this process's doc of the same text."""
    n_tokens, array, strings, user_data = annotation
    if n_tokens != len(doc):
        raise RuntimeError(f"worker tokenised {doc._.doc_id!r} into {n_tokens} tokens, this process into {len(doc)}")
    for text in strings.values():
        doc.vocab.strings.add(text)
    if n_tokens:
        doc.from_array(_ENT_ATTRS, array)
    doc.user_data.update(user_data)
    return doc


def _multiprocess_batch_size(n_docs: int, n_process: int, batch_size: int) -> int:
    """Docs per worker task: ``batch_size``, but at least two tasks per worker so the last one does not
    leave a core idle for long (smaller batches cost the model more per doc)."""
    return max(8, min(batch_size, math.ceil(n_docs / (n_process * 2))))


def _pipe_multiprocess(pipeline: NerPipeline, metas: list[dict], sents: dict[str, list], batch_size: int,
                       n_process: int) -> tuple[list[tuple[dict, Doc]], list[Reject]]:
    """The model pipes in ``n_process`` forked worker processes, post-processing in this process.

    Returns ``[(meta, doc)]`` and the rejects of documents no doc could be made for.
    Workers are forked from this process, so they share the loaded pipeline (model, lexicon,
    linker) copy-on-write and load nothing; ``gc.freeze()`` from before the fork until the
    workers have exited keeps the garbage collector (theirs and ours) from touching, and so
    copying, those objects.  A task sends ``(doc_id, text, sentence starts)`` and gets back
    the entity token attributes and ``user_data`` (a few kB pickled) rather than whole
    serialised ``Doc`` objects (spaCy's own ``n_process`` path pays srsly/catalogue registry
    look-ups for every doc both ways).  The tasks are sent first; this process then makes its
    own docs and runs the post-processing pipes (abbreviations, linker with one cache and
    batched index queries, context) on them as the workers' chunks come back.
    """
    if "fork" not in mp.get_all_start_methods():
        raise RuntimeError("worker processes need the 'fork' start method")
    nlp = pipeline.nlp
    model_pipes, post = _split_pipeline(nlp)
    size = _multiprocess_batch_size(len(metas), n_process, batch_size)
    chunks = [metas[i : i + size] for i in range(0, len(metas), size)]
    tasks = [[(m["doc_id"], m["text"], [s for _, s, _, _ in sents.get(m["doc_id"], [])]) for m in chunk]
             for chunk in chunks]
    rejects: list[Reject] = []
    kept: list[dict] = []

    def annotated() -> Iterator[Doc]:
        for chunk, chunk_result in zip(chunks, results):
            for meta, annotation in zip(chunk, chunk_result, strict=True):
                doc = _make_doc_or_reject(pipeline, meta, sents, rejects)
                if (doc is None) != (annotation is None):
                    raise RuntimeError(f"worker and stage disagree on making a doc of {meta['doc_id']!r}")
                if doc is not None:
                    kept.append(meta)
                    yield _annotate(doc, annotation)

    executor = ProcessPoolExecutor(max_workers=n_process, mp_context=mp.get_context("fork"),
                                   initializer=_init_worker, initargs=(nlp, model_pipes, size))
    # Frozen objects are skipped by the collector in the workers and here: a full collection
    # writes to every tracked object's header and so un-shares its page on either side.
    gc.freeze()
    try:
        results = executor.map(_annotate_chunk, tasks)  # the first submit forks all workers
        docs = list(_run_components(annotated(), post, batch_size))
        return list(zip(kept, docs, strict=True)), rejects
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _pipe_safely(pipeline: NerPipeline, items: list[tuple[dict, Doc]], rejects: list[Reject], batch_size: int):
    """nlp.pipe over the docs in this process; if it fails, redo batch by batch, then doc by doc,
    to isolate the bad one."""
    out = []
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        try:
            docs = list(pipeline.nlp.pipe([d for _, d in chunk], batch_size=batch_size))
            out.extend(zip([m for m, _ in chunk], docs))
        except Exception:
            for meta, doc in chunk:
                try:
                    out.append((meta, pipeline.nlp(doc)))
                except Exception as exc:
                    rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                                          detail=f"{type(exc).__name__}: {exc}", doc_id=meta["doc_id"]))
    return out


def filter_documents(table: pa.Table, doc_ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["doc_id"], value_set=pa.array(doc_ids, pa.string())))
