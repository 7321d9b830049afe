"""Crash safety: SIGKILL at any moment leaves nothing half-written, a re-run gives the same output,
two runs on one output folder are serialized by the lock, and a failing batch loses no other batch.

The CLI runs in real subprocesses (own session, so the kill also takes down
the temporary Prefect server it started).  ``BIOMED_EXTRACT_TEST_WRITE_DELAY``
(see ``extract.store``) pauses each write between the temporary file and its
rename, so the kill lands while a temporary file exists.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import copy_output
from extract import schemas, store
from extract.check import check_output
from helpers import ROOT, biomed_extract, cli_env, kill_group, tiny_ner_model

SAMPLES = Path("/work/shared/samples") if Path("/work/shared/samples").exists() else ROOT.parent / "shared" / "samples"
COMPARED = [t for t in schemas.TABLES if t != "runs"]
#: Tables written per batch (``concept_pairs`` is one corpus-level table over all batches).
PER_BATCH = [t for t in COMPARED if t != "concept_pairs"]


def _inputs(tmp_path: Path) -> list[str]:
    return [str(SAMPLES / "medline"), str(SAMPLES / "pages" / "abstract_calcinosis_cutis.txt")]


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended early ({proc.returncode}): {proc.stderr.read()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError("timed out")


def _kill_group(proc: subprocess.Popen) -> None:
    kill_group(proc)
    proc.stdout.close()
    proc.stderr.close()


def _sorted_rows(out: Path, table: str) -> list[tuple]:
    rows = store.read_table(out, table).to_pylist()
    return sorted(tuple((k, repr(v)) for k, v in sorted(r.items())) for r in rows)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return tiny_ner_model(tmp_path_factory.mktemp("model"))


@pytest.mark.slow
def test_sigkill_mid_write_then_rerun_equals_clean_run(tmp_path, model):
    inputs = _inputs(tmp_path)
    env = cli_env(model)
    reference, out = tmp_path / "reference", tmp_path / "out"
    clean = biomed_extract(["run", *inputs, "--out", str(reference), "--batch", "crash"], env)
    assert clean.returncode == 0, clean.stderr[-3000:]

    # kill the run while the clean stage's documents file is still a temporary file
    slow = _spawn(
        ["run", *inputs, "--out", str(out), "--batch", "crash"], {**env, "BIOMED_EXTRACT_TEST_WRITE_DELAY": "2"}
    )
    docs_dir = out / "documents" / "batch_id=crash"
    try:
        _wait_for(lambda: any(docs_dir.glob(".part-0.*.tmp")), timeout=240, proc=slow)
    finally:
        _kill_group(slow)
    assert slow.returncode == -signal.SIGKILL
    # readers never see the partial file: it is hidden, not *.parquet, and every visible file is complete
    assert any(docs_dir.glob(".part-0.*.tmp")) and not (docs_dir / "part-0.parquet").exists()
    assert store.read_partition(out, "documents", "crash").num_rows == 0
    for path in out.glob("*/batch_id=*/*.parquet"):
        pq.read_table(path)
    assert store.read_partition(out, "raw_documents", "crash").num_rows > 0  # written before the kill
    # the globs pandas / DuckDB users write see only complete files
    assert not list(out.glob("documents/*/*.parquet"))
    n_raw = duckdb.sql(
        f"select count(*) from read_parquet('{out}/raw_documents/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    assert n_raw == len(pd.read_parquet(out / "raw_documents")) == store.read_table(out, "raw_documents").num_rows
    assert not check_output(out).ok  # an interrupted batch is reported incomplete

    rerun = biomed_extract(["run", *inputs, "--out", str(out), "--batch", "crash"], env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert not list(out.glob("**/*.tmp")), "stale temporary files are cleaned by the next write"
    for table in COMPARED:
        assert _sorted_rows(out, table) == _sorted_rows(reference, table), table
    assert check_output(out).ok


def test_sigterm_ends_the_run_and_stops_its_temporary_prefect_server(tmp_path, model):
    """``kill PID`` (SIGTERM) of a run: it ends, and so does the temporary Prefect server it started, which
    Python's default SIGTERM left running (uvicorn, ~220 MB, orphaned)."""
    import psutil

    out = tmp_path / "out"
    # 1 s before each rename: the signal lands while the documents file is still temporary (asserted below)
    env = {**cli_env(model), "BIOMED_EXTRACT_TEST_WRITE_DELAY": "1"}
    run = _spawn(["run", *_inputs(tmp_path), "--out", str(out), "--batch", "term"], env)
    try:
        docs_dir = out / "documents" / "batch_id=term"
        _wait_for(lambda: any(docs_dir.glob(".part-0.*.tmp")), timeout=240, proc=run)
        servers = [p for p in psutil.Process(run.pid).children(recursive=True) if "uvicorn" in " ".join(p.cmdline())]
        assert servers, "the run has started its temporary server"
        run.send_signal(signal.SIGTERM)  # the run process only, as `kill PID` does
        _, stderr = run.communicate(timeout=120)
        assert run.returncode != 0, stderr[-2000:]
        _, alive = psutil.wait_procs(servers, timeout=30)
        assert not alive, "the temporary server outlived the run"
        assert not any(docs_dir.glob(".part-0.*.tmp")), "the unfinished partition was removed"
        assert not (docs_dir / "part-0.parquet").exists(), "the run ended before committing the documents file"
        runs = store.read_partition(out, "runs", "term").to_pylist()
        clean = [r for r in runs if r["stage"] == "clean"]
        assert [r["status"] for r in clean] == ["failed"] and "interrupted" in clean[0]["detail"], runs
    finally:
        _kill_group(run)


def test_second_run_on_the_same_output_refuses_or_waits(tmp_path, model):
    inputs = _inputs(tmp_path)
    out = tmp_path / "out"
    env = cli_env(model)
    # once its raw_documents folder appears the first run still has three stages to go (~10 s holding the lock,
    # against the ~0.5 s the refused run takes to start and be refused); the pause per write widens that margin
    first = _spawn(
        ["run", *inputs, "--out", str(out), "--batch", "one", "--wait", "60"],
        {**env, "BIOMED_EXTRACT_TEST_WRITE_DELAY": "0.1"},
    )
    try:
        _wait_for(lambda: (out / "raw_documents").exists(), timeout=240, proc=first)  # first holds the lock
        refused = biomed_extract(["run", *inputs, "--out", str(out), "--batch", "two"], env, timeout=120)
        assert refused.returncode == 3, refused.stderr[-2000:]
        message = " ".join(refused.stderr.split())
        assert "is in use by another biomed-extract run" in message and "--wait SECONDS" in message
        assert not (out / "raw_documents" / "batch_id=two").exists()
        waiting = _spawn(["run", *inputs, "--out", str(out), "--batch", "two", "--wait", "300"], env)
        try:
            assert first.poll() is None, "the first run still holds the output folder while the second starts"
            first_out, first_err = first.communicate(timeout=300)
            assert first.returncode == 0, first_err[-3000:]
            assert waiting.poll() is None or waiting.returncode == 0
            _, waiting_err = waiting.communicate(timeout=300)
            assert waiting.returncode == 0, waiting_err[-3000:]
        finally:
            if waiting.poll() is None:
                _kill_group(waiting)
    finally:
        if first.poll() is None:
            _kill_group(first)
    runs = store.read_table(out, "runs").to_pylist()
    by_batch = {
        b: sorted((r["started_at"], r["finished_at"]) for r in runs if r["batch_id"] == b) for b in ("one", "two")
    }
    assert by_batch["one"][-1][1] <= by_batch["two"][0][0], "the second run started only after the first ended"
    assert check_output(out).ok


def test_failing_batch_keeps_other_batches_intact(sample_run, tmp_path, monkeypatch):
    """A third batch fails in its ner stage; the two batches of the session's sample run (``seeds`` from the
    CLI, ``again`` from the parent flow; a copy of its output) are untouched."""
    from extract import stages
    from pipelines.flows import extraction_pipeline

    out = copy_output(sample_run["out"], tmp_path / "out")
    before = {t: _sorted_rows(out, t) for t in COMPARED}
    good = {r["batch_id"] for r in store.read_table(out, "runs").to_pylist()}
    assert good == {"seeds", "again"}
    real_ner_chunk = stages.ner_chunk

    def broken_ner_chunk(documents, sentences, settings=None):
        if documents.num_rows and documents["batch_id"][0].as_py() == "bad":
            raise RuntimeError("simulated NER crash")
        return real_ner_chunk(documents, sentences, settings)

    monkeypatch.setattr(stages, "ner_chunk", broken_ner_chunk)
    with pytest.raises(Exception, match="simulated NER crash"):
        extraction_pipeline(inputs=[str(SAMPLES / "pages")], out=str(out), batch_id="bad")
    after = {t: [r for r in _sorted_rows(out, t) if ("batch_id", repr("bad")) not in r] for t in PER_BATCH}
    assert after == {t: before[t] for t in PER_BATCH}
    assert all(before[t] for t in ("documents", "entities", "relations"))
    # The failed run never reached the summary: the corpus-level pair table is the good runs'.
    assert _sorted_rows(out, "concept_pairs") == before["concept_pairs"] != []
    runs = store.read_table(out, "runs").to_pylist()
    assert {(r["batch_id"], r["stage"], r["status"]) for r in runs} >= {
        ("seeds", "relations", "completed"),
        ("again", "relations", "completed"),
        ("bad", "clean", "completed"),
        ("bad", "ner", "failed"),
    }
    failed = next(r for r in runs if r["status"] == "failed")
    assert "simulated NER crash" in failed["detail"]
    report = check_output(out)
    assert not report.ok and all("[bad]" in v for v in report.violations if not v.startswith("..."))
