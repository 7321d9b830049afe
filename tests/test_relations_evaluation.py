"""`evaluate --task ade`: a corpus the shipped model never saw is scored as shipped; the training
corpus is cross-validated by PMID folds with models trained by the real training code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extract.corpora.ade import read_ade
from extract.evaluation.relations import CURVE_THRESHOLDS, evaluate_ade, evaluate_cid, shipped_ade_pmids
from extract.settings import get_settings, resolve_model_dir
from extract.training.relations.trainer import CONCEPT_THRESHOLD
from pipelines.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "relations"

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)


def test_an_unseen_corpus_is_scored_with_the_shipped_model(shared_dir: Path) -> None:
    fixture_pmids = {s.pmid for s in read_ade(FIXTURES / "ade")}
    trained_on = shipped_ade_pmids()
    assert trained_on and not fixture_pmids & trained_on  # the shipped model learnt from ../shared's ADE corpus
    # the CLI command in this process: the stage's NER pipeline is built once per session, not once more here
    res = CliRunner().invoke(
        app, ["evaluate", "--task", "ade", "--corpus", str(FIXTURES / "ade")] + ["--format", "ade", "--json"]
    )
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["mode"] == "shipped" and result["model_version"].startswith("relations-")
    assert result["n_sentences"] == len(read_ade(FIXTURES / "ade"))
    assert result["positive_sentences"]["n_sentences"] == 7
    # Plain "X-induced Y" / "Y following X" sentences: the shipped pipeline finds most pairs, and the
    # negative sentences ("Captopril was used to treat hypertension") add none of the true ones.
    assert result["recall"] >= 0.5 and result["tp"] + result["fn"] == 8
    _assert_curve(result)
    # With the boundaries relaxed the same predictions match at least as often as strictly.
    relaxed = result["boundaries_relaxed"]
    assert relaxed["gold"] == 8 and relaxed["pred"] == result["tp"] + result["fp"]
    assert relaxed["gold_matched"] >= result["tp"] and relaxed["pred_matched"] >= result["tp"]


def test_relaxed_boundaries_count_an_overlapping_phrase_that_strict_matching_misses() -> None:
    """ "Severe hypotension due to captopril": the gold effect is "hypotension"; a row whose adverse-event phrase
    says "Severe hypotension" is wrong strictly and right with the boundaries relaxed; a row of the other drug
    mention or of a disease outside every gold effect is wrong both ways."""
    from extract.corpora.ade import AdeMention, AdeSentence
    from extract.evaluation.relations import AdeOverlap, _ade_pairs
    from extract.relations.types import DRUG_ADVERSE_EVENT, DocumentView, EntityView, RelationCandidate, SentenceView

    text = "Severe hypotension due to captopril, not bradycardia, was seen with enalapril."
    at = text.index
    sentence = AdeSentence(
        "1", text, [(AdeMention(at("captopril"), at("captopril") + 9, "captopril"), AdeMention(7, 18, "hypotension"))]
    )
    captopril = EntityView("c", at("captopril"), at("captopril") + 9, "captopril", "CHEMICAL", 0)
    enalapril = EntityView("e", at("enalapril"), at("enalapril") + 9, "enalapril", "CHEMICAL", 0)
    hypotension = EntityView("h", 7, 18, "hypotension", "DISEASE", 0)
    bradycardia = EntityView("b", at("bradycardia"), at("bradycardia") + 11, "bradycardia", "DISEASE", 0)
    view = DocumentView("d", text, [SentenceView(0, 0, len(text))], [captopril, hypotension, bradycardia, enalapril])
    candidates = [
        RelationCandidate(DRUG_ADVERSE_EVENT, captopril, hypotension, 0, 0.9, phrase_start=0, phrase_end=18),
        RelationCandidate(DRUG_ADVERSE_EVENT, enalapril, hypotension, 0, 0.6),
        RelationCandidate(DRUG_ADVERSE_EVENT, captopril, bradycardia, 0, 0.4),
        RelationCandidate(DRUG_ADVERSE_EVENT, captopril, bradycardia, 0, 0.4, negated=True),
    ]
    strict = _ade_pairs(0, view, candidates)[0]
    assert strict == {
        (0, "captopril", "severe hypotension"),
        (0, "enalapril", "hypotension"),
        (0, "captopril", "bradycardia"),
    }
    assert not strict & {(0, "captopril", "hypotension")}  # strictly the phrase misses the gold effect
    overlap = AdeOverlap()
    overlap.add(sentence, view, candidates)
    result = overlap.result()
    assert (result["pred"], result["pred_matched"], result["gold"], result["gold_matched"]) == (3, 1, 1, 1)
    assert result["precision"] == round(1 / 3, 4) and result["recall"] == 1.0
    missed = AdeOverlap()
    missed.missed(sentence)  # a sentence without a pipeline view: its pair is missed
    assert (missed.result()["gold"], missed.result()["gold_matched"]) == (1, 0)


def _assert_curve(result: dict) -> None:
    """``by_threshold``: P/R over the stage-2 threshold, recall never rising with it, the shipped one marked."""
    curve = result["by_threshold"]
    assert [p["threshold"] for p in curve] == list(CURVE_THRESHOLDS)
    assert all(a["tp"] + a["fn"] == result["tp"] + result["fn"] for a in curve)  # one gold set
    assert all(a["recall"] >= b["recall"] for a, b in zip(curve, curve[1:]))
    assert result["threshold"] == CONCEPT_THRESHOLD
    assert curve[0]["tp"] + curve[0]["fp"] >= result["tp"] + result["fp"] - 1  # a lower threshold keeps more


def test_cid_reports_precision_and_recall_by_threshold(shared_dir: Path) -> None:
    dev = shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    for gold_entities in (True, False):
        result = evaluate_cid(dev, gold_entities=gold_entities, limit=25)
        assert result["tp"] > 0
        _assert_curve(result)
        if gold_entities:
            assert result["false_negatives"] is None  # every gold concept is given
        else:
            # end to end: every missed gold pair is put down to the relation decision or to a missing concept
            missed = result["false_negatives"]
            assert sum(missed.values()) == result["fn"]
            assert missed["both_concepts_found"] < result["fn"]  # some gold concepts are never linked in 25 abstracts


def test_the_training_corpus_is_cross_validated(shared_dir: Path) -> None:
    result = evaluate_ade(
        FIXTURES / "ade", folds=2, mode="folds", bc5cdr_train=FIXTURES / "cdr_tiny.PubTator.txt", joint=False
    )
    assert result["mode"] == "folds" and result["evaluated_folds"] == 2 and len(result["per_fold"]) == 2
    assert result["fold_models"] == "pair model"
    assert sum(f["n_sentences"] for f in result["per_fold"]) == result["n_sentences"] == len(read_ade(FIXTURES / "ade"))
    assert result["tail_mentions"]["tp"] + result["tail_mentions"]["fn"] == result["tp"] + result["fn"]
    _assert_curve(result)


@pytest.mark.slow
def test_each_fold_gets_a_joint_model_without_its_sentences(shared_dir: Path) -> None:
    # the shipped composition (pair model + joint model + sentence classifier), the joint model and the sentence
    # classifier trained without the held-out fold's ADE sentences: the same folds and gold, and they can only take
    # adverse-event rows away
    plain = evaluate_ade(
        FIXTURES / "ade", folds=2, mode="folds", bc5cdr_train=FIXTURES / "cdr_tiny.PubTator.txt", joint=False
    )
    result = evaluate_ade(FIXTURES / "ade", folds=2, mode="folds", bc5cdr_train=FIXTURES / "cdr_tiny.PubTator.txt")
    assert result["fold_models"] == "pair model + joint model + sentence classifier"
    assert result["tp"] + result["fn"] == plain["tp"] + plain["fn"]
    assert result["tp"] + result["fp"] <= plain["tp"] + plain["fp"]
    _assert_curve(result)


def test_an_unknown_mode_is_a_usage_error() -> None:
    # the CLI command in this process, as above (a subprocess only adds its start-up)
    res = CliRunner().invoke(
        app, ["evaluate", "--task", "ade", "--corpus", str(FIXTURES / "ade"), "--format", "ade", "--mode", "cv"]
    )
    assert res.exit_code == 2 and "--mode must be one of" in res.output, res.output
