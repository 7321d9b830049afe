"""Vocabulary readers (extract.vocab) on the real shared files.

Each test reads one file once, stopping at the record it needs where it can, and
asserts facts of the released vocabularies (CTD 2017, HPO 2025-01-16, DOID 2024-01-31,
MeSH 2024/2019, DrugBank open data).
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from extract.settings import get_settings
from extract.vocab.ctd import ctd_tree_numbers, read_ctd_diseases
from extract.vocab.drugbank import read_drugbank_vocabulary, read_drugbank_xrefs
from extract.vocab.files import read_tsv, vocab_files
from extract.vocab.hpo_annotations import read_hpo_annotations
from extract.vocab.mesh import (
    mesh_chemical_and_disease_names,
    mesh_tree_numbers,
    read_mesh_2019_labels,
    read_mesh_cas,
    read_mesh_descriptors,
    read_mesh_xrefs,
    read_pharmacological_actions,
    read_pubchem_mesh,
    supplementary_concept_names,
)
from extract.vocab.obo import descendants, read_obo, read_terms

FILES = vocab_files()

pytestmark = pytest.mark.skipif(
    not FILES.root.exists(), reason=f"shared vocabularies not found at {FILES.root} (../shared/vocab)"
)


def _first(records, **fields):
    """The first record whose attributes equal ``fields`` (reading stops there)."""
    return next(r for r in records if all(getattr(r, k) == v for k, v in fields.items()))


def test_standard_locations_exist() -> None:
    assert FILES.root == get_settings().vocab_dir
    for name in (
        "ctd_diseases", "hpo_obo", "hpo_annotations", "doid_obo", "drugbank_vocabulary", "mesh_terms",
        "mesh_trees", "mesh_pharmacological_actions", "mesh_2019_labels", "mesh_xrefs", "mesh_cas",
        "pubchem_mesh", "drugbank_xrefs",
    ):  # fmt: skip
        assert getattr(FILES, name).is_file(), name


def test_ctd_disease_synonyms_alt_ids_and_trees() -> None:
    trees = ctd_tree_numbers(FILES.ctd_diseases)
    assert trees["MESH:D002114"] == ("C18.452.174.130",)
    assert trees["MESH:C538288"][0] == "C16.131.260.C538288"  # supplementary concept under its descriptor
    assert not any(key.startswith("OMIM:") for key in trees)

    calcinosis = _first(read_ctd_diseases(FILES.ctd_diseases), disease_id="MESH:D002114")
    assert calcinosis.name == "Calcinosis"
    assert "Pathologic Calcification" in calcinosis.synonyms
    assert "DO:DOID:182" in calcinosis.alt_ids
    assert calcinosis.parent_ids == ("MESH:D002128",)
    assert calcinosis.tree_numbers == ("C18.452.174.130",)


def test_hpo_obo_terms_parents_and_phenotype_branch() -> None:
    obsolete = _first(read_obo(FILES.hpo_obo), term_id="HP:0000057")  # near the top of the file
    assert obsolete.obsolete and obsolete.name == "obsolete Clitoromegaly"

    terms = read_terms(FILES.hpo_obo)
    assert "HP:0000057" not in terms
    seizure = terms["HP:0001250"]
    assert seizure.name == "Seizure"
    assert seizure.parents == ["HP:0012638"]  # Abnormal nervous system physiology
    assert "HP:0001275" in seizure.alt_ids
    assert "UMLS:C0014544" in seizure.xrefs
    assert seizure.synonym_texts(("EXACT",)) == ["Epileptic seizure", "Seizures"]
    assert seizure.synonym_texts() == ["Epilepsy", "Epileptic seizure", "Seizures"]

    phenotypes = descendants(terms, "HP:0000118")
    assert "HP:0001250" in phenotypes
    assert "HP:0000118" not in phenotypes
    assert "HP:0000006" not in phenotypes  # Autosomal dominant inheritance (Mode of inheritance branch)


def test_disease_ontology_term_with_mesh_xref() -> None:
    bone_cancer = _first(read_obo(FILES.doid_obo), term_id="DOID:184")
    assert bone_cancer.name == "bone cancer"
    assert "MESH:D001859" in bone_cancer.xrefs
    assert "DOID:3348" in bone_cancer.alt_ids
    assert "bone neoplasm" in bone_cancer.synonym_texts(("EXACT",))


def test_obo_synonym_escapes_and_qualifiers(tmp_path: Path) -> None:
    path = tmp_path / "mini.obo"
    path.write_text(
        "format-version: 1.2\n\n"
        '[Term]\nid: X:1\nname: one\nsynonym: "the \\"quoted\\" one" NARROW [PMID:1]\n'
        'xref: MEDDRA:10022016 "Inguinal hernia"\nis_a: X:0 ! root\n\n'
        "[Typedef]\nid: part_of\nname: part of\n",
        encoding="utf-8",
    )
    (term,) = list(read_obo(path))
    assert term.synonyms[0].text == 'the "quoted" one' and term.synonyms[0].scope == "NARROW"
    assert term.xrefs == ["MEDDRA:10022016"] and term.parents == ["X:0"]


def test_hpo_annotations() -> None:
    rows = list(islice((a for a in read_hpo_annotations(FILES.hpo_annotations) if a.database_id == "OMIM:101600"), 50))
    assert rows[0].disease_name == "Pfeiffer syndrome"
    assert any(a.hpo_id == "HP:0000244" and a.is_phenotype for a in rows)  # Brachyturricephaly
    negated = _first(read_hpo_annotations(FILES.hpo_annotations), qualifier="NOT")
    assert not negated.is_phenotype


def test_drugbank_vocabulary_and_xrefs() -> None:
    teriparatide = _first(read_drugbank_vocabulary(FILES.drugbank_vocabulary), drugbank_id="DB06285")
    assert teriparatide.common_name == "Teriparatide"
    assert teriparatide.cas == "52232-67-4"
    assert "PTH (1-34)" in teriparatide.synonyms and "" not in teriparatide.synonyms
    assert teriparatide.accession_numbers == ("DB05581",)

    xrefs = [x for x in read_drugbank_xrefs(FILES.drugbank_xrefs) if x.drugbank_id == "DB06285"]
    assert ("CHEMBL", "CHEMBL525610") in {(x.namespace, x.xref) for x in xrefs}


def test_mesh_descriptor_entry_terms() -> None:
    teriparatide = _first(read_mesh_descriptors(FILES.mesh_terms), descriptor_id="D019379")
    assert teriparatide.name == "Teriparatide"
    assert {"Forteo", "hPTH (1-34)", "Teriparatide Acetate"} <= set(teriparatide.entry_terms())
    preferred = [t for t in teriparatide.terms if t.record_preferred]
    assert [t.term for t in preferred] == ["Teriparatide"]
    assert next(t for t in teriparatide.terms if t.term == "Forteo").lexical_tag == "TRD"


def test_mesh_tree_numbers() -> None:
    trees = mesh_tree_numbers(FILES.mesh_trees)
    assert trees["D019379"] == ("D06.472.699.590.850", "D12.644.548.587.850")
    assert trees["D002114"] == ("C18.452.174.130",)


def test_mesh_pharmacological_actions_with_supplementary_concepts() -> None:
    actions = list(read_pharmacological_actions(FILES.mesh_pharmacological_actions))
    teriparatide = {a.action_name for a in actions if a.substance_id == "D019379"}
    assert "Bone Density Conservation Agents" in teriparatide
    serotonin = _first(actions, substance_id="C042390")  # a supplementary concept (C-number)
    assert serotonin.substance_name == "alpha-methylserotonin"
    assert serotonin.action_name == "Serotonin Receptor Agonists"


def test_mesh_chemical_and_disease_names() -> None:
    """Entry terms by branch (D: chemicals; C, F03: diseases) and the supplementary concepts' names."""
    supplementary = supplementary_concept_names(FILES)
    assert supplementary["C042390"] == "alpha-methylserotonin"  # named by a pharmacological action
    assert all(mesh_id.startswith("C") for mesh_id in supplementary)
    names = mesh_chemical_and_disease_names(FILES)
    chemicals, diseases = set(names.chemicals), set(names.diseases)
    assert {"Doxorubicin", "Adriamycin", "Forteo", "Lithium", "alpha-methylserotonin"} <= chemicals
    assert {"Calcinosis", "Pathologic Calcification", "Ototoxicity"} <= diseases  # C18, C09 entry terms
    assert {"Schizophrenia", "Depressive Disorder"} <= diseases  # F03 mental disorders
    assert "Adriamycin" not in diseases and "Calcinosis" not in chemicals
    assert "Acid, Ascorbic" not in chemicals  # permuted terms are left out
    assert "alpha-methylserotonin" not in mesh_chemical_and_disease_names(FILES, supplementary=False).chemicals


def test_mesh_2019_labels() -> None:
    calcinosis = _first(read_mesh_2019_labels(FILES.mesh_2019_labels), descriptor_id="D002114")
    assert calcinosis.name == "Calcinosis"
    assert "Pathologic Calcification" in calcinosis.synonyms


def test_mesh_xrefs_cas_and_pubchem() -> None:
    bone = [x for x in read_mesh_xrefs(FILES.mesh_xrefs) if x.mesh_id == "D001859"]
    assert ("DOID", "DOID:184", "bone cancer") in {(x.target_namespace, x.target_id, x.target_name) for x in bone}
    assert next(read_mesh_cas(FILES.mesh_cas)) == ("C000009", "2776-93-4")
    assert _first(read_pubchem_mesh(FILES.pubchem_mesh), pubchem_cid="6").mesh_id == "D004137"


def test_tsv_header_is_checked() -> None:
    with pytest.raises(ValueError, match="header"):
        next(read_tsv(FILES.mesh_cas, ("MeshUI", "CAS")))
