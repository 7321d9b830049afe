"""The chunked stages (``stages.run_chunked``, what the flows run) against the whole-batch stages.

Real documents (BC5CDR development abstracts, the sample files), the real models, Parquet read
back.  A chunked stage must write the same tables as the stage over the whole batch at once,
byte-identical files on a re-run, and leave the previous tables in place when it fails.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest

from extract import stages, store
from helpers import SAMPLES

TABLES = ("documents", "sentences", "entities", "relations", "document_relations", "rejects")


def sorted_table(out: Path, name: str, batch_id: str) -> pa.Table:
    table = store.read_partition(out, name, batch_id)
    keys = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
    return table.sort_by([(k, "ascending") for k in keys])


def digest(out: Path, name: str, batch_id: str) -> str:
    return hashlib.sha256((store.partition_dir(out, name, batch_id) / "part-0.parquet").read_bytes()).hexdigest()


def first_records(pubtator: Path, n: int, target: Path) -> Path:
    records = pubtator.read_text(encoding="utf-8").strip().split("\n\n")[:n]
    target.write_text("\n\n".join(records) + "\n\n", encoding="utf-8")
    return target


def whole_batch(out: Path, batch_id: str) -> stages.StageOutcome:
    raw = stages.load_clean_input(out, batch_id)
    stages.write_clean(out, batch_id, raw.num_rows, [stages.clean_chunk(raw)])
    documents, sentences = stages.load_ner_input(out, batch_id)
    stages.write_ner(out, batch_id, documents.num_rows, [stages.ner_chunk(documents, sentences)])
    documents, sentences, entities = stages.load_relations_input(out, batch_id)
    return stages.write_relations(
        out, batch_id, documents.num_rows, [stages.relations_chunk(documents, sentences, entities)]
    )


def chunked(out: Path, batch_id: str, size: int) -> dict[str, stages.StageOutcome]:
    outcomes = {}
    for stage in ("clean", "ner", "relations"):
        with stages.stage_workers(stage):
            outcomes[stage] = stages.run_chunked(stage, out, batch_id, chunk_size=size)
    return outcomes


@pytest.fixture(scope="module")
def dev_batch(tmp_path_factory, shared_dir):
    """300 BC5CDR development abstracts ingested into two output folders."""
    work = tmp_path_factory.mktemp("chunked")
    source = first_records(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", 300, work / "dev.txt")
    whole, parts = work / "whole", work / "chunked"
    for out in (whole, parts):
        stages.ingest_batch([str(source)], out, "dev")
    return whole, parts


def test_chunked_stages_equal_the_whole_batch_and_rerun_byte_identical(dev_batch):
    whole, parts = dev_batch
    whole_outcome = whole_batch(whole, "dev")
    # 130 per chunk: the first two chunks go through the stage's forked workers (NER > 64, relations >= 128
    # documents), the last (40) runs in this process; the chunks' rows are written as they come.
    outcomes = chunked(parts, "dev", 130)
    for name in TABLES:
        a, b = sorted_table(whole, name, "dev"), sorted_table(parts, name, "dev")
        assert a.num_rows == b.num_rows, name
        assert a.equals(b), name
    assert store.read_partition(parts, "documents", "dev").num_rows == 300
    assert outcomes["clean"].n_in == 300 and outcomes["clean"].n_out == 300
    assert outcomes["ner"].n_out == store.count_rows(parts, "entities", "dev") > 3000
    assert outcomes["relations"].n_out == store.count_rows(parts, "relations", "dev") > 0
    # the same counts in runs.detail either way, the withheld sentences (eligibility criteria, captions) included
    assert whole_outcome.detail == outcomes["relations"].detail
    assert any(key.endswith("_sentences") for key in whole_outcome.detail)
    # one row group per chunk: the file was written piece by piece
    assert store.pq.ParquetFile(store.partition_dir(parts, "entities", "dev") / "part-0.parquet").num_row_groups == 3
    before = {name: digest(parts, name, "dev") for name in TABLES[:-1]}
    chunked(parts, "dev", 130)
    assert {name: digest(parts, name, "dev") for name in TABLES[:-1]} == before


def test_a_table_out_of_document_order_is_read_by_filter_with_the_same_result(tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        stages.ingest_batch([str(SAMPLES)], out, "s")
        stages.run_chunked("clean", out, "s", chunk_size=3)
    out = tmp_path / "b"
    sentences = store.read_partition(out, "sentences", "s")
    store.write_partition(out, "sentences", "s", sentences.take(pa.array(range(sentences.num_rows - 1, -1, -1))))
    for out in (tmp_path / "a", tmp_path / "b"):
        stages.run_chunked("ner", out, "s", chunk_size=2)
    a, b = sorted_table(tmp_path / "a", "entities", "s"), sorted_table(tmp_path / "b", "entities", "s")
    assert a.num_rows > 0 and a.equals(b)


def test_a_failing_chunk_leaves_the_previous_tables_and_no_temporary_file(tmp_path):
    out = tmp_path / "out"
    stages.ingest_batch([str(SAMPLES)], out, "s")
    stages.run_chunked("clean", out, "s", chunk_size=2)
    before = {name: digest(out, name, "s") for name in ("documents", "sentences")}
    calls = []

    def submit(raw):
        calls.append(raw.num_rows)
        if len(calls) == 3:
            raise RuntimeError("worker lost")
        return stages._Done(stages.clean_chunk(raw))

    with pytest.raises(RuntimeError, match="worker lost"):
        stages.run_chunked("clean", out, "s", submit=submit, window=1, chunk_size=2)
    assert {name: digest(out, name, "s") for name in ("documents", "sentences")} == before
    for name in ("documents", "sentences"):
        assert not list(store.partition_dir(out, name, "s").glob(".*.tmp"))


def test_a_stage_without_its_input_names_the_stage_before(tmp_path):
    out = tmp_path / "out"
    stages.ingest_batch([str(SAMPLES)], out, "s")
    with pytest.raises(stages.MissingStageInputError, match="run the clean stage first"):
        stages.run_chunked("ner", out, "s")
