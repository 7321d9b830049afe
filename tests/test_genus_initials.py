"""``extract_genus_initials``: "H. pylori infection", not the model's "pylori infection".

The sentences are from shared/unlabeled abstracts where the shipped model starts the mention at the species epithet
(the tokenizer splits "H." into "H" "."; the sentence splitter keeps "H. pylori" in one sentence)."""

import pytest
from spacy.tokens import Span

import extract
from extract.api import Pipeline
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp

POOLED = "Antimicrobial treatment of H. pylori infection--a pooled efficacy analysis of eradication therapies."
ERADICATION = (
    "Eradication of H. pylori infection with omeprazole, amoxicillin and clarithromycin reduces the risk of gastric "
    "cancer."
)


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return extract.load()


def test_the_genus_initial_is_part_of_the_mention(nlp):
    result = nlp.annotate(POOLED)
    assert [(e["text"], e["label"]) for e in result.entities] == [("H. pylori infection", "DISEASE")]
    result = nlp.annotate(ERADICATION)
    texts = {e["text"] for e in result.entities}
    assert "H. pylori infection" in texts and "pylori infection" not in texts
    tails = {r["tail_text"] for r in result.document_relations if r["head_text"] == "omeprazole"}
    assert "pylori infection" not in tails


def test_it_runs_before_anything_copies_a_mention():
    names = get_ner_nlp().pipe_names
    assert names.index("extract_genus_initials") == names.index("extract_place_names") + 1
    assert names.index("extract_genus_initials") < names.index("extract_label_consistency")


@pytest.fixture(scope="module")
def pipe():
    return build_ner_nlp(only=["extract_genus_initials"])


def _widened(pipe, text: str, first_word: str) -> list[str]:
    """The component alone on ``text`` with one DISEASE mention from ``first_word`` to the end (before the period)."""
    doc = pipe.make_doc(text)
    start = next(t.i for t in doc if t.text == first_word)
    doc.ents = [Span(doc, start, len(doc) - 1, label="DISEASE")]
    return [e.text for e in pipe(doc).ents]


def test_only_a_genus_initial_is_taken(pipe):
    assert _widened(pipe, "Rates of (E. coli bacteremia.", "coli") == ["E. coli bacteremia"]
    assert _widened(pipe, "Rates of S. aureus bacteremia.", "aureus") == ["S. aureus bacteremia"]
    # not an initial: two letters, a lower-case letter, no period, a letter glued to a word, a capitalised word
    assert _widened(pipe, "Rates of HP. pylori infection.", "pylori") == ["pylori infection"]
    assert _widened(pipe, "Rates of h. pylori infection.", "pylori") == ["pylori infection"]
    assert _widened(pipe, "Rates of H pylori infection.", "pylori") == ["pylori infection"]
    assert _widened(pipe, "Rates of 25D. deficiency states.", "deficiency") == ["deficiency states"]
    assert _widened(pipe, "Rates of H. Pylori infection.", "Pylori") == ["Pylori infection"]


def test_a_sentence_start_stays(pipe):
    """A period that ends a sentence ("vitamin D." then a lower-case word the splitter starts a sentence at) is no
    genus initial."""
    doc = pipe.make_doc("They took vitamin D. diarrhea followed.")
    start = next(t.i for t in doc if t.text == "diarrhea")
    for token in doc[1:]:
        token.is_sent_start = token.i == start
    doc.ents = [Span(doc, start, start + 1, label="DISEASE")]
    assert [e.text for e in pipe(doc).ents] == ["diarrhea"]
