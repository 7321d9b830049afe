"""Stage runners over the Parquet store: read the previous stage's tables, process, write atomically.

Each stage is split into ``load`` (read its inputs for a batch), ``process``
(a pure function over a chunk of documents, safe to map on any worker) and
``write`` (replace the stage's tables, its rejects part and append a runs row).
The Prefect flows in ``pipelines/`` only call these.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from extract import __version__, schemas, store
from extract.clean.stage import CleanResult, clean_documents
from extract.ingest.stage import IngestResult, ingest_paths
from extract.rejects import Reject
from extract.settings import PROJECT_ROOT, Settings, get_settings


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
    once complete.  PMIDs deleted by update files are then removed from every
    batch, this one included (see ``apply_deletions``).  ``on_progress(n)`` is called as each
    block of ``n`` documents is written (the run's progress display).
    """
    for part in store.list_parts(out, "rejects", batch_id):
        if part.startswith(DELETION_PART_PREFIX):
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
    outcome = StageOutcome(
        stage="ingest",
        batch_id=batch_id,
        n_in=result.files.num_rows,
        n_out=writer.num_rows - n_deleted_here,
        n_rejected=len(result.rejects) + n_deleted_here,
        detail={"deleted_pmids": len(result.deleted_pmids), "deleted_rows": removed} if result.deleted_pmids else {},
    )
    return result, outcome


DELETION_PART_PREFIX = "deleted-by-"


def apply_deletions(
    out: Path, pmids: list[str], deleting_batch: str | None = None, exclude_batch: str | None = None
) -> dict[str, int]:
    """Remove citations deleted by MEDLINE update files (``DeleteCitation``) from every document table.

    Every batch is visited (except ``exclude_batch``); each removed
    ``raw_documents`` row gets a ``deleted_citation`` rejects row in its own
    batch (part ``deleted-by-<deleting_batch>``), so ``check`` can still account
    for every document its source file yielded.  Idempotent: applying the same
    deletions twice changes nothing.  Returns removed rows per table (and, under
    ``_rejected_in_batch``, how many of them belonged to ``deleting_batch``).
    """
    doc_ids = pa.array(sorted({f"PMID:{p}" for p in pmids}), pa.string())
    removed: dict[str, int] = {}
    for table_name in ("raw_documents", "documents", "sentences", "entities", "relations", "document_relations"):
        for batch in store.list_batches(out, table_name):
            if batch == exclude_batch:
                continue
            table = store.read_partition(out, table_name, batch, parts=["part-0"])
            mask = pc.is_in(table["doc_id"], value_set=doc_ids)
            n = pc.sum(mask).as_py() or 0
            if not n:
                continue
            if table_name == "raw_documents":
                gone = table.filter(mask).select(["doc_id", "source", "source_index"]).to_pylist()
                part = f"{DELETION_PART_PREFIX}{deleting_batch or 'unknown'}"
                previous = store.read_partition(out, "rejects", batch, parts=[part]).to_pylist()
                rejects = [
                    Reject(
                        source=f"{g['source']}#{g['source_index']}",
                        stage="ingest",
                        reason="deleted_citation",
                        doc_id=g["doc_id"],
                        detail=f"{g['doc_id']} deleted by a DeleteCitation element "
                        f"(update ingested in batch {deleting_batch})",
                    )
                    for g in gone
                ]
                rows = list(
                    {(r["source"], r["doc_id"]): r for r in previous + [r.row(batch) for r in rejects]}.values()
                )
                store.write_partition(out, "rejects", batch, schemas.to_table("rejects", rows), part=part)
                if batch == deleting_batch:
                    removed["_rejected_in_batch"] = removed.get("_rejected_in_batch", 0) + n
            store.write_partition(out, table_name, batch, table.filter(pc.invert(mask)))
            removed[table_name] = removed.get(table_name, 0) + n
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
    return StageOutcome(
        "clean", batch_id, n_in, documents.num_rows, len(rejects), detail={"sentences": sentences.num_rows}
    )


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
    return StageOutcome(
        "relations",
        batch_id,
        n_in,
        relations.num_rows,
        len(rejects),
        model_version=version,
        detail={c["values"]: c["counts"] for c in counts},
    )


def _concat(name: str, tables: list[pa.Table]) -> pa.Table:
    tables = [t for t in tables if t is not None]
    return pa.concat_tables(tables) if tables else schemas.empty_table(name)


# ---------------------------------------------------------------- watching


def seen_file_hashes(out: Path) -> set[str]:
    files = store.read_table(out, "files")
    return set(files["sha256"].to_pylist()) if files.num_rows else set()


def unseen_files(watch_dir: Path, out: Path) -> list[Path]:
    """Files under ``watch_dir`` whose content no earlier batch has ingested."""
    from extract.ingest.sources import expand_inputs, file_sha256

    files, _ = expand_inputs([watch_dir])
    seen = seen_file_hashes(out)
    fresh, hashes = [], set()
    for path in files:
        try:
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
        counts[name] = (
            store.read_partition(out, name, batch_id).num_rows if store.has_partition(out, name, batch_id) else 0
        )
    return counts
