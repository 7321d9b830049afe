"""The evidence of a pair made only across sentences (``document_relations.cross_sentence``) is the shortest span
that shows it: the nearest mentions of its two concepts, on real pipeline output read back.

The bundled calcinosis-cutis page names four drugs in one sentence ("... anecdotal benefit from some medical
approaches including minocylcine as well as warfarin, calcium channel blockers and bisphosphonates") and
methotrexate in the next, with no disease in either: the treatment rule reads them as treating the page's topic,
calcinosis cutis, named seven sentences before the drugs and again three sentences after.  The evidence runs from
the drug sentence to the later mention (four sentences), not from the earlier one (eight sentences, a paragraph on
systemic sclerosis first).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import store
from extract.ingest import ingest_paths
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

PAGE = get_settings().shared_dir / "samples" / "pages" / "abstract_calcinosis_cutis.txt"
BATCH = "evidence"
TABLES = ("documents", "sentences", "entities", "relations", "document_relations")
#: The drugs of the two treatment sentences, as written (the page misspells minocycline) -> their concept.
DRUGS = {
    "minocylcine": "MESH:D008911",
    "warfarin": "MESH:D014859",
    "calcium channel blockers": "MESH:D002121",
    "bisphosphonates": "MESH:D004164",
    "methotrexate": "MESH:D008727",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The page through the real stages (plain-text ingest, clean, NER + linking, the shipped relation model),
    written as an output folder."""
    if not PAGE.exists():
        pytest.skip(f"{PAGE} is not in the shared data")
    ingested = ingest_paths([str(PAGE)], BATCH)
    rows = ingested.documents.to_pylist()
    for row in rows:
        row["sections"] = [(s["name"], s["start"], s["end"]) for s in row["sections"] or []]
    tables = run_texts(rows, batch_id=BATCH)
    folder = tmp_path_factory.mktemp("cross_sentence_evidence") / "out"
    for name in TABLES:
        store.write_partition(folder, name, BATCH, tables[name])
    return folder


def _rows(out: Path, table: str) -> list[dict]:
    return store.read_table(out, table).to_pylist()


def _sentences_of(sentences: list[dict], start: int, end: int) -> list[int]:
    return sorted(s["sentence_index"] for s in sentences if s["start"] < end and start < s["end"])


def test_each_drug_treats_the_topic_across_sentences_with_the_nearest_mentions_as_evidence(out):
    text = _rows(out, "documents")[0]["text"]
    sentences = _rows(out, "sentences")
    entities = {e["entity_id"]: e for e in _rows(out, "entities")}
    # the concept the linker gives calcinosis cutis (HPO's term with linker-0.5.0)
    (topic,) = {e["concept_id"] for e in entities.values() if e["text"].lower() == "calcinosis cutis"}
    rows = {
        r["head_text"]: r
        for r in _rows(out, "document_relations")
        if r["type"] == "drug_treats_disease" and r["tail_concept_id"] == topic
    }
    assert sorted(rows) == sorted(DRUGS), sorted(rows)
    topic_sentences = sorted(e["sentence_index"] for e in entities.values() if e["concept_id"] == topic)
    for drug, concept in DRUGS.items():
        row = rows[drug]
        assert row["cross_sentence"] and row["head_concept_id"] == concept and not row["negated"], row
        head, tail = entities[row["head_entity_id"]], entities[row["tail_entity_id"]]
        assert (head["text"], tail["text"]) == (row["head_text"], row["tail_text"])
        # the tail is the topic mention nearest the drug's sentence, after it here
        nearest = min(topic_sentences, key=lambda i: (abs(i - head["sentence_index"]), i))
        assert tail["sentence_index"] == nearest > head["sentence_index"], (drug, tail, topic_sentences)
        # the evidence is the text from the drug's sentence to the tail's, both mentions inside
        assert _sentences_of(sentences, row["evidence_start"], row["evidence_end"]) == list(
            range(head["sentence_index"], tail["sentence_index"] + 1)
        )
        assert row["evidence"] == text[row["evidence_start"] : row["evidence_end"]]
        for mention in (head, tail):
            assert row["evidence_start"] <= mention["start"] and mention["end"] <= row["evidence_end"]
        assert row["evidence"].startswith(("There has been anecdotal benefit", "In addition anti-TNF agents"))
        assert row["evidence"].endswith("so that more systematic approaches to treatment can be developed.")
        assert "diffuse cutaneous systemic sclerosis" not in row["evidence"]


def test_no_cross_sentence_evidence_is_longer_than_the_nearest_mentions_of_its_concepts(out):
    """Whatever the pair, no two mentions of its concepts in different sentences lie fewer sentences apart than
    the two its evidence names; the same-sentence rows keep their one sentence."""
    sentences = _rows(out, "sentences")
    entities = _rows(out, "entities")
    rows = _rows(out, "document_relations")
    cross = [r for r in rows if r["cross_sentence"]]
    assert len(cross) >= 5
    by_id = {e["entity_id"]: e for e in entities}
    for row in cross:
        head, tail = by_id[row["head_entity_id"]], by_id[row["tail_entity_id"]]
        apart = abs(head["sentence_index"] - tail["sentence_index"])
        heads = [e for e in entities if e["concept_id"] == row["head_concept_id"] and e["label"] == head["label"]]
        tails = [e for e in entities if e["concept_id"] == row["tail_concept_id"] and e["label"] == tail["label"]]
        nearest = min(
            abs(h["sentence_index"] - t["sentence_index"])
            for h in heads
            for t in tails
            if h["sentence_index"] != t["sentence_index"] and h["negated"] == head["negated"]
        )
        assert apart == nearest, (row["head_text"], row["tail_text"], apart, nearest)
        assert len(_sentences_of(sentences, row["evidence_start"], row["evidence_end"])) == apart + 1
    for row in rows:
        if not row["cross_sentence"]:
            assert len(_sentences_of(sentences, row["evidence_start"], row["evidence_end"])) == 1, row
