"""Rows whose mentions cannot be what the row says: no disease is its own manifestation (a ``disease_manifestation``
row whose two mentions are linked to the same concepts is dropped after the rows are distributed over coordinated
heads, ``extract.relations.extractor``), no row ends with the disease words of a protein's name, and no manifestation
row has an adjective cut from its noun (``extract.relations.manifestation_patterns.is_cut_modifier``)."""

from __future__ import annotations

import pytest

import extract
from extract.relations.extractor import _distinct_concepts
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DocumentView,
    EntityView,
    RelationCandidate,
    SentenceView,
)
from helpers import needs_shipped

# A trial full text of the ninth draw: relations-0.14.0 alone reads "bone marrow fibrosis" (linked, like
# "Myelofibrosis", to Primary Myelofibrosis) as a manifestation of myelofibrosis.
MYELOFIBROSIS = (
    "Myelofibrosis (MF) is a clonal neoplastic disease characterized by bone marrow fibrosis, splenomegaly, and "
    "debilitating constitutional symptoms (fever, night sweats, weight loss)."
)


@needs_shipped("ner", "linker", "relations")
def test_a_disease_is_not_its_own_manifestation():
    result = extract.load().annotate(MYELOFIBROSIS)
    rows = [r for r in result.relations if r["type"] == DISEASE_MANIFESTATION]
    assert {"splenomegaly", "fever", "weight loss"} <= {r["tail_text"] for r in rows}
    linked = {e["entity_id"]: e["concept_id"] for e in result.entities}
    assert [e["concept_id"] for e in result.entities if e["text"] == "bone marrow fibrosis"] == [
        linked[next(e["entity_id"] for e in result.entities if e["text"] == "Myelofibrosis")]
    ]
    assert not [r for r in rows if r["tail_text"] == "bone marrow fibrosis"]


def _mention(eid: str, text: str, *concepts: str) -> EntityView:
    return EntityView(
        eid,
        0,
        len(text),
        text,
        "DISEASE",
        0,
        concept_id=concepts[0] if concepts else None,
        concept_ids=concepts if len(concepts) > 1 else (),
    )


def test_only_rows_of_one_concept_go():
    depression = _mention("e1", "depression", "MESH:D003866")
    bipolar = _mention("e2", "bipolar disorder", "MESH:D001714")
    symptoms = _mention("e3", "depressive symptoms", "MESH:D003866")
    both = _mention("e4", "depression and bipolar disorder", "MESH:D003866", "MESH:D001714")
    unlinked = _mention("e5", "malaise"), _mention("e6", "malaise")
    rows = [
        RelationCandidate(DISEASE_MANIFESTATION, depression, symptoms, 0, 0.9),
        RelationCandidate(DISEASE_MANIFESTATION, bipolar, symptoms, 0, 0.9),  # distributed over "and bipolar disorder"
        RelationCandidate(DISEASE_MANIFESTATION, both, symptoms, 0, 0.9),
        RelationCandidate(DISEASE_MANIFESTATION, *unlinked, 0, 0.9),
        RelationCandidate(DRUG_ADVERSE_EVENT, depression, symptoms, 0, 0.9),
    ]
    text = "depression and bipolar disorder"
    kept = _distinct_concepts(DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], []), rows)
    assert [(c.type, c.head.entity_id) for c in kept] == [
        (DISEASE_MANIFESTATION, "e2"),
        (DISEASE_MANIFESTATION, "e4"),
        (DISEASE_MANIFESTATION, "e5"),
        (DRUG_ADVERSE_EVENT, "e1"),
    ]


def test_the_disease_words_of_a_proteins_name_end_no_row():
    """ "tumour necrosis factor α" (a trial full text of the seventh draw): the NER stage tags "tumour necrosis" as a
    disease, as BC5CDR annotates it; no row ends with it."""
    text = "LPS-induced neutrophilia, tumour necrosis factor α and necrosis of the femoral head were reduced."
    start, other = text.index("tumour necrosis"), text.index("necrosis of")
    lps = EntityView("c1", 0, 3, "LPS", "CHEMICAL", 0, concept_id="MESH:D008070")
    tnf = EntityView("d1", start, start + 15, "tumour necrosis", "DISEASE", 0, concept_id="MESH:D009336")
    necrosis = EntityView("d2", other, other + 8, "necrosis", "DISEASE", 0, concept_id="MESH:D009336")
    view = DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], [lps, tnf, necrosis])
    rows = [
        RelationCandidate(DRUG_ADVERSE_EVENT, lps, tnf, 0, 0.9),
        RelationCandidate(DRUG_ADVERSE_EVENT, lps, necrosis, 0, 0.9),
    ]
    assert [c.tail.entity_id for c in _distinct_concepts(view, rows)] == ["d2"]


# Sentences of trial-report bodies (the eighth draw): relations-0.14.0 alone reads the adjective as a disease of its
# own ("cirrhotic -> cognitive dysfunction", "dyspeptic -> epigastric fullness", "inflammatory bowel disease ->
# ulcerative"); each row was judged wrong (a cut span).
CUT_MODIFIERS = [
    (
        "Up to 80 % of cirrhotic patients present with MHE with cognitive dysfunction in special diagnostic testing.",
        "cirrhotic",
    ),
    (
        "The severity of each of the following six dyspeptic symptoms, epigastric fullness, bloating, early satiety, "
        "nausea, vomiting, and epigastric pain, was unchanged.",
        "dyspeptic",
    ),
    (
        "Ulcerative colitis (UC) is a chronic, non-specific, inflammatory bowel disease (IBD) characterized by "
        "ulcerative intestinal mucosa, bloody stools, diarrhea and abdominal pain.",
        "ulcerative",
    ),
    # the eleventh draw: the last word of a longer mention, and "-ory" / "-ar" (each row judged a cut span)
    (
        "Chronic Obstructive Pulmonary Disease (COPD) is characterized by an abnormal inflammatory response and "
        "structural alterations of the bronchial wall and parenchyma.",
        "abnormal inflammatory",
    ),
    (
        "These studies have demonstrated an initial influenza-induced hyperinflammatory state (priming), followed by "
        "an immunosuppressive state, which predisposes to secondary bacterial infections.",
        "hyperinflammatory",
    ),
]


@needs_shipped("ner", "linker", "relations")
@pytest.mark.parametrize("text,adjective", CUT_MODIFIERS)
def test_an_adjective_cut_from_its_noun_is_in_no_manifestation_row(text, adjective):
    result = extract.load().annotate(text)
    assert adjective in {e["text"] for e in result.entities}, "the NER stage tags the adjective"
    rows = [r for r in result.relations if r["type"] == DISEASE_MANIFESTATION]
    assert not [r for r in rows if adjective in (r["head_text"], r["tail_text"])]


@needs_shipped("ner", "linker", "relations")
def test_the_noun_phrases_rows_stay():
    rows = extract.load().annotate(CUT_MODIFIERS[0][0]).relations
    assert ("MHE", "cognitive dysfunction") in {(r["head_text"], r["tail_text"]) for r in rows}


# The eleventh draw (a trial of an immunization intervention): relations-0.14.0 alone reads the vaccine named by the
# disease as the disease's cause ("DPT -> Hepatitis B"); each row was judged wrong (the tail is no disease).
VACCINE_NAMES = [
    "The cutoff of 6 weeks was used to ensure that the intervention was implemented before the first dose of "
    "DPT/Hepatitis B came due.",
    "Immunization rates were divided into two categories: 1) Infants receiving all three doses of DPT/Hepatitis B "
    'vaccines were considered "DPT-3/Hepatitis B fully immunized".',
]


@needs_shipped("ner", "linker", "relations")
@pytest.mark.parametrize("text", VACCINE_NAMES)
def test_a_vaccines_disease_words_end_no_row(text):
    result = extract.load().annotate(text)
    assert "Hepatitis B" in {e["text"] for e in result.entities}, "the NER stage tags the disease words"
    assert not [r for r in result.relations if "Hepatitis B" in (r["head_text"], r["tail_text"])]


@needs_shipped("ner", "linker", "relations")
def test_the_disease_itself_keeps_its_row():
    rows = extract.load().annotate("Hepatitis B occurred in two patients given DPT.").relations
    assert ("DPT", "Hepatitis B") in {(r["head_text"], r["tail_text"]) for r in rows if r["type"] == DRUG_ADVERSE_EVENT}


# The eleventh draw: relations-0.14.0 alone reads a member listed after its class as the class's manifestation
# ("tuberculosis -> infections", "systemic lupus erythematosus -> autoimmune disorders"); each row was judged a
# hypernym.  A list that a feature noun governs names the features ("symptoms of H, including T").
MEMBERS = (
    "Patients receiving etanercept must be carefully monitored for other autoimmune conditions and infections, "
    "including tuberculosis, which occurred in 0.007% of patients. Females are twice as likely as males to develop "
    "autoimmune disorders including systemic lupus erythematosus, multiple sclerosis and rheumatoid arthritis."
)
FEATURES = (
    "EoE is a chronic disease characterized by eosinophil-induced inflammation and symptoms of esophageal dysfunction, "
    "including dysphagia. The change in MELD score can predict complications of cirrhosis such as ascites and "
    "variceal bleeding."
)


@needs_shipped("ner", "linker", "relations")
def test_a_member_listed_after_its_class_is_no_manifestation():
    result = extract.load().annotate(MEMBERS)
    assert {"infections", "tuberculosis", "autoimmune disorders", "multiple sclerosis"} <= {
        e["text"] for e in result.entities
    }
    assert not [r for r in result.relations if r["type"] == DISEASE_MANIFESTATION]


@needs_shipped("ner", "linker", "relations")
def test_features_listed_after_a_feature_noun_stay():
    rows = extract.load().annotate(FEATURES).relations
    pairs = {(r["head_text"], r["tail_text"]) for r in rows if r["type"] == DISEASE_MANIFESTATION}
    assert {("esophageal dysfunction", "dysphagia"), ("cirrhosis", "ascites")} <= pairs


# The twelfth draw: "sepsis with faecal peritonitis" was copied onto every disease listed before that sepsis
# ("multiple organ failure -> faecal peritonitis", "cardiac arrest -> renal failure", ...); each copy was judged wrong.
DEATHS = (
    "Most of the deaths occurred in patients with moderate/severe renal impairment, and included the following "
    "symptoms: multiple organ failure, cardiac arrest, sepsis, sepsis with faecal peritonitis and renal failure, "
    "emphysema, ischaemia of the small intestine, and pneumonia/apnoea."
)


@needs_shipped("ner", "linker", "relations")
def test_a_with_phrase_belongs_to_the_last_list_member():
    rows = [r for r in extract.load().annotate(DEATHS).relations if r["type"] == DISEASE_MANIFESTATION]
    assert ("sepsis", "renal failure") in {(r["head_text"], r["tail_text"]) for r in rows}
    assert not [r for r in rows if r["head_text"] in ("multiple organ failure", "cardiac arrest")]


def test_a_with_phrase_is_not_copied_to_earlier_members():
    from extract.relations.coordination import distribute_over_coordination

    text = "Deaths: cardiac arrest, sepsis with peritonitis."
    spans = [("cardiac arrest", "d1"), ("sepsis", "d2"), ("peritonitis", "d3")]
    ents = [
        EntityView(eid, text.index(t), text.index(t) + len(t), t, "DISEASE", 0, concept_id=f"MESH:{eid}")
        for t, eid in spans
    ]
    view = DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], ents)
    row = RelationCandidate(DISEASE_MANIFESTATION, ents[1], ents[2], 0, 0.9)
    assert [(c.head.text, c.tail.text) for c in distribute_over_coordination(view, [row])] == [
        ("sepsis", "peritonitis")
    ]
    adverse = RelationCandidate(DRUG_ADVERSE_EVENT, ents[1], ents[2], 0, 0.9)  # other types are still copied
    assert len(distribute_over_coordination(view, [adverse])) == 2
