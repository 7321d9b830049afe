"""Check that the chunked stages write the same tables as the whole-batch stages, and a re-run the same bytes.

Ingests INPUT once, then runs clean, ner and relations twice over the batch in two output
folders: (a) the whole-batch library functions (``stages.load_*`` + ``*_chunk`` over every
document at once + ``stages.write_*``), (b) ``stages.run_chunked`` with ``--chunk-size``
documents per chunk, read and written piece by piece.  Every output table is read back,
sorted by its key columns and compared with ``Table.equals``; (b) is then run again and its
files compared byte for byte.  Prints JSON; exit 1 on any difference::

    flock /tmp/heavy.lock .venv/bin/python benchmarks/check_chunked.py /tmp/bench/pubmed-real-3000.xml --work /tmp/bench/cmp
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import pyarrow as pa

from extract import stages, store

TABLES = ("documents", "sentences", "entities", "relations", "document_relations", "rejects")


def sorted_table(out: Path, name: str, batch_id: str):
    """The batch's table sorted by all its scalar columns (a total order whatever the row order)."""
    table = store.read_partition(out, name, batch_id)
    keys = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
    return table.sort_by([(k, "ascending") for k in keys])


def whole_batch(out: Path, batch_id: str) -> None:
    raw = stages.load_clean_input(out, batch_id)
    stages.write_clean(out, batch_id, raw.num_rows, [stages.clean_chunk(raw)])
    documents, sentences = stages.load_ner_input(out, batch_id)
    stages.write_ner(out, batch_id, documents.num_rows, [stages.ner_chunk(documents, sentences)])
    documents, sentences, entities = stages.load_relations_input(out, batch_id)
    stages.write_relations(out, batch_id, documents.num_rows, [stages.relations_chunk(documents, sentences, entities)])


def chunked(out: Path, batch_id: str, size: int) -> None:
    for stage in ("clean", "ner", "relations"):
        with stages.stage_workers(stage):
            stages.run_chunked(stage, out, batch_id, chunk_size=size)


def digests(out: Path, batch_id: str) -> dict[str, str]:
    return {
        name: hashlib.sha256((store.partition_dir(out, name, batch_id) / "part-0.parquet").read_bytes()).hexdigest()
        for name in TABLES[:-1]
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (deleted first)")
    parser.add_argument("--chunk-size", type=int, default=200)
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    whole, chunks, batch_id = args.work / "whole", args.work / "chunked", "cmp"
    stages.ingest_batch(args.inputs, whole, batch_id)
    shutil.copytree(whole, chunks)
    timings = {}
    t = time.perf_counter()
    whole_batch(whole, batch_id)
    timings["whole_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    chunked(chunks, batch_id, args.chunk_size)
    timings["chunked_s"] = round(time.perf_counter() - t, 1)
    first = digests(chunks, batch_id)
    chunked(chunks, batch_id, args.chunk_size)
    rerun_same = first == digests(chunks, batch_id)
    result = {"chunk_size": args.chunk_size, **timings, "rerun_byte_identical": rerun_same, "tables": {}}
    ok = rerun_same
    for name in TABLES:
        a, b = sorted_table(whole, name, batch_id), sorted_table(chunks, name, batch_id)
        equal = a.equals(b)
        ok &= equal
        result["tables"][name] = {"rows": a.num_rows, "equal": equal}
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
