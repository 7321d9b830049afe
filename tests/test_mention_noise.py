"""``extract_mention_noise``: numbers, statistics, trial ids and pronouns the NER model tags are no entities.

The sentences are from trial abstracts where the shipped model tags them ("[394827" -> neuropathic pain, "N = 9" ->
schizophrenia were relation rows of a 300-abstract run)."""

import pytest

import extract
from extract.api import Pipeline
from extract.corpora.pubtator import read_pubtator
from extract.ner.noise import RULES, matching_rule
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.settings import get_settings

CITATIONS = (
    "By January 2001, pregabalin was in phase II development in Japan for the potential treatment of neuropathic "
    "pain, with an anticipated approval date of 2005 [394827]."
)
STATISTICS = (
    "We examined the EEGs of patients with schizophrenia treated with either olanzapine (N = 9) or clozapine (N = 9) "
    "prior to medication and 3 to 7 weeks afterwards."
)
P_VALUES = (
    "Olanzapine was significantly more effective than conventional antipsychotics in lowering the total BPRS score "
    "(P=.0003), as well as each of the following BPRS subscales: positive symptoms (P=.0019), negative symptoms "
    "(P<.0001), depression (P=.018), and agitation (P=.007)."
)
COUNT = "This review involved 51 trials and 6057 patients."
REGISTRY = "TRIAL REGISTRATION ClinicalTrials.gov NCT01476631."
PRONOUN = (
    "It was also shown, that the endoscopist scored a higher degree of patient's pain during the examination than "
    "the patient did himself."
)


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return extract.load()


def _entities(nlp: Pipeline, text: str) -> dict[str, str]:
    return {e["text"]: e["label"] for e in nlp.annotate(text).entities}


def test_numbers_and_statistics_are_no_drugs_and_head_no_rows(nlp):
    result = nlp.annotate(CITATIONS)
    assert {e["text"] for e in result.entities} == {"pregabalin", "neuropathic pain"}
    assert [(r["head_text"], r["tail_text"]) for r in result.document_relations] == [("pregabalin", "neuropathic pain")]
    result = nlp.annotate(STATISTICS)
    assert "N = 9" not in {e["text"] for e in result.entities}
    heads = {r["head_text"] for r in result.document_relations}
    assert heads == {"olanzapine", "clozapine"}  # the drugs keep their rows
    ents = _entities(nlp, P_VALUES)
    assert "P<.0001" not in ents and ents["Olanzapine"] == "CHEMICAL" and ents["depression"] == "DISEASE"
    assert _entities(nlp, COUNT) == {}
    assert _entities(nlp, REGISTRY) == {}


def test_a_pronoun_is_no_disease(nlp):
    assert _entities(nlp, PRONOUN) == {"pain": "DISEASE"}


def test_capitalised_short_forms_and_formulas_stay():
    """Only the lower-case or capitalised word is a pronoun or preposition: "ON" (optic neuritis), "AT" are short
    forms; a formula or a name with a number has letters."""
    for text, label in [("ON", "DISEASE"), ("AT", "CHEMICAL"), ("IT", "DISEASE"), ("O2", "CHEMICAL")]:
        assert matching_rule(text, label) is None, text
    for text, label in [("5-HT", "CHEMICAL"), ("Ca2+", "CHEMICAL"), ("FK506", "CHEMICAL"), ("NSC-109229", "CHEMICAL")]:
        assert matching_rule(text, label) is None, text
    assert matching_rule("Himself", "DISEASE").name == "closed_class"
    assert matching_rule("himself", "CHEMICAL") is None  # the closed-class rule is for DISEASE mentions


def test_it_runs_right_after_the_model():
    """Before label consistency and abbreviations copy a mention elsewhere ("P<.0001" was copied to a second
    place by consistency)."""
    names = get_ner_nlp().pipe_names
    assert names.index("extract_mention_noise") == names.index("ner") + 1
    assert names.index("extract_mention_noise") < names.index("extract_label_consistency")


def test_rules_are_named_in_the_config():
    nlp = build_ner_nlp(
        only=["extract_mention_noise"], overrides={"components.extract_mention_noise.rules": ["no_letter"]}
    )
    assert [rule.name for rule in nlp.get_pipe("extract_mention_noise").rules] == ["no_letter"]
    with pytest.raises(ValueError, match="unknown rules"):
        build_ner_nlp(only=["extract_mention_noise"], overrides={"components.extract_mention_noise.rules": ["nope"]})


BC5CDR = {"Chemical": "CHEMICAL", "Disease": "DISEASE"}


@pytest.mark.parametrize("name", ["CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt"])
def test_no_bc5cdr_mention_matches_a_rule(name):
    path = get_settings().corpora_dir / "bc5cdr" / name
    if not path.exists():
        pytest.skip(f"{path} missing")
    hits = [
        (m.text, m.type)
        for doc in read_pubtator(path)
        for m in doc.mentions
        if m.type in BC5CDR and matching_rule(m.text, BC5CDR[m.type], RULES)
    ]
    assert hits == []
