"""A chemical named as a substance measured in the patient is no drug of a drug -> disease row
(``extract.relations.analytes``), on real text through the shipped pipeline."""

from __future__ import annotations

import pytest

import extract
from extract.relations.analytes import drug_concepts, is_measured_analyte, measured_heads
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.settings import get_settings, resolve_model_dir
from helpers import build_view

# A sentence of a trial report in ../shared/unlabeled (PMID 21951832); relations-0.14.0 alone makes "blood glucose"
# the drug of an adverse event ("coma") here.
TRIAL = (
    "Hypoglycaemic events were further categorised as: symptomatic events confirmed with a corresponding blood "
    "glucose value ≤ 70 mg/dl (3.9 mmol/l) or < 50 mg/dl (2.8 mmol/l), and severe hypoglycaemia was defined as events "
    "that caused loss of consciousness, seizure, coma or physical injury."
)


@pytest.fixture(scope="module")
def nlp():
    return extract.load()


def test_a_measured_substance_heads_no_drug_row(nlp):
    result = nlp.annotate(TRIAL)
    glucose = [e for e in result.entities if e["label"] == "CHEMICAL" and "glucose" in e["text"]]
    assert glucose, "the NER stage tags the glucose mention"
    assert not [r for r in result.relations if "glucose" in r["head_text"]]
    assert not [r for r in result.document_relations if "glucose" in r["head_text"]]


def _view(text: str, chemical: str, concept_id: str | None) -> tuple[DocumentView, EntityView]:
    start = text.index(chemical)
    entity = EntityView("e0", start, start + len(chemical), chemical, "CHEMICAL", 0, concept_id=concept_id)
    return DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], [entity]), entity


def test_a_drug_level_is_not_an_analyte():
    drugs = drug_concepts(resolve_model_dir(get_settings().linker_index, "linker"))
    assert "MESH:D004077" in drugs  # digoxin: Cardiotonic Agents, Anti-Arrhythmia Agents ...
    view, digoxin = _view("Serum digoxin concentrations above 2 ng/mL caused nausea.", "digoxin", "MESH:D004077")
    assert not is_measured_analyte(view, digoxin, drugs)
    view, creatinine = _view("Serum creatinine rose in two patients.", "creatinine", "MESH:D003404")
    assert is_measured_analyte(view, creatinine, drugs)
    view, oxygen = _view("Oxygen saturation fell below 90%.", "Oxygen", "MESH:D010100")
    assert is_measured_analyte(view, oxygen, drugs)
    view, oxygen = _view("Patients received oxygen by mask.", "oxygen", "MESH:D010100")
    assert not is_measured_analyte(view, oxygen, drugs)


def test_a_substance_the_document_also_gives_keeps_its_rows():
    drugs = drug_concepts(resolve_model_dir(get_settings().linker_index, "linker"))
    assert "MESH:D008094" not in drugs  # MeSH gives lithium, the element, no pharmacological action
    text = "Serum lithium levels rose to 2.1 mmol/L. She had been on lithium therapy for bipolar disorder."
    measured, given = text.index("lithium"), text.rindex("lithium")
    entities = [
        EntityView("e0", measured, measured + 7, "lithium", "CHEMICAL", 0, concept_id="MESH:D008094"),
        EntityView("e1", given, given + 7, "lithium", "CHEMICAL", 1, concept_id="MESH:D008094"),
    ]
    end = text.index(".") + 1
    sentences = [SentenceView(0, 0, end, "abstract"), SentenceView(1, end + 1, len(text), "abstract")]
    assert measured_heads(DocumentView("d", text, sentences, entities), drugs) == set()
    assert measured_heads(DocumentView("d", text, sentences, entities[:1]), drugs) == {"e0"}


def test_a_released_mediator_is_no_drug_given():
    drugs = drug_concepts(resolve_model_dir(get_settings().linker_index, "linker"))
    assert "MESH:D012701" in drugs  # serotonin has pharmacological actions of its own
    # seventh draw, PMID 22849587: the gut releases serotonin, nobody gave it
    view, serotonin = _view(
        "Mesenteric hypoperfusion in turn may lead to release of 5-hydroxytryptamine which is a potent trigger of "
        "nausea and vomiting.",
        "5-hydroxytryptamine",
        "MESH:D012701",
    )
    assert is_measured_analyte(view, serotonin, drugs)
    view, nifedipine = _view(
        "The sustained-release of nifedipine caused headache.", "nifedipine", "MESH:D009543"
    )  # a dosage form's release is the drug's
    assert not is_measured_analyte(view, nifedipine, drugs)
    view, enzyme = _view("A decline in GSHPx activity was associated with pneumonia.", "GSHPx", None)
    assert is_measured_analyte(view, enzyme, drugs)


@pytest.mark.parametrize(
    ("text", "mention", "effect"),
    [
        # seventh draw, PMID 27207965 (shortened): the drug's intended effect, not a condition
        ("The onset of hypotensive response occurred within 15 minutes of captopril.", "hypotensive", True),
        (
            "Treatment with repaglinide produced a sustained hypoglycemic effect up to 6 h postdose.",
            "hypoglycemic",
            True,
        ),
        ("Prostaglandin E1 was used as a hypotensive drug during anaesthesia.", "hypotensive", True),
        # a condition, whatever follows it
        ("Hypotension responded to ephedrine.", "Hypotension", False),
        ("Captopril caused symptomatic hypotension effects in two patients.", "hypotension", False),
        ("Diabetic nephropathy was the main effect modifier.", "Diabetic nephropathy", False),
    ],
)
def test_a_disease_adjective_before_effect_names_the_drugs_effect(text, mention, effect):
    from extract.relations.effect_words import names_an_effect

    start = text.index(mention)
    entity = EntityView("e0", start, start + len(mention), mention, "DISEASE", 0)
    view = DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], [entity])
    assert names_an_effect(view, entity) is effect


def test_a_drugs_effect_gives_no_drug_row(nlp):
    # audit abstracts (PMIDs 11194245, 11031747): relations-0.14.0 alone reads an adverse event and a treatment here
    for text in (
        "Treatment with repaglinide produced a sustained hypoglycemic effect up to 6 h postdose.",
        "Although the in vitro insulin-releasing effect of nateglinide is similar to that of sulfonylureas, its "
        "hypoglycemic effect is more rapid and short lasting.",
    ):
        result = nlp.annotate(text)
        assert [e for e in result.entities if e["label"] == "DISEASE" and e["text"].startswith("hypo")]
        assert not [r for r in result.relations if r["tail_text"].startswith("hypo")], text


def test_a_toxic_effect_stays_an_adverse_event():
    from extract.relations.effect_words import names_a_therapeutic_effect, names_an_effect

    # BC5CDR's convention: "nephrotoxic effects of aminoglycosides" is a chemical-induced disease
    text = "Nephrotoxic effects of aminoglycosides were seen in two patients."
    entity = EntityView("e0", 0, 11, "Nephrotoxic", "DISEASE", 0)
    view = DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], [entity])
    assert names_an_effect(view, entity) and not names_a_therapeutic_effect(view, entity)


def test_the_patients_state_is_no_treated_disease(nlp):
    """ "meropenem ... in the critically ill" (eighth draw; the judged draws hold 6 such rows, all wrong): Critical
    Illness names the population's state; the mention stays an entity, no drug row has it as its disease."""
    from extract.relations.patient_states import names_a_patient_state

    text = (
        "As far as we know, our study provides the largest patient-data pool concerning the dosing regimens of "
        "meropenem and their clinical efficacy in the critically ill."
    )
    result = nlp.annotate(text)
    assert [e["concept_id"] for e in result.entities if e["text"] == "critically ill"] == ["MESH:D016638"]
    assert not [r for r in result.relations if r["tail_text"] == "critically ill"]
    # a course of a named disease is no state: "duodenal ulcer relapses" (Recurrence) keeps its rows
    assert not names_a_patient_state(EntityView("e0", 0, 9, "relapses", "DISEASE", 0, concept_id="MESH:D012008"))
    # a mention naming a state and a disease ("critically ill with sepsis" read as both) is a disease
    both = EntityView(
        "e1", 0, 9, "x", "DISEASE", 0, concept_id="MESH:D016638", concept_ids=("MESH:D016638", "MESH:D018805")
    )
    assert not names_a_patient_state(both)


def test_a_placebo_heads_no_drug_row(nlp):
    """ "placebo (PLA)" defines a short form the NER stage tags as a chemical, linked to MeSH Placebos; "nausea after
    PLA" (an eighth-draw trial report's body) had been an adverse-event row of the placebo.  The mention stays an
    entity; the active drugs keep their mentions."""
    from extract.relations.placebos import names_a_placebo

    text = (
        "Participants received paracetamol plus caffeine, naproxen or placebo (PLA) in a cross-over design. The high "
        "frequency of some, even severe, AEs like nausea after PLA is likely to be due to symptoms accompanying "
        "headache not extinguished by the active drugs."
    )
    result = nlp.annotate(text)
    assert {e["concept_id"] for e in result.entities if e["text"] == "PLA"} == {"MESH:D010919"}
    assert not [r for r in result.relations if r["head_text"] == "PLA"]
    assert not [r for r in result.document_relations if r["head_text"] == "PLA"]
    drug = EntityView("e0", 0, 3, "PLA", "CHEMICAL", 0, concept_id="MESH:D010919", concept_ids=("MESH:D010919", "X"))
    assert not names_a_placebo(drug)  # a mention naming a placebo and something else is a drug


def test_a_measured_quantity_is_measured_wherever_it_stands(nlp):
    """ "glycemia" (no body fluid before it) names Blood Glucose too, and had made the concept one the document
    "names otherwise", so "blood glucose" headed "-> hypoglycemia" and "-> cognitive dysfunction" rows (an eighth-draw
    trial report's body).  Blood Glucose names a measurement, never a drug given."""
    from extract.relations.analytes import MEASURED_CONCEPTS

    text = (
        "The time in normal glycemia (between 3.9 and 10.0 mmol/L) did not differ. However, further reductions in "
        "blood glucose can lead to hypoglycemia-induced cognitive dysfunction, which may make it impossible for an "
        "individual to treat the episode."
    )
    result = nlp.annotate(text)
    assert {e["concept_id"] for e in result.entities if e["text"] == "blood glucose"} <= MEASURED_CONCEPTS
    assert not [r for r in result.relations if r["type"].startswith("drug_")]
    assert ("hypoglycemia", "cognitive dysfunction") in {(r["head_text"], r["tail_text"]) for r in result.relations}


def test_mediators_the_body_releases_are_no_drugs_given(nlp):
    """A mediator the body makes heads no drug row, nor does the next member of its list, whatever else the document
    says of it (seventh draw, PMID 16274480: "Prostaglandins play a major role in ..." elsewhere in the report had kept
    "prostaglandins -> hyperalgesia" and "prostacyclins -> edema"); a drug's release to the market is no mediator's."""
    text = (
        "Prostaglandins play a major role in the induction of pain. Second, the presence of a cyclooxygenase "
        "inhibitor at the surgical site may limit the production of prostaglandins and prostacyclins associated "
        "with hyperalgesia and edema."
    )
    result = nlp.annotate(text)
    heads = {e["text"] for e in result.entities if e["label"] == "CHEMICAL"}
    assert {"prostaglandins", "prostacyclins"} <= heads
    assert not [r for r in result.relations if r["type"] == "drug_adverse_event" and r["tail_text"] != "pain"]
    drugs = drug_concepts(resolve_model_dir(get_settings().linker_index, "linker"))
    view, bradykinin = _view(
        "Inflammatory mediators, such as bradykinin and prostaglandins, cause pain.", "bradykinin", "MESH:D001920"
    )
    assert measured_heads(view, drugs) == {"e0"}
    view, celecoxib = _view(
        "Ulcers were counted after the release of celecoxib and rofecoxib.", "celecoxib", "MESH:C105934"
    )
    assert measured_heads(view, drugs) == set()
    view, ibuprofen = _view(
        "A quick release of ibuprofen in the gastrointestinal tract gives rapid pain relief.",
        "ibuprofen",
        "MESH:D007052",
    )  # a dosage form's release
    assert measured_heads(view, drugs) == set()


def test_a_level_word_makes_a_substance_measured():
    """ "increased ALP" in a list of adverse events (eleventh draw): a laboratory value, not a drug given; a substance
    taken in ("a high fat diet") or given at a level ("higher methadone dose") is not measured."""
    drugs = drug_concepts(resolve_model_dir(get_settings().linker_index, "linker"))
    text = "The most common adverse events were leucopenia, fatigue, increased ALP, decreased appetite and anemia."
    view, alp = _view(text, "ALP", "MESH:D000469")
    assert "MESH:D000469" not in drugs  # alkaline phosphatase has no pharmacological action
    assert is_measured_analyte(view, alp, drugs)
    view, fat = _view("Rats were fed a high fat diet until obesity developed.", "fat", "MESH:D004041")
    assert not is_measured_analyte(view, fat, drugs)
    view, capsaicin = _view("Clonidine reduced high capsaicin-induced pain.", "capsaicin", "MESH:D002211")
    assert not is_measured_analyte(view, capsaicin, drugs)


def test_an_increased_enzyme_heads_no_adverse_event_row(nlp):
    text = (
        "The most common adverse events with incidences of 10% or greater in the UFT group were leucopenia, anemia, "
        "thrombocytopenia, hyperbilirubinemia, fatigue, increased ALP, decreased appetite and abdominal distension."
    )
    result = nlp.annotate(text)
    assert "ALP" in {e["text"] for e in result.entities if e["label"] == "CHEMICAL"}
    assert not [r for r in result.relations if r["head_text"] == "ALP"]


@pytest.mark.parametrize(
    ("text", "terms", "mention", "general"),
    [
        (
            "Sorafenib prolongs OS with manageable toxicities.",
            {"sorafenib": "CHEMICAL", "toxicities": "DISEASE"},
            "toxicities",
            True,
        ),
        ("Most TEAEs were mild.", {"teaes": "DISEASE"}, "teaes", True),
        # another drug's harm, or a named condition
        (
            "Amifostine protects against cisplatin toxicity.",
            {"amifostine": "CHEMICAL", "cisplatin": "CHEMICAL", "toxicity": "DISEASE"},
            "toxicity",
            False,
        ),
        ("Hepatotoxicity was rare.", {"hepatotoxicity": "DISEASE"}, "hepatotoxicity", False),
        # experimental autoimmune encephalomyelitis, not a treatment-emergent adverse event
        ("Andrographolide ameliorates EAE in mice.", {"andrographolide": "CHEMICAL", "eae": "DISEASE"}, "eae", False),
    ],
)
def test_harm_in_general(text, terms, mention, general):
    from extract.relations.effect_words import names_harm_in_general

    view = build_view("d", text, terms)
    entity = next(e for e in view.entities if e.text.lower() == mention)
    assert names_harm_in_general(view, entity) is general


def test_harm_in_general_is_no_treated_disease(nlp):
    # tenth draw (PMID 24438504, shortened): relations-0.14.0 alone reads "sorafenib treats toxicities" here
    text = (
        "Two separate phase III trials have reported that sorafenib, an oral multikinase inhibitor, prolongs OS with "
        "manageable toxicities. Thus, sorafenib has been accepted as standard first-line chemotherapy for advanced "
        "hepatocellular carcinoma."
    )
    result = nlp.annotate(text)
    assert "toxicities" in {e["text"] for e in result.entities}
    treated = {(r["head_text"], r["tail_text"]) for r in result.relations if r["type"] == "drug_treats_disease"}
    assert ("sorafenib", "toxicities") not in treated
