"""``extract_product_codes``: "SPN-804" is one drug code, not the short form "SPN"; "HIT-6" is a scale, no disease.

The sentences are from the seventh draw's trial-report bodies, where the shipped model tags the letters of a code
alone ("SPN" of SPN-804 heading treatment rows, "HIT" of the Headache Impact Test linked to Thrombocytopenia)."""

import pytest
from spacy.tokens import Span

import extract
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.ner.product_codes import CODE_LETTERS
from helpers import GOLD_CORPORA, gold_mentions


@pytest.fixture(scope="module")
def pipe():
    return build_ner_nlp(only=["extract_product_codes"])


def _run(pipe, text: str, mentions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The component alone on ``text`` with the given one-token mentions (first occurrence of each)."""
    doc = pipe.make_doc(text)
    spans = []
    for word, label in mentions:
        token = next(t for t in doc if t.text == word)
        spans.append(Span(doc, token.i, token.i + 1, label=label))
    doc.ents = spans
    return [(e.text, e.label_) for e in pipe(doc).ents]


def test_a_drug_code_is_read_whole_and_a_scale_code_is_no_disease(pipe):
    text = "Patients on SPN-804 or ABT-450/r had lower HIT-6™ scores and CA-125 levels (HEM-907XL monitor)."
    got = _run(
        pipe,
        text,
        [("SPN", "CHEMICAL"), ("ABT", "CHEMICAL"), ("HIT", "DISEASE"), ("CA", "CHEMICAL"), ("HEM", "DISEASE")],
    )
    assert got == [("SPN-804", "CHEMICAL"), ("ABT-450", "CHEMICAL"), ("CA-125", "CHEMICAL")]


def test_only_a_hyphen_and_a_number_written_together_make_a_code(pipe):
    # a space, a letter after the hyphen, a lower-case short form, a hyphen at the end of a line
    text = "SPN -804 and GABA-A and Hb-5 and COPD- 2 and the T2DM group."
    mentions = [("SPN", "CHEMICAL"), ("GABA", "CHEMICAL"), ("Hb", "CHEMICAL"), ("COPD", "DISEASE"), ("T2DM", "DISEASE")]
    assert _run(pipe, text, mentions) == mentions


def test_a_code_that_reaches_another_mention_is_left_alone(pipe):
    doc = pipe.make_doc("The AB-12 group.")
    doc.ents = [Span(doc, 1, 2, label="CHEMICAL"), Span(doc, 3, 4, label="CHEMICAL")]
    assert [e.text for e in pipe(doc).ents] == ["AB", "12"]


def test_the_stage_reads_codes_whole():
    result = extract.load().annotate(
        "Adjunctive SPN-804 reduced seizure frequency in refractory epilepsy. HIT-6 scores fell with topiramate."
    )
    found = {e["text"]: e["label"] for e in result.entities}
    assert found.get("SPN-804") == "CHEMICAL" and "SPN" not in found
    assert "HIT" not in found and "HIT-6" not in found
    names = get_ner_nlp().pipe_names
    assert names.index("extract_product_codes") == names.index("extract_genus_initials") + 1


@pytest.mark.parametrize("name", GOLD_CORPORA)
def test_no_gold_chemical_or_disease_is_cut_from_a_code(name):
    mentions = gold_mentions(name)
    cut = []
    for text, m in mentions:
        after = text[m.end : m.end + 2]
        if CODE_LETTERS.fullmatch(m.text) and len(after) == 2 and after[0] == "-" and after[1].isdigit():
            cut.append(m.text)
    assert len(mentions) > 500
    assert cut == []
