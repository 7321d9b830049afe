"""What the CLI prints where an analyst or a scheduler reads it: a redirected `run` (no Prefect INFO lines unless
asked for, the summary's title on one line, the concept_pairs and runs counts), `check` on a folder that is not an
output folder (exit 2), `annotate` redirected to a file (no word broken at 80 columns), and the README's pandas read.

One real `biomed-extract run` (CLI subprocess, tiny NER model) of the bundled samples, its output redirected and
neither ``PREFECT_LOGGING_LEVEL`` nor ``COLUMNS`` in its environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from extract import store
from extract.schemas import CORPUS_BATCH
from extract.stages import ingest_batch
from helpers import ROOT, SAMPLES, biomed_extract, cli_env, tiny_ner_model
from pipelines.cli import app

BATCH = "samples"
PREFECT_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \| (?:INFO|DEBUG) +\|", re.M)


@pytest.fixture(scope="module")
def redirected_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("redirected_run")
    env = cli_env(tiny_ner_model(tmp))
    for name in ("PREFECT_LOGGING_LEVEL", "COLUMNS"):  # as a user runs it: only the Makefile sets the level
        env.pop(name, None)
    out = tmp / "an output folder whose path is longer than the summary table is wide"
    run = biomed_extract(["run", str(SAMPLES), "--out", str(out), "--batch", BATCH], env)
    assert run.returncode == 0, run.stderr[-3000:]
    return {"out": out, "run": run}


def _rows(printed: str) -> dict[str, str]:
    """The rows of a summary table: ``│ name │ count │`` -> {name: count}."""
    cells = (line.strip("│ ").split("│") for line in printed.splitlines() if line.startswith("│"))
    return {name.strip(): count.strip() for name, count in cells}


def test_run_prints_no_prefect_info_lines_unless_asked(redirected_run):
    run = redirected_run["run"]
    assert "ner: 7 documents -> " in run.stderr  # the progress lines are there...
    assert not PREFECT_LOG_LINE.findall(run.stderr + run.stdout), run.stderr  # ...Prefect's INFO records are not
    assert "Beginning flow run" not in run.stderr and "Starting temporary server" not in run.stderr


def test_redirected_run_summary_has_its_title_on_one_line_and_counts_pairs_and_runs(redirected_run):
    out, run = redirected_run["out"], redirected_run["run"]
    assert f"batch {BATCH} -> {out}" in run.stdout.splitlines()
    rows = _rows(run.stdout)
    assert rows["documents"] == str(store.count_rows(out, "documents", BATCH)) == "7"
    assert rows["concept_pairs (all batches)"] == str(store.count_rows(out, "concept_pairs", CORPUS_BATCH))
    assert rows["runs"] == str(store.count_rows(out, "runs", BATCH)) == "4"  # ingest, clean, ner, relations


def _check(out: Path):
    return CliRunner().invoke(app, ["check", "--out", str(out)], env={"COLUMNS": None})


def test_check_counts_pairs_and_runs(redirected_run):
    out = redirected_run["out"]
    res = _check(out)
    assert res.exit_code == 0, res.output
    assert f"check {out} (1 batches)" in res.stdout.splitlines()
    rows = _rows(res.stdout)
    assert rows["concept_pairs (all batches)"] == str(store.count_rows(out, "concept_pairs", CORPUS_BATCH))
    assert rows["runs"] == "4" and rows["violations"] == "0"


def test_check_refuses_a_folder_that_is_not_an_output_folder(redirected_run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, SAMPLES, redirected_run["out"] / "relations", tmp_path / "missing"):
        res = _check(folder)
        assert res.exit_code == 2, (folder, res.output)
        assert f"{folder} is not an output folder" in " ".join(res.stderr.split()), res.stderr
        assert "batches" not in res.stdout and "ok" not in res.stdout


@pytest.mark.parametrize(
    "command",
    [["summarize"], ["report"], ["show", "PMID:1"], ["audit", "score"], ["audit", "sample", "--file", "items.jsonl"]],
)
def test_commands_that_read_an_output_refuse_a_folder_that_is_not_one(command, tmp_path):
    """As ``check`` does: summarize would write a concept_pairs table into any folder, report an empty report."""
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(app, [*command, "--out", str(empty)], env={"COLUMNS": None})
    assert res.exit_code == 2, res.output
    assert f"{empty} is not an output folder" in " ".join(res.stderr.split()), res.stderr
    assert list(empty.iterdir()) == []


def test_check_takes_an_output_whose_every_document_was_rejected(tmp_path):
    """Ingest (the library's stage, no Prefect) of two files that give no document: the output folder holds the
    files and rejects tables (and no lock: only ``run``, ``stage`` and ``summarize`` take one)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "binary.xml").write_bytes(b"\x00\x01\x02 not a document")
    out = tmp_path / "out"
    _, outcome = ingest_batch([str(inputs)], out, "rejected")
    assert (outcome.n_out, outcome.n_rejected) == (0, 2)
    assert not (out / store.LOCK_NAME).exists()
    res = _check(out)
    assert res.exit_code != 2 and "not an output folder" not in res.output, res.output
    assert f"check {out} (1 batches)" in res.stdout.splitlines()
    assert _rows(res.stdout)["rejects"] == "2"


def test_annotate_redirected_breaks_no_word():
    """The QA's ``Celecoxi|b``: redirected output is not a terminal, where rich wrapped at 80 columns."""
    text = "Celecoxib-induced hepatotoxicity in rheumatoid arthritis. Cisplatin nephrotoxicity was reported."
    res = CliRunner().invoke(app, ["annotate", text], env={"COLUMNS": None})
    assert res.exit_code == 0, res.output
    entities = json.loads(CliRunner().invoke(app, ["annotate", text, "--json"]).stdout)["entities"]
    assert any(e["drug_classes"] for e in entities)  # a long cell: folded at 80 columns
    lines = res.stdout.splitlines()
    for e in entities:
        cells = [e["text"], f"{e['start']}-{e['end']}", e["concept_id"] or "", e["concept_name"] or ""]
        cells.append("; ".join(e["drug_classes"] or []))
        assert any(all(cell in line for cell in cells) for line in lines), (cells, res.stdout)
    assert "sentence 0: Celecoxib-induced hepatotoxicity in rheumatoid arthritis." in lines


def test_stage_help_says_what_relations_rebuilds():
    res = CliRunner().invoke(app, ["stage", "--help"], env={"COLUMNS": "400"})
    assert res.exit_code == 0
    assert "re-running relations also rebuilds the corpus-level concept_pairs summary" in res.stdout
    assert "(relations: and" not in res.stdout


def test_readme_pandas_read_keeps_nullable_ints(redirected_run, tmp_path):
    """The README's pandas line, on a relations partition (the run's, one row's tail phrase unset) written by the
    store: ``tail_phrase_start`` stays an integer column with a null, not float64 with NaN."""
    relations = store.read_partition(redirected_run["out"], "relations", BATCH)
    assert relations.num_rows >= 2
    nulls = pa.array([None] + [False] * (relations.num_rows - 1), pa.bool_())
    for name in ("tail_phrase_start", "tail_phrase_end"):
        column = relations[name].combine_chunks()
        relations = relations.set_column(
            relations.schema.get_field_index(name), name, pa.compute.if_else(nulls, None, column)
        )
    store.write_partition(tmp_path, "relations", BATCH, relations)
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Output", 1)[1]
    line = re.search(r'^relations = pd\.read_parquet\("data/output/relations".*$', readme, re.M).group(0)
    namespace = {"pd": pd}
    exec(line.replace("data/output", str(tmp_path)), namespace)
    frame = namespace["relations"]
    assert len(frame) == relations.num_rows
    for name in ("tail_phrase_start", "tail_phrase_end"):
        assert pd.api.types.is_integer_dtype(frame[name]), frame[name].dtype
        assert frame[name].isna().sum() == 1
        assert frame[name].dropna().tolist() == relations[name].drop_null().to_pylist()


@pytest.mark.parametrize("user_level", [None, "DEBUG"])
def test_stage_defaults_prefect_logging_to_warning_unless_the_user_set_it(user_level):
    """`stage` (a bad batch id: it stops after importing Prefect's flows) leaves Prefect's loggers at WARNING, or
    at the level the user set."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"}
    if user_level:
        env["PREFECT_LOGGING_LEVEL"] = user_level
    code = (
        "import logging; from typer.testing import CliRunner; from pipelines.cli import app; "
        "res = CliRunner().invoke(app, ['stage', 'ner', '--batch', 'not a batch id']); "
        "print(res.exit_code, logging.getLevelName(logging.getLogger('prefect.flow_runs').getEffectiveLevel()))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["2", user_level or "WARNING"], done.stdout
