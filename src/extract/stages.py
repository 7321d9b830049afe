"""Stage runners over the Parquet store: read the previous stage's tables, process, write atomically.

Each stage is split into ``load`` (read its inputs for a batch), ``process``
(a pure function over a chunk of documents, safe to map on any worker) and
``write`` (replace the stage's tables, its rejects part and append a runs row).
The Prefect flows in ``pipelines/`` only call these.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from extract import __version__, schemas, store
from extract.clean.stage import CleanResult, clean_documents
from extract.ingest.medline import NEWEST, OLDEST, medline_file_key, medline_file_rank
from extract.ingest.stage import IngestResult, ingest_paths
from extract.rejects import Reject
from extract.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)


class MissingStageInputError(RuntimeError):
    """The stage before has not written its tables for this batch."""


def _missing_input(out: Path, table: str, batch_id: str, stage_before: str) -> MissingStageInputError:
    """The error for a batch without ``table``, naming the batches that have it (a mistyped id is the usual cause)."""
    known = store.list_batches(out, table)
    listed = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "") if known else "none"
    return MissingStageInputError(
        f"batch {batch_id!r} has no {table} in {out}: run the {stage_before} stage first "
        f"(batches with {table} there: {listed})"
    )


@dataclass
class StageOutcome:
    stage: str
    batch_id: str
    n_in: int
    n_out: int
    n_rejected: int
    model_version: str | None = None
    detail: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "completed_with_rejects" if self.n_rejected else "completed"


@lru_cache(maxsize=1)
def code_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def now() -> datetime:
    return datetime.now(UTC)


def rejects_table(rejects: list[Reject], batch_id: str) -> pa.Table:
    return schemas.to_table("rejects", [r.row(batch_id) for r in rejects])


def record_run(out: Path, run_id: str, outcome: StageOutcome, started_at: datetime, status: str | None = None) -> None:
    row = {
        "run_id": run_id,
        "batch_id": outcome.batch_id,
        "stage": outcome.stage,
        "started_at": started_at,
        "finished_at": now(),
        "status": status or outcome.status,
        "n_in": outcome.n_in,
        "n_out": outcome.n_out,
        "n_rejected": outcome.n_rejected,
        "code_version": code_version(),
        "model_version": outcome.model_version,
        "detail": json.dumps(outcome.detail, sort_keys=True) if outcome.detail else None,
    }
    store.write_partition(
        out, "runs", outcome.batch_id, schemas.to_table("runs", [row]), part=f"{outcome.stage}-{run_id}"
    )


def record_failure(out: Path, run_id: str, stage: str, batch_id: str, started_at: datetime, error: str) -> None:
    outcome = StageOutcome(stage=stage, batch_id=batch_id, n_in=0, n_out=0, n_rejected=0, detail={"error": error})
    record_run(out, run_id, outcome, started_at, status="failed")


def _write_rejects(out: Path, stage: str, batch_id: str, rejects: list[Reject]) -> None:
    store.write_partition(out, "rejects", batch_id, rejects_table(rejects, batch_id), part=stage)


# ---------------------------------------------------------------- chunking


def chunk_ids(table: pa.Table, size: int) -> list[list[str]]:
    ids = table["doc_id"].to_pylist()
    return [ids[i : i + size] for i in range(0, len(ids), max(1, size))]


def take_docs(table: pa.Table, doc_ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["doc_id"], value_set=pa.array(doc_ids, pa.string())))


# ---------------------------------------------------------------- ingest


def ingest_batch(
    inputs: list[str],
    out: Path,
    batch_id: str,
    settings: Settings | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[IngestResult, StageOutcome]:
    """Ingest files into the batch's ``files``, ``raw_documents`` and ingest rejects; apply DeleteCitations.

    Documents are streamed into the ``raw_documents`` partition (constant
    memory for baseline files of any size); the partition becomes visible only
    once complete.  A PMID an update file deletes is then removed from the citations of older NLM files (and of
    files without an NLM name) in every batch, this one included (see ``apply_deletions``).  ``on_progress(n)`` is
    called as each block of ``n`` documents is written (the run's progress display).
    """
    for part in store.list_parts(out, "rejects", batch_id):
        if part.startswith((DELETION_PART_PREFIX, SUPERSEDED_PART_PREFIX)):
            store.remove_part(out, "rejects", batch_id, part)  # raw_documents is rewritten from scratch
    with store.PartitionWriter(out, "raw_documents", batch_id) as writer:

        def on_rows(rows: pa.Table) -> None:
            writer.write(rows)
            if on_progress is not None:
                on_progress(rows.num_rows)

        result = ingest_paths([str(i) for i in inputs], batch_id, settings, on_rows=on_rows)
    store.write_partition(out, "files", batch_id, result.files)
    _write_rejects(out, "ingest", batch_id, result.rejects)
    removed = apply_deletions(out, result.deleted_pmids, deleting_batch=batch_id) if result.deleted_pmids else {}
    n_deleted_here = removed.pop("_rejected_in_batch", 0)
    redeleted = reapply_deletions(out, batch_id)
    n_deleted_here += redeleted.pop("_rejected_in_batch", 0)
    revised = apply_revisions(out, batch_id)
    n_deleted_here += revised.pop("_rejected_in_batch", 0)
    outcome = StageOutcome(
        stage="ingest",
        batch_id=batch_id,
        n_in=result.files.num_rows,
        n_out=writer.num_rows - n_deleted_here,
        n_rejected=len(result.rejects) + n_deleted_here,
        detail={
            **({"deleted_pmids": len(result.deleted_pmids), "deleted_rows": removed} if result.deleted_pmids else {}),
            **({"superseded_rows": revised} if revised else {}),
            **({"deleted_again_rows": redeleted} if redeleted else {}),
            **_ignored_annotations_detail(result.ignored_annotations),
        },
    )
    return result, outcome


def _ignored_annotations_detail(ignored: list[str], examples: int = 10) -> dict:
    """``runs.detail`` of ingest for PubTator annotation lines dropped from kept documents: their count and the
    first ``examples`` ("<path>#<index> PMID:<pmid> line <n>: <what is wrong>")."""
    if not ignored:
        return {}
    return {"pubtator_annotations_ignored": len(ignored), "pubtator_annotations_ignored_examples": ignored[:examples]}


DELETION_PART_PREFIX = "deleted-by-"


def apply_deletions(
    out: Path, pmids: list[str], deleting_batch: str | None = None, exclude_batch: str | None = None
) -> dict[str, int]:
    """Remove citations deleted by MEDLINE update files (``DeleteCitation``) from every document table.

    A DeleteCitation of NLM file N (``pubmedYYnNNNN``, ordered by year, then number) removes its PMID's citations
    read from files up to N, and from files without an NLM name, in every batch (except ``exclude_batch``): a
    citation of a newer file (a re-add) is kept, whichever batch holds it and whichever batch was ingested first,
    the rule of the batch's own ingest (``ingest.batch_records.BatchDeletions``) and of :func:`reapply_deletions`.  The
    ``files`` partition of ``deleting_batch`` names the file that deletes each PMID (the newest, when several do); a
    PMID deleted by a file without an NLM name, or not found there, is removed from every citation.  Each removed
    ``raw_documents`` row gets a ``deleted_citation`` rejects row in its own batch (part
    ``deleted-by-<deleting_batch>``), so ``check`` can still account for every document its source file yielded.
    A DeleteCitation's ``<PMID Version>`` is resolved within its own batch (``BatchDeletions``); here, as in
    :func:`reapply_deletions`, a deletion applies to the PMID whatever its version, the store holding no versions.
    Idempotent: applying the same deletions twice changes nothing.  Returns removed rows per table (and, under
    ``_rejected_in_batch``, how many of them belonged to ``deleting_batch``).
    """
    named = _deletion_ranks(out, deleting_batch) if deleting_batch is not None else {}
    ranks = {f"PMID:{p}": named.get(f"PMID:{p}", NEWEST) for p in pmids}
    doc_ids = pa.array(sorted(ranks), pa.string())
    batches = sorted({b for name in _DOCUMENT_TABLES for b in store.list_batches(out, name)} - {exclude_batch})
    removed: dict[str, int] = {}
    for batch in batches:
        cited = _citation_ranks(out, batch, only=doc_ids, unnamed=OLDEST)
        # a doc id without a raw document (or document) here is removed from whatever table still holds it
        gone = pa.array([d for d in doc_ids.to_pylist() if cited.get(d, OLDEST) <= ranks[d]], pa.string())
        if not len(gone):
            continue
        counts = _remove_documents(
            out,
            batch,
            gone,
            part=f"{DELETION_PART_PREFIX}{deleting_batch or 'unknown'}",
            reason="deleted_citation",
            detail=lambda doc_id: (
                f"{doc_id} deleted by a DeleteCitation element (update ingested in batch {deleting_batch})"
            ),
        )
        if batch == deleting_batch and counts.get("raw_documents"):
            removed["_rejected_in_batch"] = removed.get("_rejected_in_batch", 0) + counts["raw_documents"]
        for name, n in counts.items():
            removed[name] = removed.get(name, 0) + n
    return removed


def _deletion_ranks(out: Path, batch: str) -> dict[str, tuple]:
    """doc_id -> rank (``medline_file_rank``) of the newest file of ``batch`` whose DeleteCitation names the PMID
    (``NEWEST`` for a file without an NLM name), from the batch's ``files`` partition."""
    if not store.has_partition(out, "files", batch):
        return {}
    ranks: dict[str, tuple] = {}
    for piece in store.iter_partition(out, "files", batch, columns=["path", "deleted_pmids"]):
        for path, pmids in zip(piece["path"].to_pylist(), piece["deleted_pmids"].to_pylist()):
            rank = medline_file_rank(path, NEWEST)
            for pmid in pmids or []:
                doc_id = f"PMID:{pmid}"
                if rank > ranks.get(doc_id, OLDEST):
                    ranks[doc_id] = rank
    return ranks


SUPERSEDED_PART_PREFIX = "superseded-by-"
_DOCUMENT_TABLES = ("raw_documents", "documents", "sentences", "entities", "relations", "document_relations")


def _remove_documents(out: Path, batch: str, doc_ids: pa.Array, part: str, reason: str, detail) -> dict[str, int]:
    """Remove ``doc_ids`` from every document table of ``batch``; each removed ``raw_documents`` row gets a rejects
    row (``reason``, ``detail(doc_id)``) in the batch's rejects part ``part``.  Returns removed rows per table."""
    removed: dict[str, int] = {}
    for table_name in _DOCUMENT_TABLES:
        if not store.has_partition(out, table_name, batch):
            continue
        table = store.read_partition(out, table_name, batch, parts=["part-0"])
        mask = pc.is_in(table["doc_id"], value_set=doc_ids)
        n = pc.sum(mask).as_py() or 0
        if not n:
            continue
        if table_name == "raw_documents":
            gone = table.filter(mask).select(["doc_id", "source", "source_index"]).to_pylist()
            previous = store.read_partition(out, "rejects", batch, parts=[part]).to_pylist()
            rejects = [
                Reject(
                    source=f"{g['source']}#{g['source_index']}",
                    stage="ingest",
                    reason=reason,
                    doc_id=g["doc_id"],
                    detail=detail(g["doc_id"]),
                )
                for g in gone
            ]
            rows = list({(r["source"], r["doc_id"]): r for r in previous + [r.row(batch) for r in rejects]}.values())
            store.write_partition(out, "rejects", batch, schemas.to_table("rejects", rows), part=part)
        store.write_partition(out, table_name, batch, table.filter(pc.invert(mask)))
        removed[table_name] = n
    return removed


def _citation_ranks(out: Path, batch: str, only=None, unnamed: tuple | None = None) -> dict[str, tuple]:
    """doc_id -> NLM file key (year, number) of the batch's citations read from NLM baseline / update files, and
    ``unnamed`` for the others (left out when None).  Of the doc ids in ``only`` (a collection or an Arrow array),
    when given: the other batches are read in Arrow and only their overlap in Python.  Read from ``raw_documents``
    (``documents`` for a batch without it)."""
    table = "raw_documents" if store.has_partition(out, "raw_documents", batch) else "documents"
    if not store.has_partition(out, table, batch):
        return {}
    if only is not None and not isinstance(only, pa.Array):
        only = pa.array(sorted(only), pa.string())
    ranks = {}
    for piece in store.iter_partition(out, table, batch, columns=["doc_id", "source"], batch_rows=65536):
        if only is not None:
            piece = piece.filter(pc.is_in(piece["doc_id"], value_set=only))
        for doc_id, source in zip(piece["doc_id"].to_pylist(), piece["source"].to_pylist()):
            rank = medline_file_key(source) or unnamed
            if rank is not None:
                ranks[doc_id] = rank
    return ranks


def _medline_versions(out: Path, batch: str, only=None) -> dict[str, tuple[int, int]]:
    """doc_id -> NLM file key (year, number) of the batch's citations read from NLM baseline / update files (of the
    doc ids in ``only``, when given)."""
    if not store.has_partition(out, "raw_documents", batch):
        return {}
    return _citation_ranks(out, batch, only=only)


def reapply_deletions(out: Path, batch_id: str) -> dict[str, int]:
    """Remove from ``batch_id`` the citations that a DeleteCitation of another batch removes, by the rule of
    :func:`apply_deletions` (a DeleteCitation of NLM file N removes the citations of files up to N and of files without
    an NLM name; one of a file without an NLM name removes every citation): re-running a baseline batch after its
    update does not bring deleted citations back, and a batch ingested after the deleting batch loses what it would
    have lost ingested before it.  Returns removed rows per table (``_rejected_in_batch``: raw documents)."""
    removed: dict[str, int] = {}
    for batch in store.list_batches(out, "files"):
        if batch == batch_id:
            continue
        ranks = _deletion_ranks(out, batch)
        if not ranks:
            continue
        mine = _citation_ranks(out, batch_id, only=ranks, unnamed=OLDEST)
        gone = {doc_id for doc_id, rank in mine.items() if rank <= ranks[doc_id]}
        if gone:
            detail = f"deleted by a DeleteCitation element (update ingested in batch {batch})"
            _remove_and_count(
                out, batch_id, gone, f"{DELETION_PART_PREFIX}{batch}", "deleted_citation", detail, removed
            )
    return removed


def _remove_and_count(
    out: Path, batch: str, doc_ids, part: str, reason: str, detail: str, removed: dict, here: bool = True
) -> None:
    """:func:`_remove_documents` of ``doc_ids`` ("<doc id> <detail>" as each reject's detail), adding the removed rows
    to ``removed`` (and, when ``batch`` is the batch being ingested, its raw documents to ``_rejected_in_batch``)."""
    counts = _remove_documents(
        out,
        batch,
        pa.array(sorted(doc_ids), pa.string()),
        part=part,
        reason=reason,
        detail=lambda doc_id: f"{doc_id} {detail}",
    )
    if here:
        removed["_rejected_in_batch"] = removed.get("_rejected_in_batch", 0) + counts.get("raw_documents", 0)
    for name, n in counts.items():
        removed[name] = removed.get(name, 0) + n


def apply_revisions(out: Path, batch_id: str) -> dict[str, int]:
    """Keep one version of a citation two batches read from different NLM files: the one of the newer file.

    A PubMed update file revises citations of the baseline and of earlier updates.  Each citation of
    ``batch_id`` that another batch holds from an older file is removed there, and one that another batch holds from
    a newer file is removed here (re-running an old batch does not bring an old version back), with a
    ``superseded_citation`` rejects row in the batch that lost it (part ``superseded-by-<batch>``).  The same file
    in two batches is left alone.  Returns removed rows per table."""
    mine = _medline_versions(out, batch_id)
    removed: dict[str, int] = {}
    if not mine:
        return removed
    lose_here: dict[str, set[str]] = {}  # the newer batch -> doc ids this batch loses to it
    for batch in store.list_batches(out, "raw_documents"):
        if batch == batch_id:
            continue
        theirs = _medline_versions(out, batch, only=mine)
        older_there = sorted(d for d, n in theirs.items() if d in mine and n < mine[d])
        for d, n in theirs.items():
            if d in mine and n > mine[d]:
                lose_here.setdefault(batch, set()).add(d)
        if older_there:
            detail = f"is revised by a newer NLM file ingested in batch {batch_id}"
            part = f"{SUPERSEDED_PART_PREFIX}{batch_id}"
            _remove_and_count(out, batch, older_there, part, "superseded_citation", detail, removed, here=False)
    for newer, doc_ids in sorted(lose_here.items()):
        detail = f"is revised by a newer NLM file ingested in batch {newer}"
        part = f"{SUPERSEDED_PART_PREFIX}{newer}"
        _remove_and_count(out, batch_id, doc_ids, part, "superseded_citation", detail, removed)
    return removed


# ---------------------------------------------------------------- clean


def load_clean_input(out: Path, batch_id: str) -> pa.Table:
    if not store.has_partition(out, "raw_documents", batch_id):
        raise _missing_input(out, "raw_documents", batch_id, "ingest")
    return store.read_partition(out, "raw_documents", batch_id)


def clean_chunk(raw: pa.Table) -> CleanResult:
    return clean_documents(raw)


def write_clean(out: Path, batch_id: str, n_in: int, results: list[CleanResult]) -> StageOutcome:
    documents = _concat("documents", [r.documents for r in results])
    sentences = _concat("sentences", [r.sentences for r in results])
    rejects = [rj for r in results for rj in r.rejects]
    store.write_partition(out, "documents", batch_id, documents)
    store.write_partition(out, "sentences", batch_id, sentences)
    _write_rejects(out, "clean", batch_id, rejects)
    detail = {"sentences": sentences.num_rows, **_boilerplate_detail(results)}
    return StageOutcome("clean", batch_id, n_in, documents.num_rows, len(rejects), detail=detail)


def _boilerplate_detail(results: list[CleanResult]) -> dict:
    """``runs.detail`` of clean: the web-page lines and characters dropped as boilerplate."""
    return {
        "boilerplate_lines_removed": sum(r.boilerplate_lines_removed for r in results),
        "boilerplate_chars_removed": sum(r.boilerplate_chars_removed for r in results),
    }


# ---------------------------------------------------------------- ner


def load_ner_input(out: Path, batch_id: str) -> tuple[pa.Table, pa.Table]:
    if not store.has_partition(out, "documents", batch_id):
        raise _missing_input(out, "documents", batch_id, "clean")
    return store.read_partition(out, "documents", batch_id), store.read_partition(out, "sentences", batch_id)


def ner_chunk(documents: pa.Table, sentences: pa.Table, settings: Settings | None = None):
    from extract.ner.stage import extract_entities

    return extract_entities(documents, sentences, settings or get_settings())


def write_ner(out: Path, batch_id: str, n_in: int, results: list) -> StageOutcome:
    entities = _concat("entities", [r.entities for r in results])
    rejects = [rj for r in results for rj in r.rejects]
    store.write_partition(out, "entities", batch_id, entities)
    _write_rejects(out, "ner", batch_id, rejects)
    version = next((r.model_version for r in results if r.model_version), None)
    linked = pc.sum(pc.is_valid(entities["concept_id"])).as_py() or 0
    return StageOutcome(
        "ner",
        batch_id,
        n_in,
        entities.num_rows,
        len(rejects),
        model_version=version,
        detail={"linked": linked, "negated": pc.sum(entities["negated"]).as_py() or 0},
    )


# ---------------------------------------------------------------- relations


def load_relations_input(out: Path, batch_id: str) -> tuple[pa.Table, pa.Table, pa.Table]:
    if not store.has_partition(out, "entities", batch_id):
        raise _missing_input(out, "entities", batch_id, "ner")
    documents, sentences = load_ner_input(out, batch_id)
    return documents, sentences, store.read_partition(out, "entities", batch_id)


def relations_chunk(documents: pa.Table, sentences: pa.Table, entities: pa.Table, settings: Settings | None = None):
    from extract.relations.stage import extract_relations

    return extract_relations(documents, sentences, entities, settings or get_settings())


def write_relations(out: Path, batch_id: str, n_in: int, results: list) -> StageOutcome:
    relations = _concat("relations", [r.relations for r in results])
    doc_relations = _concat("document_relations", [r.document_relations for r in results])
    rejects = [rj for r in results for rj in r.rejects]
    store.write_partition(out, "relations", batch_id, relations)
    store.write_partition(out, "document_relations", batch_id, doc_relations)
    _write_rejects(out, "relations", batch_id, rejects)
    version = next((r.model_version for r in results if r.model_version), None)
    counts = pc.value_counts(relations["type"]).to_pylist() if relations.num_rows else []
    detail = {c["values"]: c["counts"] for c in counts}
    for result in results:  # sentences stating no relation and the rows left out, as the chunked stage counts them
        for key, n in getattr(result, "withheld", {}).items():
            detail[key] = detail.get(key, 0) + n
    return StageOutcome(
        "relations", batch_id, n_in, relations.num_rows, len(rejects), model_version=version, detail=detail
    )


def _concat(name: str, tables: list[pa.Table]) -> pa.Table:
    tables = [t for t in tables if t is not None]
    return pa.concat_tables(tables) if tables else schemas.empty_table(name)


# ---------------------------------------------------------------- chunked stages
#
# ``run_chunked`` is what the flows call: the stage's input is read chunk by chunk
# (``iter_stage_input``), each chunk is processed (by ``submit``: a Prefect task, or here and
# now) and its output streamed into the stage's partitions (``StageOutput``), which become
# visible together when the last chunk is written.  Memory depends on the chunk size and the
# number of chunks in flight, not on the batch size; the tables equal those of the
# whole-batch functions above (``load_*`` + ``*_chunk`` + ``write_*``).

#: Per stage: the table whose rows are the stage's documents, and the tables read alongside.
STAGE_INPUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "clean": ("raw_documents", ()),
    "ner": ("documents", ("sentences",)),
    "relations": ("documents", ("sentences", "entities")),
}
#: Per stage: the tables it writes (besides its rejects part).
STAGE_OUTPUTS: dict[str, tuple[str, ...]] = {
    "clean": ("documents", "sentences"),
    "ner": ("entities",),
    "relations": ("relations", "document_relations"),
}
_STAGE_BEFORE = {"raw_documents": "ingest", "documents": "clean", "entities": "ner"}


def _rechunk(tables, size: int):
    """Tables of exactly ``size`` rows (the last one shorter) from a stream of tables of any size."""
    pending: list[pa.Table] = []
    n = 0
    for table in tables:
        pending.append(table)
        n += table.num_rows
        while n >= size:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, size).combine_chunks()
            rest = joined.slice(size)
            pending, n = ([rest] if rest.num_rows else []), rest.num_rows
    if n:
        yield pa.concat_tables(pending).combine_chunks()


class _AlignedReader:
    """The rows of a table that belong to each chunk of documents, read in one forward pass.

    ``chunk_of`` maps a row's ``doc_id`` to its chunk number (-1: a document not in the batch's
    document table, whose rows no chunk takes, as in :func:`take_docs`).  The stages write a
    table's rows in the order of the documents, so chunk numbers never decrease along the file and
    each chunk's rows are the next ones; a file that is not in that order (an older layout, a
    hand-made file) is detected up front and read with a filter per chunk instead: slower, same rows.
    """

    def __init__(self, out: Path, table: str, batch_id: str, chunk_of):
        self.out, self.table, self.batch_id, self.chunk_of = out, table, batch_id, chunk_of
        self.aligned = self._in_order()
        self._batches = store.iter_partition(out, table, batch_id) if self.aligned else None
        self._buffer: pa.Table | None = None
        self._numbers = None

    def _in_order(self) -> bool:
        last = -1
        for piece in store.iter_partition(self.out, self.table, self.batch_id, columns=["doc_id"], batch_rows=65536):
            numbers = self.chunk_of(piece["doc_id"])
            numbers = numbers.filter(pc.greater_equal(numbers, 0))
            if not len(numbers):
                continue
            if pc.min(numbers).as_py() < last or len(numbers) > 1 and not _non_decreasing(numbers):
                return False
            last = pc.max(numbers).as_py()
        return True

    def take(self, k: int, doc_ids: pa.Array) -> pa.Table:
        if not self.aligned:
            found = [
                t.filter(pc.is_in(t["doc_id"], value_set=doc_ids))
                for t in store.iter_partition(self.out, self.table, self.batch_id)
            ]
            found = [t for t in found if t.num_rows]
            return pa.concat_tables(found).combine_chunks() if found else schemas.empty_table(self.table)
        while self._numbers is None or (pc.max(self._numbers).as_py() <= k):
            piece = next(self._batches, None)
            if piece is None:
                break
            numbers = self.chunk_of(piece["doc_id"])
            if self._buffer is None:
                self._buffer, self._numbers = piece, numbers
            else:
                self._buffer = pa.concat_tables([self._buffer, piece])
                self._numbers = pa.concat_arrays([self._numbers, numbers])
        if self._buffer is None:
            return schemas.empty_table(self.table)
        taken = self._buffer.filter(pc.equal(self._numbers, k)).combine_chunks()
        later = pc.greater(self._numbers, k)
        self._buffer, self._numbers = self._buffer.filter(later), self._numbers.filter(later)
        return taken


def _non_decreasing(numbers: pa.Array) -> bool:
    return pc.all(pc.greater_equal(numbers.slice(1), numbers.slice(0, len(numbers) - 1))).as_py()


def check_stage_input(out: Path, stage: str, batch_id: str) -> None:
    """Raise :class:`MissingStageInputError` when the stage before has not written the batch's input tables."""
    main, others = STAGE_INPUTS[stage]
    for name in (*others[1:], main):  # the latest stage's table first: it names the stage to run
        if not store.has_partition(out, name, batch_id):
            raise _missing_input(out, name, batch_id, _STAGE_BEFORE[name])


def iter_stage_input(out: Path, stage: str, batch_id: str, size: int):
    """The stage's input tables for ``batch_id``, ``size`` documents at a time (a tuple per chunk).

    Each chunk holds the next ``size`` rows of the document table (in file order) and, of every
    other input table, the rows of those documents (in file order): the same tables as
    :func:`take_docs` over the whole-batch tables for the ids of :func:`chunk_ids`.
    """
    main, others = STAGE_INPUTS[stage]
    check_stage_input(out, stage, batch_id)
    size = max(1, size)
    ids = [piece["doc_id"] for piece in store.iter_partition(out, main, batch_id, columns=["doc_id"], batch_rows=65536)]
    doc_index = pa.concat_arrays([c for a in ids for c in a.chunks]) if ids else pa.array([], pa.string())

    def chunk_of(doc_ids: pa.ChunkedArray) -> pa.Array:
        positions = pc.index_in(doc_ids, value_set=doc_index)
        if isinstance(positions, pa.ChunkedArray):
            positions = positions.combine_chunks()
        return pc.fill_null(pc.divide(positions.cast(pa.int64()), pa.scalar(size, pa.int64())), -1)

    readers = [_AlignedReader(out, name, batch_id, chunk_of) for name in others]
    for reader in readers:
        if not reader.aligned:
            log.warning(
                "%s of batch %s is not in document order: reading it with a filter per chunk", reader.table, batch_id
            )
    for k, chunk in enumerate(_rechunk(store.iter_partition(out, main, batch_id), size)):
        yield (chunk, *(r.take(k, doc_index.slice(k * size, size)) for r in readers))


class _Done:
    """A finished result with the interface of a future (``result()``)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def bounded_results(submit, chunks, window: int):
    """``submit(*chunk)`` for every chunk, at most ``window`` unfinished at a time; the results in order."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(submit(*chunk))
        while len(pending) >= max(1, window):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class StageOutput:
    """A stage's output partitions, written chunk by chunk and committed together.

    Each output table streams into a :class:`extract.store.PartitionWriter` (a hidden temporary
    file, one row group per chunk); :meth:`finish` renames them all into place and writes the
    stage's rejects part.  On an exception every temporary file is deleted and the batch's
    previous tables stay as they were.
    """

    def __init__(self, out: Path, stage: str, batch_id: str):
        self.out, self.stage, self.batch_id = out, stage, batch_id
        self.writers: dict[str, store.PartitionWriter] = {}
        for name in STAGE_OUTPUTS[stage]:
            self.writers[name] = store.PartitionWriter(out, name, batch_id)
        self.rejects: list[Reject] = []
        self.version: str | None = None
        self.detail: dict = {}

    def add(self, result) -> None:
        tables = {
            "clean": lambda r: {"documents": r.documents, "sentences": r.sentences},
            "ner": lambda r: {"entities": r.entities},
            "relations": lambda r: {"relations": r.relations, "document_relations": r.document_relations},
        }[self.stage](result)
        for name, table in tables.items():
            self.writers[name].write(table)
        self.rejects.extend(result.rejects)
        self.version = self.version or getattr(result, "model_version", None) or None
        if self.stage == "clean":
            self._count("boilerplate_lines_removed", result.boilerplate_lines_removed)
            self._count("boilerplate_chars_removed", result.boilerplate_chars_removed)
        elif self.stage == "ner":
            entities = result.entities
            self._count("linked", pc.sum(pc.is_valid(entities["concept_id"])).as_py() or 0)
            self._count("negated", pc.sum(entities["negated"]).as_py() or 0)
        elif self.stage == "relations":
            for c in pc.value_counts(result.relations["type"]).to_pylist() if result.relations.num_rows else []:
                self._count(c["values"], c["counts"])
            for key, n in getattr(result, "withheld", {}).items():  # sentences stating no relation, their mentions
                self._count(key, n)

    def _count(self, key: str, n: int) -> None:
        self.detail[key] = self.detail.get(key, 0) + n

    def finish(self, n_in: int) -> StageOutcome:
        for writer in self.writers.values():
            writer.commit()
        _write_rejects(self.out, self.stage, self.batch_id, self.rejects)
        main = STAGE_OUTPUTS[self.stage][0]
        detail = dict(self.detail)
        if self.stage == "clean":
            detail = {"sentences": self.writers["sentences"].num_rows, **detail}
        elif self.stage == "ner":
            detail = {"linked": detail.get("linked", 0), "negated": detail.get("negated", 0)}
        return StageOutcome(
            self.stage,
            self.batch_id,
            n_in,
            self.writers[main].num_rows,
            len(self.rejects),
            model_version=self.version if self.stage != "clean" else None,
            detail=detail,
        )

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()


STAGE_CHUNK_FUNCTIONS = {"clean": clean_chunk, "ner": ner_chunk, "relations": relations_chunk}


def stage_workers(stage: str, settings: Settings | None = None):
    """Context in which the stage's forked workers are started once and serve every chunk (see
    :func:`extract.ner.stage.stage_workers`); a no-op for ``clean``."""
    if stage == "ner":
        from extract.ner.stage import stage_workers as workers

        return workers(settings)
    if stage == "relations":
        from extract.relations.stage import stage_workers as workers

        return workers(settings)
    return nullcontext()


def release_models(stage: str) -> None:
    """Free the models ``stage`` loaded in this process (its forked workers share them) and return free
    memory to the system (:func:`extract.parallel.release_memory`): for a run whose later stages do not
    need them, so the next stage loads its models and forks its workers from a smaller process and the
    ``concept_pairs`` summary runs without them.  A stage that runs again loads them again."""
    from extract.parallel import release_memory

    if stage == "ner":
        from extract.ner.pipeline import release_ner_nlp

        release_ner_nlp()
    elif stage == "relations":
        from extract.relations.stage import release_extractors

        release_extractors()
    else:
        release_memory()


def run_chunked(
    stage: str,
    out: Path,
    batch_id: str,
    submit=None,
    window: int = 2,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> StageOutcome:
    """Run ``stage`` over ``batch_id`` chunk by chunk and replace its tables; memory bounded by the chunks.

    ``submit(*chunk_tables)`` returns a future of the chunk's result (``result()``); default: the
    stage's chunk function, called here.  At most ``window`` chunks are unfinished at a time;
    results are written in chunk order, so the tables do not depend on where chunks ran.
    ``on_progress(n)`` is called with each written chunk's number of documents.
    """
    size = chunk_size or get_settings().chunk_size
    main = STAGE_INPUTS[stage][0]
    check_stage_input(out, stage, batch_id)  # before any output folder is made: a mistyped batch id leaves nothing
    chunks = iter_stage_input(out, stage, batch_id, size)
    if submit is None:
        func = STAGE_CHUNK_FUNCTIONS[stage]

        def submit(*tables):
            return _Done(func(*tables))

    n_in = store.count_rows(out, main, batch_id)
    output = StageOutput(out, stage, batch_id)
    sizes: deque[int] = deque()

    def counted():
        for tables in chunks:
            sizes.append(tables[0].num_rows)
            yield tables

    try:
        for result in bounded_results(submit, counted(), window):
            output.add(result)
            done = sizes.popleft()
            if on_progress is not None:
                on_progress(done)
        return output.finish(n_in)
    except BaseException:
        output.abort()
        raise


# ---------------------------------------------------------------- watching


def seen_file_hashes(out: Path) -> set[str]:
    files = store.read_table(out, "files")
    return set(files["sha256"].to_pylist()) if files.num_rows else set()


def unseen_files(watch_dir: Path, out: Path, min_age: float | None = None) -> list[Path]:
    """Files under ``watch_dir`` whose content no earlier batch has ingested and that nothing has written to for
    ``min_age`` seconds (default ``settings.watch_min_age``): a file still being copied is left for the next run."""
    from extract.ingest.sources import expand_inputs, file_sha256

    min_age = get_settings().watch_min_age if min_age is None else min_age
    files, _ = expand_inputs([watch_dir])
    seen = seen_file_hashes(out)
    fresh, hashes = [], set()
    now = time.time()
    for path in files:
        try:
            if now - path.stat().st_mtime < min_age:
                log.info("%s changed less than %.0f s ago: left for the next run", path, min_age)
                continue
            digest = file_sha256(path)
        except OSError:
            fresh.append(path)  # unreadable: ingest will record the reject
            continue
        if digest not in seen and digest not in hashes:
            hashes.add(digest)
            fresh.append(path)
    return fresh


# ---------------------------------------------------------------- summary


def batch_summary(out: Path, batch_id: str) -> dict[str, int]:
    counts = {}
    for name in ("files", "documents", "sentences", "entities", "relations", "document_relations", "rejects"):
        counts[name] = store.count_rows(out, name, batch_id)
    return counts
