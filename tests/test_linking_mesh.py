"""MeSH in the linker's knowledge base, on real pipeline output (clean + NER stage with the
shipped NER model and the newest shipped linker): an entry term that is not the descriptor's
name links to the descriptor; a supplementary-concept chemical links to its C-number."""

from __future__ import annotations

import json

import pytest

from extract.runner import run_texts
from extract.settings import resolve_model_dir

LINKER = resolve_model_dir("", "linker")
NER = resolve_model_dir("", "ner")


def _mesh_linker() -> bool:
    if LINKER is None or NER is None or not (LINKER / "meta.json").exists():
        return False
    return "mesh" in json.loads((LINKER / "meta.json").read_text()).get("sources", {})


pytestmark = pytest.mark.skipif(
    not _mesh_linker(), reason="needs models/ner-* and a models/linker-* built with MeSH (linker 0.3.0+)"
)

TEXT = (
    "Bleeding complications of bivalirudin in coronary intervention. "
    "Patients who received Tylenol before angioplasty were switched to bivalirudin. "
    "Vitamin C supplementation did not change the bleeding rate."
)


@pytest.fixture(scope="module")
def entities() -> dict[str, dict]:
    rows = [{"doc_id": "test:mesh", "source": "test", "source_index": 0, "format": "text", "text": TEXT}]
    table = run_texts(rows, stages=("clean", "ner"))["entities"]
    return {row["text"].lower(): row for row in table.to_pylist() if row["label"] == "CHEMICAL"}


def test_entry_term_links_to_its_descriptor(entities: dict[str, dict]) -> None:
    # "Tylenol" (a trade name) and "Vitamin C" are MeSH entry terms, not descriptor names;
    # neither was an alias of the linker before MeSH (0.2.0).
    assert entities["tylenol"]["concept_id"] == "MESH:D000082"
    assert entities["tylenol"]["concept_name"] == "Acetaminophen"
    assert entities["vitamin c"]["concept_id"] == "MESH:D001205"
    assert entities["vitamin c"]["concept_name"] == "Ascorbic Acid"


def test_supplementary_concept_links_to_its_c_number(entities: dict[str, dict]) -> None:
    # bivalirudin has no descriptor: the pharmacological-action file names its supplementary concept.
    assert entities["bivalirudin"]["concept_id"] == "MESH:C074619"
    assert entities["bivalirudin"]["ontology"] == "MESH"


@pytest.mark.parametrize(
    ("page", "drug", "drug_class"),
    [
        ("case_report_teriparatide.txt", "teriparatide", "Bone Density Conservation Agents"),
        ("abstract_calcinosis_cutis.txt", "minocycline", "Anti-Bacterial Agents"),
        ("case_report_teriparatide.txt", "warfarin", "Anticoagulants"),
        ("abstract_calcinosis_cutis.txt", "warfarin", "Anticoagulants"),
    ],
)
def test_drug_classes_on_the_seed_pages(page: str, drug: str, drug_class: str) -> None:
    from helpers import PAGES

    rows = [{"doc_id": f"test:{page}", "text": (PAGES / page).read_text()}]
    table = run_texts(rows, stages=("clean", "ner"))["entities"]
    linked = [row for row in table.to_pylist() if (row["concept_name"] or "").lower() == drug]
    assert linked, f"{drug} not linked in {page}"
    for row in linked:
        assert drug_class in row["drug_classes"]
        assert any(number.startswith("D") for number in row["mesh_tree_numbers"])


def test_an_agonist_is_not_linked_to_the_antagonists() -> None:
    from extract.linking.linker import EntityLinker

    linker = EntityLinker(LINKER)
    for text in ("opioid agonist", "narcotic agonists"):
        result = linker.link_texts([(text, "CHEMICAL")])[0]
        assert result is None or "antagonist" not in result.concept_name.lower(), (text, result)
    # the antagonists themselves still link
    assert linker.link_texts([("opioid antagonist", "CHEMICAL")])[0].concept_name == "Narcotic Antagonists"


def _new_disease_descriptors() -> bool:
    from extract.settings import get_settings

    linker = resolve_model_dir(get_settings().linker_index, "linker")
    meta = json.loads((linker / "meta.json").read_text()) if linker and (linker / "meta.json").exists() else {}
    return bool(meta.get("sources", {}).get("mesh", {}).get("new_disease_descriptors"))


@pytest.mark.skipif(
    not _new_disease_descriptors(), reason="needs a linker with MeSH's post-2017 disease descriptors (0.6.0+)"
)
def test_a_disease_descriptor_newer_than_ctd_medic_links_to_mesh() -> None:
    # The calcinosis-cutis seed page's disease and a CAR-T adverse event: MeSH 2024 descriptors (2023, 2019) that
    # CTD MEDIC 2017 lacks; before, the first linked to HPO's term and the second to nothing of MeSH.
    from helpers import PAGES

    rows = [{"doc_id": "test:calcinosis", "text": (PAGES / "abstract_calcinosis_cutis.txt").read_text()}]
    table = run_texts(rows, stages=("clean", "ner"))["entities"]
    linked = {row["concept_id"] for row in table.to_pylist() if row["text"].lower() == "calcinosis cutis"}
    assert linked == {"MESH:D000092182"}
    from extract.linking.linker import EntityLinker
    from extract.settings import get_settings

    linker = EntityLinker(resolve_model_dir(get_settings().linker_index, "linker"))
    result = linker.link_texts([("cytokine release syndrome", "DISEASE"), ("essential hypertension", "DISEASE")])
    assert result[0].concept_id == "MESH:D000080424" and result[0].ontology == "MESH"
    # a name a MeSH concept already carried stays with it
    assert result[1].concept_id == "MESH:D000075222"
