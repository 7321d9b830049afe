"""The NER stage: ``documents`` + ``sentences`` -> ``entities``.

Sentence boundaries come from the clean stage (the model never re-splits), so
``sentence_index`` in ``entities`` and ``relations`` always agrees with the
``sentences`` table.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extract import schemas
from extract.ner.adverse_effects import effect_spans
from extract.ner.pipeline import component_batches, get_ner_nlp, model_version
from extract.nlp.inference_ops import one_thread
from extract.parallel import WorkerPool, chunk_size, fork_map, workers_available
from extract.rejects import Reject
from extract.settings import Settings, get_settings

STAGE = "ner"
#: ``entities.method`` of the adverse-effect spans (``label`` ``ADVERSE_EFFECT``, :mod:`extract.ner.adverse_effects`).
EFFECT_METHOD = "adverse_effect_tagger"
log = logging.getLogger(__name__)


@dataclass
class NerResult:
    entities: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    model_version: str = ""


def sentences_by_doc(sentences: pa.Table) -> dict[str, list[tuple[int, int, int, str | None]]]:
    out: dict[str, list[tuple[int, int, int, str | None]]] = {}
    cols = sentences.select(["doc_id", "sentence_index", "start", "end", "section"]).to_pydict()
    for doc_id, idx, start, end, section in zip(
        cols["doc_id"], cols["sentence_index"], cols["start"], cols["end"], cols["section"]
    ):
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
#: abbreviation_of, concept_id, concept_ids, concept_name, ontology, link_score, negated, uncertain,
#: drug_classes, mesh_tree_numbers.
EntityRecord = tuple[
    int,
    int,
    str,
    str,
    str,
    str | None,
    str | None,
    list[str] | None,
    str | None,
    str | None,
    float | None,
    bool,
    bool,
    list[str] | None,
    list[str] | None,
]

#: Per document, its entity records, or the error text when it could not be processed.
DocOutcome = list[EntityRecord] | str


def entity_records(doc: Doc) -> list[EntityRecord]:
    """The entities of a processed doc in document order (plain tuples: cheap to send between processes), then
    the adverse-effect spans of ``extract_adverse_effects`` (label ``ADVERSE_EFFECT``, unlinked; after every
    CHEMICAL / DISEASE entity, so those keep their entity ids whether the tagger runs or not)."""
    return [
        (
            ent.start_char,
            ent.end_char,
            ent.text,
            ent.label_,
            ent._.method or "model",
            ent._.abbreviation_of,
            ent._.concept_id,
            ent._.concept_ids,
            ent._.concept_name,
            ent._.ontology,
            ent._.link_score,
            bool(ent._.negated),
            bool(ent._.uncertain),
            ent._.drug_classes,
            ent._.mesh_tree_numbers,
        )
        for ent in sorted(doc.ents, key=lambda e: (e.start_char, e.end_char))
    ] + [
        (s.start_char, s.end_char, s.text, s.label_, EFFECT_METHOD, None, None, None, None, None, None, False, False)
        + (None, None)
        for s in sorted(effect_spans(doc), key=lambda s: (s.start_char, s.end_char))
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
    batches = component_batches(nlp, batch_size)
    for i in range(0, len(made), batch_size):
        chunk = made[i : i + batch_size]
        try:
            docs = nlp.pipe([d for _, d in chunk], batch_size=batch_size, component_cfg=batches)
            for (k, _), doc in zip(chunk, docs, strict=True):
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


#: Worker pools open for a whole stage (:func:`stage_workers`), by ``id`` of the pipeline they run.
_POOLS: dict[int, WorkerPool] = {}


@contextmanager
def stage_workers(settings: Settings | None = None, nlp: Language | None = None) -> Iterator[None]:
    """Fork the NER workers once for every :func:`extract_entities` call inside the block.

    The pipeline is loaded first (once per process), then ``settings.ner_processes`` workers are
    forked and inherit it; every chunk of the batch is sent to the same workers, so they keep the
    linker's caches from chunk to chunk and nothing is forked or loaded per chunk.  Without
    workers (1 process, no ``fork``, or a daemonic process such as a Dask worker) the block runs
    as without it.
    """
    settings = settings or get_settings()
    nlp = nlp if nlp is not None else get_ner_nlp(settings)
    n_process = max(1, settings.ner_processes)
    if n_process <= 1 or not workers_available() or id(nlp) in _POOLS:
        yield
        return
    pool = WorkerPool(lambda chunk: _process_items(nlp, chunk, len(chunk)), n_process)
    _POOLS[id(nlp)] = pool
    try:
        yield
    finally:
        del _POOLS[id(nlp)]
        pool.close()


def extract_entities(
    documents: pa.Table,
    sentences: pa.Table,
    settings: Settings | None = None,
    nlp: Language | None = None,
    batch_size: int = 64,
) -> NerResult:
    """Run the NER pipeline over cleaned documents; one failing document becomes a reject.

    ``nlp``: a pipeline from :func:`extract.ner.pipeline.build_ner_nlp` (default: the cached one
    for ``settings``); ``entities.model_version`` is its ``nlp.meta["extract"]["model_version"]``.

    With ``settings.ner_processes > 1`` (and more documents than one batch) forked worker
    processes run the whole pipeline: those of :func:`stage_workers` when it is open for this
    pipeline, else workers forked for this call (:func:`extract.parallel.fork_map`); the output
    is the same as with one process.
    """
    if nlp is None:
        nlp = get_ner_nlp(settings)
    version = model_version(nlp)
    sents = sentences_by_doc(sentences)
    rows: list[dict] = []
    rejects: list[Reject] = []
    docs_meta = documents.select(["doc_id", "batch_id", "source", "text", "sections"]).to_pylist()
    items = _items(docs_meta, sents)
    n_process = max(1, (settings or get_settings()).ner_processes)
    outcomes = None
    if n_process > 1 and len(docs_meta) > batch_size and workers_available():
        # Forked workers inherit the loaded pipeline (model, lexicon, linker index) and each run
        # all of it on their share; this process neither tokenises nor runs any component.
        size = chunk_size(len(items), n_process, batch_size)
        pool = _POOLS.get(id(nlp))
        try:
            if pool is not None:
                outcomes = pool.map(items, size)
            else:
                outcomes = fork_map(lambda chunk: _process_items(nlp, chunk, size), items, n_process, size)
        except Exception:
            log.warning("NER with %d processes failed; redoing the chunk in one process", n_process, exc_info=True)
    if outcomes is None:
        outcomes = _process(nlp, items, batch_size)
    for meta, outcome in zip(docs_meta, outcomes, strict=True):
        if isinstance(outcome, str):
            rejects.append(
                Reject(
                    source=meta["source"], stage=STAGE, reason="processing_error", detail=outcome, doc_id=meta["doc_id"]
                )
            )
            continue
        doc_sents = sents.get(meta["doc_id"], [])
        starts = [s for _, s, _, _ in doc_sents]
        sections = sorted((s["start"], s["end"], s["name"]) for s in (meta["sections"] or []))
        section_starts = [s for s, _, _ in sections]
        for n, (
            start,
            end,
            text,
            label,
            method,
            abbreviation_of,
            concept_id,
            concept_ids,
            concept_name,
            ontology,
            link_score,
            negated,
            uncertain,
            drug_classes,
            mesh_tree_numbers,
        ) in enumerate(outcome):
            sidx = _sentence_of(starts, start)
            sec_i = bisect.bisect_right(section_starts, start) - 1
            section = sections[sec_i][2] if sec_i >= 0 and start < sections[sec_i][1] else None
            rows.append(
                {
                    "doc_id": meta["doc_id"],
                    "batch_id": meta["batch_id"],
                    "entity_id": f"{meta['doc_id']}#e{n}",
                    "start": start,
                    "end": end,
                    "text": text,
                    "label": label,
                    "sentence_index": doc_sents[sidx][0] if doc_sents else 0,
                    "section": section,
                    "method": method,
                    "abbreviation_of": abbreviation_of,
                    "concept_id": concept_id,
                    "concept_ids": concept_ids,
                    "concept_name": concept_name,
                    "ontology": ontology,
                    "drug_classes": drug_classes,
                    "mesh_tree_numbers": mesh_tree_numbers,
                    "link_score": link_score,
                    "negated": negated,
                    "uncertain": uncertain,
                    "model_version": version,
                }
            )
    return NerResult(entities=schemas.to_table("entities", rows), rejects=rejects, model_version=version)


def filter_documents(table: pa.Table, doc_ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["doc_id"], value_set=pa.array(doc_ids, pa.string())))
