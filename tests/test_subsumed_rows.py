"""A sentence that states a drug's broader and more specific adverse events keeps both as ``relations`` rows; the
document-level pair (``document_relations``, BC5CDR's CID convention) is the specific one's only.  The real clean,
NER and relation stages with the shipped models, and the stage's aggregation on its own."""

from __future__ import annotations

from extract.relations.stage import aggregate_document_relations
from extract.relations.types import DRUG_ADVERSE_EVENT
from extract.runner import run_texts
from helpers import needs_shipped, text_rows

TEXTS = {
    # audit abstract (PMID 10584719): myocarditis is a kind of cardiomyopathy in MeSH
    "clozapine": "Clozapine therapy may be associated with potentially fatal myocarditis and cardiomyopathy in "
    "physically healthy young adults with schizophrenia.",
    # acute renal failure (Acute Kidney Injury) is a kind of kidney disease (nephrotoxicity)
    "ciprofloxacin": "Ciprofloxacin-induced nephrotoxicity and acute renal failure in patients with cancer.",
}


@needs_shipped("ner", "linker", "relations")
def test_the_broader_event_is_a_sentence_row_but_no_document_pair():
    tables = run_texts(text_rows(TEXTS), stages=("clean", "ner", "relations"))
    rows = {
        (r["doc_id"].removeprefix("test:"), r["head_text"].lower(), r["tail_text"].lower()): r["tail_concept_id"]
        for r in tables["relations"].to_pylist()
        if r["type"] == DRUG_ADVERSE_EVENT and not r["negated"]
    }
    pairs = {
        (r["doc_id"].removeprefix("test:"), r["head_text"].lower(), r["tail_concept_id"])
        for r in tables["document_relations"].to_pylist()
        if r["type"] == DRUG_ADVERSE_EVENT and not r["negated"]
    }
    for doc, drug, broad, specific in (
        ("clozapine", "clozapine", "cardiomyopathy", "myocarditis"),
        ("ciprofloxacin", "ciprofloxacin", "nephrotoxicity", "acute renal failure"),
    ):
        assert (doc, drug, broad) in rows and (doc, drug, specific) in rows
        assert (doc, drug, rows[(doc, drug, specific)]) in pairs
        assert (doc, drug, rows[(doc, drug, broad)]) not in pairs


def _row(relation_id: str, tail: str, subsumed: bool) -> dict:
    row = {
        "doc_id": "d",
        "batch_id": "b",
        "relation_id": relation_id,
        "type": DRUG_ADVERSE_EVENT,
        "head_entity_id": "d#e0",
        "tail_entity_id": tail,
        "head_text": "clozapine",
        "tail_text": tail,
        "sentence_index": 0,
        "evidence": "Clozapine ... myocarditis and cardiomyopathy.",
        "evidence_start": 0,
        "evidence_end": 45,
        "score": 0.8,
        "negated": False,
        "model_version": "v",
    }
    return {**row, "subsumed": True} if subsumed else row


def test_a_subsumed_row_gives_no_document_pair():
    keys = {"d#e0": ("MESH:D003024",), "myocarditis": ("MESH:D009205",), "cardiomyopathy": ("MESH:D009202",)}
    rows = [_row("d#r0", "myocarditis", False), _row("d#r1", "cardiomyopathy", True)]
    out = aggregate_document_relations(rows, keys)
    assert [(r["head_concept_id"], r["tail_concept_id"]) for r in out] == [("MESH:D003024", "MESH:D009205")]
