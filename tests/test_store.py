"""Parquet store: atomic partition writes, readers of every kind, the output lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from extract import schemas, store


def _rejects(n: int, batch: str):
    rows = [
        {"batch_id": batch, "source": f"f{i}", "doc_id": None, "stage": "ingest", "reason": "empty_file", "detail": "x"}
        for i in range(n)
    ]
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
    assert (
        duckdb.sql(
            f"select count(*) from read_parquet('{glob}', hive_partitioning=true) where batch_id = 'b2'"
        ).fetchall()[0][0]
        == 3
    )
    assert pl.read_parquet(tmp_path / "rejects").filter(pl.col("batch_id") == "b1").height == 1
    assert not list((tmp_path / "rejects").rglob("*.tmp"))


def test_write_casts_to_the_declared_schema(tmp_path):
    table = schemas.to_table(
        "rejects", [{"batch_id": "b1", "source": "s", "stage": "ingest", "reason": "empty_file", "detail": "d"}]
    )
    store.write_partition(tmp_path, "rejects", "b1", table.select(list(reversed(table.column_names))), part="x")
    assert store.read_partition(tmp_path, "rejects", "b1").column_names == schemas.REJECTS.names


def test_invalid_batch_ids_are_refused(tmp_path):
    for bad in ("../x", "a/b", "", "x y"):
        with pytest.raises(ValueError):
            store.write_partition(tmp_path, "rejects", bad, _rejects(1, "b"))


def test_lock_is_reentrant_in_process_and_exclusive_across_processes(tmp_path):
    code = (
        "import sys; from extract import store\n"
        "try:\n    store.OutputLock(sys.argv[1]).__enter__()\nexcept store.OutputLockedError as e:\n"
        "    print('LOCKED', e); sys.exit(3)\nprint('FREE')"
    )
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


def _relation_row(doc: str) -> dict:
    return {
        "doc_id": doc,
        "batch_id": "b",
        "relation_id": f"{doc}#r0",
        "type": "drug_adverse_event",
        "head_entity_id": f"{doc}#e0",
        "tail_entity_id": f"{doc}#e1",
        "head_text": "lithium",
        "tail_text": "tremor",
        "sentence_index": 0,
        "evidence": "Lithium caused tremor.",
        "evidence_start": 0,
        "evidence_end": 22,
        "score": 0.9,
        "negated": False,
        "method": "model",
        "model_version": "relations-old",
        "tail_phrase": "tremor",
        "tail_phrase_start": 15,
        "tail_phrase_end": 21,
    }


def test_batches_written_before_a_column_existed_read_with_it_null(tmp_path):
    """An output folder filled by scheduled runs over several releases: an older batch lacks the
    nullable columns added since (relations.tail_phrase...); reading every batch still works."""
    new = schemas.to_table("relations", [_relation_row("PMID:2")])
    store.write_partition(tmp_path, "relations", "b-new", new)
    old_folder = store.partition_dir(tmp_path, "relations", "b-old")
    old_folder.mkdir(parents=True)
    old = schemas.to_table("relations", [_relation_row("PMID:1")]).drop_columns(
        ["batch_id", "tail_phrase", "tail_phrase_start", "tail_phrase_end"]
    )
    pq.write_table(old, old_folder / "part-0.parquet")
    table = store.read_table(tmp_path, "relations")
    assert table.schema == schemas.RELATIONS and table.num_rows == 2
    by_doc = {r["doc_id"]: r for r in table.to_pylist()}
    assert by_doc["PMID:1"]["tail_phrase"] is None and by_doc["PMID:1"]["batch_id"] == "b-old"
    assert by_doc["PMID:2"]["tail_phrase"] == "tremor"
    pq.write_table(old.drop_columns(["evidence"]), old_folder / "part-0.parquet")
    with pytest.raises(ValueError, match="'evidence' is missing"):
        store.read_table(tmp_path, "relations")
