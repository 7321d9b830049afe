"""A disease_manifestation row stays inside the clause that states it (extract.relations.clause_scope): "Heliotrope
rash ... are hallmark manifestations of dermatomyositis, and calcinosis cutis occurs in many patients with juvenile
dermatomyositis" says nothing of juvenile dermatomyositis and the rash."""

from __future__ import annotations

import pytest

from extract import store
from extract.relations.clause_scope import clause_starts
from extract.relations.types import DISEASE_MANIFESTATION
from helpers import SAMPLES, build_view, relation_pairs


@pytest.mark.slow
def test_pipeline_keeps_the_rash_in_its_clause(tmp_path):
    """The bundled MEDLINE sample through every stage (ingest, clean, the shipped NER and relation models)."""
    from pipelines.flows import extraction_pipeline

    out = tmp_path / "out"
    extraction_pipeline(inputs=[str(SAMPLES / "pubmed_sample.xml")], out=str(out), batch_id="clauses")
    rows = [
        r
        for r in store.read_table(out, "relations").to_pylist()
        if r["type"] == DISEASE_MANIFESTATION and "hallmark manifestations of dermatomyositis" in r["evidence"]
    ]
    pairs = {(r["head_text"].lower(), r["tail_text"].lower()) for r in rows if not r["negated"]}
    # each clause's own disease keeps its rows
    assert {("dermatomyositis", "heliotrope rash"), ("juvenile dermatomyositis", "calcinosis cutis")} <= pairs
    # the rash of the first clause is not read as a manifestation of the second clause's disease
    assert ("juvenile dermatomyositis", "heliotrope rash") not in pairs
    assert not any(h == "juvenile dermatomyositis" and t != "calcinosis cutis" for h, t in pairs)


def test_other_joiners_and_what_stays(extractor):
    """ ", but" and ";" join clauses too; a list ("A, B, and C are ...") is one clause, and a tail whose clause names
    no disease of its own keeps its row."""
    for text, terms, kept, dropped in (
        (
            "Oral ulcers are a hallmark manifestation of Behcet disease, but uveitis occurs in many patients with "
            "sarcoidosis.",
            ["Oral ulcers", "Behcet disease", "uveitis", "sarcoidosis"],
            {("behcet disease", "oral ulcers"), ("sarcoidosis", "uveitis")},
            ("sarcoidosis", "oral ulcers"),
        ),
        (
            "Malar rash is a common manifestation of systemic lupus erythematosus; arthritis occurs in many patients "
            "with psoriasis.",
            ["Malar rash", "systemic lupus erythematosus", "arthritis", "psoriasis"],
            {("systemic lupus erythematosus", "malar rash"), ("psoriasis", "arthritis")},
            ("psoriasis", "malar rash"),
        ),
    ):
        view = build_view("c", text, {t: "DISEASE" for t in terms})
        assert len(clause_starts(view, 0)) == 1
        pairs = relation_pairs(extractor.extract(view), DISEASE_MANIFESTATION)
        assert kept <= pairs and dropped not in pairs, text
    listed = build_view(
        "l",
        "Fever, rash, and arthritis are common manifestations of systemic lupus erythematosus.",
        {t: "DISEASE" for t in ("Fever", "rash", "arthritis", "systemic lupus erythematosus")},
    )
    assert clause_starts(listed, 0) == []
    assert relation_pairs(extractor.extract(listed), DISEASE_MANIFESTATION) >= {
        ("systemic lupus erythematosus", t) for t in ("fever", "rash", "arthritis")
    }
