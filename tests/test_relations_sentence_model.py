"""The sentence text classifier (issue 14): marked sentences, a real fit that saves and loads its own state, and
the shipped model's second reading removing adverse-event rows only."""

from __future__ import annotations

import numpy as np
import pytest

from extract.relations.joint import CLASSES
from extract.relations.model import ModelExtractor
from extract.relations.sentence_model import ARTIFACT, SentenceModel, marked_sentence
from extract.relations.types import DRUG_ADVERSE_EVENT
from extract.settings import PROJECT_ROOT, resolve_model_dir
from extract.training.relations.joint import DrugClasses, annotation_examples
from extract.training.relations.sentence_model import train_sentence_model
from helpers import build_view

ROWS = PROJECT_ROOT / "data" / "gold" / "relation_annotations" / "adverse_event_rows_5.jsonl"

TRIAL = (
    "Fexofenadine in chronic urticaria: a randomized trial. "
    "Pruritus, urticaria and angioedema occurred less frequently with fexofenadine than with placebo. "
    "Headache was reported in 12 patients given fexofenadine and in 3 given placebo. "
    "Sedation occurred in 5% of patients on cetirizine."
)
TERMS = {
    "fexofenadine": "CHEMICAL",
    "cetirizine": "CHEMICAL",
    "pruritus": "DISEASE",
    "urticaria": "DISEASE",
    "chronic urticaria": "DISEASE",
    "angioedema": "DISEASE",
    "headache": "DISEASE",
    "sedation": "DISEASE",
}


def test_marked_sentence_marks_both_mentions_of_the_pair():
    view = build_view("m", TRIAL, TERMS)
    chem = next(e for e in view.entities if e.text == "cetirizine")
    dis = next(e for e in view.entities if e.text == "Sedation")
    assert marked_sentence(view, chem, dis) == "{{ Sedation }} occurred in 5% of patients on [[ cetirizine ]]."


def test_a_real_fit_saves_and_loads_its_own_state(tmp_path):
    examples = annotation_examples(ROWS, DrugClasses(None))
    assert examples and all(e.text.count("[[") == 1 for e in examples)
    model, stats = train_sentence_model(examples[:300], epochs=0.5, width=32)
    assert stats["pool"] == 900  # annotated examples are repeated three times
    texts = [e.text for e in examples[300:340]]
    probs = model.probs(texts)
    assert probs.shape == (40, len(CLASSES))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    model.save(tmp_path / ARTIFACT)
    again = SentenceModel.load(tmp_path / ARTIFACT)
    assert again.weight == model.weight and again.ae_min == model.ae_min
    assert np.allclose(again.probs(texts), probs, atol=1e-6)


def test_second_reading_only_removes_adverse_event_rows():
    model_dir = resolve_model_dir("", "relations")
    if model_dir is None or not (model_dir / ARTIFACT).exists():
        pytest.skip("the shipped relation model has no sentence classifier")
    extractor = ModelExtractor.load(model_dir)
    assert extractor.sentence is not None

    def rows(ex):
        return {(c.type, c.head.entity_id, c.tail.entity_id) for c in ex.extract(build_view("t", TRIAL, TERMS))}

    with_second = rows(extractor)
    extractor.sentence = None
    without = rows(extractor)
    assert with_second <= without
    assert {r for r in without - with_second} <= {r for r in without if r[0] == DRUG_ADVERSE_EVENT}


def test_setting_switches_the_second_reading_off():
    from extract.relations.extractor import load_extractor
    from extract.settings import Settings

    model_dir = resolve_model_dir("", "relations")
    if model_dir is None or not (model_dir / ARTIFACT).exists():
        pytest.skip("the shipped relation model has no sentence classifier")
    on = load_extractor(Settings())
    off = load_extractor(Settings(sentence_classifier=False))
    assert getattr(on, "inner", on).sentence is not None
    assert getattr(off, "inner", off).sentence is None
