"""Short forms a document uses without defining them link to what papers define them as (extract.training.short_forms
builds the table from shared/unlabeled, extract.linking.short_forms reads it): "TB", "CCB", "GORD" had no concept in
documents that do not write them out."""

from collections import Counter

import pytest

from extract.linking.short_forms import DEFAULT_SHORT_FORMS, load_short_forms
from extract.ner.pipeline import get_ner_nlp
from extract.settings import get_settings, resolve_model_dir
from extract.training.short_forms import build_table, definitions

TUBERCULOSIS = "MESH:D014376"
CALCIUM_CHANNEL_BLOCKERS = "MESH:D002121"


def test_definitions_are_counted_once_per_document():
    counts = definitions(
        [
            "Patients with tuberculosis (TB) were followed. TB was cured in most.",
            "We studied calcium channel blockers (CCBs) in tuberculosis (TB); TB and tuberculosis (TB) again.",
        ]
    )
    assert counts[("TB", "tuberculosis")] == 2 and counts[("CCBs", "calcium channel blockers")] == 1


def test_a_short_form_is_kept_when_its_definitions_agree():
    concepts = {"tuberculosis": "T", "total bilirubin": None, "pulmonary embolism": "P", "physical examination": None}
    counts = Counter(
        {
            ("TB", "tuberculosis"): 9,
            ("TB", "total bilirubin"): 1,  # 9 of 10 definitions name tuberculosis
            ("PE", "pulmonary embolism"): 5,
            ("PE", "physical examination"): 5,  # half and half: ambiguous
            ("XY", "tuberculosis"): 2,  # too few documents
        }
    )
    table = build_table(counts, lambda texts, label: [concepts[t] if label == "DISEASE" else None for t in texts])
    assert set(table) == {"DISEASE\tTB"}
    assert table["DISEASE\tTB"]["concept_id"] == "T" and table["DISEASE\tTB"]["documents"] == 10


def test_the_shipped_table():
    table = load_short_forms(DEFAULT_SHORT_FORMS)
    assert len(table) > 100
    assert table.concept("TB", "DISEASE") == TUBERCULOSIS
    assert table.concept("CCB", "CHEMICAL") == CALCIUM_CHANNEL_BLOCKERS
    assert table.concept("PE", "DISEASE") is None  # pulmonary embolism, physical examination, pre-eclampsia
    assert table.concept("TB", "CHEMICAL") is None


@pytest.fixture(scope="module")
def nlp():
    if resolve_model_dir(get_settings().linker_index, "linker") is None:
        pytest.skip("no linker index")
    return get_ner_nlp()


def test_the_stage_links_an_undefined_short_form_and_keeps_a_defined_one(nlp):
    undefined = nlp("Ninety patients with TB were enrolled; 12 received a CCB.")
    ents = {e.text: e for e in undefined.ents}
    assert ents["TB"]._.concept_id == TUBERCULOSIS and ents["TB"]._.link_score == pytest.approx(0.9)
    # a document that defines the short form as something else is read as it defines it
    defined = nlp("Total bilirubin (TB) and hepatic encephalopathy were measured; TB rose in 12 patients.")
    assert all(e._.concept_id != TUBERCULOSIS for e in defined.ents if e.text == "TB")
