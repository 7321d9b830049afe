"""disease_manifestation classifier: a tiny real training run and the shipped model on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.relations.manifestation import ManifestationModel
from extract.relations.manifestation_patterns import excluded_pair, precise_pattern, tail_drug_event
from extract.relations.types import DISEASE_MANIFESTATION
from extract.settings import get_settings, resolve_model_dir
from extract.training.relations.manifestation import train_manifestation
from helpers import CALCINOSIS_TERMS, PAGES, TERIPARATIDE_TERMS, build_view, relation_pairs

FIXTURES = Path(__file__).parent / "fixtures" / "relations"


def test_tiny_training_run(tmp_path):
    """Real training code on the fixture abstracts (patterns only, no KB) round-trips to disk."""
    corpus = [("bc5cdr", FIXTURES / "cdr_tiny.PubTator.txt")]
    view = build_view(
        "t",
        "Calcinosis is a common feature of systemic sclerosis. Systemic sclerosis and dermatomyositis were compared.",
        CALCINOSIS_TERMS,
    )
    assert precise_pattern(view, view.entities[1], view.entities[0]) == "p_tail_first"
    try:
        model = train_manifestation(tmp_path, None, cv_folds=2, corpora=corpus)
    except ValueError:
        pytest.skip("fixture corpus has no pattern-labelled disease pair")
    model.save(tmp_path / "m.joblib")
    loaded = ManifestationModel.load(tmp_path / "m.joblib")
    assert loaded.threshold == model.threshold and 0.0 < loaded.threshold < 1.0
    assert all(0.0 <= c.score <= 1.0 for c in loaded.candidates(view))
    # A pattern reading is copied to the tails coordinated with its tail.
    view = build_view(
        "c",
        "Screening of patients with CKD with hyperuricemia and anemia is advised.",
        {"CKD": "DISEASE", "hyperuricemia": "DISEASE", "anemia": "DISEASE"},
    )
    manif = relation_pairs(loaded.candidates(view), DISEASE_MANIFESTATION)
    assert {("ckd", "hyperuricemia"), ("ckd", "anemia")} <= manif


def test_tiny_training_run_with_vocab(tmp_path):
    vocab = get_settings().vocab_dir
    if not (vocab / "hpo" / "hp.obo").exists():
        pytest.skip("no HPO vocabulary")
    corpora = get_settings().corpora_dir
    model = train_manifestation(corpora, vocab, cv_folds=2, limit=60)
    assert model.stats["n_positive"] > 0 and model.lexicon
    assert "seizure" in model.lexicon
    # Entity kinds (disease +1 / phenotype -1) from the HPO and Disease Ontology names.
    view = build_view(
        "k",
        "Behavioral abnormalities associated with the Lesch-Nyhan syndrome were studied.",
        {"behavioral abnormalities": "DISEASE", "Lesch-Nyhan syndrome": "DISEASE"},
    )
    beh, lns = view.entities
    assert model.entity_kind(lns) == 1 and model.entity_kind(beh) == -1
    assert precise_pattern(view, lns, beh) == "p_assoc" == precise_pattern(view, beh, lns)
    manif = relation_pairs(model.candidates(view), DISEASE_MANIFESTATION)
    assert manif == {("lesch-nyhan syndrome", "behavioral abnormalities")}


def _view(text: str, diseases: list[str], chemicals: list[str] = ()):
    return build_view("p", text, {**{d: "DISEASE" for d in diseases}, **{c: "CHEMICAL" for c in chemicals}})


def _ent(view, text):
    return next(e for e in view.entities if e.text == text)


def test_patterns_on_sentences():
    v = _view("While severe hypokalemia may cause muscle weakness, it was rare.", ["hypokalemia", "muscle weakness"])
    assert precise_pattern(v, _ent(v, "hypokalemia"), _ent(v, "muscle weakness")) == "p_head_causal"
    v = _view(
        "Naloxone reversal of hypotension due to captopril overdose.",
        ["hypotension", "overdose"],
        ["Naloxone", "captopril"],
    )
    h, t = _ent(v, "overdose"), _ent(v, "hypotension")
    assert precise_pattern(v, h, t) == "p_tail_causal" and not tail_drug_event(v, h, t, "p_tail_causal")
    v = _view("Hypoxia in renal disease was measured.", ["Hypoxia", "renal disease"])
    assert precise_pattern(v, _ent(v, "renal disease"), _ent(v, "Hypoxia")) == "p_tail_in_bare"
    v = _view(
        "Canavan disease is inherited as a trait that is caused by the deficiency of aspartoacylase.",
        ["Canavan disease", "deficiency of aspartoacylase"],
    )
    assert precise_pattern(v, _ent(v, "deficiency of aspartoacylase"), _ent(v, "Canavan disease")) is None
    v = _view("At 50 years he is severely handicapped with short stature.", ["severely handicapped", "short stature"])
    assert precise_pattern(v, _ent(v, "severely handicapped"), _ent(v, "short stature")) is None


# (sentence, head, tail, chemicals, the precise pattern or None when not asserted, tail is the drug's event)
DRUG_EVENT_CASES = [
    # an explicit condition -> condition link wins over the drug reading of the tail ...
    (
        "Patients whose paracetamol-induced liver injury had caused an acute liver failure died.",
        "liver injury",
        "acute liver failure",
        ["paracetamol"],
        "p_head_causal",
        False,
    ),
    # ... but "H with T" in a drug sentence is the drug's event
    (
        "Chloroquine related complete heart block with blindness: case report.",
        "heart block",
        "blindness",
        ["Chloroquine"],
        None,
        True,
    ),
    (
        "In patients with decompensated heart failure with hypotension after treatment with milrinone, it helped.",
        "heart failure",
        "hypotension",
        ["milrinone"],
        None,
        True,
    ),
    # "CHEM for H caused T": the subject of the finite verb is the drug, not its indication ...
    (
        "Morphine for postoperative pain caused nausea.",
        "postoperative pain",
        "nausea",
        ["Morphine"],
        "p_head_causal",
        True,
    ),
    # ... while "H causing T" after a drug's indication is the disease's own course
    (
        "Ranibizumab in treatment of diabetic macular oedema causing visual impairment.",
        "diabetic macular oedema",
        "visual impairment",
        ["Ranibizumab"],
        "p_head_causal",
        False,
    ),
]


@pytest.mark.parametrize(("sentence", "head", "tail", "chemicals", "pattern", "drug_event"), DRUG_EVENT_CASES)
def test_drug_event_tails(sentence, head, tail, chemicals, pattern, drug_event):
    v = _view(sentence, [head, tail], chemicals)
    h, t = _ent(v, head), _ent(v, tail)
    found = precise_pattern(v, h, t)
    if pattern is not None:
        assert found == pattern
    assert tail_drug_event(v, h, t, found) is drug_event


def test_excluded_pairs():
    view = build_view(
        "t", "Patients with systemic sclerosis (SSc) had calcinosis.", {**CALCINOSIS_TERMS, "SSc": "DISEASE"}
    )
    ss, ssc = view.entities[0], view.entities[1]
    assert excluded_pair(view, ss, ssc) == "synonym"


shipped = pytest.mark.skipif(
    resolve_model_dir("", "relations") is None
    or not (resolve_model_dir("", "relations") / "manifestation.joblib").exists(),
    reason="no shipped manifestation model",
)


@shipped
def test_shipped_manifestations_on_calcinosis_seed(extractor):  # the stage's load_extractor(), once per session
    assert extractor.manifestation is not None
    text = (PAGES / "abstract_calcinosis_cutis.txt").read_text(encoding="utf-8")
    manif = relation_pairs(extractor.extract(build_view("seed2", text, CALCINOSIS_TERMS)), DISEASE_MANIFESTATION)
    assert ("systemic sclerosis", "calcinosis cutis") in manif
    assert ("dermatomyositis", "calcinosis cutis") in manif
    assert not any(h.startswith("calcinosis") for h, _ in manif)
    view = build_view("s", "In systemic sclerosis calcinosis occurs in several distinct contexts.", CALCINOSIS_TERMS)
    assert ("systemic sclerosis", "calcinosis") in relation_pairs(extractor.extract(view), DISEASE_MANIFESTATION)


@shipped
def test_shipped_no_manifestations_on_teriparatide_seed(extractor):
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")
    cands = extractor.extract(build_view("seed1", text, TERIPARATIDE_TERMS))
    assert not [c for c in cands if c.type == DISEASE_MANIFESTATION and not c.negated]
