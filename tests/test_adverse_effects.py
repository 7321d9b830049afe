"""The adverse-effect span tagger (ADVERSE_EFFECT) and its use by the relation stage, on real text.

The shipped tagger (``models/ade-effects-*``) is loaded as the NER stage loads it; one test trains a small tagger on
200 real ADE sentences with the project's training function (60 steps: seconds, not marked slow).
"""

from __future__ import annotations

import pytest

from extract.corpora.ade import AdeMention, AdeSentence, read_ade
from extract.ner.adverse_effects import LABEL, AdverseEffectTagger
from extract.relations.types import ADVERSE_EFFECT, DRUG_ADVERSE_EVENT
from extract.settings import get_settings, resolve_model_dir

LITHIUM = "She developed lithium intoxication after the dose of lithium was increased."
PROPOFOL = "A 54-year-old man lost consciousness and had decreased oxygen saturation after receiving propofol."
NO_DRUG = "A 54-year-old man lost consciousness during the night."
HEPATITIS = (
    "She developed severe acute hepatitis after three weeks of isoniazid. A 54-year-old man lost consciousness "
    "and had decreased oxygen saturation after receiving propofol."
)


@pytest.fixture(scope="module")
def tagger() -> AdverseEffectTagger:
    folder = resolve_model_dir("", "ade-effects")
    if folder is None:
        pytest.skip("no models/ade-effects-* shipped")
    return AdverseEffectTagger.load(folder)


def _texts(text: str, spans) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_shipped_tagger_tags_effects_the_ner_misses(tagger):
    lithium, propofol = tagger.tag_texts([LITHIUM, PROPOFOL])
    assert "lithium intoxication" in _texts(LITHIUM, lithium)
    found = _texts(PROPOFOL, propofol)
    assert "decreased oxygen saturation" in found  # a finding the disease NER does not tag
    assert not any("propofol" in t for t in found)


def _run(texts: list[str], stages):
    """The real stages with the tagger switched on (``ade_effects``; off by default), its spans as phrases and as
    tails (``ade_effect_tails``)."""
    from extract.runner import run_texts

    rows = [{"doc_id": f"d{i}", "format": "text", "title": None, "text": t} for i, t in enumerate(texts)]
    return run_texts(
        rows, stages=stages, settings=get_settings().model_copy(update={"ade_effects": True, "ade_effect_tails": True})
    )


def test_off_by_default_and_on_without_tails_its_spans_are_phrases_of_the_same_rows(tagger):
    """Off by default; switched on without effect tails, the tagger gives adverse-event phrases and changes no
    relation row."""
    from extract.runner import run_texts

    rows = [{"doc_id": "d0", "format": "text", "title": None, "text": HEPATITIS}]
    off = run_texts(rows, stages=("clean", "ner", "relations"))
    on = run_texts(
        rows, stages=("clean", "ner", "relations"), settings=get_settings().model_copy(update={"ade_effects": True})
    )
    assert ADVERSE_EFFECT not in set(off["entities"].column("label").to_pylist())
    assert {r["text"] for r in on["entities"].to_pylist() if r["label"] == ADVERSE_EFFECT} == {"severe acute hepatitis"}

    def rows_of(tables):
        return sorted(
            (r["type"], r["head_text"], r["tail_text"], r["negated"], r["score"])
            for r in tables["relations"].to_pylist()
        )

    assert rows_of(on) == rows_of(off)
    assert ("isoniazid", "severe acute hepatitis") in {
        (r["head_text"], r["tail_phrase"]) for r in on["relations"].to_pylist() if r["type"] == DRUG_ADVERSE_EVENT
    }


def test_ner_stage_writes_effect_spans_beside_the_entities(tagger):
    tables = _run([LITHIUM, NO_DRUG], ("clean", "ner"))
    rows = tables["entities"].to_pylist()
    effects = [r for r in rows if r["label"] == ADVERSE_EFFECT]
    assert [(r["doc_id"], r["text"], r["method"]) for r in effects] == [
        ("d0", "lithium intoxication", "adverse_effect_tagger")
    ]  # the sentence without a CHEMICAL entity is not tagged
    assert all(r["concept_id"] is None for r in effects)
    # CHEMICAL / DISEASE keep the first entity ids: the spans are numbered after them
    first = [r for r in rows if r["doc_id"] == "d0"]
    numbers = [int(r["entity_id"].rsplit("#e", 1)[1]) for r in first]
    others = [n for n, r in zip(numbers, first) if r["label"] != ADVERSE_EFFECT]
    assert max(others) < min(n for n, r in zip(numbers, first) if r["label"] == ADVERSE_EFFECT)
    assert {r["text"] for r in first if r["label"] == "CHEMICAL"} == {"lithium"}


def test_relation_stage_uses_effect_spans_as_phrase_and_tail(tagger):
    tables = _run([LITHIUM, PROPOFOL], ("clean", "ner", "relations"))
    rel = [r for r in tables["relations"].to_pylist() if not r["negated"]]
    ae = {(r["doc_id"], r["head_text"], r["tail_phrase"]) for r in rel if r["type"] == DRUG_ADVERSE_EVENT}
    assert ("d0", "lithium", "lithium intoxication") in ae
    assert ("d1", "propofol", "decreased oxygen saturation") in ae
    # "oxygen" inside "decreased oxygen saturation" is never its drug
    assert not any(head == "oxygen" for _d, head, _t in ae)
    effect_ids = {r["entity_id"] for r in tables["entities"].to_pylist() if r["label"] == ADVERSE_EFFECT}
    # an effect-span tail only ever makes a drug_adverse_event row
    assert all(r["type"] == DRUG_ADVERSE_EVENT for r in rel if r["tail_entity_id"] in effect_ids)
    assert not any(r["head_entity_id"] in effect_ids for r in rel)


def test_without_effect_tails_only_sentences_with_a_drug_and_a_disease_are_tagged(tagger):
    """Spans only lengthen DISEASE tails when they are not tails of their own: a sentence with a drug and no DISEASE
    mention is not tagged (it saves NER-stage time)."""
    from extract.runner import run_texts

    rows = [{"doc_id": "d0", "format": "text", "title": None, "text": HEPATITIS}]
    found = {}
    for tails in (False, True):
        settings = get_settings().model_copy(update={"ade_effects": True, "ade_effect_tails": tails})
        entities = run_texts(rows, stages=("clean", "ner"), settings=settings)["entities"].to_pylist()
        found[tails] = {r["text"] for r in entities if r["label"] == ADVERSE_EFFECT}
    assert found[False] == {"severe acute hepatitis"}
    assert found[True] == {"severe acute hepatitis", "decreased oxygen saturation"}


def test_a_ner_model_without_the_taggers_vectors_gets_no_spans_and_no_rejects(tagger, tmp_path, caplog):
    """The tagger needs the static vectors it was trained with; with a NER model that has none it tags nothing (a
    warning says why) instead of failing every document."""
    from extract.runner import run_texts
    from helpers import tiny_ner_model

    settings = get_settings().model_copy(update={"ade_effects": True, "ner_model": str(tiny_ner_model(tmp_path))})
    rows = [{"doc_id": "d0", "format": "text", "title": None, "text": "Lithium caused a severe headache."}]
    tables = run_texts(rows, stages=("clean", "ner"), settings=settings)
    assert tables["rejects"].num_rows == 0
    labels = tables["entities"].column("label").to_pylist()
    assert "CHEMICAL" in labels and ADVERSE_EFFECT not in labels
    assert "static vectors the NER model does not have" in caplog.text


def test_the_tagger_computes_on_the_stage_gemm(tagger):
    """The tagger's own pipeline takes the NER stage's matrix-product backend (numpy's BLAS, not blis)."""
    from thinc.api import NumpyOps

    from extract.ner.pipeline import build_ner_nlp

    settings = get_settings().model_copy(update={"ade_effects": True, "ner_gemm": "numpy"})
    inner = build_ner_nlp(settings).get_pipe("extract_adverse_effects").tagger
    ops = {
        type(node.ops).__name__ + str(getattr(node.ops, "use_blis", None))
        for _, pipe in inner.components
        for node in pipe.model.walk()
        if isinstance(node.ops, NumpyOps)
    }
    assert ops == {"NumpyOpsFalse"}  # thinc's default is blis


def test_effect_docs_take_the_longest_of_overlapping_effects():
    from extract.training.adverse_effects import TaggerStats, effect_docs

    text = "Severe hepatitis developed after isoniazid."
    drug = AdeMention(32, 41, "isoniazid")
    sent = AdeSentence(
        "1", text, pairs=[(drug, AdeMention(0, 16, "Severe hepatitis")), (drug, AdeMention(7, 16, "hepatitis"))]
    )
    neg = AdeSentence("2", "Isoniazid was given for tuberculosis.")
    stats = TaggerStats()
    doc, neg_doc = effect_docs([sent, neg], stats=stats)
    assert [(e.text, e.label_) for e in doc.ents] == [("Severe hepatitis", LABEL)]
    assert stats.overlapping_dropped == 1
    assert not neg_doc.ents and all(t.ent_iob_ == "O" for t in neg_doc)  # outside, not missing


def test_training_a_small_tagger_on_real_ade_sentences(tmp_path):
    from extract.training.adverse_effects import audit_pmids, train_tagger

    sents = read_ade(get_settings().corpora_dir / "ade_corpus_v2")
    few = [s for s in sents if s.pairs][:200]
    trained = train_tagger(
        few, tmp_path / "tagger", max_steps=60, work_dir=tmp_path / "work", overrides={"training.eval_frequency": 30}
    )
    stats = trained.training["stats"]
    kept = [s for s in few if s.pmid not in audit_pmids()]  # the relation audit's PMIDs are never trained on
    assert stats["positive_sentences"] + stats["dev_sentences"] == len(kept)
    assert 0 < stats["dev_sentences"] < len(kept) / 5  # every tenth PMID chooses the checkpoint
    loaded = AdverseEffectTagger.load(tmp_path / "tagger")
    spans = loaded.tag_texts([LITHIUM])[0]
    assert all(0 <= a < b <= len(LITHIUM) for a, b in spans)
    assert (tmp_path / "tagger" / "adverse_effects.json").exists()
