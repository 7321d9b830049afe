"""The adverse-effect head of a multi-task NER model (extract.ner.effect_head) as the NER and relation stages run it.

The head shares the NER model's encoder; the stage runs it only on the sentences holding a CHEMICAL entity, each
sentence on its own, and writes its spans as ADVERSE_EFFECT entities.  The shipped NER model has no head
(models/EXPERIMENTS.md, sixteenth session), so the module trains a small one with the project's training function
(``configs/ner-effects-window.cfg``, 10 documents per corpus, 2 steps: its head tags nearly every token, which is
all these tests need) and runs the real stages with it.
"""

from __future__ import annotations

import pytest

from extract.ner.effect_head import HEAD_PIPE, has_effect_head
from extract.settings import get_settings, resolve_model_dir

LITHIUM = "She developed lithium intoxication after the dose of lithium was increased."
TWO = "The man lost consciousness during the night. Lithium intoxication followed the increase of his lithium dose."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def head_model(tmp_path_factory) -> str:
    from extract.settings import PROJECT_ROOT
    from extract.training.adverse_effects import vectors_pipeline
    from extract.training.ner import train_ner

    work = tmp_path_factory.mktemp("effect_head")
    folder = train_ner(
        work / "models",
        config=PROJECT_ROOT / "configs" / "ner-effects-window.cfg",
        version="0.0.1",
        vectors=vectors_pipeline(work, resolve_model_dir("", "ner")),
        work_dir=work / "train",
        limit=10,
        overrides={"training.max_steps": 2, "training.eval_frequency": 1},
    )
    assert has_effect_head(folder)
    return str(folder)


def _settings(model: str, **more):
    return get_settings().model_copy(update={"ner_model": model, "ade_effects": True, **more})


def _stage(model: str, **more):
    from extract.ner.pipeline import build_ner_nlp

    return build_ner_nlp(_settings(model, **more))


def _doc(nlp, text: str, chemical: str, sentence_starts: tuple[int, ...] = ()):
    """``text`` through the model's own pipes, then one CHEMICAL entity set by hand (a model of 2 steps finds
    none) and the sentence starts the clean stage would give."""
    doc = nlp.make_doc(text)
    for token in doc:
        token.is_sent_start = token.i == 0 or token.idx in sentence_starts
    for name in ("lexicon_features", "tok2vec", "ner"):
        doc = nlp.get_pipe(name)(doc)
    at = text.index(chemical)
    doc.ents = [doc.char_span(at, at + len(chemical), label="CHEMICAL")]
    return doc


def test_the_stage_runs_the_head_only_through_extract_adverse_effects(head_model):
    nlp = _stage(head_model)
    assert HEAD_PIPE in nlp.disabled and HEAD_PIPE in nlp.component_names  # never run over whole documents
    off = _stage(head_model, ade_effects=False)
    assert HEAD_PIPE not in off.component_names and "extract_adverse_effects" not in off.pipe_names


def test_a_one_sentence_document_gets_the_head_s_own_spans(head_model):
    """The stage tags a drug sentence from the encoder output the ner listened to (doc.tensor), with the head's own
    window layers and softmax: the same spans as the head run as a pipe (as in training)."""
    from extract.ner.adverse_effects import SPANS_KEY, bio_spans

    nlp = _stage(head_model)
    head = nlp.get_pipe(HEAD_PIPE)
    doc = nlp.get_pipe("extract_adverse_effects")(_doc(nlp, LITHIUM, "lithium"))
    expected = bio_spans([head.labels[i] for i in head.predict([doc])[0].tolist()])
    assert expected  # the small model tags something
    assert [(s.start, s.end) for s in doc.spans[SPANS_KEY]] == expected


def test_only_the_sentences_holding_a_drug_are_tagged(head_model):
    from extract.ner.adverse_effects import SPANS_KEY

    nlp = _stage(head_model)
    second = TWO.index("Lithium")
    doc = nlp.get_pipe("extract_adverse_effects")(_doc(nlp, TWO, "lithium", (second,)))
    spans = list(doc.spans[SPANS_KEY])
    assert spans and all(s.start_char >= second for s in spans)
    head = nlp.get_pipe(HEAD_PIPE)
    first = [head.labels[i] for i in head.predict([doc])[0].tolist()][: doc.char_span(0, second - 1).end]
    assert any(tag != "O" for tag in first)  # the head would tag the first sentence too; the stage does not ask it
