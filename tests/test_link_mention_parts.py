"""Disease mentions that name two concepts, and short forms inside a longer mention (the shipped linker).

* the last-resort back-off drops leading words; when those words name a disease on their own, the mention names
  both ("myxedema coma" -> Coma + Myxedema), as BC5CDR annotates such mentions;
* "<modifier> X and Y" coordinations share their modifier ("cleft lip and palate" -> Cleft Lip + Cleft Palate);
* a disease adjective links to its noun ("syncopal attacks" -> Syncope);
* a mention holding a short form its document defines is linked with the short form written out ("HCV infection"
  -> "hepatitis C virus infection" -> Hepatitis C).
"""

from __future__ import annotations

import pytest

from extract.linking.normalize import conjuncts, noun_variants
from extract.ner.pipeline import build_ner_nlp
from helpers import doc_with_entities

PIPES = ("extract_abbreviations", "extract_linker")


@pytest.fixture(scope="module")
def nlp():
    nlp = build_ner_nlp(only=PIPES)
    if "extract_linker" not in nlp.pipe_names:
        pytest.skip("no linker index (models/linker-*)")
    return nlp


def _link(nlp, text: str, mentions: list[tuple]):
    doc = doc_with_entities(text, mentions)
    for _, pipe in nlp.pipeline:
        doc = pipe(doc)
    return {ent.text: (ent._.concept_id, ent._.concept_ids) for ent in doc.ents}


def test_backoff_modifier_naming_a_disease_is_a_second_concept(nlp):
    linker = nlp.get_pipe("extract_linker")
    coma = linker.link_texts([("myxedema coma", "DISEASE")])[0]
    assert coma.concept_id == "MESH:D003128"  # Coma: the mention's head
    assert [p.concept_id for p in coma.parts] == ["MESH:D003128", "MESH:D009230"]  # + Myxedema
    # ("hemorrhagic strokes" was the second example until linker-0.6.0: MeSH's 2021 descriptor Hemorrhagic Stroke)
    gastroparesis = linker.link_texts([("diabetic gastroparesis", "DISEASE")])[0]
    assert {p.concept_id for p in gastroparesis.parts} == {"MESH:D018589", "MESH:D003920"}  # + Diabetes Mellitus
    # through the spaCy component: both ids on the entity
    found = _link(nlp, "She was admitted in myxedema coma.", [("myxedema coma", "DISEASE")])
    assert found["myxedema coma"] == ("MESH:D003128", ["MESH:D003128", "MESH:D009230"])


def test_backoff_modifier_seen_once_in_a_corpus_names_no_second_concept(nlp):
    # The teriparatide seed page's "dystrophic calcification": "dystrophic" is an alias of Duchenne muscular
    # dystrophy only through one training-corpus mention, so it names no second concept (it did before).
    linker = nlp.get_pipe("extract_linker")
    calcification = linker.link_texts([("dystrophic calcification", "DISEASE")])[0]
    assert calcification.concept_id == "MESH:D002114"  # Calcinosis
    assert "MESH:D020388" not in {p.concept_id for p in calcification.parts}
    found = _link(
        nlp, "Worsening dystrophic calcification after teriparatide.", [("dystrophic calcification", "DISEASE")]
    )
    assert found["dystrophic calcification"][1] in (None, [], ["MESH:D002114"])


def test_backoff_modifier_that_is_a_short_form_is_not_linked(nlp):
    linker = nlp.get_pipe("extract_linker")
    # "CSA" alone is an alias of Cockayne syndrome A; in front of a disease it is cyclosporin A.
    result = linker.link_texts([("CSA nephrotoxicity", "DISEASE")])[0]
    ids = ({p.concept_id for p in result.parts} | {result.concept_id}) if result else set()
    assert not any("Cockayne" in linker.resources.data.concepts[i].name for i in ids)


def test_shared_modifier_coordination():
    assert conjuncts("cleft lip and palate") == ["cleft lip", "cleft palate"]
    assert conjuncts("ventricular tachycardia and fibrillation") == [
        "ventricular tachycardia",
        "ventricular fibrillation",
    ]
    # an item that is a name on its own is not completed; single-word first items are no such coordination
    assert conjuncts("renal failure and death", lambda item: item == "death") == ["renal failure", "death"]
    assert conjuncts("nausea and vomiting") == []


def test_shared_modifier_coordination_links_each_conjunct(nlp):
    found = _link(nlp, "The infant had a cleft lip and palate.", [("cleft lip and palate", "DISEASE")])
    concept_id, concept_ids = found["cleft lip and palate"]
    assert concept_ids == ["MESH:D002971", "MESH:D002972"]  # Cleft Lip, Cleft Palate (was HP Orofacial cleft)


def test_short_form_inside_a_mention_is_written_out(nlp):
    text = (
        "Chronic infection with hepatitis C virus (HCV) is common in dialysis units. "
        "HCV infection was found in 12 patients; gastrointestinal (GI) toxicity was mild. GI toxicity resolved."
    )
    found = _link(nlp, text, [("HCV infection", "DISEASE"), ("GI toxicity", "DISEASE", 0)])
    assert found["HCV infection"][0] == "MESH:D006526"  # Hepatitis C (unlinked as "HCV infection")
    assert found["GI toxicity"][0] == "MESH:D005767"  # Gastrointestinal Diseases (was an HPO term)


def test_short_form_inside_a_chemical_mention_is_left_alone(nlp):
    text = "Nitric oxide (NO) mediates relaxation; the NO donor was given."
    found = _link(nlp, text, [("NO donor", "CHEMICAL")])
    assert found["NO donor"][0] != "MESH:D020030"  # not Nitric Oxide Donors: BC5CDR's chemical is "NO"


def test_disease_adjective_links_to_its_noun(nlp):
    linker = nlp.get_pipe("extract_linker")
    assert noun_variants("syncopal attacks")[:2] == ["syncopal", "syncope"]
    results = linker.link_texts([("syncopal attacks", "DISEASE"), ("thromboembolic episodes", "DISEASE")])
    assert [r and r.concept_id for r in results] == ["MESH:D013575", "MESH:D013923"]  # Syncope, Thromboembolism
    assert results[0].method == "noun_form"
    # a disease noun before the episode noun is looked up as it is; "anginal" is angina's adjective
    # (the audit run's 131 unlinked "... symptoms / attacks / syndromes" mentions)
    results = linker.link_texts(
        [("heartburn symptoms", "DISEASE"), ("anginal attacks", "DISEASE"), ("chronic pain syndromes", "DISEASE")]
    )
    assert [r and r.concept_id for r in results] == ["MESH:D006356", "MESH:D000787", "MESH:D059350"]
    assert {r.method for r in results} == {"noun_form"}
    # chemicals are left alone
    assert linker.noun_form("syncopal attacks", "CHEMICAL") is None


def test_two_disease_short_forms_written_as_one_word_link_both(nlp):
    """ "TTP-HUS" (thrombotic thrombocytopenic purpura-hemolytic uremic syndrome) headed 19 unlinked adverse-event rows
    of the audit run (quinine, ticlopidine, clopidogrel, mitomycin C); a short form the knowledge base gives more than
    one disease ("CHD": coronary or congenital heart disease) keeps the pair whole."""
    linker = nlp.get_pipe("extract_linker")
    ttp_hus, pah_chd = linker.link_texts([("TTP-HUS", "DISEASE"), ("PAH-CHD", "DISEASE")])
    assert ttp_hus.method == "coordination"
    assert [p.concept_id for p in ttp_hus.parts] == ["MESH:D011697", "MESH:D006463"]
    assert pah_chd is None or pah_chd.method != "coordination"
