"""Ingest benchmark: throughput and peak memory of MEDLINE ingestion at 3,000 and 30,000 citations.

Run by hand (not part of the tests)::

    .venv/bin/python benchmarks/bench_ingest.py                 # 3,000 and 30,000 citations
    .venv/bin/python benchmarks/bench_ingest.py --sizes 3000 --gzip

For each size a synthetic baseline file is generated once
(``benchmarks/generate_medline.py``, cached in ``--work``), then each mode runs
in a fresh child process so its peak RSS (``ru_maxrss`` from ``os.wait4``) is
its own:

- ``reader``: ``extract.ingest.medline.read_medline`` over the file (parse only);
- ``stage``: ``extract.stages.ingest_batch`` (parse, checks, Parquet
  ``raw_documents`` streamed to disk), the real ingest stage;
- ``collect`` (optional, for comparison): ``ingest_paths`` returning the whole
  batch as one in-memory table, as the stage did before it streamed.

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
        _, outcome = stages.ingest_batch([path], Path(out), "bench")
        n = outcome.n_out
    seconds = time.perf_counter() - started
    print(json.dumps({"documents": n, "seconds": round(seconds, 2)}))


def _measure(mode: str, path: Path) -> dict:
    out = tempfile.mkdtemp(prefix="bench-ingest-")
    try:
        proc = subprocess.Popen([sys.executable, __file__, "--child", mode, str(path), out],
                                stdout=subprocess.PIPE, text=True)
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
    return {**result, "docs_per_s": round(result["documents"] / result["seconds"], 1),
            "peak_rss_mib": round(peak_mib, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    parser.add_argument("--modes", nargs="+", default=["reader", "stage"], choices=["reader", "stage", "collect"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "biomed-extract-bench")
    parser.add_argument("--gzip", action="store_true", help="benchmark .xml.gz files")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return
    sys.path.insert(0, str(HERE))
    from generate_medline import main as generate

    args.work.mkdir(parents=True, exist_ok=True)
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


if __name__ == "__main__":
    main()
