"""Ingest benchmark: throughput and peak memory of MEDLINE ingestion at 3,000 and 30,000 citations.

Run by hand (not part of the tests)::

    .venv/bin/python benchmarks/bench_ingest.py                 # 3,000 and 30,000 citations
    .venv/bin/python benchmarks/bench_ingest.py --sizes 3000 --gzip
    .venv/bin/python benchmarks/bench_ingest.py --pubtator-mb 20 60   # PubTator files of real abstracts

For each size a synthetic baseline file is generated once
(``benchmarks/generate_medline.py``, cached in ``--work``), then each mode runs
in a fresh child process so its peak RSS (``ru_maxrss`` from ``os.wait4``) is
its own:

- ``reader``: ``extract.ingest.medline.read_medline`` over the file (parse only);
- ``stage``: ``extract.stages.ingest_batch`` (parse, checks, Parquet
  ``raw_documents`` streamed to disk), the real ingest stage;
- ``collect`` (optional, for comparison): ``ingest_paths`` returning the whole
  batch as one in-memory table, as the stage did before it streamed.

With ``--pubtator-mb`` the inputs are instead PubTator files of real
abstracts of the given sizes (``benchmarks/make_pubtator.py``, from
``shared/unlabeled``), through the ``stage`` mode, with the records written
and the rejects by reason: every record must be a document or a reject.

Prints one JSON object: per size and mode, documents, seconds, docs/s and
peak RSS in MiB, plus the RSS ratio between the largest and smallest size
(acceptance: within 1.2, i.e. memory does not grow with the file).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(mode: str, path: str, out: str) -> None:
    """Run one measurement in this (child) process and print its JSON result."""
    from extract import stages
    from extract.ingest import ingest_paths
    from extract.ingest.medline import read_medline
    from extract.ingest.sources import open_binary

    started = time.perf_counter()  # imports excluded: throughput of the ingestion itself
    if mode == "collect":
        n = ingest_paths([path], "bench").documents.num_rows
    elif mode == "reader":
        with open_binary(Path(path), path.endswith(".gz")) as fh:
            n = sum(1 for _ in read_medline(fh, path))
    else:
        result, outcome = stages.ingest_batch([path], Path(out), "bench")
        n = outcome.n_out
        rejects = Counter(r.reason for r in result.rejects)
    seconds = time.perf_counter() - started
    print(
        json.dumps({"documents": n, "seconds": round(seconds, 2), **({"rejects": rejects} if mode == "stage" else {})})
    )


def _measure(mode: str, path: Path) -> dict:
    out = tempfile.mkdtemp(prefix="bench-ingest-")
    try:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", mode, str(path), out], stdout=subprocess.PIPE, text=True
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout = proc.stdout.read()
        proc.stdout.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{mode} on {path} failed with exit code {proc.returncode}")
        result = json.loads(stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    peak_mib = usage.ru_maxrss / 1024  # Linux: kilobytes
    return {
        **result,
        "docs_per_s": round(result["documents"] / result["seconds"], 1),
        "peak_rss_mib": round(peak_mib, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    parser.add_argument("--modes", nargs="+", default=["reader", "stage"], choices=["reader", "stage", "collect"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "biomed-extract-bench")
    parser.add_argument("--gzip", action="store_true", help="benchmark .xml.gz files")
    parser.add_argument("--pubtator-mb", type=float, nargs="+", help="benchmark PubTator files of these sizes (MB)")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared", help="shared data folder")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return
    sys.path.insert(0, str(HERE))
    from generate_medline import main as generate

    args.work.mkdir(parents=True, exist_ok=True)
    if args.pubtator_mb:
        _bench_pubtator(args.pubtator_mb, args.work, args.shared)
        return
    results: dict = {"sizes": {}}
    for n in args.sizes:
        path = args.work / f"pubmed-synthetic-{n}.xml{'.gz' if args.gzip else ''}"
        if not path.exists():
            generate([str(n), str(path)])
        entry = {"file_mib": round(path.stat().st_size / 2**20, 1)}
        for mode in args.modes:
            entry[mode] = _measure(mode, path)
        results["sizes"][str(n)] = entry
    if len(args.sizes) > 1:
        lo, hi = str(min(args.sizes)), str(max(args.sizes))
        results["peak_rss_ratio"] = {
            mode: round(results["sizes"][hi][mode]["peak_rss_mib"] / results["sizes"][lo][mode]["peak_rss_mib"], 3)
            for mode in args.modes
        }
    print(json.dumps(results, indent=2))


def _bench_pubtator(sizes_mb: list[float], work: Path, shared: Path) -> None:
    from make_pubtator import write_pubtator

    results: dict = {"pubtator": {}}
    for mb in sizes_mb:
        path = work / f"abstracts-{mb:g}mb.pubtator"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            records = write_pubtator(fh, int(mb * 1_000_000), shared)
        stage = _measure("stage", path)
        accounted = stage["documents"] + sum(
            n for reason, n in stage["rejects"].items() if reason != "document_truncated"
        )
        results["pubtator"][f"{mb:g}"] = {
            "file_mib": round(path.stat().st_size / 2**20, 1),
            "records": records,
            "stage": stage,
            "all_records_accounted_for": accounted == records,
        }
        path.unlink()
    if len(sizes_mb) > 1:
        lo, hi = f"{min(sizes_mb):g}", f"{max(sizes_mb):g}"
        rss = [results["pubtator"][k]["stage"]["peak_rss_mib"] for k in (hi, lo)]
        results["peak_rss_ratio"] = round(rss[0] / rss[1], 3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
