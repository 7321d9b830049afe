"""Disease-name widening (``extract_disease_names``) through the real NER stage pipeline (shipped model + linker)."""

from extract.ner.pipeline import get_ner_nlp


def _ents(text: str) -> dict[str, tuple[str, str | None, str | None]]:
    return {e.text: (e.label_, e._.method, e._.concept_id) for e in get_ner_nlp()(text).ents}


def test_a_name_the_model_splits_becomes_one_linked_mention():
    ents = _ents("Patients with migraine with aura and migraine without aura received propranolol.")
    assert ents["migraine with aura"] == ("DISEASE", "disease_name", "MESH:D020325")
    assert ents["migraine without aura"] == ("DISEASE", "disease_name", "MESH:D020326")
    assert "aura" not in ents and "migraine" not in ents
    assert ents["propranolol"][0] == "CHEMICAL"


def test_no_widening_over_punctuation_or_a_chemical():
    ents = _ents("Venous thrombo-embolism occurred; hypertension, and morphine-induced pruritus were recorded.")
    assert "-embolism" not in ents
    assert ents["hypertension"][1] == "model"
    assert ents["morphine"][0] == "CHEMICAL" and "morphine-induced pruritus" not in ents


def test_the_end_of_an_anti_adjective_is_no_disease():
    ents = _ents("The anti-inflammatory effect of dexamethasone was studied in arthritis.")
    assert "inflammatory" not in ents
    assert ents["arthritis"][0] == "DISEASE" and ents["dexamethasone"][0] == "CHEMICAL"


def test_a_chemical_name_ending_in_a_condition_head_is_a_disease():
    # The model tags the whole phrase CHEMICAL; it is the condition (and so never the drug of an adverse event).
    ents = _ents(
        "Today, vitamin D deficiency is rising in many parts of the world, resulting in a high prevalence of "
        "hypovitaminosis."
    )
    assert ents["vitamin D deficiency"] == ("DISEASE", "disease_name", "MESH:D014808")
    assert not any(label == "CHEMICAL" for label, _, _ in ents.values())
