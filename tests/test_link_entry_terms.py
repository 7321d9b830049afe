"""MeSH 2024 entry terms of the index's diseases link the mentions nothing else links (``extract.linking.entry_terms``),
from the table computed ahead (``data/entry_terms/``), which is what a fresh computation gives."""

import pytest

from extract.linking.derived_tables import load_table, source_of
from extract.linking.entry_terms import DEFAULT_ENTRY_TERMS, FORMAT, disease_entry_terms
from helpers import linker_and_mesh_terms, stage_linker


@pytest.fixture(scope="module")
def linker():
    return stage_linker()


def test_entry_terms_link_what_nothing_else_links(linker):
    results = linker.link_texts(
        [
            ("psychiatric illness", "DISEASE"),  # an entry term of Mental Disorders
            ("Giardia infection", "DISEASE"),  # Giardiasis
            ("respiratory distress syndrome", "DISEASE"),  # D012128's name since 2023
            ("brain metastases", "DISEASE"),  # the head back-off comes first: Neoplasm Metastasis, as BC5CDR says
        ]
    )
    assert [r and r.concept_id for r in results] == ["MESH:D001523", "MESH:D005873", "MESH:D012128", "MESH:D009362"]
    assert [r.method for r in results[:3]] == ["entry_term"] * 3


def test_the_shipped_table_is_a_fresh_computation():
    resources, terms = linker_and_mesh_terms()
    shipped = load_table(DEFAULT_ENTRY_TERMS, FORMAT, resources, terms, "")
    assert shipped is not None, "data/entry_terms is stale: python -m extract.training.linker_tables"
    assert shipped["linker"] == source_of(resources, terms)["linker"]
    fresh = disease_entry_terms(resources, terms, compute=True)
    assert shipped["terms"] == fresh
    assert fresh["mental illness"] == "MESH:D001523" and "illness mental" not in fresh  # permuted terms left out
    assert all(form not in resources.alias_to_ids for form in fresh)  # never an alias of the index
