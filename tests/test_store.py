"""Parquet store: atomic partition writes, readers of every kind, the output lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from extract import schemas, store


def _rejects(n: int, batch: str):
    rows = [{"batch_id": batch, "source": f"f{i}", "doc_id": None, "stage": "ingest", "reason": "empty_file",
             "detail": "x"} for i in range(n)]
    return schemas.to_table("rejects", rows)


def test_partitions_replace_and_read_back_everywhere(tmp_path):
    store.write_partition(tmp_path, "rejects", "b1", _rejects(2, "b1"), part="ingest")
    store.write_partition(tmp_path, "rejects", "b2", _rejects(3, "b2"), part="ingest")
    store.write_partition(tmp_path, "rejects", "b1", _rejects(1, "b1"), part="ingest")  # replaces
    assert store.list_batches(tmp_path, "rejects") == ["b1", "b2"]
    assert store.read_partition(tmp_path, "rejects", "b1").num_rows == 1
    assert store.read_table(tmp_path, "rejects").schema == schemas.REJECTS
    df = pd.read_parquet(tmp_path / "rejects")
    assert sorted(df.groupby("batch_id", observed=True).size().to_dict().items()) == [("b1", 1), ("b2", 3)]
    glob = str(tmp_path / "rejects" / "**" / "*.parquet")
    assert duckdb.sql(f"select count(*) from read_parquet('{glob}', hive_partitioning=true) "
                      "where batch_id = 'b2'").fetchall()[0][0] == 3
    assert pl.read_parquet(tmp_path / "rejects").filter(pl.col("batch_id") == "b1").height == 1
    assert not list((tmp_path / "rejects").rglob("*.tmp"))


def test_write_casts_to_the_declared_schema(tmp_path):
    table = schemas.to_table("rejects", [{"batch_id": "b1", "source": "s", "stage": "ingest",
                                           "reason": "empty_file", "detail": "d"}])
    store.write_partition(tmp_path, "rejects", "b1", table.select(list(reversed(table.column_names))), part="x")
    assert store.read_partition(tmp_path, "rejects", "b1").column_names == schemas.REJECTS.names


def test_invalid_batch_ids_are_refused(tmp_path):
    for bad in ("../x", "a/b", "", "x y"):
        with pytest.raises(ValueError):
            store.write_partition(tmp_path, "rejects", bad, _rejects(1, "b"))


def test_lock_is_reentrant_in_process_and_exclusive_across_processes(tmp_path):
    code = ("import sys; from extract import store\n"
            "try:\n    store.OutputLock(sys.argv[1]).__enter__()\nexcept store.OutputLockedError as e:\n"
            "    print('LOCKED', e); sys.exit(3)\nprint('FREE')")
    with store.OutputLock(tmp_path):
        with store.OutputLock(tmp_path):  # same process: re-entrant
            pass
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
        assert other.returncode == 3 and "in use by another biomed-extract run" in other.stdout
    free = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert free.returncode == 0 and "FREE" in free.stdout


def test_readme_documents_every_column_of_every_table():
    """README.md's table sections are what ``schemas.markdown`` generates from the field descriptions."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in schemas.TABLES:
        assert f"#### `{name}`\n\n{schemas.markdown(name)}\n" in readme, f"README.md is out of date for {name}"
