"""The relation audit: seeded samples of real pipeline output, judgments that carry over to a re-run, scoring.

The outputs are written by the real stages (``extract.runner.run_texts``: clean, NER with the shipped
model, relations) over the project's sample documents and the seed pages, stored with
``extract.store`` exactly as a pipeline run stores them.  The second output is a re-run in another
batch without one of the documents, as a new model version that drops rows would be.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extract import store
from extract.evaluation.audit import (
    RELATION_TYPES,
    draw_sample,
    item_key,
    load_judgments,
    score,
    score_items,
    write_items,
)
from extract.ingest import ingest_paths
from extract.runner import run_texts
from helpers import ROOT, SAMPLES

OUTPUT_TABLES = ("documents", "sentences", "entities", "relations", "document_relations")


def _raw_rows(inputs: list[str]) -> list[dict]:
    rows = ingest_paths(inputs, "audit").documents.to_pylist()
    for row in rows:
        row["sections"] = [(s["name"], s["start"], s["end"]) for s in row["sections"] or []]
    return rows


def _write_output(out: Path, batch_id: str, raw_rows: list[dict]) -> Path:
    tables = run_texts(raw_rows)
    for name in OUTPUT_TABLES:
        store.write_partition(out, name, batch_id, tables[name])  # the batch id comes from the folder name
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, shared_dir) -> tuple[Path, Path]:
    """(first run, re-run in another batch, documents in reverse order, without the one with most relation rows)."""
    rows = _raw_rows([str(shared_dir / "samples" / "pages"), str(SAMPLES)])
    first = _write_output(tmp_path_factory.mktemp("first"), "b-first", rows)
    relations = store.read_table(first, "relations").column("doc_id").to_pylist()
    busiest = max(set(relations), key=relations.count)
    kept = [r for r in reversed(rows) if r["doc_id"] != busiest]
    second = _write_output(tmp_path_factory.mktemp("second"), "b-rerun", kept)
    assert busiest not in store.read_table(second, "relations").column("doc_id").to_pylist()
    return first, second


def _judge_all(items: list[dict], path: Path) -> None:
    """Judge every item: correct when the evidence contains both mention texts (a stand-in rule)."""
    judged = []
    for item in items:
        if item["kind"] == "row":
            ok = item["head_text"] in item["evidence"] and item["tail_text"] in item["evidence"]
        else:
            ok = item["n_documents"] > 1
        judged.append({**item, "correct": ok, "error": None if ok else "other", "note": "test"})
    write_items(path, judged)


def test_sampling_is_deterministic_for_a_seed(outputs):
    first, _ = outputs
    once, again = draw_sample(first, seed=0, per_type=3), draw_sample(first, seed=0, per_type=3)
    assert once == again
    rows = [i for i in once if i["kind"] == "row"]
    for rel_type in RELATION_TYPES:
        of_type = [i for i in rows if i["type"] == rel_type]
        assert 0 < len(of_type) <= 3, rel_type
    other_seeds = [{item_key(i) for i in draw_sample(first, seed=s, per_type=3)} for s in (1, 2, 3)]
    assert any(keys != {item_key(i) for i in once} for keys in other_seeds), "the seed changes the sample"
    pairs = [i for i in once if i["kind"] == "pair"]
    assert pairs and all(p["type"] == "drug_adverse_event" for p in pairs)
    counts = [p["n_documents"] for p in pairs]
    assert counts == sorted(counts, reverse=True)


def test_sample_rows_come_from_the_relations_table(outputs):
    first, _ = outputs
    relations = {r["relation_id"]: r for r in store.read_table(first, "relations").to_pylist()}
    for item in draw_sample(first, seed=0):
        if item["kind"] != "row":
            continue
        row = relations[item["relation_id"]]
        assert (row["doc_id"], row["type"], row["head_text"], row["tail_text"], row["evidence"]) == (
            item["doc_id"],
            item["type"],
            item["head_text"],
            item["tail_text"],
            item["evidence"],
        )
        assert not row["negated"]
        assert item["head_in_evidence"] is not None and item["tail_in_evidence"] is not None


def test_judgments_carry_over_to_a_rerun_and_unjudged_rows_are_listed(outputs, tmp_path):
    first, second = outputs
    judgments = tmp_path / "judgments.jsonl"
    first_items = draw_sample(first, seed=0, per_type=4)
    _judge_all(first_items, judgments)
    first_score = score(first, judgments, seed=0, per_type=4)
    assert first_score["unjudged_items"] == []
    assert all(t["judged"] == t["sampled"] for t in first_score["types"].values())

    second_items = draw_sample(second, seed=0, per_type=4)
    judged_keys = set(load_judgments(judgments))
    result = score_items(second_items, load_judgments(judgments))
    carried = [i for i in second_items if item_key(i) in judged_keys]
    new = [i for i in second_items if item_key(i) not in judged_keys]
    assert carried, "rows kept by the re-run keep their judgments"
    assert new, "rows that entered the sample when the dropped document's rows left it"
    assert [item_key(i) for i in result["unjudged_items"]] == [item_key(i) for i in new]
    for rel_type, tally in result["types"].items():
        rows = [i for i in carried if i["kind"] == "row" and i["type"] == rel_type]
        assert tally["judged"] == len(rows)
        assert tally["correct"] == sum(load_judgments(judgments)[item_key(i)]["correct"] for i in rows)
    # a row of the first output that the re-run also wrote is scored with the first output's judgment
    first_rows = {item_key(i) for i in first_items if i["kind"] == "row"}
    assert first_rows & {item_key(i) for i in carried if i["kind"] == "row"}


def test_cli_scores_and_writes_the_unjudged_items(outputs, tmp_path):
    first, _ = outputs
    sample_file, unjudged_file, judgments = tmp_path / "sample.jsonl", tmp_path / "unjudged.jsonl", tmp_path / "j.jsonl"
    cli = [sys.executable, "-m", "pipelines.cli", "audit"]
    subprocess.run([*cli, "sample", "--out", str(first), "--file", str(sample_file)], check=True, cwd=ROOT)
    items = [json.loads(line) for line in sample_file.read_text().splitlines()]
    assert items == draw_sample(first, seed=0)
    half = [i for n, i in enumerate(items) if n % 2 == 0]
    _judge_all(half, judgments)
    done = subprocess.run(
        [*cli, "score", "--out", str(first), "--judgments", str(judgments), "--unjudged", str(unjudged_file), "--json"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout)
    unjudged = [json.loads(line) for line in unjudged_file.read_text().splitlines()]
    assert [item_key(i) for i in unjudged] == [item_key(i) for n, i in enumerate(items) if n % 2 == 1]
    assert sum(t["judged"] for t in result["types"].values()) + result["top_pairs"]["judged"] == len(half)


def test_malformed_judgment_is_refused(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(
            {
                "kind": "row",
                "type": "drug_adverse_event",
                "doc_id": "PMID:1",
                "head_text": "a",
                "tail_text": "b",
                "evidence": "a b",
                "correct": False,
                "error": "typo",
            }
        )
        + "\n"
    )
    with pytest.raises(ValueError, match="error must be one of"):
        load_judgments(path)


def test_shipped_judgments_are_valid_and_keyed_uniquely():
    path = ROOT / "data" / "gold" / "relation_audit" / "judgments.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    judgments = load_judgments(path)
    assert len(judgments) == len(lines)
    audit_ids = set((ROOT / "data" / "gold" / "relation_audit" / "audit_ids.txt").read_text().split())
    assert {j["doc_id"].removeprefix("PMID:") for j in lines if j["kind"] == "row"} <= audit_ids
