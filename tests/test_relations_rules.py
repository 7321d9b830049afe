"""Rule-based relation extraction on the seed documents and on short real-style sentences."""

from __future__ import annotations

from extract.relations.extractor import load_extractor
from extract.relations.rules import RuleExtractor
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    SentenceView,
)
from extract.settings import Settings
from helpers import CALCINOSIS_TERMS, PAGES, TERIPARATIDE_TERMS, build_view, relation_pairs


def _seed(name, terms):
    text = (PAGES / name).read_text(encoding="utf-8")
    return build_view(name, text, terms)


def test_teriparatide_adverse_events():
    view = _seed("case_report_teriparatide.txt", TERIPARATIDE_TERMS)
    cands = RuleExtractor().extract(view)
    ade = relation_pairs(cands, DRUG_ADVERSE_EVENT)
    assert ("teriparatide", "hypercalcemia") in ade
    assert ("teriparatide", "dystrophic calcification") in ade
    # Osteoporosis is what teriparatide treats; autoimmune disorders are background conditions.
    assert not {
        p for p in ade if p[1] in ("osteoporosis", "osteoporotic", "autoimmune disorders", "autoimmune disorder")
    }
    assert ("teriparatide", "osteoporosis") in relation_pairs(cands, DRUG_TREATS_DISEASE)


def test_calcinosis_treatments_are_not_adverse_events():
    view = _seed("abstract_calcinosis_cutis.txt", CALCINOSIS_TERMS)
    cands = RuleExtractor().extract(view)
    treats = {(h, t.split()[0]) for h, t in relation_pairs(cands, DRUG_TREATS_DISEASE)}
    for drug in ("minocylcine", "warfarin", "calcium channel blockers", "bisphosphonates", "methotrexate"):
        assert (drug, "calcinosis") in treats, drug
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_calcinosis_manifestations():
    view = _seed("abstract_calcinosis_cutis.txt", CALCINOSIS_TERMS)
    manif = relation_pairs(RuleExtractor().extract(view), DISEASE_MANIFESTATION)
    assert ("systemic sclerosis", "calcinosis cutis") in manif
    assert ("dermatomyositis", "calcinosis cutis") in manif
    assert not any(h.startswith("calcinosis") for h, _ in manif)


def test_evidence_sentence_contains_both_mentions_for_same_sentencerelation_pairs():
    view = _seed("case_report_teriparatide.txt", TERIPARATIDE_TERMS)
    for c in RuleExtractor().extract(view):
        if c.head.sentence_index == c.tail.sentence_index:
            s = view.sentences[c.sentence_index]
            assert s.start <= c.head.start and c.tail.end <= s.end


def _one(text, terms):
    return RuleExtractor().extract(build_view("t", text, terms))


def test_induced_pattern():
    cands = _one(
        "Intravenous azithromycin-induced ototoxicity.", {"azithromycin": "CHEMICAL", "ototoxicity": "DISEASE"}
    )
    assert relation_pairs(cands, DRUG_ADVERSE_EVENT) == {("azithromycin", "ototoxicity")}


def test_drug_dependent_disease_is_not_an_adverse_event():
    # "insulin-dependent diabetes" names the disease (the drug is what it needs), not a drug effect
    cands = _one(
        "Lisinopril is renoprotective in patients with insulin-dependent diabetes and microalbuminuria.",
        {"insulin": "CHEMICAL", "lisinopril": "CHEMICAL", "diabetes": "DISEASE", "microalbuminuria": "DISEASE"},
    )
    assert ("insulin", "diabetes") not in relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_negated_cause():
    cands = _one(
        "In this series, lithium did not cause hypothyroidism.", {"lithium": "CHEMICAL", "hypothyroidism": "DISEASE"}
    )
    assert relation_pairs(cands, DRUG_ADVERSE_EVENT, negated=True) == {("lithium", "hypothyroidism")}
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_treatment_of_with():
    cands = _one(
        "We describe the treatment of refractory status epilepticus with propofol in two children.",
        {"propofol": "CHEMICAL", "status epilepticus": "DISEASE"},
    )
    assert relation_pairs(cands, DRUG_TREATS_DISEASE) == {("propofol", "status epilepticus")}
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_after_pattern_and_complicated_by():
    cands = _one(
        "Acute hepatitis developed after riluzole was started. Cirrhosis complicated by ascites was present.",
        {"riluzole": "CHEMICAL", "hepatitis": "DISEASE", "cirrhosis": "DISEASE", "ascites": "DISEASE"},
    )
    assert ("riluzole", "hepatitis") in relation_pairs(cands, DRUG_ADVERSE_EVENT)
    assert ("cirrhosis", "ascites") in relation_pairs(cands, DISEASE_MANIFESTATION)


def test_load_extractor_falls_back_to_rules_without_model():
    extractor = load_extractor(Settings(relation_model="relations-does-not-exist"))
    assert isinstance(extractor, RuleExtractor)
    assert extractor.version.startswith("rules-")


# --- drug relations: indication contexts, subgroups, composition, keyword lines ------------------
def test_population_at_risk_is_not_an_adverse_event():
    # Real seed sentence: the fracture risk names the patients teriparatide is given to.
    view = _seed("case_report_teriparatide.txt", TERIPARATIDE_TERMS | {"fracture": "DISEASE"})
    cands = RuleExtractor().extract(view)
    ade = relation_pairs(cands, DRUG_ADVERSE_EVENT)
    assert ("teriparatide", "hypercalcemia") in ade
    assert not {p for p in ade if p[1] == "fracture"}
    # The same phrase is still an outcome when a drug raises the risk.
    cands = _one(
        "Rofecoxib increased the risk of myocardial infarction.",
        {"rofecoxib": "CHEMICAL", "myocardial infarction": "DISEASE"},
    )
    assert relation_pairs(cands, DRUG_ADVERSE_EVENT) == {("rofecoxib", "myocardial infarction")}


def test_worsening_in_patient_treated_with_drug_is_adverse():
    cands = _one(
        "Worsening of soft tissue dystrophic calcification in an osteoporotic patient treated with teriparatide",
        {"teriparatide": "CHEMICAL", "dystrophic calcification": "DISEASE"},
    )
    assert relation_pairs(cands, DRUG_ADVERSE_EVENT) == {("teriparatide", "dystrophic calcification")}
    assert not relation_pairs(cands, DRUG_TREATS_DISEASE)
    # A benefit reading of the disease stays a treatment.
    cands = _one(
        "Improvement of psoriasis was seen in patients treated with methotrexate.",
        {"methotrexate": "CHEMICAL", "psoriasis": "DISEASE"},
    )
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_subgroup_disease_leaves_the_treatment_to_the_topic_disease():
    # "helpful especially in cases associated with significant local inflammation": the drug
    # treats the document's topic (calcinosis cutis), inflammation only names the subgroup.
    view = _seed("abstract_calcinosis_cutis.txt", CALCINOSIS_TERMS | {"inflammation": "DISEASE"})
    cands = RuleExtractor().extract(view)
    treats = relation_pairs(cands, DRUG_TREATS_DISEASE)
    assert ("methotrexate", "calcinosis cutis") in treats
    assert ("methotrexate", "inflammation") not in treats
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


def test_topic_treatment_takes_the_specific_topic_name():
    view = _seed("abstract_calcinosis_cutis.txt", CALCINOSIS_TERMS)
    treats = relation_pairs(RuleExtractor().extract(view), DRUG_TREATS_DISEASE)
    for drug in ("minocylcine", "warfarin", "calcium channel blockers", "bisphosphonates", "methotrexate"):
        assert (drug, "calcinosis cutis") in treats, drug


def test_composition_is_not_causation():
    cands = _one(
        "Biochemical analysis conforms that calcinosis deposits are formed from calcium hydroxyapatite.",
        {"calcium": "CHEMICAL", "calcinosis": "DISEASE"},
    )
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)
    cands = _one(
        "Nephrolithiasis developed from ceftriaxone therapy.", {"ceftriaxone": "CHEMICAL", "nephrolithiasis": "DISEASE"}
    )
    assert relation_pairs(cands, DRUG_ADVERSE_EVENT) == {("ceftriaxone", "nephrolithiasis")}


def test_keyword_line_pairs_are_not_relations():
    text = "Teriparatide results in hypercalcemia.\nKeywords: Hypercalcemia Teriparatide induced"
    view = build_view("k", text, {"teriparatide": "CHEMICAL", "hypercalcemia": "DISEASE"})
    view.sentences[1] = SentenceView(1, view.sentences[1].start, view.sentences[1].end, "keywords")
    cands = RuleExtractor().extract(view)
    assert {c.sentence_index for c in cands if c.type == DRUG_ADVERSE_EVENT} == {0}
