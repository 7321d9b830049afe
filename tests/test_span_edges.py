"""``extract_span_edges``: a mention does not begin or end with a dangling "/", ",", ";", ":" or bracket token.

The model tagged "CP/" of "(CP/CPPS)" (linked to Captopril), "vitamin," of a list and "nausea and vomiting of
pregnancy (" before its short form in the seventh draw's trial-report bodies."""

import pytest
from spacy.tokens import Span

import extract
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.ner.span_edges import LEADING, TRAILING
from helpers import GOLD_CORPORA, gold_mentions


@pytest.fixture(scope="module")
def pipe():
    return build_ner_nlp(only=["extract_span_edges"])


def _run(pipe, text: str, mentions: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    doc = pipe.make_doc(text)
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in mentions]
    return [(e.text, e.label_) for e in pipe(doc).ents]


def test_dangling_punctuation_is_taken_off_a_mention(pipe):
    text = "Men with CP/CPPS, low vitamin, and nausea of pregnancy (NVP) took PEG: 10 g; or (/) and [14C]-urea."
    doc = pipe.make_doc(text)
    assert [t.text for t in doc][2:5] == ["CP", "/", "CPPS"]
    at = {t.text: t.i for t in doc}
    mentions = [
        (at["CP"], at["CP"] + 2, "CHEMICAL"),  # "CP/"
        (at["CPPS"], at["CPPS"] + 2, "DISEASE"),  # "CPPS,"
        (at["vitamin"], at["vitamin"] + 2, "CHEMICAL"),  # "vitamin,"
        (at["nausea"], at["pregnancy"] + 2, "DISEASE"),  # "nausea of pregnancy ("
        (at["PEG"], at["PEG"] + 2, "CHEMICAL"),  # "PEG:"
        (at["/"], at["/"] + 2, "CHEMICAL"),  # "/)" (the last "/"): nothing left
        (at["urea"] - 2, at["urea"] + 1, "CHEMICAL"),  # "]-urea"
    ]
    assert _run(pipe, text, mentions) == [
        ("CP", "CHEMICAL"),
        ("CPPS", "DISEASE"),
        ("vitamin", "CHEMICAL"),
        ("nausea of pregnancy", "DISEASE"),
        ("PEG", "CHEMICAL"),
        ("urea", "CHEMICAL"),
    ]


def test_hyphens_and_inner_punctuation_stay(pipe):
    text = "LDL- and HDL-cholesterol, 5-FU/leucovorin and Na+/K+ were given; impulsivity symptoms – less."
    doc = pipe.make_doc(text)
    at = {t.text: t.i for t in doc}
    mentions = [
        (at["LDL"], at["LDL"] + 2, "CHEMICAL"),
        (at["5"], at["leucovorin"] + 1, "CHEMICAL"),
        (at["impulsivity"], at["–"] + 1, "DISEASE"),  # a dash after a space is no hyphen
    ]
    assert _run(pipe, text, mentions) == [
        ("LDL-", "CHEMICAL"),
        ("5-FU/leucovorin", "CHEMICAL"),
        ("impulsivity symptoms", "DISEASE"),
    ]


def test_the_stage_reads_a_slashed_pair_of_short_forms_as_diseases():
    result = extract.load().annotate(
        "Men with chronic prostatitis/chronic pelvic pain syndrome (CP/CPPS) received mirodenafil. CP/CPPS is common."
    )
    found = [(e["text"], e["label"]) for e in result.entities if e["text"].startswith("CP")]
    assert found == [("CP", "DISEASE"), ("CPPS", "DISEASE")] * 2
    assert not any(r["head_text"].startswith("CP") for r in result.relations)
    names = get_ner_nlp().pipe_names
    assert names.index("extract_span_edges") == names.index("ner") + 1


@pytest.mark.parametrize("name", GOLD_CORPORA)
def test_no_gold_chemical_or_disease_has_a_dangling_edge(name):
    mentions = [m.text for _text, m in gold_mentions(name)]
    assert len(mentions) > 500
    assert [m for m in mentions if m[:1] in LEADING or m[-1:] in TRAILING] == []
