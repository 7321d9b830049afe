"""disease_manifestation classifier: a tiny real training run and the shipped model on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_relations_rules import CALCINOSIS_TERMS, PAGES, TERIPARATIDE_TERMS, _pairs, build_view

from extract.relations.extractor import load_extractor
from extract.relations.manifestation import ManifestationModel, excluded_pair, precise_pattern, train_manifestation
from extract.relations.types import DISEASE_MANIFESTATION
from extract.settings import get_settings, resolve_model_dir

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


def test_tiny_training_run_with_vocab(tmp_path):
    vocab = get_settings().vocab_dir
    if not (vocab / "hpo" / "hp.obo").exists():
        pytest.skip("no HPO vocabulary")
    corpora = get_settings().corpora_dir
    model = train_manifestation(corpora, vocab, cv_folds=2, limit=60)
    assert model.stats["n_positive"] > 0 and model.lexicon
    assert "seizure" in model.lexicon


def test_excluded_pairs():
    view = build_view("t", "Patients with systemic sclerosis (SSc) had calcinosis.", {**CALCINOSIS_TERMS, "SSc": "DISEASE"})
    ss, ssc = view.entities[0], view.entities[1]
    assert excluded_pair(view, ss, ssc) == "synonym"


shipped = pytest.mark.skipif(
    resolve_model_dir("", "relations") is None
    or not (resolve_model_dir("", "relations") / "manifestation.joblib").exists(),
    reason="no shipped manifestation model",
)


@shipped
def test_shipped_manifestations_on_calcinosis_seed():
    extractor = load_extractor()
    assert extractor.manifestation is not None
    text = (PAGES / "abstract_calcinosis_cutis.txt").read_text(encoding="utf-8")
    manif = _pairs(extractor.extract(build_view("seed2", text, CALCINOSIS_TERMS)), DISEASE_MANIFESTATION)
    assert ("systemic sclerosis", "calcinosis cutis") in manif
    assert ("dermatomyositis", "calcinosis cutis") in manif
    assert not any(h.startswith("calcinosis") for h, _ in manif)
    view = build_view("s", "In systemic sclerosis calcinosis occurs in several distinct contexts.", CALCINOSIS_TERMS)
    assert ("systemic sclerosis", "calcinosis") in _pairs(load_extractor().extract(view), DISEASE_MANIFESTATION)


@shipped
def test_shipped_no_manifestations_on_teriparatide_seed():
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")
    cands = load_extractor().extract(build_view("seed1", text, TERIPARATIDE_TERMS))
    assert not [c for c in cands if c.type == DISEASE_MANIFESTATION and not c.negated]
