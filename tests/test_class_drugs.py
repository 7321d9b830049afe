"""A drug named by its class ("NSAIDs", "ACE inhibitor") carries that class in ``drug_classes``: the concept it links
to is a MeSH pharmacological-action descriptor, whose members carry the same name."""

import csv
import gzip

import pytest

import extract
from extract.api import Pipeline
from extract.linking.index import load_linker_resources
from extract.linking.linker import class_descriptors
from extract.settings import get_settings, resolve_model_dir

NSAIDS = (
    "Although NSAIDs have been found to be associated with acute liver injury in a small number of persons, the risk "
    "is sufficiently small as to be of minimal concern for most NSAIDs."
)
ACE = (
    "The aim of the article was to present a 72 year old patient with reversible impairment of renal function during "
    "treatment with ACE inhibitor lisinopril."
)
SSRI = "Hyponatremia developed in elderly patients on fluoxetine, paroxetine and other SSRIs."

NSAID_CLASS = "Anti-Inflammatory Agents, Non-Steroidal"


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return extract.load()


def _by_text(rows: list[dict]) -> dict[str, dict]:
    return {r["text"]: r for r in rows}


def test_a_class_named_drug_carries_its_class_into_its_rows(nlp):
    result = nlp.annotate(NSAIDS)
    nsaids = _by_text(result.entities)["NSAIDs"]
    assert nsaids["concept_id"] == "MESH:D000894" and nsaids["drug_classes"][0] == NSAID_CLASS
    rows = [r for r in result.document_relations if r["head_text"] == "NSAIDs"]
    assert rows and all(NSAID_CLASS in r["head_drug_classes"] for r in rows)
    ace = _by_text(nlp.annotate(ACE).entities)
    assert ace["ACE inhibitor"]["drug_classes"] == ["Angiotensin-Converting Enzyme Inhibitors"]
    assert "Angiotensin-Converting Enzyme Inhibitors" in ace["lisinopril"]["drug_classes"]  # a member: the same name


def test_the_class_is_the_name_its_members_carry(nlp):
    """MeSH renamed the SSRI descriptor ("Selective Serotonin Reuptake Inhibitors"); its members still carry the
    action's name, "Serotonin Uptake Inhibitors", and so does the class mention."""
    ents = _by_text(nlp.annotate(SSRI).entities)
    assert ents["SSRIs"]["concept_id"] == "MESH:D017367"
    assert ents["SSRIs"]["drug_classes"][0] == "Serotonin Uptake Inhibitors"
    assert "Serotonin Uptake Inhibitors" in ents["fluoxetine"]["drug_classes"]


def test_the_class_descriptors_are_the_action_ids_of_the_pharmacological_actions_file():
    folder = resolve_model_dir(get_settings().linker_index, "linker")
    actions = get_settings().vocab_dir / "mesh" / "pharmacological_actions2024.tsv.gz"
    if folder is None or not actions.exists():
        pytest.skip("no linker index or no MeSH pharmacological actions file")
    with gzip.open(actions, "rt", encoding="utf-8") as fh:
        expected = {
            f"MESH:{row['PharmActionUI']}": row["PharmActionName"] for row in csv.DictReader(fh, delimiter="\t")
        }
    assert class_descriptors(load_linker_resources(folder)) == expected


def test_a_class_word_links_to_its_class_not_to_a_member_the_corpus_attached(nlp):
    # BC5CDR and BioRED train annotate "statins" as simvastatin; MeSH names it an entry term of the class.
    result = nlp.annotate("Statins are generally well tolerated, but myopathy is a known adverse effect of statins.")
    statins = [e for e in result.entities if e["text"].lower() == "statins"]
    assert statins and all(e["concept_id"] == "MESH:D019161" for e in statins)
    assert statins[0]["drug_classes"][0] == "Hydroxymethylglutaryl-CoA Reductase Inhibitors"
