"""NER training end to end (tiny, real spaCy training) and the shipped model on the seed documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from extract.evaluation.ner_card import write_model_card
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import PROJECT_ROOT, get_settings, resolve_model_dir
from extract.training.corpus import CORPORA, load_documents, pubtator_to_doc
from extract.training.ner import train_ner

TINY = {
    "components.ner.model.tok2vec.encode.width": 32,
    "components.ner.model.tok2vec.encode.depth": 1,
    "components.ner.model.tok2vec.embed.rows": [500, 200, 200, 100],
    "training.eval_frequency": 5,
    "training.patience": 0,
}


def _have_corpora() -> bool:
    return (get_settings().corpora_dir / CORPORA["bc5cdr_train"].path).exists()


def test_training_doc_matches_stage_text() -> None:
    """Training text is title + blank line + abstract, like documents.text; gold spans survive the shift."""
    if not _have_corpora():
        pytest.skip("corpora not available")
    pdoc = load_documents(CORPORA["bc5cdr_train"])[0]
    doc = pubtator_to_doc(pdoc, make_blank_nlp(), CORPORA["bc5cdr_train"].label_map)
    assert doc.text == f"{pdoc.title}\n\n{pdoc.abstract}"
    assert [e.text for e in doc.ents] == [m.text for m in pdoc.mentions]


def test_train_tiny_model_end_to_end(tmp_path: Path) -> None:
    if not _have_corpora():
        pytest.skip("corpora not available")
    target = train_ner(
        tmp_path / "models",
        config=PROJECT_ROOT / "configs" / "ner.cfg",
        version="0.0.0-test",
        max_steps=6,
        seed=0,
        extra_corpora=(),
        vectors=None,
        limit=6,
        work_dir=tmp_path / "work",
        overrides=TINY,
    )
    write_model_card(target, json.loads((target / "training.json").read_text()), eval_limit=3)
    assert target == tmp_path / "models" / "ner-0.0.0-test"
    nlp = spacy.load(target)
    assert nlp.pipe_names == ["ner"]
    assert sorted(nlp.get_pipe("ner").labels) == ["CHEMICAL", "DISEASE"]
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "extract.biomedical_tokenizer.v1"
    doc = nlp("Naloxone reverses the antihypertensive effect of clonidine.")
    assert len(doc) > 0
    info = json.loads((target / "training.json").read_text())
    assert info["excluded_dev_pmids"] == 500 and info["seed"] == 0
    card = (target / "MODEL_CARD.md").read_text()
    assert "CHEMICAL" in card and "DISEASE" in card and "alignment" in card.lower()


@pytest.mark.slow  # ~35 s; the fast suite keeps the tiny NER training above and the real lexicon component
def test_train_tiny_lexicon_model(tmp_path: Path) -> None:
    """The shipped config's lexicon-feature component trains, serializes its terms and reloads."""
    if not _have_corpora() or not (get_settings().vocab_dir / "ctd_diseases").exists():
        pytest.skip("corpora/vocab not available")
    overrides = {
        **TINY,
        "components.ner.model.tok2vec.embed.rows": [500, 200, 200, 100, 50],
        "components.ner.model.tok2vec.embed.include_static_vectors": False,
    }
    target = train_ner(
        tmp_path / "models",
        config=PROJECT_ROOT / "configs" / "ner-lexicon.cfg",
        version="0.0.0-lex",
        max_steps=4,
        limit=4,
        extra_corpora=(),
        vectors=None,
        work_dir=tmp_path / "work",
        overrides=overrides,
    )
    nlp = spacy.load(target)
    assert nlp.pipe_names == ["lexicon_features", "ner"]
    doc = nlp("Cisplatin caused acute renal failure.")
    assert doc[0].tag_ == "B-CHEM"
    assert "B-DIS" in doc[3].tag_ or "B-DIS" in doc[2].tag_


def _shipped_model() -> Path | None:
    return resolve_model_dir("", "ner")


@pytest.mark.skipif(_shipped_model() is None, reason="no models/ner-* shipped yet")
def test_shipped_model_finds_seed_entities(shipped_ner_model) -> None:
    pages = sorted(get_settings().shared_dir.glob("samples/pages/*.txt"))
    if not pages:
        pytest.skip("seed documents not available")
    model_dir = _shipped_model()
    assert model_dir is not None and model_dir.parent == PROJECT_ROOT / "models"
    nlp = shipped_ner_model  # spacy.load(model_dir), once per session
    found: set[tuple[str, str]] = set()
    for page in pages:
        for doc in nlp.pipe(page.read_text(encoding="utf-8").split("\n\n")):
            found |= {(e.text.lower(), e.label_) for e in doc.ents}
    assert ("teriparatide", "CHEMICAL") in found
    assert ("hypercalcemia", "DISEASE") in found
    assert ("calcinosis cutis", "DISEASE") in found
