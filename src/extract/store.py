"""Parquet storage: one folder per table, one Hive partition folder per batch.

``TABLE/batch_id=<B>/<part>.parquet``.  Every write goes to a hidden temporary
file in the same folder and is renamed into place (``os.replace`` is atomic on
POSIX), so a reader sees the old file or the new one, never half of one.
``batch_id`` is carried by the folder name (pandas, polars, DuckDB and
pyarrow.dataset all restore it as a column) and is dropped from the file body
to avoid type clashes between the two.

Temporary files are hidden (leading dot) and end in ``.tmp``, so neither
``read_partition`` nor ``*.parquet`` globs (pandas, DuckDB) nor
``pyarrow.dataset`` (which skips names starting with ``.`` or ``_``) ever see
them; a writer deletes the stale temporary files of its part left by a killed
run before it starts.

A whole output folder is guarded by an exclusive lock (``OutputLock``) so two
runs cannot interleave their writes.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from extract.schemas import TABLES

_BATCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
LOCK_NAME = ".biomed-extract.lock"


class OutputLockedError(RuntimeError):
    """Another run holds the lock on the output folder."""


def validate_batch_id(batch_id: str) -> str:
    if not _BATCH_RE.match(batch_id):
        raise ValueError(f"invalid batch id {batch_id!r}: use letters, digits, '.', '_' or '-' (at most 128)")
    return batch_id


def partition_dir(out: Path, table: str, batch_id: str) -> Path:
    return Path(out) / table / f"batch_id={validate_batch_id(batch_id)}"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temps(folder: Path, part: str) -> None:
    """Delete temporary files of ``part`` left by a writer that died before renaming them.

    Safe because writers of one output folder are serialized by ``OutputLock``
    and each part has one writer at a time.
    """
    for stale in folder.glob(f".{part}.*.tmp"):
        stale.unlink(missing_ok=True)


def _test_write_delay() -> float:
    """Testing knob: seconds to pause before each rename (env ``BIOMED_EXTRACT_TEST_WRITE_DELAY``).

    Only the crash-safety tests set it, to kill a run while a temporary file
    exists; unset (the default) means no pause.
    """
    try:
        return float(os.environ.get("BIOMED_EXTRACT_TEST_WRITE_DELAY", "0") or 0)
    except ValueError:
        return 0.0


class PartitionWriter:
    """Stream tables into one partition file that becomes visible only when committed.

    Rows go to a hidden temporary file (``.part-0.<random>.tmp``) in the
    partition folder; ``commit`` fsyncs it and renames it to ``<part>.parquet``.
    Used as a context manager it commits on success and deletes the temporary
    file on any exception, so readers see the previous file or the complete new
    one.  Memory stays bounded by the largest table passed to ``write``.
    """

    def __init__(self, out: Path, table_name: str, batch_id: str, part: str = "part-0"):
        self.schema = TABLES[table_name]
        self.body_schema = pa.schema([f for f in self.schema if f.name != "batch_id"], metadata=self.schema.metadata)
        self.folder = partition_dir(out, table_name, batch_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.target = self.folder / f"{part}.parquet"
        _remove_stale_temps(self.folder, part)
        fd, self.tmp_name = tempfile.mkstemp(prefix=f".{part}.", suffix=".tmp", dir=self.folder)
        os.close(fd)
        self.num_rows = 0
        try:
            self._writer = pq.ParquetWriter(self.tmp_name, self.body_schema, compression="zstd", write_statistics=True)
        except BaseException:
            Path(self.tmp_name).unlink(missing_ok=True)
            raise

    def write(self, table: pa.Table) -> None:
        table = table.select([f.name for f in self.schema]).cast(self.schema)
        self._writer.write_table(table.drop_columns(["batch_id"]))
        self.num_rows += table.num_rows

    def commit(self) -> Path:
        self._writer.close()
        with open(self.tmp_name, "rb") as fh:
            os.fsync(fh.fileno())
        delay = _test_write_delay()
        if delay:
            time.sleep(delay)
        os.replace(self.tmp_name, self.target)
        _fsync_dir(self.folder)
        return self.target

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            Path(self.tmp_name).unlink(missing_ok=True)

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                Path(self.tmp_name).unlink(missing_ok=True)
                raise
        else:
            self.abort()


def write_partition(out: Path, table_name: str, batch_id: str, table: pa.Table, part: str = "part-0") -> Path:
    """Atomically write (or replace) ``part`` of a batch's partition of ``table_name``."""
    with PartitionWriter(out, table_name, batch_id, part) as writer:
        writer.write(table)
    return writer.target


def remove_part(out: Path, table_name: str, batch_id: str, part: str) -> None:
    path = partition_dir(out, table_name, batch_id) / f"{part}.parquet"
    path.unlink(missing_ok=True)


def conform(body: pa.Table, schema: pa.Schema, source: Path | str = "table") -> pa.Table:
    """``body`` in the layout of ``schema``.  A file written before a nullable column existed
    (``relations.tail_phrase``, ``entities.concept_ids``...) reads with that column null, so older
    batches and new ones form one table; a missing non-nullable column is an error."""
    columns = []
    for field in schema:
        if field.name in body.column_names:
            columns.append(body.column(field.name))
        elif field.nullable:
            columns.append(pa.nulls(body.num_rows, field.type))
        else:
            raise ValueError(f"{source}: column {field.name!r} is missing (written by an incompatible version?)")
    return pa.table(columns, names=[f.name for f in schema]).cast(schema)


def read_partition(out: Path, table_name: str, batch_id: str, parts: Iterable[str] | None = None) -> pa.Table:
    """Read one batch of a table (all its parts, or the named ones), with ``batch_id`` restored."""
    schema = TABLES[table_name]
    folder = partition_dir(out, table_name, batch_id)
    if parts is None:
        files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    else:
        files = [folder / f"{p}.parquet" for p in parts if (folder / f"{p}.parquet").exists()]
    tables = []
    for path in files:
        body = pq.read_table(path)
        body = body.append_column("batch_id", pa.array([batch_id] * body.num_rows, pa.string()))
        tables.append(conform(body, schema, path))
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables)


def iter_partition(
    out: Path, table_name: str, batch_id: str, columns: list[str] | None = None, batch_rows: int = 4096
) -> Iterator[pa.Table]:
    """Read one batch of a table piece by piece (record batches of at most ``batch_rows`` rows), in file order.

    Memory is bounded by ``batch_rows`` (and one row group's compressed pages), whatever the
    partition's size.  ``columns``: only these columns, in this order (default: the whole schema);
    ``batch_id`` is restored from the folder name like :func:`read_partition`.
    """
    schema = TABLES[table_name]
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    folder = partition_dir(out, table_name, batch_id)
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    for path in files:
        parquet = pq.ParquetFile(path)
        present = [f.name for f in schema if f.name in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=present):
            body = pa.Table.from_batches([batch])
            if "batch_id" in schema.names:
                body = body.append_column("batch_id", pa.array([batch_id] * body.num_rows, pa.string()))
            yield conform(body, schema, path)


def count_rows(out: Path, table_name: str, batch_id: str) -> int:
    """Rows of a batch's partition, from the Parquet footers (nothing else is read)."""
    folder = partition_dir(out, table_name, batch_id)
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    return sum(pq.ParquetFile(path).metadata.num_rows for path in files)


def list_parts(out: Path, table_name: str, batch_id: str) -> list[str]:
    """Names of the committed parts of a batch's partition (``part-0``, ``ingest``...)."""
    folder = partition_dir(out, table_name, batch_id)
    return sorted(p.name[: -len(".parquet")] for p in folder.glob("*.parquet")) if folder.exists() else []


def has_partition(out: Path, table_name: str, batch_id: str) -> bool:
    folder = partition_dir(out, table_name, batch_id)
    return folder.exists() and any(folder.glob("*.parquet"))


def list_batches(out: Path, table_name: str) -> list[str]:
    root = Path(out) / table_name
    if not root.exists():
        return []
    return sorted(p.name.split("=", 1)[1] for p in root.glob("batch_id=*") if p.is_dir())


def read_table(out: Path, table_name: str) -> pa.Table:
    """Read every batch of a table."""
    tables = [read_partition(out, table_name, b) for b in list_batches(out, table_name)]
    return pa.concat_tables(tables) if tables else TABLES[table_name].empty_table()


_HELD: dict[str, int] = {}


class OutputLock:
    """Exclusive lock on an output folder; ``timeout`` seconds to wait (0: refuse at once).

    Re-entrant within one process (a parent flow and the stage flows it calls
    share the lock); exclusive across processes.
    """

    def __init__(self, out: Path, timeout: float = 0):
        Path(out).mkdir(parents=True, exist_ok=True)
        self.path = (Path(out) / LOCK_NAME).resolve()
        self._lock = FileLock(str(self.path), timeout=timeout)
        self.timeout = timeout
        self._nested = False

    def __enter__(self) -> OutputLock:
        key = str(self.path)
        if _HELD.get(key):
            _HELD[key] += 1
            self._nested = True
            return self
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise OutputLockedError(
                f"output folder {self.path.parent} is in use by another biomed-extract run "
                f"(lock {self.path}); waited {self.timeout:g} s. Retry when it has finished, "
                "or pass --wait SECONDS (run, stage, summarize); a scheduled `serve` run tries again at its next tick."
            ) from exc
        _HELD[key] = 1
        return self

    def __exit__(self, *exc) -> None:
        key = str(self.path)
        _HELD[key] -= 1
        if not self._nested:
            del _HELD[key]
            self._lock.release()
