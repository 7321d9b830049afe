"""A real Dask cluster: a scheduler and two workers started as separate processes (``dask scheduler``,
``dask worker``), the flows' chunk tasks sent to it with ``--task-runner dask --dask-address``, and the
tables compared with a local run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from extract import stages, store
from extract.settings import get_settings
from helpers import PAGES, ROOT, SAMPLES, biomed_extract
from pipelines.flows import run_stage


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and every process of its group (started with ``start_new_session``).

    A Dask worker that runs a task without ``PREFECT_API_URL`` starts a temporary Prefect server
    (uvicorn, ~220 MB) as its own child, which outlived the worker when only ``dask worker`` was
    terminated: an orphaned server after every test session.
    """
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group: the worker process, its server
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    env["BIOMED_EXTRACT_SHARED_DIR"] = str(get_settings().shared_dir)
    return env


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers, each its own process."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "scheduler.log", "w"),
            start_new_session=True,  # its own process group: _stop_group stops all it started
        )
    ]
    try:
        time.sleep(1)
        for i in (1, 2):
            procs.append(
                subprocess.Popen(
                    [
                        *dask,
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                    ],
                    env=_env(),
                    stdout=subprocess.DEVNULL,
                    stderr=open(logs / f"worker{i}.log", "w"),
                    start_new_session=True,
                )
            )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            _stop_group(proc)


def _sorted(out: Path, name: str, batch_id: str) -> pa.Table:
    table = store.read_partition(out, name, batch_id)
    keys = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
    return table.sort_by([(k, "ascending") for k in keys])


def test_clean_stage_on_the_cluster_equals_the_local_run(tmp_path, monkeypatch, dask_address):
    monkeypatch.setenv("BIOMED_EXTRACT_CHUNK_SIZE", "2")  # several chunk tasks, so both workers get some
    get_settings.cache_clear()
    try:
        for out in (tmp_path / "local", tmp_path / "dask"):
            stages.ingest_batch([str(SAMPLES), str(PAGES)], out, "b")
        run_stage("clean", "b", str(tmp_path / "local"))
        outcome = run_stage("clean", "b", str(tmp_path / "dask"), task_runner="dask", dask_address=dask_address)
    finally:
        get_settings.cache_clear()
    assert outcome.n_out == store.count_rows(tmp_path / "dask", "documents", "b") > 4
    for name in ("documents", "sentences", "rejects"):
        assert _sorted(tmp_path / "local", name, "b").equals(_sorted(tmp_path / "dask", name, "b")), name


@pytest.mark.slow
def test_whole_run_on_the_cluster_equals_the_local_run(tmp_path, dask_address):
    """``biomed-extract run`` twice (CLI subprocesses): locally and on the cluster; every table equal."""
    env = {**_env(), "BIOMED_EXTRACT_CHUNK_SIZE": "3", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    inputs = [str(SAMPLES), str(PAGES)]
    local = biomed_extract(["run", *inputs, "--out", str(tmp_path / "local"), "--batch", "b"], env)
    assert local.returncode == 0, local.stderr
    dask = biomed_extract(
        ["run", *inputs, "--out", str(tmp_path / "dask"), "--batch", "b", "--task-runner", "dask"]
        + ["--dask-address", dask_address],
        env,
    )
    assert dask.returncode == 0, dask.stderr
    for name in ("documents", "sentences", "entities", "relations", "document_relations", "rejects"):
        a, b = _sorted(tmp_path / "local", name, "b"), _sorted(tmp_path / "dask", name, "b")
        assert a.num_rows == b.num_rows and a.equals(b), name
    assert store.count_rows(tmp_path / "dask", "entities", "b") > 50
    # every worker process loaded the NER pipeline once, whatever number of chunks it ran
    from distributed import Client

    with Client(dask_address, timeout=60) as client:
        loaded = client.run(lambda: len(__import__("extract.ner.pipeline", fromlist=["_CACHE"])._CACHE))
    assert sorted(loaded.values()) == [1, 1]
