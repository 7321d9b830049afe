"""End to end: a real Prefect flow run over real documents, Parquet read back."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import copy_output
from extract import store
from extract.check import check_output
from helpers import ROOT, SAMPLES
from pipelines.cli import app
from pipelines.flows import run_stage

TABLES = (
    "files",
    "raw_documents",
    "documents",
    "sentences",
    "entities",
    "relations",
    "document_relations",
    "rejects",
    "runs",
)


@pytest.fixture(scope="module")
def pipeline_run(sample_run):
    """The session's shared run (conftest.py): batch ``seeds`` from `biomed-extract run` (seed pages and
    samples), batch ``again`` from ``extraction_pipeline`` in this process.  Read-only."""
    return sample_run["out"], sample_run["summary"], sample_run["run"]


def _docs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents")


def _seed_doc_id(out: Path, source_name: str) -> str:
    docs = _docs(out)
    return docs.loc[(docs["batch_id"] == "seeds") & docs["source"].str.endswith(source_name), "doc_id"].item()


def _entities_of(out: Path, source_name: str) -> pd.DataFrame:
    doc_id = _seed_doc_id(out, source_name)
    ents = pd.read_parquet(out / "entities")
    return ents[ents["doc_id"] == doc_id]


def _relations_of(out: Path, source_name: str) -> pd.DataFrame:
    doc_id = _seed_doc_id(out, source_name)
    rels = pd.read_parquet(out / "relations")
    return rels[rels["doc_id"] == doc_id]


def test_every_table_written_and_every_document_accounted_for(pipeline_run):
    out, summary, cli_run = pipeline_run
    for table in TABLES:
        assert store.list_batches(out, table) == ["again", "seeds"], table
    files = pd.read_parquet(out / "files")
    seeds = files[files["batch_id"] == "seeds"]
    assert len(seeds) == 2 + len(list(SAMPLES.iterdir()))
    documents = _docs(out)
    rejects = pd.read_parquet(out / "rejects")
    # every document a file yielded is in documents or in rejects
    assert (
        seeds["n_documents"].sum()
        == (documents["batch_id"] == "seeds").sum()
        + ((rejects["batch_id"] == "seeds") & (rejects["stage"] == "clean")).sum()
    )
    assert summary["batch_id"] == "again" and summary["documents"] == (documents["batch_id"] == "again").sum() == 2
    assert "batch seeds" in cli_run.stderr + cli_run.stdout  # the CLI's summary of its batch
    runs = pd.read_parquet(out / "runs")
    for batch in ("seeds", "again"):
        assert sorted(runs.loc[runs["batch_id"] == batch, "stage"]) == ["clean", "ingest", "ner", "relations"], batch
    assert (runs["status"] != "failed").all()
    report = check_output(out)
    assert report.ok, report.violations


def test_cleaned_text_has_no_web_debris(pipeline_run):
    out, _, _ = pipeline_run
    for text in _docs(out)["text"]:
        for debris in ("Google Scholar", "CrossRef", "Reiter N, El-Shabrawi"):
            assert debris not in text


def test_teriparatide_entities_and_adverse_event(pipeline_run):
    out, _, _ = pipeline_run
    ents = _entities_of(out, "case_report_teriparatide.txt")
    found = {(t.lower(), label) for t, label in zip(ents["text"], ents["label"])}
    assert ("teriparatide", "CHEMICAL") in found
    assert ("hypercalcemia", "DISEASE") in found
    assert ("dystrophic calcification", "DISEASE") in found
    rels = _relations_of(out, "case_report_teriparatide.txt")
    ade = rels[rels["type"] == "drug_adverse_event"]
    pairs = {(h.lower(), t.lower()) for h, t in zip(ade["head_text"], ade["tail_text"])}
    assert ("teriparatide", "dystrophic calcification") in pairs
    row = ade[ade["tail_text"].str.lower() == "dystrophic calcification"].iloc[0]
    docs = _docs(out).set_index("doc_id")
    assert docs.loc[row["doc_id"], "text"][row["evidence_start"] : row["evidence_end"]] == row["evidence"]
    assert 0 < row["score"] <= 1


def test_calcinosis_manifestations(pipeline_run):
    out, _, _ = pipeline_run
    rels = _relations_of(out, "abstract_calcinosis_cutis.txt")
    manif = rels[rels["type"] == "disease_manifestation"]
    pairs = {(h.lower(), t.lower()) for h, t in zip(manif["head_text"], manif["tail_text"])}
    assert ("systemic sclerosis", "calcinosis cutis") in pairs
    assert ("dermatomyositis", "calcinosis cutis") in pairs


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rerun_ner_stage_is_byte_identical_and_touches_nothing_else(pipeline_run, tmp_path):
    out = copy_output(pipeline_run[0], tmp_path / "out")
    files = {p: _digest(p) for p in out.rglob("*.parquet") if "/runs/" not in str(p)}
    entities = out / "entities" / "batch_id=seeds" / "part-0.parquet"
    outcome = run_stage("ner", "seeds", str(out))
    assert outcome.n_out > 0
    after = {p: _digest(p) for p in out.rglob("*.parquet") if "/runs/" not in str(p)}
    assert after == files  # entities identical; other batches and tables untouched
    assert entities in after
    runs = pd.read_parquet(out / "runs")
    assert (runs[(runs["batch_id"] == "seeds")]["stage"] == "ner").sum() == 2
    # the relations now predate the entities they point at: check says which stage to re-run, until it is re-run
    stale = check_output(out).violations
    assert any("[seeds] the relations stage's output predates the ner stage's last run" in v for v in stale), stale
    run_stage("relations", "seeds", str(out))
    assert check_output(out).ok, check_output(out).violations


def test_duckdb_reads_relations_with_evidence(pipeline_run):
    out, _, _ = pipeline_run
    glob = str(out / "relations" / "**" / "*.parquet")
    rows = duckdb.sql(
        f"select type, count(*) from read_parquet('{glob}', hive_partitioning=true) group by type order by type"
    ).fetchall()
    assert {t for t, _ in rows} >= {"drug_adverse_event", "disease_manifestation"}


def test_cli_help_for_every_command():
    for args in ([], ["run"], ["stage"], ["serve"], ["check"], ["evaluate"], ["train", "ner"], ["schema"]):
        res = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *args, "--help"], capture_output=True, text=True, cwd=ROOT
        )
        assert res.returncode == 0, (args, res.stderr)
        assert "Usage" in res.stdout


def test_cli_schema_prints_descriptions_as_written():
    """The descriptions hold brackets ("documents.text[start:end]") that the table printer must not read as markup."""
    res = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "schema", "entities"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert res.returncode == 0, res.stderr
    assert "documents.text[start:end]" in res.stdout and "[concept_id]" in res.stdout


def test_cli_stage_with_an_unknown_batch_names_the_batches_there(pipeline_run, tmp_path):
    # the CLI command in this process (its Prefect server is up already); a copy, as a failing stage may write
    out = copy_output(pipeline_run[0], tmp_path / "out")
    runner = CliRunner()
    res = runner.invoke(app, ["stage", "relations", "--batch", "seedz", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "no entities" in res.stderr and "seeds" in res.stderr and "again" in res.stderr
    # the mistyped batch leaves no table partition behind, and the output still checks
    assert [p.parent.name for p in out.glob("*/batch_id=seedz")] == ["runs"]  # the failed attempt is on record
    assert check_output(out).ok, check_output(out).violations
    res = runner.invoke(app, ["stage", "ingest", "--batch", "seeds", "--out", str(out)])
    assert res.exit_code == 2 and "'ingest' is not one of" in " ".join(res.output.replace("│", " ").split())
    res = runner.invoke(app, ["stage", "ner", "--batch", "bad id!", "--out", str(out)])
    assert res.exit_code == 2 and "invalid batch id" in res.stderr
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output
