"""document_relations.head_drug_classes (and relations.head_drug_classes) on real pipeline output: the
seed case report through clean, NER (shipped model + linker) and relations; the README's DuckDB query
counting adverse events per drug class with one GROUP BY over document_relations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extract import store
from extract.runner import run_texts
from extract.settings import resolve_model_dir

ROOT = Path(__file__).resolve().parents[1]
LINKER = resolve_model_dir("", "linker")

pytestmark = pytest.mark.skipif(
    LINKER is None or not (LINKER / "mesh_annotations.json.gz").exists(),
    reason="needs a models/linker-* with MeSH drug classes (linker 0.3.0+)",
)


@pytest.fixture(scope="module")
def tables() -> dict:
    from helpers import PAGES

    page = PAGES / "case_report_teriparatide.txt"
    rows = [{"doc_id": "test:teriparatide", "source": str(page), "source_index": 0, "text": page.read_text()}]
    return run_texts(rows)


def test_head_drug_classes_are_the_head_entitys_drug_classes(tables: dict) -> None:
    entities = {e["entity_id"]: e for e in tables["entities"].to_pylist()}
    relations = tables["relations"].to_pylist()
    assert relations
    for row in relations:
        assert row["head_drug_classes"] == entities[row["head_entity_id"]]["drug_classes"]
    by_concept = {}
    for row in tables["document_relations"].to_pylist():
        by_concept.setdefault(row["head_concept_id"], set()).add(tuple(row["head_drug_classes"] or ()))
    for concept_id, classes in by_concept.items():
        expected = {tuple(e["drug_classes"] or ()) for e in entities.values() if e["concept_id"] == concept_id}
        assert classes <= expected | {()}, concept_id
    teriparatide = [
        r
        for r in tables["document_relations"].to_pylist()
        if r["type"] == "drug_adverse_event" and r["head_text"].lower() == "teriparatide"
    ]
    assert teriparatide
    assert all("Bone Density Conservation Agents" in r["head_drug_classes"] for r in teriparatide)


def test_readme_query_counts_adverse_events_per_drug_class(tables: dict, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    store.write_partition(tmp_path, "document_relations", "b1", tables["document_relations"])
    readme = (ROOT / "README.md").read_text()
    query = re.search(r'# adverse events per drug class.*?duckdb\.sql\("""(.*?)"""\)', readme, re.S).group(1)
    assert "group by" in query.lower() and "join" not in query.lower()  # one GROUP BY, no join
    rows = duckdb.sql(query.replace("data/output", str(tmp_path))).fetchall()
    adverse = [
        r for r in tables["document_relations"].to_pylist() if r["type"] == "drug_adverse_event" and not r["negated"]
    ]
    expected = {(c, r["tail_concept_id"]) for r in adverse for c in r["head_drug_classes"] or ()}
    assert {(drug_class, tail) for drug_class, tail, _, _ in rows} == expected
    assert any(row[0] == "Bone Density Conservation Agents" for row in rows)
