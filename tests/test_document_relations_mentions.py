"""``document_relations.head_entity_id`` / ``tail_entity_id``: the best evidence's mentions by id, through the real
stages (clean, NER + linking, the shipped relation model) and real Parquet read back.

An analyst joins a document relation to its ``entities`` rows by these ids; ``check`` validates them; ``show`` and
the pair table mark the mentions they name in a cross-sentence evidence, not another mention with the same text,
and fall back to the nearest mentions with the head and tail texts for outputs written before the columns.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract import store
from extract.check import check_output
from extract.ingest import ingest_paths
from extract.reporting.concept_pairs import build_concept_pairs
from extract.reporting.document import render_document
from extract.reporting.spans import RELATION_ROLES
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir
from helpers import PAGES, SAMPLES

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

BATCH = "demo"
TABLES = ("raw_documents", "documents", "sentences", "entities", "relations", "document_relations", "rejects")

#: "Lithium" twice in the sentence the cross-sentence evidence starts with; the adverse event in the next sentence.
TWICE = (
    "Lithium toxicity in an elderly patient.\n\n"
    "A 70-year-old woman was treated with Lithium for bipolar disorder, and Lithium levels were checked monthly. "
    "Three weeks later she developed nephrogenic diabetes insipidus. She recovered.\n"
)


def _write(out: Path, tables: dict, files=None) -> None:
    for name in TABLES:
        store.write_partition(out, name, BATCH, tables[name])
    if files is not None:
        store.write_partition(out, "files", BATCH, files)


def _write_without_ids(out: Path, tables: dict) -> None:
    """``document_relations`` as a version before the id columns wrote it (no such columns in the file)."""
    old = tables["document_relations"].drop_columns(["batch_id", "head_entity_id", "tail_entity_id"])
    folder = store.partition_dir(out, "document_relations", BATCH)
    for path in folder.glob("*.parquet"):
        path.unlink()
    pq.write_table(old, folder / "part-0.parquet")


@pytest.fixture(scope="module")
def demo() -> dict:
    """The bundled samples and the seed pages through the real stages, in memory."""
    ingested = ingest_paths([str(SAMPLES), str(PAGES)], BATCH)
    rows = ingested.documents.to_pylist()
    for row in rows:
        row["sections"] = [(s["name"], s["start"], s["end"]) for s in row["sections"] or []]
    tables = run_texts(rows, batch_id=BATCH)
    tables["files"] = ingested.files
    return tables


def test_document_relations_name_the_mentions_of_their_best_evidence(demo) -> None:
    """Every row's ids join to ``entities`` rows of its document with its head / tail text inside its evidence;
    a same-sentence row's are its best relation's mentions."""
    entities = {e["entity_id"]: e for e in demo["entities"].to_pylist()}
    relations = {r["relation_id"]: r for r in demo["relations"].to_pylist()}
    rows = demo["document_relations"].to_pylist()
    assert any(r["cross_sentence"] for r in rows) and any(not r["cross_sentence"] for r in rows)
    for r in rows:
        for role in ("head", "tail"):
            mention = entities[r[f"{role}_entity_id"]]
            assert mention["doc_id"] == r["doc_id"], r
            assert mention["text"] == r[f"{role}_text"], r
            assert r["evidence_start"] <= mention["start"] < mention["end"] <= r["evidence_end"], r
            if not r["cross_sentence"]:
                assert relations[r["best_relation_id"]][f"{role}_entity_id"] == r[f"{role}_entity_id"], r


def test_check_validates_the_mention_ids(demo, tmp_path: Path) -> None:
    """The real output passes; an id of another document's entity, of a mention outside the evidence or of no
    entity is a violation each; an output written before the columns (read back with them null) passes."""
    out = tmp_path / "out"
    _write(out, demo, demo["files"])
    report = check_output(out)
    assert report.ok, report.violations

    rows = demo["document_relations"].to_pylist()
    entities = demo["entities"].to_pylist()
    cross = next(i for i, r in enumerate(rows) if r["cross_sentence"])
    within = next(i for i, r in enumerate(rows) if not r["cross_sentence"])
    foreign = next(e for e in entities if e["doc_id"] != rows[cross]["doc_id"])
    outside = next(
        e
        for e in entities
        if e["doc_id"] == rows[within]["doc_id"]
        and not (rows[within]["evidence_start"] <= e["start"] < rows[within]["evidence_end"])
    )
    rows[cross]["head_entity_id"] = foreign["entity_id"]
    rows[within]["tail_entity_id"] = outside["entity_id"]
    rows[-1]["tail_entity_id"] = "no-such-entity"
    bad = out / "bad"
    tampered = pa.Table.from_pylist(rows, schema=demo["document_relations"].schema)
    _write(bad, {**demo, "document_relations": tampered}, demo["files"])
    violations = check_output(bad).violations
    assert any(
        f"head_entity_id {foreign['entity_id']} is not an entity of {rows[cross]['doc_id']}" in v for v in violations
    )
    assert any(f"the tail mention {outside['entity_id']}" in v and "outside the evidence" in v for v in violations)
    assert any(f"is not the tail of best_relation_id {rows[within]['best_relation_id']}" in v for v in violations)
    assert any("tail_entity_id no-such-entity is not an entity of" in v for v in violations)

    old = out / "old"
    _write(old, demo, demo["files"])
    _write_without_ids(old, demo)
    report = check_output(old)
    assert report.ok, report.violations
    assert report.counts["document_relations"] == len(rows)


_MARK = re.compile(r"<mark[^>]*>\s*(.*?)\s*<span[^>]*>(.*?)</span>\s*</mark>", re.S)


def _marked(evidence_html: str) -> str:
    """What a reader sees of a displaCy evidence: its text with each mark as `` [[text|LABEL]] ``, spaces collapsed."""
    text = _MARK.sub(lambda m: f" [[{m.group(1)}|{m.group(2)}]] ", evidence_html)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text.replace("<br>", " ")))
    return " ".join(text.split())


def _expected(row: dict, head: dict, tail: dict) -> str:
    """The evidence with ``head`` and ``tail`` (entities rows) marked with their roles, as :func:`_marked` reads it."""
    _, head_role, tail_role = RELATION_ROLES[row["type"]]
    text, start = row["evidence"], row["evidence_start"]
    for mention, role in sorted(((head, head_role), (tail, tail_role)), key=lambda x: -x[0]["start"]):
        a, b = mention["start"] - start, mention["end"] - start
        text = f"{text[:a]} [[{text[a:b]}|{role}]] {text[b:]}"
    return " ".join(text.split())


def _cross_section_evidence(page: str) -> list[str]:
    section = page.split('<section id="cross-sentence">', 1)[1].split("</section>", 1)[0]
    return [_marked(div.split(">", 1)[1].split("</div>", 1)[0]) for div in section.split('<div class="entities"')[1:]]


def test_show_and_pairs_mark_the_mentions_the_ids_name(tmp_path: Path) -> None:
    """The cross-sentence evidence holds "Lithium" twice; the stage's best evidence names the first.  `show` and the
    pair table mark that mention (the nearest-mention text match marked the second); an output written before the
    columns still gets its mentions marked, by text."""
    tables = run_texts([{"text": TWICE, "doc_id": "twice", "source": "twice.txt"}], batch_id=BATCH)
    entities = {e["entity_id"]: e for e in tables["entities"].to_pylist()}
    rows = [r for r in tables["document_relations"].to_pylist() if r["cross_sentence"]]

    def repeated(r: dict, role: str) -> bool:  # another mention with the text of the row's head / tail in the evidence
        mention = entities[r[f"{role}_entity_id"]]
        return any(
            e["entity_id"] != mention["entity_id"]
            and e["text"] == mention["text"]
            and r["evidence_start"] <= e["start"] < r["evidence_end"]
            for e in entities.values()
        )

    rows = [r for r in rows if repeated(r, "head") or repeated(r, "tail")]
    assert rows, "the model no longer makes a cross-sentence pair of the constructed document: change TWICE"
    out = tmp_path / "out"
    _write(out, tables)

    shown = _cross_section_evidence(render_document(out, "twice"))
    for r in rows:
        expected = _expected(r, entities[r["head_entity_id"]], entities[r["tail_entity_id"]])
        assert expected in shown, (expected, shown)

    pairs = {(p["type"], p["head_concept_id"], p["tail_concept_id"]): p for p in build_concept_pairs(out).to_pylist()}
    for r in rows:
        pair = pairs[(r["type"], r["head_concept_id"], r["tail_concept_id"])]
        head, tail = entities[r["head_entity_id"]], entities[r["tail_entity_id"]]
        assert pair["evidence_cross_sentence"] and pair["evidence_start"] == r["evidence_start"]
        assert (pair["head_start"], pair["head_end"]) == (head["start"], head["end"])
        assert (pair["tail_start"], pair["tail_end"]) == (tail["start"], tail["end"])

    # an output written before the id columns: the mentions are still marked, by their texts
    _write_without_ids(out, tables)
    shown = _cross_section_evidence(render_document(out, "twice"))
    _, head_role, tail_role = RELATION_ROLES[rows[0]["type"]]
    assert len(shown) == sum(1 for r in tables["document_relations"].to_pylist() if r["cross_sentence"])
    assert all(f"|{head_role}]]" in s and f"|{tail_role}]]" in s for s in shown)
    assert all(p["head_start"] is not None for p in build_concept_pairs(out).to_pylist())
