"""The relation stage's speed-ups give the same results as the plain computations they replace (issue 14).

Behaviour only, never timing: each faster path is compared with the computation it stands for.
"""

from __future__ import annotations

import random
import re
import string

import numpy as np
import pytest

from extract.relations.candidates import PairContext, coordination_groups, disease_pairs, is_pp_object, pair_context
from extract.relations.candidates import concept_key as _concept_key
from extract.relations.casefold import cached_found, found, lower_case_twin
from extract.relations.event_phrase import EventPhrase, Span, _words
from extract.relations.features import (
    _N_INTER_CHEM,
    _SENT_DIST,
    _TOK_DIST,
    _TOKEN,
    _bucket,
    edge_tokens,
    first_tokens,
    last_tokens,
    sentence_words,
    tokens,
)
from extract.relations.memo import sentence_entities
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


def _random_texts(seed: int, n: int, longest: int = 200) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + " .,;()-_/\u00e9\u00b2\u0130\u017f\u212a\t" + "  aaaa"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(n)]


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
    from extract.relations import clause_arms, concept_features, manifestation_patterns, rules
    from extract.relations.withheld_sentences import load_cues

    patterns = [
        p
        for mod in (rules, concept_features, manifestation_patterns, clause_arms)
        for p in vars(mod).values()
        if isinstance(p, re.Pattern)
    ]
    # the withheld-sentence cues (searched through ``found`` by ``sentence_kind``)
    for c in load_cues().values():
        patterns += [c.trigger, *(p for cues in (c.sentence, c.veto, c.section) for _n, p in cues)]
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


def test_tokens_and_word_lists_are_their_plain_definitions():
    """The ASCII paths (the text lower-cased once) give the tokens, sentence words and window words of the
    token-by-token definitions, on ASCII and other text."""
    from extract.relations.joint import _WORD, _lower_words

    for text in _random_texts(3, 20000, 120):
        assert tokens(text) == ["<num>" if t.isdigit() else t.lower() for t in _TOKEN.findall(text)]
        plain = {"sw=" + t for t in set(tokens(text)) if t.isalpha() and len(t) > 2}
        assert set(sentence_words.__wrapped__(text)) == plain
        assert _lower_words.__wrapped__(text) == tuple(w.lower() for w in _WORD.findall(text))


def test_bucket_tables_are_the_buckets():
    for n in range(60):
        assert _SENT_DIST[min(n, 9)] == "sent_dist=" + _bucket(n, (0, 1, 2, 4, 8))
        assert _TOK_DIST[min(n, 21)] == "tok_dist=" + _bucket(n, (0, 1, 3, 6, 10, 20))
        assert _N_INTER_CHEM[min(n, 4)] == "n_inter_chem=" + _bucket(n, (0, 1, 3))


def test_one_end_of_the_tokens_is_that_end_of_edge_tokens():
    for text in _random_texts(4, 5000) + ["", "a", "x" * 30, "1 2 3 4 5 6 7 8 9 10 11 12 13"]:
        for n in (1, 2, 3, 9):
            last, first = edge_tokens(text, n)
            assert last_tokens(text, n) == last and first_tokens(text, n) == first, (text, n)


def test_cached_found_is_search():
    from extract.relations import concept_features, manifestation_patterns, rules

    patterns = [p for mod in (rules, concept_features, manifestation_patterns) for p in vars(mod).values()]
    patterns = [p for p in patterns if isinstance(p, re.Pattern)]
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")
    texts = [text[i : i + 60] for i in range(0, len(text), 37)] + ["", "Induced BY X", "ſide effects"]
    for p in patterns:
        for t in texts + texts[:5]:  # some twice: read from the cache
            assert cached_found(p, t) == (p.search(t) is not None), (p.pattern[:60], t)
    assert rules.cached_search is cached_found


def _plain_pair_context(doc, first, second) -> PairContext:
    """``_pair_context`` as it was written before the speed work (relations-0.13.0), for comparison."""
    sent = doc.sentences[first.sentence_index]
    text = doc.text
    mentions = [
        e
        for e in sentence_entities(doc, first.sentence_index)
        if e.entity_id not in (first.entity_id, second.entity_id)
    ]
    groups = coordination_groups(mentions + [first, second], text)
    g_first, g_second = groups[first.entity_id], groups[second.entity_id]
    left = max([first.end] + [e.end for e in mentions if groups[e.entity_id] == g_first and e.start < second.start])
    right = min([second.start] + [e.start for e in mentions if groups[e.entity_id] == g_second and e.end > first.end])
    same_first = same_second = 0
    bounds = {"strict": [left, max(left, right)], "pp": [left, max(left, right)]}
    for e in [e for e in mentions if e.start >= left and e.end <= right]:
        if groups[e.entity_id] in (g_first, g_second):
            continue
        same_first += e.label == first.label
        same_second += e.label == second.label
        if first.label == second.label:
            continue
        for kind in ["strict"] if is_pp_object(doc, e, sent) else ["strict", "pp"]:
            if e.label == second.label:
                bounds[kind][0] = max(bounds[kind][0], e.end)
            elif e.label == first.label:
                bounds[kind][1] = min(bounds[kind][1], e.start)
    regions = {k: text[s:e] if e > s else "" for k, (s, e) in bounds.items()}
    return PairContext(
        first=first,
        second=second,
        sentence=text[sent.start : sent.end],
        before=text[sent.start : first.start],
        between=text[first.end : second.start] if second.start >= first.end else "",
        after=text[second.end : sent.end],
        region=regions["strict"],
        region_pp=regions["pp"],
        region_cut=bounds["strict"] != [left, max(left, right)],
        n_between_same_first=same_first,
        n_between_same_second=same_second,
        coordinated=g_first == g_second,
    )


def _bc5cdr_views(limit: int):
    from extract.settings import get_settings
    from extract.training.relations.trainer import bc5cdr_views

    path = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    return [v.view for v in bc5cdr_views(path, limit=limit)] if path.exists() else []


def test_pair_contexts_and_disease_pairs_are_the_plain_ones():
    """Pair contexts of every same-sentence mention pair (both orders, either label) and the disease pairs of
    the seed pages and BC5CDR development abstracts (gold mentions) are those of the plain computations; an
    excluded pair is excluded in both orders."""
    from extract.relations.manifestation_patterns import _excluded_pair

    n_pairs = 0
    for view in _seed_views() + _bc5cdr_views(60):
        ents = view.entities
        for a in ents:
            for b in ents:
                if a is not b and a.sentence_index == b.sentence_index:
                    first, second = (a, b) if (a.start, a.end) <= (b.start, b.end) else (b, a)
                    assert pair_context(view, a, b) == _plain_pair_context(view, first, second)
                    n_pairs += 1
        diseases = [e for e in ents if e.label == "DISEASE"]
        plain = [
            (h, t)
            for h in diseases
            for t in diseases
            if h is not t
            and h.sentence_index == t.sentence_index
            and not (h.start < t.end and t.start < h.end)
            and _concept_key(h) != _concept_key(t)
        ]
        assert list(disease_pairs(view)) == plain
        for h, t in plain:
            assert _excluded_pair.uncached(view, h, t) == _excluded_pair.uncached(view, t, h)
    assert n_pairs > 1000


def test_interleaved_tasks_come_back_in_document_order():
    from extract import schemas
    from extract.relations.stage import _Task, _unpack, interleaved

    for n, size in [(500, 125), (501, 126), (130, 8), (7, 8)]:
        order = interleaved(n, size)
        assert sorted(order) == list(range(n))
        rows = {
            p: [{"doc_id": f"d{p}", "relation_id": f"d{p}#r{j}", "type": "t", "score": 0.5} for j in range(p % 3)]
            for p in range(n)
        }
        docs = {
            p: [
                {"doc_id": f"d{p}", "type": "t", "head_concept_id": "h", "tail_concept_id": str(j)}
                for j in range(p % 2)
            ]
            for p in range(n)
        }
        tasks = []
        for k in range(0, n, size):
            part = order[k : k + size]
            tasks.append(
                _Task(
                    schemas.to_table("relations", [r for p in part for r in rows[p]]),
                    schemas.to_table("document_relations", [r for p in part for r in docs[p]]),
                    [(len(rows[p]), len(docs[p])) for p in part],
                    [None] * len(part),
                )
            )
        result = _unpack(tasks, order, size, "v")
        assert result.relations.equals(schemas.to_table("relations", [r for p in range(n) for r in rows[p]]))
        assert result.document_relations.equals(
            schemas.to_table("document_relations", [r for p in range(n) for r in docs[p]])
        )


@with_sentence_model
def test_warm_up_changes_no_result():
    from extract.relations.model import ModelExtractor

    model = ModelExtractor.load(MODEL_DIR)
    views = _seed_views() + _bc5cdr_views(20)
    cold = model.extract_many(views)
    model.warm_up()
    assert model.extract_many(views) == cold


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


def test_contrast_cuts_are_the_plain_search_once_per_sentence():
    from extract.relations.clause_arms import _CONTRAST, contrast_cuts

    text = (
        "Weight gain was more frequent with megestrol acetate, whereas nausea was more frequent with fadrozole. "
        "Diarrhea occurred; in contrast, rash did not, but fever did. No contrast here."
    )
    doc = build_view("arms", text, {"megestrol acetate": "CHEMICAL", "nausea": "DISEASE", "rash": "DISEASE"})
    for sent in doc.sentences:
        plain = [m.end() for m in _CONTRAST.finditer(doc.text, sent.start, sent.end)]
        assert contrast_cuts(doc, sent) == plain
        assert contrast_cuts(doc, sent) is contrast_cuts(doc, sent)  # computed once for the document
    assert [len(contrast_cuts(doc, s)) for s in doc.sentences] == [1, 3, 0]


def test_collector_paused_restores_the_collector():
    import gc

    from extract.parallel import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a failing block")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
