"""The concept a relation row names for a disease mention: the drug-induced form for an adverse event, the plain
disease for a treatment or a manifestation (``extract.relations.drug_induced.relation_concept``), through the real
models (``extract.load()``)."""

from __future__ import annotations

import pytest

import extract
from extract.relations.drug_induced import relation_concept

PSYCHOTIC_DISORDERS = "MESH:D011618"
SUBSTANCE_INDUCED = "MESH:D011605"


@pytest.fixture(scope="module")
def nlp():
    return extract.load()


def _pairs(annotation, rel_type: str) -> set[tuple[str, str]]:
    return {(r["head_text"].lower(), r["tail_concept_id"]) for r in annotation.relations if r["type"] == rel_type}


def test_a_treated_condition_is_named_by_its_plain_concept(nlp):
    # the linker follows BC5CDR's alias: "psychotic symptoms" -> Psychoses, Substance-Induced
    a = nlp.annotate("Olanzapine was used to treat psychotic symptoms.")
    assert [e["concept_id"] for e in a.entities if e["text"] == "psychotic symptoms"] == [SUBSTANCE_INDUCED]
    assert ("olanzapine", PSYCHOTIC_DISORDERS) in _pairs(a, "drug_treats_disease")
    assert all(r["tail_concept_id"] != SUBSTANCE_INDUCED for r in a.document_relations)


def test_an_adverse_event_keeps_the_drug_induced_concept(nlp):
    a = nlp.annotate("Levodopa caused psychotic symptoms in two patients.")
    assert ("levodopa", SUBSTANCE_INDUCED) in _pairs(a, "drug_adverse_event")


def test_a_mention_that_says_induced_keeps_the_drug_induced_concept():
    assert relation_concept("drug_treats_disease", SUBSTANCE_INDUCED, "levodopa-induced psychosis") == SUBSTANCE_INDUCED
    assert relation_concept("drug_treats_disease", SUBSTANCE_INDUCED, "psychoses") == PSYCHOTIC_DISORDERS
    assert relation_concept("drug_adverse_event", PSYCHOTIC_DISORDERS, "psychosis") == SUBSTANCE_INDUCED
    assert relation_concept("drug_treats_disease", "psychosis", "psychosis") == "psychosis"  # unlinked: its text
