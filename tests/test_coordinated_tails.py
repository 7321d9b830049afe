"""A disease coordinated with one whose adverse event the model accepts shares it: "Cisplatin is an effective anticancer
drug, but nephrotoxicity and hearing loss limit its use" gives cisplatin -> hearing loss beside cisplatin ->
nephrotoxicity (issue 14; ``extract.relations.coordination.coordinated_members`` in the model extractor's
``_coordinated_tails``).  Through the real pipeline (ingest, clean, NER + linking, relations) on the bundled PubTator
sample, and the shipped extractor on abstract sentences of the audit corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.relations.types import DRUG_ADVERSE_EVENT
from helpers import build_view, needs_shipped, relation_pairs

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "sample.pubtator"

shipped = needs_shipped("ner", "relations")


@pytest.fixture(scope="module")
def sample_rows() -> list[dict]:
    """``relations`` rows of the real pipeline over the bundled PubTator sample, in memory."""
    from extract.clean.stage import clean_documents
    from extract.ingest.stage import ingest_paths
    from extract.ner.stage import extract_entities
    from extract.relations.stage import extract_relations

    raw = ingest_paths([str(SAMPLE)], batch_id="coordinated-tails").documents
    cleaned = clean_documents(raw)
    entities = extract_entities(cleaned.documents, cleaned.sentences).entities
    return extract_relations(cleaned.documents, cleaned.sentences, entities).relations.to_pylist()


def _adverse_events(rows: list[dict], doc_id: str) -> dict[tuple[str, str], dict]:
    return {
        (r["head_text"].lower(), r["tail_text"].lower()): r
        for r in rows
        if r["doc_id"] == doc_id and r["type"] == DRUG_ADVERSE_EVENT and not r["negated"]
    }


@shipped
def test_coordinated_tail_gets_the_adverse_event_row(sample_rows):
    ade = _adverse_events(sample_rows, "PMID:90000005")
    row = ade.get(("cisplatin", "hearing loss"))
    assert row is not None, sorted(ade)
    assert "nephrotoxicity and hearing loss limit its use" in row["evidence"]
    assert row["tail_concept_id"] == "MESH:D034381"
    assert ("cisplatin", "nephrotoxicity") in ade
    assert not {t for _, t in ade if t == "solid tumors"}  # the disease treated is no adverse event


@shipped
def test_coordinated_tail_does_not_make_the_stated_ancestor_vanish(sample_rows):
    """Hearing loss (C09.218.458.341) is a descendant of ototoxicity's Hearing Disorders (C09.218.458): read only
    through the coordination, it does not make the most-specific-disease filter drop "Cisplatin-induced ...
    ototoxicity" of the title."""
    ade = _adverse_events(sample_rows, "PMID:90000005")
    assert ("cisplatin", "ototoxicity") in ade, sorted(ade)
    assert ("cisplatin", "hearing loss") in ade


# Audit-corpus sentences (PMID:11013280, PMID:9070546) whose coordinated disease had no row: the copy goes through the
# row filters, so the other arm's effects (ototoxicity, nephrotoxicity of the high-dose cisplatin arm) stay out.
ARMS = (
    "There was more hematotoxicity, peripheral neuropathy, and arthralgia/myalgia on the paclitaxel/cisplatin arm, "
    "whereas the high-dose cisplatin arm produced more ototoxicity, nausea, vomiting, and nephrotoxicity."
)
ARMS_TERMS = {
    "paclitaxel": "CHEMICAL",
    "cisplatin": "CHEMICAL",
    **dict.fromkeys(
        ("hematotoxicity", "peripheral neuropathy", "arthralgia", "myalgia", "ototoxicity", "nausea", "vomiting"),
        "DISEASE",
    ),
    "nephrotoxicity": "DISEASE",
}
ARRHYTHMIAS = (
    "Two arbutamine stress tests were discontinued due to arrhythmias: 1 patient had premature atrial and "
    "ventricular beats, and the other had premature atrial contractions and atrial fibrillation."
)
ARRHYTHMIA_TERMS = {
    "arbutamine": "CHEMICAL",
    "arrhythmias": "DISEASE",
    "premature atrial contractions": "DISEASE",
    "atrial fibrillation": "DISEASE",
}


@shipped
@pytest.mark.parametrize(
    "text,terms,expected,not_expected",
    [
        (
            ARMS,
            ARMS_TERMS,
            {("paclitaxel", "hematotoxicity"), ("paclitaxel", "peripheral neuropathy"), ("cisplatin", "nausea")},
            {("paclitaxel", "ototoxicity"), ("paclitaxel", "nephrotoxicity"), ("paclitaxel", "vomiting")},
        ),
        (
            ARRHYTHMIAS,
            ARRHYTHMIA_TERMS,
            {("arbutamine", "premature atrial contractions"), ("arbutamine", "atrial fibrillation")},
            set(),
        ),
    ],
)
def test_shipped_extractor_shares_the_adverse_event_with_the_coordinated_disease(
    extractor, text, terms, expected, not_expected
):
    ade = relation_pairs(extractor.extract(build_view("coord", text, terms)), DRUG_ADVERSE_EVENT)
    assert expected <= ade, sorted(ade)
    assert not (not_expected & ade), sorted(ade)
