"""The drug-induced forms table is what its builder makes from the MeSH tree file, and only adverse events use it."""

from __future__ import annotations

import json
from pathlib import Path

from extract.relations.drug_induced import TABLE, adverse_event_concept
from extract.training.drug_induced import drug_induced_forms
from extract.vocab.files import vocab_files


def test_the_shipped_table_is_rebuilt_from_mesh(shared_dir: Path) -> None:
    built = drug_induced_forms(vocab_files(shared_dir / "vocab").mesh_trees)
    assert json.loads(TABLE.read_text())["forms"] == built
    names = {entry["parent_name"]: entry["name"] for entry in built.values()}
    assert names["Psychotic Disorders"] == "Psychoses, Substance-Induced"
    assert names["Dyskinesias"] == "Dyskinesia, Drug-Induced"
    # a drug-induced heading under an unrelated or generic parent is no form of it
    assert "Movement Disorders" not in names and "Chronic Disease" not in names


def test_a_concept_without_a_drug_induced_form_stays_itself() -> None:
    assert adverse_event_concept("MESH:D011618") == "MESH:D011605"
    assert adverse_event_concept("MESH:D006973") == "MESH:D006973"  # Hypertension
    assert adverse_event_concept(None) is None
