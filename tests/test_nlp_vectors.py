"""The NER stage reads the model's floret vectors through a per-key memo, with the same entities as spaCy's own."""

import numpy as np
import pytest
from spacy.strings import StringStore
from spacy.vectors import Vectors

from extract.ner.pipeline import get_ner_nlp
from extract.nlp.vectors import CachedFloretVectors
from extract.settings import get_settings, resolve_model_dir

TEXT = (
    "Teriparatide worsened dystrophic calcification in a patient with dermatomyositis. "
    "Calcinosis cutis improved with minocycline; warfarin and diltiazem were stopped. "
    "Teriparatide-induced hypercalcemia resolved."
)


@pytest.fixture(scope="module")
def ner_model_dir():
    model_dir = resolve_model_dir(get_settings().ner_model, "ner")
    if model_dir is None or not (model_dir / "vocab" / "vectors").exists():
        pytest.skip("no NER model folder with static vectors")
    return model_dir


def test_ner_stage_reads_cached_vectors_with_spacys_entities(ner_model_dir):
    nlp = get_ner_nlp()
    cached = nlp.vocab.vectors
    assert isinstance(cached, CachedFloretVectors) and cached.mode == "floret"
    with_memo = [(e.start_char, e.end_char, e.label_, e._.concept_id) for e in nlp(TEXT).ents]
    plain = Vectors(strings=nlp.vocab.strings).from_disk(ner_model_dir / "vocab", exclude=["strings"])
    nlp.vocab.vectors = plain
    try:
        without = [(e.start_char, e.end_char, e.label_, e._.concept_id) for e in nlp(TEXT).ents]
    finally:
        nlp.vocab.vectors = cached
    assert with_memo == without
    assert any(label == "CHEMICAL" for _, _, label, _ in with_memo)


def test_cached_vectors_equal_spacys_when_the_memo_fills(ner_model_dir):
    strings = StringStore()
    plain = Vectors(strings=strings).from_disk(ner_model_dir / "vocab", exclude=["strings"])
    cached = CachedFloretVectors(strings=strings)
    cached.from_bytes(plain.to_bytes())
    words = "calcinosis cutis and calcinosis in dermatomyositis and calcinosis with warfarin".split()
    keys = np.array([strings.add(w) for w in words], dtype="uint64")
    expected = plain.get_batch(keys)
    for max_keys in (CachedFloretVectors.max_keys, 3):  # 3: the memo is emptied and refilled mid-way
        cached.max_keys = max_keys
        for _ in range(2):  # the second call reads the memo
            assert np.array_equal(cached.get_batch(keys), expected)
    assert cached.get_batch(np.array([], dtype="uint64")).shape == plain.get_batch(np.array([], dtype="uint64")).shape
