"""Label consistency (``extract_label_consistency``): a drug name tagged once is tagged wherever it recurs."""

from extract.ner.consistency import LabelConsistency
from extract.ner.pipeline import get_ner_nlp
from extract.nlp.tokenizer import make_blank_nlp
from helpers import doc_with_entities

TERIPARATIDE = (
    "Worsening of soft tissue dystrophic calcification in an osteoporotic patient treated with teriparatide. "
    "Teriparatide, used for treatment of osteoporosis, sometimes results in hypercalcemia. "
    "Teriparatide-induced hypercalcemia resolved; anti-teriparatide antibodies were absent."
)


def _mentions(doc) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e._.method) for e in doc.ents]


def test_a_drug_name_is_repeated_where_the_model_missed_it():
    doc = doc_with_entities(
        TERIPARATIDE,
        [("dystrophic calcification", "DISEASE"), ("teriparatide", "CHEMICAL"), ("osteoporosis", "DISEASE")],
    )
    got = _mentions(LabelConsistency(make_blank_nlp())(doc))
    # "Teriparatide," and the "Teriparatide" of "Teriparatide-induced" are repeated, case aside; the end of
    # "anti-teriparatide" is not a mention of the drug.
    assert got.count(("Teriparatide", "CHEMICAL", "consistency")) == 2
    assert ("teriparatide", "CHEMICAL", "model") in got
    assert not any(TERIPARATIDE[e.start_char - 5 : e.start_char] == "anti-" for e in doc.ents)
    # Disease names are not repeated by default.
    assert [m for m in got if m[1] == "DISEASE"] == [
        ("dystrophic calcification", "DISEASE", "model"),
        ("osteoporosis", "DISEASE", "model"),
    ]


def test_a_name_only_seen_before_a_class_head_is_repeated_only_before_one():
    text = (
        "Patients took angiotensin converting enzyme inhibitors or angiotensin II receptor blockers. "
        "Angiotensin II type 1 receptor blockade lowered plasma angiotensin levels."
    )
    doc = LabelConsistency(make_blank_nlp())(doc_with_entities(text, [("angiotensin", "CHEMICAL")]))
    added = [(e.text, e.start_char) for e in doc.ents if e._.method == "consistency"]
    # the second class gets its chemical (the class widening comes next); the peptide's words stay untagged
    assert added == [("angiotensin", text.index("angiotensin II receptor"))]
    # a name the document also has alone is repeated everywhere
    doc = LabelConsistency(make_blank_nlp())(
        doc_with_entities(text, [("angiotensin", "CHEMICAL"), ("angiotensin", "CHEMICAL", 2)])
    )
    assert len([e for e in doc.ents if e._.method == "consistency"]) == 2


def test_names_with_two_labels_cut_spans_and_short_words_are_not_repeated():
    text = (
        "Iron chelation. Iron overload, iron deficiency. Non-steroidal anti- drugs; non-steroidal anti- use. Ca and Ca."
    )
    doc = doc_with_entities(
        text,
        [
            ("Iron", "CHEMICAL"),
            ("iron", "DISEASE"),  # the document gives "iron" two labels: no reading to repeat
            ("Non-steroidal anti-", "CHEMICAL"),  # a cut span
            ("Ca", "CHEMICAL"),  # shorter than min_chars
        ],
    )
    got = _mentions(LabelConsistency(make_blank_nlp())(doc))
    assert all(method != "consistency" for _, _, method in got)


def test_disease_names_repeat_when_the_labels_setting_asks_for_them():
    text = "Hypercalcemia was mild. Later, hypercalcemia resolved."
    doc = doc_with_entities(text, [("Hypercalcemia", "DISEASE")])
    assert _mentions(LabelConsistency(make_blank_nlp())(doc)) == [("Hypercalcemia", "DISEASE", "model")]
    doc = doc_with_entities(text, [("Hypercalcemia", "DISEASE")])
    got = _mentions(LabelConsistency(make_blank_nlp(), labels=("CHEMICAL", "DISEASE"))(doc))
    assert ("hypercalcemia", "DISEASE", "consistency") in got


def test_the_ner_stage_runs_it_before_abbreviations_and_linking():
    names = get_ner_nlp().pipe_names
    assert names.index("extract_disease_names") < names.index("extract_label_consistency")
    assert names.index("extract_label_consistency") < names.index("extract_abbreviations")
    doc = get_ner_nlp()(TERIPARATIDE)
    drugs = [e for e in doc.ents if e.text.lower() == "teriparatide"]
    assert len(drugs) >= 3 and all(e._.concept_id == "MESH:D019379" for e in drugs)
