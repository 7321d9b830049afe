"""Ctrl-C ends a run: a non-zero exit and a failed ``runs`` row, wherever it lands.

Prefect's flow engine drops a KeyboardInterrupt raised after it has set a flow run Completed (it takes any
BaseException then for teardown noise): a Ctrl-C landing as a stage's flow wound down was lost, and the run went
on to its next stages and exit 0.  One landing as Prefect started a stage's flow, before the stage's own code,
ended the run with no failed runs row.  The tests make the real `biomed-extract run` (subprocess, its own Prefect
server, tiny NER model) send itself SIGINT at those two moments: only the timing is arranged (a wrapper around a
method of Prefect's flow engine), the signal and everything after it are real.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

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
    with subprocess.Popen(
        [sys.executable, str(wrapper), "run", *_inputs(tmp_path), "--out", str(out), "--batch", "intr"],
        cwd=ROOT,
        env=cli_env(tiny_ner_model(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # a test runner started in the background ignores SIGINT, and its children would too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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
