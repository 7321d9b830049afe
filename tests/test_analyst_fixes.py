"""Tagging and linking errors an analyst saw in the output, on real text through the real pipeline (clean + NER stage
with the shipped NER model and the newest shipped linker):

* a disease name whose own concept is an HPO / Disease Ontology term links to the MeSH concept named by the same words
  in the other number or with "disease" for "disorder" ("autoimmune disorder" -> Autoimmune Diseases, not HPO's
  Autoimmunity; ``EntityLinker.mesh_name``);
* the generic-head back-off ("endothelial damage" through "endothelial injury") reaches no concept a generic head
  names on its own (Wounds and Injuries; ``EntityLinker.head_backoff``);
* the clinical signs of ``src/extract/ner/sign_names.tsv`` are DISEASE mentions in every wording ("Gottron papules";
  ``extract.ner.disease_names``).
"""

from __future__ import annotations

import pytest

from extract.linking.index import load_linker_resources
from extract.ner.disease_names import DiseaseNames, read_sign_names
from extract.runner import run_texts
from extract.schemas import ENTITY_LABELS
from extract.settings import resolve_model_dir
from helpers import needs_shipped, text_rows

pytestmark = needs_shipped("ner", "linker")

TEXTS = {
    "autoimmune": "Patients with a history of autoimmune disorder were excluded.",
    "night_terror": "Night terror was reported in two children.",
    "parkinsonian": "Parkinsonian disease developed after haloperidol.",
    # BC5CDR dev PMID 19300240: the head back-off linked "endothelial damage" to Wounds and Injuries.
    "endothelial": (
        "Pathogenetic mechanisms of cardiac complications in cancer patients undergoing chemotherapy include "
        "coronary vasospasm, endothelial damage and consequent thrombus formation."
    ),
    "endothelial_impairment": "Endothelial impairment was found in smokers.",
    # The bundled sample's sentence (data/samples/pubmed_sample.xml).
    "gottron_sample": (
        "Heliotrope rash and Gottron papules are hallmark manifestations of dermatomyositis, and calcinosis cutis "
        "occurs in many patients with juvenile dermatomyositis."
    ),
    "gottron_short": "Gottron papules were present.",
    "lisch": "Lisch nodules were present.",
}


@pytest.fixture(scope="module")
def entities() -> dict[str, dict[str, dict]]:
    """doc id -> lower-cased mention text -> its entities row."""
    rows = text_rows(TEXTS)
    table = run_texts(rows, stages=("clean", "ner"))["entities"]
    found: dict[str, dict[str, dict]] = {key: {} for key in TEXTS}
    for row in table.to_pylist():
        if row["label"] in ENTITY_LABELS:  # not the adverse-effect spans
            found[row["doc_id"].removeprefix("test:")][row["text"].lower()] = row
    return found


@pytest.mark.parametrize(
    ("key", "mention", "concept_id", "concept_name"),
    [
        ("autoimmune", "autoimmune disorder", "MESH:D001327", "Autoimmune Diseases"),
        ("night_terror", "night terror", "MESH:D020184", "Night Terrors"),
        ("parkinsonian", "parkinsonian disease", "MESH:D020734", "Parkinsonian Disorders"),
    ],
)
def test_a_disease_name_links_to_the_mesh_concept_named_by_its_other_number_or_head(
    entities: dict[str, dict[str, dict]], key: str, mention: str, concept_id: str, concept_name: str
) -> None:
    # Before: HP:0002960 Autoimmunity, HP:0030765 Sleep terror, HP:0001300 Parkinsonism (the HPO synonyms matched
    # exactly, and the MeSH back-off had no head to drop to).
    row = entities[key][mention]
    assert row["label"] == "DISEASE"
    assert (row["concept_id"], row["concept_name"], row["ontology"]) == (concept_id, concept_name, "MESH")


@pytest.mark.parametrize(
    ("key", "mention"), [("endothelial", "endothelial damage"), ("endothelial_impairment", "endothelial impairment")]
)
def test_the_generic_head_backoff_reaches_no_concept_the_head_names_alone(
    entities: dict[str, dict[str, dict]], key: str, mention: str
) -> None:
    # Before: MESH:D014947 Wounds and Injuries, through BC5CDR train's one "endothelial injury".
    row = entities[key][mention]
    assert row["label"] == "DISEASE"
    assert row["concept_id"] is not None
    assert row["concept_id"] != "MESH:D014947"


@pytest.mark.parametrize(
    ("key", "mention", "concept_id"),
    [
        ("gottron_sample", "gottron papules", "HP:0025508"),
        ("gottron_short", "gottron papules", "HP:0025508"),
        ("lisch", "lisch nodules", "HP:0009737"),
    ],
)
def test_a_listed_clinical_sign_is_a_disease_mention(
    entities: dict[str, dict[str, dict]], key: str, mention: str, concept_id: str
) -> None:
    # Before: no entity for "Gottron papules" (with "Gottron's papules" the model tags it), "Lisch" alone.
    row = entities[key].get(mention)
    assert row is not None, sorted(entities[key])
    assert (row["label"], row["concept_id"]) == ("DISEASE", concept_id)
    assert "lisch" not in entities[key] and "gottron" not in entities[key]
    if key == "gottron_sample":  # the other mentions of the sentence are untouched
        assert {"heliotrope rash", "dermatomyositis", "calcinosis cutis", "juvenile dermatomyositis"} <= set(
            entities[key]
        )


def test_every_listed_sign_names_a_disease_of_the_shipped_knowledge_base() -> None:
    resources = load_linker_resources(resolve_model_dir("", "linker"))
    assert DiseaseNames.sign_names(resources) == read_sign_names()
