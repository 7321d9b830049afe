"""End to end: time ``biomed-extract run FILE`` as a user runs it, and its memory.

Runs the CLI in a child process (``python -m pipelines.cli run FILE --out OUT``, temporary
Prefect server included unless ``PREFECT_API_URL`` is set) and samples its process tree
(the run and the NER/relation workers it forks) every 0.2 s.  Prints JSON: wall seconds,
documents per second, the peak RSS of the largest process (what ``/usr/bin/time`` calls
maximum resident set size), the peak of the ``run`` process itself (``peak_rss_run_mb``: it reads, writes
and builds the concept_pairs summary; the others are its forked workers and the temporary server) and the
peak of the tree's summed RSS, and each stage's time from
the ``runs`` table (the rest of the wall time is start-up, Prefect and the summary)::

    flock /tmp/heavy.lock .venv/bin/python benchmarks/bench_run.py /tmp/bench/pubmed-real-3000.xml --out /tmp/bench/out-3k

Extra arguments after ``--`` go to ``run``.  ``--dask-workers N`` first starts a Dask scheduler and N
single-threaded workers as separate processes (``python -m dask scheduler`` / ``dask worker``), runs with
``--task-runner dask --dask-address tcp://127.0.0.1:PORT`` and stops them afterwards; their RSS is
sampled with the run's (``peak_rss_tree_sum_mb`` then covers the run, the scheduler and the workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss(proc: psutil.Process) -> tuple[int, int]:
    """(largest single RSS, summed RSS) over ``proc`` and its descendants, in bytes."""
    rss = []
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    for p in procs:
        try:
            rss.append(p.memory_info().rss)
        except psutil.NoSuchProcess:
            continue
    return (max(rss), sum(rss)) if rss else (0, 0)


def _stop_group(proc: subprocess.Popen) -> None:
    """Terminate ``proc``, then kill what is left of its process group (its worker process, a server)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _start_cluster(n_workers: int) -> list:
    """``[address, scheduler process, worker processes...]`` of a local Dask cluster of separate processes."""
    import socket

    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    # each in a process group of its own, stopped as a whole (_stop_group): a worker's temporary Prefect server
    # (its child) would outlive the worker otherwise
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    procs = [
        subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet)
    ]
    time.sleep(1)
    for i in range(n_workers):
        worker = [*dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"]
        procs.append(subprocess.Popen(worker, **quiet))
    with Client(address, timeout=60) as client:
        client.wait_for_workers(n_workers, timeout=120)
    return [address, *procs]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--out", type=Path, required=True, help="output folder (deleted first)")
    parser.add_argument("--trace", type=Path, help="write 'seconds largest_mb sum_mb run_mb' every 5 s to this file")
    parser.add_argument("--dask-workers", type=int, default=0, help="start a scheduler and this many workers")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    cluster = _start_cluster(args.dask_workers) if args.dask_workers else []
    if cluster:
        extra = ["--task-runner", "dask", "--dask-address", cluster[0], *extra]
    cmd = [sys.executable, "-m", "pipelines.cli", "run", *args.inputs, "--out", str(args.out), *extra]
    try:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=os.environ.get("BENCH_CWD", str(ROOT)))
        procs = [psutil.Process(child.pid), *(psutil.Process(p.pid) for p in cluster[1:])]
        peak_one = peak_sum = peak_run = 0
        trace: list[str] = []
        last_trace = 0.0
        while child.poll() is None:
            sizes = [_tree_rss(p) for p in procs]
            try:
                run_rss = procs[0].memory_info().rss
            except psutil.NoSuchProcess:
                run_rss = 0
            peak_run = max(peak_run, run_rss)
            peak_one = max(peak_one, *(one for one, _ in sizes))
            peak_sum = max(peak_sum, sum(total for _, total in sizes))
            if args.trace and time.perf_counter() - last_trace >= 5:
                last_trace = time.perf_counter()
                largest, total = max(one for one, _ in sizes), sum(t for _, t in sizes)
                trace.append(
                    f"{last_trace - started:.0f} {largest / 2**20:.0f} {total / 2**20:.0f} {run_rss / 2**20:.0f}"
                )
            time.sleep(0.2)
        wall = time.perf_counter() - started
        if args.trace:
            args.trace.write_text("\n".join(trace) + "\n")
    finally:
        for proc in reversed(cluster[1:]):
            _stop_group(proc)
    # every process waited for: the run, its workers, a --dask-workers cluster
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    maxrss_kb = usage.ru_maxrss
    result = {"cmd": " ".join(cmd), "exit": child.returncode, "wall_s": round(wall, 1), "load_avg": os.getloadavg()[0]}
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    if child.returncode == 0:
        import pyarrow.dataset as ds

        n_docs = ds.dataset(args.out / "documents", partitioning="hive").count_rows()
        runs = ds.dataset(args.out / "runs", partitioning="hive").to_table().to_pylist()
        stages = {r["stage"]: round((r["finished_at"] - r["started_at"]).total_seconds(), 1) for r in runs}
        result.update(
            documents=n_docs,
            docs_per_s=round(n_docs / wall, 1),
            stage_s=stages,
            outside_stages_s=round(wall - sum(stages.values()), 1),
        )
    result.update(
        peak_rss_largest_mb=round(peak_one / 2**20),
        peak_rss_run_mb=round(peak_run / 2**20),
        peak_rss_tree_sum_mb=round(peak_sum / 2**20),
        ru_maxrss_children_mb=round(maxrss_kb / 1024),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
