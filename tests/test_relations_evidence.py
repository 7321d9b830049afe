"""Evidence that shows the claim, through the real pipeline (clean, NER + linking, the shipped relation model).

A ``relations`` row's evidence is one sentence holding both its mentions; a pair the model makes
only across sentences is a ``document_relations`` row with ``cross_sentence`` set and evidence
spanning the two mentions' sentences.  Indications read as treatments, "X-induced Y" as an
adverse event.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.ingest import ingest_paths
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir
from helpers import PAGES, SAMPLES

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

TEXTS = {
    "morphine": (
        "Morphine for postoperative pain after knee surgery: a randomized trial.\n\n"
        "Patients received intravenous morphine for relief of postoperative pain after total knee arthroplasty. "
        "Pain scores were lower with morphine than with placebo.\n"
    ),
    "sumatriptan": (
        "Sumatriptan in acute migraine.\n\n"
        "Subcutaneous sumatriptan was effective in the acute treatment of migraine attacks in 120 patients.\n"
    ),
    "haloperidol": (
        "Haloperidol-induced tardive dyskinesia in a young woman.\n\n"
        "We report a woman who developed haloperidol-induced tardive dyskinesia after two years of treatment.\n"
    ),
    "lithium": (
        "Lithium toxicity in an elderly patient.\n\n"
        "A 70-year-old woman was treated with lithium carbonate for bipolar disorder. Three weeks later she "
        "developed nephrogenic diabetes insipidus and acute renal failure. Lithium was stopped.\n"
    ),
}


def _run(paths: list[Path]) -> dict:
    rows = ingest_paths([str(p) for p in paths], "evidence").documents.to_pylist()
    for row in rows:
        row["sections"] = [(s["name"], s["start"], s["end"]) for s in row["sections"] or []]
    tables = run_texts(rows)
    docs = tables["documents"].select(["doc_id", "source"]).to_pylist()
    tables["names"] = {d["doc_id"]: Path(d["source"].rsplit("#", 1)[0]).stem for d in docs}
    return tables


@pytest.fixture(scope="module")
def sentences(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("texts")
    for name, text in TEXTS.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return _run([folder])


@pytest.fixture(scope="module")
def demo(shared_dir) -> dict:
    return _run([SAMPLES, PAGES])


def _pairs(tables: dict, name: str, table: str = "relations") -> set[tuple[str, str, str]]:
    return {
        (r["type"], r["head_text"].lower(), r["tail_text"].lower())
        for r in tables[table].to_pylist()
        if tables["names"][r["doc_id"]] == name
    }


def _drug_disease(pairs, drug: str, disease: str) -> set[str]:
    return {t for t, h, d in pairs if h == drug and disease in d}


def test_an_indication_is_a_treatment_and_no_adverse_event(sentences) -> None:
    morphine = _pairs(sentences, "morphine")
    assert _drug_disease(morphine, "morphine", "pain") == {"drug_treats_disease"}
    assert not {p for p in morphine if p[0] == "drug_adverse_event"}
    sumatriptan = _pairs(sentences, "sumatriptan")
    assert _drug_disease(sumatriptan, "sumatriptan", "migraine") == {"drug_treats_disease"}
    assert not {p for p in sumatriptan if p[0] == "drug_adverse_event"}


def test_drug_induced_is_an_adverse_event(sentences) -> None:
    haloperidol = _pairs(sentences, "haloperidol")
    assert _drug_disease(haloperidol, "haloperidol", "tardive dyskinesia") == {"drug_adverse_event"}


def _mentions_inside(tables: dict) -> list[str]:
    """Relations rows whose evidence does not hold both mentions (by offsets)."""
    entities = {e["entity_id"]: e for e in tables["entities"].to_pylist()}
    bad = []
    for r in tables["relations"].to_pylist():
        for key in ("head_entity_id", "tail_entity_id"):
            e = entities[r[key]]
            if not (r["evidence_start"] <= e["start"] and e["end"] <= r["evidence_end"]):
                bad.append(f"{r['relation_id']} {r['type']} {r['head_text']} -> {r['tail_text']}: {r['evidence']}")
            if e["sentence_index"] != r["sentence_index"]:
                bad.append(f"{r['relation_id']}: {key} in sentence {e['sentence_index']}, not {r['sentence_index']}")
    return bad


def test_a_cross_sentence_pair_is_only_a_document_relation(sentences) -> None:
    """The drug named in the last sentence, the event in the one before: no sentence states the pair."""
    assert not [p for p in _pairs(sentences, "lithium") if "insipidus" in p[2]]
    cross = [
        r
        for r in sentences["document_relations"].to_pylist()
        if sentences["names"][r["doc_id"]] == "lithium" and "insipidus" in r["tail_text"]
    ]
    assert [(r["type"], r["cross_sentence"], r["best_relation_id"], r["n_sentences"]) for r in cross] == [
        ("drug_adverse_event", True, None, 0)
    ]
    doc_text = next(d["text"] for d in sentences["documents"].to_pylist() if d["doc_id"] == cross[0]["doc_id"])
    evidence = doc_text[cross[0]["evidence_start"] : cross[0]["evidence_end"]]
    assert evidence == cross[0]["evidence"]
    assert evidence.startswith("Three weeks later") and evidence.endswith("Lithium was stopped.")
    assert not _mentions_inside(sentences)


def test_every_relations_row_of_the_demo_shows_both_mentions(demo) -> None:
    relations = demo["relations"].to_pylist()
    assert len(relations) > 10
    assert not _mentions_inside(demo)
    # every document_relations row points at a relations row of its pair, or is marked cross-sentence
    by_id = {r["relation_id"]: r for r in relations}
    for dr in demo["document_relations"].to_pylist():
        if dr["cross_sentence"]:
            assert dr["best_relation_id"] is None and dr["n_sentences"] == 0
            assert dr["head_text"] in dr["evidence"] and dr["tail_text"] in dr["evidence"]
        else:
            assert by_id[dr["best_relation_id"]]["evidence"] == dr["evidence"]
