"""Drug-class words the NER model leaves untagged ("beta-blockers", "antihypertensive drugs") are CHEMICAL mentions of
their MeSH class (extract.ner.class_words), through the shipped pipeline, on sentences of real abstracts."""

import pytest

import extract
from extract.api import Pipeline
from extract.linking.class_words import class_word_forms
from extract.settings import Settings, get_settings, resolve_model_dir
from helpers import linker_and_mesh_terms

# PMID 12051123, PMID 7512469, PMID 7774515, PMID 9241012, PMID 2019772 (audit corpus).
WARFARIN = "Warfarin and beta-blockers were the drugs causing the largest number of adverse effects."
LIPIDS = (
    "Some antihypertensive drugs adversely affect the plasma lipid profile, and this has to be taken into account "
    "when choosing treatment for hypertension because it may offset the beneficial blood pressure-lowering effect of "
    "these agents."
)
RAMIPRIL = (
    "The antihypertensive efficacy of ramipril has been confirmed in large-scale noncomparative studies conducted in "
    "general practice as well as in more rigorously controlled clinical trials."
)
LIVER = (
    "Two hundred thirty-eight patients treated with either haloperidol or clozapine were investigated to shed more "
    "light on the incidence and severity of antipsychotic-induced liver enzyme increase."
)
NEPHROTOXICITY = (
    "Antibiotic-associated nephrotoxicity was more frequent in patients treated with vancomycin (6% vs. 2%, P = .02)."
)

BETA_BLOCKERS = "MESH:D000319"  # Adrenergic beta-Antagonists; MeSH's entry term is "beta-Blockers, Adrenergic"


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    if resolve_model_dir(get_settings().linker_index, "linker") is None:
        pytest.skip("no linker index")
    return extract.load(Settings(class_words=True))


def _entities(nlp: Pipeline, text: str) -> dict[str, dict]:
    return {row["text"]: row for row in nlp.annotate(text).entities}


@pytest.mark.slow
def test_a_class_word_is_a_chemical_of_its_class_and_heads_rows(nlp):
    result = nlp.annotate(WARFARIN)
    ents = {row["text"]: row for row in result.entities}
    blockers = ents["beta-blockers"]
    assert blockers["label"] == "CHEMICAL" and blockers["method"] == "class_word"
    assert blockers["concept_id"] == BETA_BLOCKERS and blockers["drug_classes"][0] == "Adrenergic beta-Antagonists"
    assert _entities(nlp, LIVER)["antipsychotic"]["concept_id"] == "MESH:D014150"  # Antipsychotic Agents
    rows = nlp.annotate(NEPHROTOXICITY).document_relations
    assert any(row["head_concept_id"] == "MESH:D000900" and row["tail_text"] == "nephrotoxicity" for row in rows)


@pytest.mark.slow
def test_only_the_noun_is_a_mention(nlp):
    drugs = _entities(nlp, LIPIDS)["antihypertensive drugs"]
    assert drugs["method"] == "class_word" and drugs["concept_id"] == "MESH:D000959"  # Antihypertensive Agents
    assert not any("antihypertensive" in text for text in _entities(nlp, RAMIPRIL))  # "antihypertensive efficacy"


@pytest.mark.slow
def test_the_setting_switches_it_off():
    off = extract.load(Settings(class_words=False))
    assert "beta-blockers" not in _entities(off, WARFARIN)


def test_the_words_come_from_mesh_and_name_one_class():
    resources, terms = linker_and_mesh_terms()
    forms = class_word_forms(resources, terms)
    assert forms["beta blockers"].concept_id == BETA_BLOCKERS  # the head of the inverted "beta-Blockers, Adrenergic"
    assert forms["ace inhibitor"].concept_id == "MESH:D000806"  # singular of the entry term "ACE Inhibitors"
    assert forms["diuretics"].concept_id == "MESH:D004232"  # Diuretics, not the "Diuretics, Osmotic" it heads
    assert "analgesics opioid" in forms and "injections" not in forms  # "Injections, Sclerosing" names no drug class
    # a head of separate words only where the inverted part says where the drugs come from
    assert forms["calcium antagonists"].concept_id == "MESH:D002121"  # "Calcium Antagonists, Exogenous"
    assert "antidepressive drugs" not in forms  # "Antidepressive Drugs, Second-Generation" is a narrower class


def test_the_linker_links_a_class_word_the_model_tagged_with_the_setting_off():
    """With the tagging component off (the default), the stage's linker still links a class word the model tagged:
    "calcium antagonists" (182 mentions of the audit run, none linked before) is Calcium Channel Blockers."""
    from extract.ner.pipeline import get_ner_nlp

    if resolve_model_dir(get_settings().linker_index, "linker") is None:
        pytest.skip("no linker index")
    assert not get_settings().class_words
    linker = get_ner_nlp().get_pipe("extract_linker")
    (found,) = linker.link_texts([("calcium antagonists", "CHEMICAL")])
    assert found is not None and found.concept_id == "MESH:D002121"


def test_the_saved_forms_are_the_computed_ones():
    """The table the stage reads (data/class_words/) holds what the MeSH file and the index give today."""
    resources, terms = linker_and_mesh_terms()
    saved = class_word_forms(resources, terms)
    computed = class_word_forms(resources, terms, compute=True)
    assert saved is not computed and len(saved) > 1000
    assert {f: (w.text, w.concept_id) for f, w in saved.items()} == {
        f: (w.text, w.concept_id) for f, w in computed.items()
    }
