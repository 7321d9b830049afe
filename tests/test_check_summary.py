"""`check` and the corpus-level summary ``concept_pairs``: a run SIGKILLed while it writes the summary (after its
relations stage) leaves no table or the previous one, and `check` says so with the command that rebuilds it.

A real `biomed-extract run` (CLI subprocess, tiny NER model) is killed while ``concept_pairs`` is still a
temporary file (``BIOMED_EXTRACT_TEST_WRITE_DELAY`` pauses each write before its rename).
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import copy_output
from extract import store
from extract.reporting.concept_pairs import build_concept_pairs, read_concept_pairs
from helpers import biomed_extract, cli_env, tiny_ner_model
from pipelines.cli import app
from test_crash_safety import _inputs, _kill_group, _spawn, _wait_for

BATCH = "pairs"


@pytest.fixture(scope="module")
def killed_in_summary(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """An output whose run was SIGKILLed while it wrote ``concept_pairs``; read-only (copy it to change it)."""
    tmp = tmp_path_factory.mktemp("killed_in_summary")
    env = cli_env(tiny_ner_model(tmp))
    out = tmp / "out"
    run = _spawn(
        ["run", *_inputs(tmp), "--out", str(out), "--batch", BATCH], {**env, "BIOMED_EXTRACT_TEST_WRITE_DELAY": "1"}
    )
    summary_dir = out / "concept_pairs" / "batch_id=all"
    try:
        _wait_for(lambda: any(summary_dir.glob(".part-0.*.tmp")), timeout=300, proc=run)
    finally:
        _kill_group(run)
    runs = store.read_partition(out, "runs", BATCH).to_pylist()
    assert {r["stage"]: r["status"] for r in runs}["relations"] == "completed"
    assert not list(summary_dir.glob("*.parquet"))  # the kill landed before the summary's rename
    return out, env


def _check(out: Path) -> tuple[int, list[str]]:
    res = CliRunner().invoke(app, ["check", "--out", str(out)], env={"COLUMNS": "400"})
    return res.exit_code, [line for line in res.stderr.splitlines() if line.startswith("violation:")]


def _relations_finished(out: Path) -> float:
    runs = store.read_partition(out, "runs", BATCH).to_pylist()
    return max(r["finished_at"] for r in runs if r["stage"] == "relations" and r["status"] != "failed").timestamp()


def test_check_reports_a_summary_the_kill_left_missing_and_names_the_command(killed_in_summary, tmp_path):
    out = copy_output(killed_in_summary[0], tmp_path / "out")
    code, violations = _check(out)
    assert code == 1
    summarize = f"biomed-extract summarize --out {shlex.quote(str(out))}"
    assert violations == [
        f"violation: [all] no concept_pairs table, though batch {BATCH} has relations (a run ended before its "
        f"summary): rebuild it with `{summarize}`"
    ]
    # the command it names is the fix
    assert CliRunner().invoke(app, shlex.split(summarize)[1:]).exit_code == 0
    assert read_concept_pairs(out).to_pylist() == build_concept_pairs(out).to_pylist() != []
    assert _check(out) == (0, [])


def test_check_reports_a_summary_older_than_the_relations_and_stage_relations_rebuilds_it(killed_in_summary, tmp_path):
    out = copy_output(killed_in_summary[0], tmp_path / "out")
    assert CliRunner().invoke(app, ["summarize", "--out", str(out)]).exit_code == 0
    # the table of an earlier run, left in place by a run killed between its relations stage and its summary
    part = out / "concept_pairs" / "batch_id=all" / "part-0.parquet"
    earlier = _relations_finished(out) - 3600
    os.utime(part, (earlier, earlier))
    code, violations = _check(out)
    assert code == 1 and len(violations) == 1, violations
    assert violations[0].startswith("violation: [all] the concept_pairs table (written ")
    assert f"predates the relations stage's last run of batch {BATCH}" in violations[0]
    assert violations[0].endswith(f"rebuild it with `biomed-extract summarize --out {shlex.quote(str(out))}`")
    # `stage relations` rebuilds the summary after the stage, so it leaves none older than the relations behind
    started = time.time()
    rerun = biomed_extract(["stage", "relations", "--batch", BATCH, "--out", str(out)], killed_in_summary[1])
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert part.stat().st_mtime >= started
    assert _check(out) == (0, [])
