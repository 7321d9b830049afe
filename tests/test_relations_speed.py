"""The relation stage's speed-ups give the same results as the plain computations they replace (issue 14).

Behaviour only, never timing: each faster path is compared with the computation it stands for.
"""

from __future__ import annotations

import random
import re
import string

import numpy as np
import pytest

from extract.relations.casefold import found, lower_case_twin
from extract.relations.event_phrase import EventPhrase, Span, _words
from extract.relations.features import edge_tokens, tokens
from extract.relations.rules import RuleExtractor
from extract.relations.sentence_model import ARTIFACT, SentenceModel
from extract.relations.types import DISEASE_MANIFESTATION
from extract.settings import resolve_model_dir
from helpers import CALCINOSIS_TERMS, PAGES, TERIPARATIDE_TERMS, build_view

MODEL_DIR = resolve_model_dir("", "relations")
with_sentence_model = pytest.mark.skipif(
    MODEL_DIR is None or not (MODEL_DIR / ARTIFACT).exists(),
    reason="the shipped relation model has no sentence classifier",
)
MARKED = [
    "{{ Pruritus }} occurred less frequently with [[ fexofenadine ]] than with placebo.",
    "Pruritus occurred less frequently with [[ fexofenadine ]] than with {{ placebo }}.",
    "[[ Teriparatide ]] was associated with {{ hypercalcemia }} in 12 of 50 patients (24%).",
    "{{ Hypercalcemia }} developed in 12 patients given [[ teriparatide ]], none given placebo.",
    "Breakthrough {{ seizures }} occurred although [[ phenytoin ]] levels were therapeutic.",
    "[[ Lithium ]] caused {{ tremor }} and confusion in a 67-year-old woman.",
    "Lithium caused {{ tremor }} and confusion in a 67-year-old woman after [[ haloperidol ]].",
    "Naïve patients on [[ cisplatin ]]-induced {{ nephrotoxicity }} protocols: ÉTUDE İ ſ.",
]


def _seed_views():
    return [
        build_view("seed1", (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8"), TERIPARATIDE_TERMS),
        build_view("seed2", (PAGES / "abstract_calcinosis_cutis.txt").read_text(encoding="utf-8"), CALCINOSIS_TERMS),
    ]


@with_sentence_model
def test_token_memo_and_batch_floret_give_spacys_probabilities():
    """The loaded classifier (floret vectors many words at a time, each distinct token embedded once) gives the
    probabilities of the plain spaCy pipeline, bit for bit, on first reading, from its memo and after the memo is
    emptied; its weights are the saved ones."""
    import spacy

    from extract.nlp.floret import BatchFloretVectors
    from extract.relations.token_embeddings import TokenMemo, memoise_token_embeddings

    plain = SentenceModel(spacy.load(MODEL_DIR / ARTIFACT))
    fast = SentenceModel.load(MODEL_DIR / ARTIFACT)
    assert isinstance(fast.nlp.vocab.vectors, BatchFloretVectors)
    embed = fast.nlp.get_pipe("textcat").model.get_ref("tok2vec").get_ref("embed")
    memo = embed._func.__self__
    assert isinstance(memo, TokenMemo)
    assert not memoise_token_embeddings(fast.nlp)  # installed once
    expected = plain.probs(MARKED)
    assert np.array_equal(fast.probs(MARKED), expected)
    assert memo.rows and np.array_equal(fast.probs(MARKED[::-1]), expected[::-1])  # read from the memo
    memo.max_tokens = 5
    assert np.array_equal(fast.probs(MARKED), expected)  # the memo emptied and refilled
    assert fast.nlp.get_pipe("textcat").model.to_bytes() == plain.nlp.get_pipe("textcat").model.to_bytes()


@with_sentence_model
def test_batch_floret_vectors_equal_spacys():
    import spacy
    from spacy.vectors import Vectors

    from extract.nlp.floret import batch_floret_vectors

    nlp = spacy.load(MODEL_DIR / ARTIFACT)
    plain = nlp.vocab.vectors
    assert batch_floret_vectors(nlp) and not batch_floret_vectors(nlp)
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + "-/().,é°μβ²İ "
    words = ["", "a", "of", "x" * 15, "y" * 16, "z" * 17, "w" * 40, "é", "naïve", "co-trimoxazole"]
    words += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(300)]
    words += words[:20]  # repeated keys
    keys = np.array([nlp.vocab.strings.add(w) for w in words], dtype="uint64")
    assert np.array_equal(nlp.vocab.vectors.get_batch(keys), Vectors.get_batch(plain, keys))
    empty = np.array([nlp.vocab.strings.add("")] * 2, dtype="uint64")
    assert np.array_equal(nlp.vocab.vectors.get_batch(empty), Vectors.get_batch(plain, empty))


def test_mean_rows_is_thincs_reduce_mean():
    from thinc.api import NumpyOps

    from extract.nlp.floret import mean_rows

    rng = np.random.default_rng(0)
    table = rng.standard_normal((500, 16)).astype(np.float32)
    lengths = rng.integers(0, 40, size=60)
    rows = rng.integers(0, 500, size=int(lengths.sum()))
    expected = NumpyOps().reduce_mean(table[rows.astype("int32")], lengths.astype("int32"))
    assert np.array_equal(mean_rows(table, rows, lengths), expected)


def test_casefold_found_agrees_with_search():
    from extract.relations import concept_features, manifestation_patterns, rules

    patterns = [
        p
        for mod in (rules, concept_features, manifestation_patterns)
        for p in vars(mod).values()
        if isinstance(p, re.Pattern)
    ]
    assert sum(lower_case_twin(p) is not None for p in patterns) > 20
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")
    texts = [text[i : i + n] for i in range(0, len(text), 23) for n in (15, 60, 240)]
    texts += [t.upper() for t in texts] + [t.title() for t in texts]
    texts += ["CAUSED BY İnduced", "ſide effects of X", "K-induced", "Treated With", "patients WITH"]
    for p in patterns:
        for t in texts:
            assert found(p, t) == (p.search(t) is not None), (p.pattern[:60], t)
    assert lower_case_twin(re.compile(r"[A-Z]+ deficiency", re.I)) is None
    assert lower_case_twin(re.compile(r"\x41bc", re.I)) is None
    assert lower_case_twin(re.compile(r"abc")) is None  # case-sensitive already
    assert lower_case_twin(re.compile(r"\bwith\S*\b", re.I)) is not None


def test_edge_tokens_are_the_ends_of_tokens():
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits + " .,;()-_/é²İ\t"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        for n in (2, 3):
            toks = tokens(text)
            assert edge_tokens(text, n) == (tuple(toks[-n:]), tuple(toks[:n]))


def test_event_phrase_walks_are_the_nearest_words():
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")[:600]
    words = _words(text, 0, len(text))
    phrase = EventPhrase(max_words=3)
    for start in range(0, 590, 7):
        mention = Span(start, start + 5)
        spans = list(words[0])
        left = [w for w in spans if w[1] <= mention.start][::-1][:3]
        right = [w for w in spans if w[0] >= mention.end][:3]
        assert phrase._walks(words, mention) == (("left", tuple(left)), ("right", tuple(right)))


def test_rules_without_manifestations_are_the_other_rules():
    for view in _seed_views():
        everything = RuleExtractor().extract(view)
        assert RuleExtractor().extract(view, manifestations=False) == [
            c for c in everything if c.type != DISEASE_MANIFESTATION
        ]


@with_sentence_model
def test_sentence_classifier_reads_only_the_rows_it_is_asked_about(extractor, monkeypatch):
    """The extractor sends the sentence classifier exactly the rows whose reading ``_finish`` consults (BC5CDR
    development abstracts with their gold mentions: on the first 40 the earlier superset read 34 rows for 31)."""
    from extract.settings import get_settings
    from extract.training.relations.trainer import bc5cdr_views

    path = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    if not path.exists():
        pytest.skip("no BC5CDR development set in the shared folder")
    model = getattr(extractor, "inner", extractor)
    read, consulted = [], []
    probs, vetoes = model.sentence.probs, model.sentence.vetoes_adverse_event
    monkeypatch.setattr(model.sentence, "probs", lambda texts: read.extend(texts) or probs(texts))
    monkeypatch.setattr(model.sentence, "vetoes_adverse_event", lambda *a: consulted.append(a) or vetoes(*a))
    model.extract_many(_seed_views() + [v.view for v in bc5cdr_views(path, limit=40)])
    assert consulted and len(read) == len(consulted)


def test_manifestation_in_two_steps_equals_candidates(extractor):
    model = getattr(extractor, "inner", extractor)
    if getattr(model, "manifestation", None) is None:
        pytest.skip("the shipped relation model has no manifestation classifier")
    for view in _seed_views():
        readings = model.manifestation.readings(view)
        scores = model.manifestation.score_features(readings.features)
        assert model.manifestation.decide(view, readings, scores) == model.manifestation.candidates(view)
