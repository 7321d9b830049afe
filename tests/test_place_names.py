"""``extract_place_names``: a mention whose text is a MeSH geographic location is no chemical and no disease."""

from __future__ import annotations

import pytest

import extract
from extract.corpora.pubtator import read_pubtator
from extract.evaluation.ner import GOLD_LABEL_MAP
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.ner.place_names import PlaceNames, place_names
from extract.settings import get_settings
from extract.vocab.files import VocabFiles
from helpers import GOLD_CORPORA, needs_shipped

# Titles of trial reports (the ninth judged draw): the model tags "Nigeria" DISEASE, "Afghanistan" CHEMICAL, and
# "Afghanistan" then headed "Afghanistan treats vivax malaria".
NIGERIA = (
    "Effectiveness of Provider and Community Interventions to Improve Treatment of Uncomplicated Malaria in Nigeria: "
    "A Cluster Randomized Controlled Trial"
)
AFGHANISTAN = (
    "Dihydroartemisinin-piperaquine versus chloroquine to treat vivax malaria in Afghanistan: an open randomized, "
    "non-inferiority, trial"
)


@pytest.fixture(scope="module")
def names() -> frozenset[str]:
    vocab = VocabFiles(get_settings().vocab_dir)
    if not vocab.mesh_terms.is_file():
        pytest.skip("no MeSH files under the shared vocab folder")
    return place_names(vocab)


def test_the_names_are_meshs_places_and_no_chemical_or_disease(names):
    assert {"Nigeria", "Afghanistan", "Manitoba", "Seoul", "Tasmania"} <= names
    assert "nigeria" not in names  # capitalised only
    assert len(names) > 500


@needs_shipped("ner")
def test_a_place_is_no_entity_and_heads_no_row():
    pipeline = extract.load()
    for text, place in [(NIGERIA, "Nigeria"), (AFGHANISTAN, "Afghanistan")]:
        result = pipeline.annotate(text)
        assert place not in {e["text"] for e in result.entities}
        assert not [r for r in result.relations if place in (r["head_text"], r["tail_text"])]
    assert "Malaria" in {e["text"] for e in pipeline.annotate(NIGERIA).entities}


def test_it_runs_before_anything_copies_a_mention():
    names = get_ner_nlp().pipe_names
    assert names.index("extract_place_names") == names.index("extract_mention_noise") + 1
    assert names.index("extract_place_names") < names.index("extract_label_consistency")


def test_without_mesh_files_it_drops_nothing(tmp_path, caplog):
    nlp = build_ner_nlp(only=["extract_place_names"])
    doc = nlp.make_doc("Malaria in Nigeria.")
    doc.ents = [doc.char_span(11, 18, label="DISEASE")]
    component = PlaceNames(nlp, "extract_place_names", str(tmp_path))
    assert [e.text for e in component(doc).ents] == ["Nigeria"]
    assert "no MeSH files" in caplog.text
    assert [e.text for e in nlp.get_pipe("extract_place_names")(doc).ents] == []


@pytest.mark.parametrize("name", GOLD_CORPORA)
def test_no_gold_mention_is_a_place_name(names, name):
    """No Chemical / Disease gold mention of BC5CDR, NCBI-disease or BioRED (train, dev) is dropped."""
    path = get_settings().corpora_dir / name
    if not path.exists():
        pytest.skip(f"{path} missing")
    mentions = [m.text for doc in read_pubtator(path) for m in doc.mentions if m.type in GOLD_LABEL_MAP]
    assert len(mentions) > 500
    assert [m for m in mentions if m in names] == []
