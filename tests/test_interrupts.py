"""Ctrl-C (and SIGTERM) ends a run: a non-zero exit and a failed ``runs`` row, wherever it lands.

Prefect's flow engine drops a KeyboardInterrupt raised after it has set a flow run Completed (it takes any
BaseException then for teardown noise): a Ctrl-C landing as a stage's flow wound down was lost, and the run went
on to its next stages and exit 0.  One landing as Prefect started a stage's flow, before the stage's own code,
ended the run with no failed runs row.  The tests make the real `biomed-extract run` (subprocess, its own Prefect
server, tiny NER model) send itself SIGINT at those two moments: only the timing is arranged (a wrapper around a
method of Prefect's flow engine), the signal and everything after it are real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extract import store
from helpers import ROOT, cli_env, kill_group, tiny_ner_model
from test_crash_safety import _inputs

#: Runs the CLI and presses Ctrl-C once, right after Prefect's flow engine ran METHOD for the flow named FLOW.
CTRL_C_AT = """
import os, signal, sys
from prefect.flow_engine import FlowRunEngine

method = getattr(FlowRunEngine, "{method}")


def ctrl_c_after(self, *args):
    value = method(self, *args)
    if self.flow.name == "{flow}":
        os.kill(os.getpid(), signal.SIGINT)
    return value


setattr(FlowRunEngine, "{method}", ctrl_c_after)
from pipelines.cli import app

sys.argv[0] = "biomed-extract"
app()
"""


def _spawn(argv: list[str], env: dict[str, str], **streams) -> subprocess.Popen:
    """The CLI as a terminal starts it: a session of its own (a process group to signal) and SIGINT's default
    handling (a test runner started in the background ignores SIGINT, and its children would too)."""
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **streams,
    )


@pytest.mark.parametrize(
    ("method", "flow", "error"),
    [
        # the clean flow has just been set Completed: Prefect dropped the KeyboardInterrupt
        ("handle_success", "clean", "interrupted (KeyboardInterrupt)"),
        # Prefect has set the ner flow Running and not yet called it: no stage code ran to record it
        ("begin_run", "ner", "interrupted (KeyboardInterrupt) before the stage started"),
    ],
)
def test_ctrl_c_between_stages_ends_the_run_with_a_failed_runs_row(tmp_path, method, flow, error):
    wrapper = tmp_path / "ctrl_c.py"
    wrapper.write_text(CTRL_C_AT.format(method=method, flow=flow))
    out = tmp_path / "out"
    with _spawn(
        [sys.executable, str(wrapper), "run", *_inputs(tmp_path), "--out", str(out), "--batch", "intr"],
        cli_env(tiny_ner_model(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        try:
            _, stderr = proc.communicate(timeout=600)
        finally:
            kill_group(proc)
    assert proc.returncode == 130, stderr[-3000:]
    runs = {r["stage"]: r for r in store.read_partition(out, "runs", "intr").to_pylist()}
    assert runs["clean"]["status"] == "completed"
    # the stage that would have started next says it was interrupted, and nothing after it ran
    assert runs["ner"]["status"] == "failed" and json.loads(runs["ner"]["detail"]) == {"error": error}, runs
    assert "relations" not in runs
    assert not store.has_partition(out, "entities", "intr")


def _group_processes(pgid: int) -> list[str]:
    """The command lines of the live (not zombie) processes of process group ``pgid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(stat.with_name("cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError):  # the process ended meanwhile
            continue
    return found


def _wait_for_empty_group(pgid: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := _group_processes(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.slow  # ~25 s each: a whole run up to its ner stage, with a pause before each table file is committed
@pytest.mark.parametrize(
    ("signum", "code", "error"),
    [
        # a Ctrl-C typed in a terminal
        (signal.SIGINT, 130, "interrupted (KeyboardInterrupt)"),
        # `timeout`, systemd, `docker stop`, cron wrappers and CI runners: Prefect's flow engine raises
        # TerminationSignal for it
        (signal.SIGTERM, 143, "interrupted (TerminationSignal)"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_to_the_process_group_ends_the_run_promptly(tmp_path, signum, code, error):
    """A Ctrl-C typed in a terminal goes to the whole foreground process group, and so does the SIGTERM of
    `timeout`, systemd, `docker stop` or a CI runner: Prefect's temporary server (a subprocess of the run)
    included.  The server died with it, and the interrupted run then retried its Prefect API calls against it for
    about 2.5 minutes and exited 1 (ConnectError).  Here the signal goes to the run's group while its ner stage
    writes the entities table; the run records it, stops the server and leaves no process behind."""
    out, log = tmp_path / "out", tmp_path / "stderr.txt"
    env = cli_env(tiny_ner_model(tmp_path), BIOMED_EXTRACT_TEST_WRITE_DELAY="1")
    entities = out / "entities" / "batch_id=grp"
    with (
        open(log, "w") as stderr,
        _spawn(
            [sys.executable, "-m", "pipelines.cli", "run", *_inputs(tmp_path), "--out", str(out), "--batch", "grp"],
            env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        ) as proc,
    ):
        try:
            deadline = time.monotonic() + 300
            while not any(entities.glob(".*.tmp")):  # the ner stage has begun its table
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.05)
            os.killpg(proc.pid, signum)  # every process of the group
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the run still ran 60 s after {signum.name}: {log.read_text()[-3000:]}")
            left = _wait_for_empty_group(proc.pid)
        finally:
            kill_group(proc)
    assert proc.returncode == code, log.read_text()[-3000:]
    assert not left, left  # the temporary Prefect server was stopped by the run, not left running
    runs = {r["stage"]: r for r in store.read_partition(out, "runs", "grp").to_pylist()}
    assert runs["clean"]["status"] == "completed"
    assert runs["ner"]["status"] == "failed", runs
    assert json.loads(runs["ner"]["detail"]) == {"error": error}, runs
    assert "relations" not in runs
    assert not store.has_partition(out, "entities", "grp")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_process_group_stops_serve(tmp_path, signum, code):
    """`serve` blocks until stopped.  Prefect's runner takes Ctrl-C and SIGTERM over while it serves, and returns
    normally: `serve` exited 0, as if nothing had stopped it.  It exits 130 / 143 and leaves no process (its
    Prefect server) behind."""
    (tmp_path / "watch").mkdir()
    log = tmp_path / "stdout.txt"
    argv = ["serve", "--watch", str(tmp_path / "watch"), "--cron", "0 0 1 1 *", "--out", str(tmp_path / "out")]
    with (
        open(log, "w") as stdout,
        _spawn(
            [sys.executable, "-m", "pipelines.cli", *argv],
            cli_env(tiny_ner_model(tmp_path)),
            stdout=stdout,
            stderr=subprocess.STDOUT,
        ) as proc,
    ):
        try:
            deadline = time.monotonic() + 300
            while "is being served" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            os.killpg(proc.pid, signum)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"serve still ran 60 s after {signum.name}: {log.read_text()[-3000:]}")
            left = _wait_for_empty_group(proc.pid)
        finally:
            kill_group(proc)
    assert proc.returncode == code, log.read_text()[-3000:]
    assert not left, left


@pytest.mark.slow
def test_a_sigterm_to_the_process_group_stops_serve_in_the_middle_of_a_run(tmp_path):
    """`serve` with a scheduled run in flight: the group's SIGTERM also reached the `prefect server start` that
    `serve` runs, and the runner then retried its API calls against the dead server for about 3.5 minutes and exited
    1.  The server is now deaf to the group's signals; `serve` records the interrupted stage and exits 143 within
    seconds, leaving no process behind.  Waits for the cron's next minute (up to 60 s)."""
    import shutil

    watch, out, log = tmp_path / "watch", tmp_path / "out", tmp_path / "stdout.txt"
    watch.mkdir()
    shutil.copy(ROOT / "data" / "samples" / "pubmed_sample.xml", watch)
    env = cli_env(tiny_ner_model(tmp_path), BIOMED_EXTRACT_WATCH_MIN_AGE="0", BIOMED_EXTRACT_TEST_WRITE_DELAY="1")
    argv = ["serve", "--watch", str(watch), "--cron", "* * * * *", "--out", str(out)]
    with (
        open(log, "w") as stdout,
        _spawn([sys.executable, "-m", "pipelines.cli", *argv], env, stdout=stdout, stderr=subprocess.STDOUT) as proc,
    ):
        try:
            deadline = time.monotonic() + 300
            while not list(out.glob("entities/batch_id=*/.*.tmp")):  # a scheduled run's ner stage has begun
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.05)
            started = time.monotonic()
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                pytest.fail(f"serve still ran 90 s after SIGTERM: {log.read_text()[-3000:]}")
            seconds = time.monotonic() - started
            left = _wait_for_empty_group(proc.pid)
        finally:
            kill_group(proc)
    assert proc.returncode == 143, log.read_text()[-3000:]
    assert seconds < 60, seconds
    assert not left, left
    batches = store.list_batches(out, "runs")
    runs = [r for b in batches for r in store.read_partition(out, "runs", b).to_pylist()]
    assert any(r["stage"] == "ner" and r["status"] == "failed" for r in runs), runs
    assert not any(store.has_partition(out, "entities", b) for b in batches)


#: Sends this process SIGTERM while Python runs a weakref callback, where the handler's SystemExit is only printed as
#: "Exception ignored in ..." (CI once saw `serve` keep serving after SIGTERM that way), then idles.
SIGTERM_IN_A_CALLBACK = """
import gc, os, signal, sys, time, weakref
from pipelines.cli import _exit_on_sigterm

_exit_on_sigterm()


class Thing:
    pass


def callback(ref):
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):
        pass


thing = Thing()
ref = weakref.ref(thing, callback)
del thing
gc.collect()
time.sleep(20)
print("still running", flush=True)
"""


def test_a_sigterm_swallowed_by_a_callback_still_ends_the_command():
    """The stop is delivered again to the main thread: exit 143 at once, not 0 after idling on."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_IN_A_CALLBACK], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stdout + done.stderr
    assert "still running" not in done.stdout and time.monotonic() - started < 15
