"""BC5CDR train's annotation rates (``extract_annotation_rates``): drop, re-cut and add DISEASE mentions."""

import random

import pytest

from extract.corpora.pubtator import read_pubtator
from extract.ner.annotation_rates import AnnotationRates, Phrase, RateTable, glued, load_table, name_key
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings
from extract.training.annotation_rates import TRAIN_FILE, count_phrases, tokenized_documents
from helpers import doc_with_entities

CONFIG = "components.extract_annotation_rates."


def _table() -> RateTable:
    """A small hand-made table: what the training split would say about these phrases."""
    phrases = {
        "inflammatory": Phrase({"": 9}, 1),  # never annotated alone
        "acute hepatitis": Phrase({"1-2": 8, "0-2": 1}, 2),  # annotated as "hepatitis"
        "nausea and vomiting": Phrase({"0-1,2-3": 4}, 3),  # two mentions
        "platelet aggregation": Phrase({"0-2": 3}, 2),  # annotated as itself
        "tumor": Phrase({"0-1": 5}, 1),
        "pd": Phrase({"0-1": 5}, 1),  # a short form: too short to add
        "weakness": Phrase({"": 3, "0-1": 3}, 1),  # as often annotated as not: left alone
        "drowsiness": Phrase({"": 2, "0-1": 1}, 1),  # not annotated 2 times in 3: below the drop share
        "calcification": Phrase({"0-1": 6, "": 1, "in": 18}, 1),  # mostly inside longer names
    }
    names = frozenset(
        {"acute hepatitis", "platelet aggregation", "tumor", "pd", "weakness", "drowsiness", "calcification"}
    )
    return RateTable(phrases, names, {})


def _mentions(doc) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e._.method) for e in doc.ents]


def test_mentions_the_annotators_do_not_make_are_dropped_or_recut():
    text = "Inflammatory cells rose; acute hepatitis followed; nausea and vomiting, weakness and drowsiness."
    doc = doc_with_entities(
        text,
        [
            ("Inflammatory", "DISEASE"),
            ("acute hepatitis", "DISEASE"),
            ("nausea and vomiting", "DISEASE"),
            ("weakness", "DISEASE"),
            ("drowsiness", "DISEASE"),
        ],
    )
    got = _mentions(AnnotationRates(make_blank_nlp(), "rates", _table())(doc))
    assert got == [
        ("hepatitis", "DISEASE", "annotation_rate"),
        ("nausea", "DISEASE", "annotation_rate"),
        ("vomiting", "DISEASE", "annotation_rate"),
        ("weakness", "DISEASE", "model"),
        ("drowsiness", "DISEASE", "model"),
    ]


def test_a_chemical_is_never_dropped_and_the_cuts_are_settings():
    doc = doc_with_entities("Inflammatory cells.", [("Inflammatory", "CHEMICAL")])
    assert _mentions(AnnotationRates(make_blank_nlp(), "rates", _table())(doc)) == [
        ("Inflammatory", "CHEMICAL", "model")
    ]
    doc = doc_with_entities("Inflammatory cells; drowsiness.", [("Inflammatory", "DISEASE"), ("drowsiness", "DISEASE")])
    strict = AnnotationRates(make_blank_nlp(), "rates", _table(), drop_min_count=10)  # 9 occurrences: too few
    assert [m[0] for m in _mentions(strict(doc))] == ["Inflammatory", "drowsiness"]
    doc = doc_with_entities("Inflammatory cells; drowsiness.", [("Inflammatory", "DISEASE"), ("drowsiness", "DISEASE")])
    loose = AnnotationRates(make_blank_nlp(), "rates", _table(), drop_min_share=0.6)
    assert _mentions(loose(doc)) == []


def test_names_the_annotators_always_mark_are_added_outside_entities_only():
    text = (
        "Platelet aggregation fell. A tumor-bearing rat had a tumor. PD patients. "
        "Inhibitors of platelet aggregation, e.g. ticlopidine."
    )
    doc = doc_with_entities(text, [("platelet aggregation", "CHEMICAL")])
    got = _mentions(AnnotationRates(make_blank_nlp(), "rates", _table())(doc))
    assert got == [
        ("Platelet aggregation", "DISEASE", "annotation_rate"),  # case aside
        ("tumor", "DISEASE", "annotation_rate"),  # the second one: "tumor-bearing" is glued by a hyphen
        ("platelet aggregation", "CHEMICAL", "model"),  # an entity's words are not re-labelled
    ]
    # "PD" is shorter than add_min_chars; with add_min_rate above its rate no name is added.
    doc = doc_with_entities(text, [])
    assert _mentions(AnnotationRates(make_blank_nlp(), "rates", _table(), add_min_rate=1.01)(doc)) == []


def test_a_name_inside_a_longer_name_of_the_document_is_added_as_that_name():
    text = "Soft tissue dystrophic calcification after teriparatide. The dystrophic calcification grew; calcification."
    doc = doc_with_entities(text, [("dystrophic calcification", "DISEASE", 1)])
    got = _mentions(AnnotationRates(make_blank_nlp(), "rates", _table())(doc))
    assert got == [
        ("dystrophic calcification", "DISEASE", "annotation_rate"),  # the title's, as the document names it
        ("dystrophic calcification", "DISEASE", "model"),
        ("calcification", "DISEASE", "annotation_rate"),  # alone: the name itself
    ]
    # A head word of longer names is not added at all when add_max_inside says so (18 of 25 inside).
    doc = doc_with_entities(text, [("dystrophic calcification", "DISEASE", 1)])
    assert len(AnnotationRates(make_blank_nlp(), "rates", _table(), add_max_inside=0.5)(doc).ents) == 1
    assert _table().get("calcification").occurrences == 7


def test_glued_and_keys():
    doc = make_blank_nlp().make_doc("a tumor-bearing rat; anti-tumor drugs; the tumor")
    texts, spaces = [t.text for t in doc], [t.whitespace_ for t in doc]
    positions = [i for i, t in enumerate(texts) if t == "tumor"]
    assert [glued(texts, spaces, i, i + 1) for i in positions] == [True, True, False]
    assert name_key(["Nausea", "and", "Vomiting"]) == "nausea and vomiting"


def test_the_shipped_table_is_recounted_from_the_training_split():
    """The shipped counts are what the build script counts in BC5CDR train (a sample of phrases, recounted)."""
    table = load_table("")
    assert "Training" in table.meta["corpus"] and table.names <= set(table.phrases)
    docs = tokenized_documents(read_pubtator(get_settings().corpora_dir / TRAIN_FILE))
    sample = random.Random(0).sample(sorted(table.phrases), 200) + ["inflammatory", "platelet aggregation"]
    counts = count_phrases(docs, set(sample))
    for key in sample:
        assert dict(counts[key]) == table.phrases[key].patterns, key


TEXT = (
    "Aspirin inhibits platelet aggregation in healthy volunteers. "
    "Numbers of inflammatory cells in the airway fell after budesonide. "
    "Two patients developed acute hepatitis after isoniazid, and one was akinetic for hours."
)


def test_the_ner_stage_runs_it_after_disease_names_and_before_consistency():
    names = get_ner_nlp().pipe_names
    assert names.index("extract_disease_names") < names.index("extract_annotation_rates")
    assert names.index("extract_annotation_rates") < names.index("extract_label_consistency")


def test_real_text_through_the_stage():
    rule = get_ner_nlp().get_pipe("extract_annotation_rates")
    table = rule.table
    # What the training split says, then what the stage does with it.
    assert table.get("inflammatory").dominant() == ("", 1.0)
    assert table.get("acute hepatitis").dominant()[0] == "1-2"
    assert table.get("platelet aggregation").rate >= 0.5 and "platelet aggregation" in table.names
    doc = get_ner_nlp()(TEXT)
    ents = {e.text: (e.label_, e._.method, e._.concept_id) for e in doc.ents}
    assert "inflammatory" not in ents
    assert "acute hepatitis" not in ents and ents["hepatitis"][0] == "DISEASE"
    # The shipped config adds no names (add_names = false): "platelet aggregation" is a process in drug text.
    assert not rule._add and ents.get("platelet aggregation", ("", "model"))[1] != "annotation_rate"
    assert all(ents[drug][0] == "CHEMICAL" for drug in ("Aspirin", "budesonide", "isoniazid"))
    # Every mention it made is one the table explains.
    for e in doc.ents:
        if e._.method == "annotation_rate":
            assert e.label_ == "DISEASE"
            key = name_key(t.text for t in e)
            assert key in rule._add or any(key in k for k in rule._recut), key


@pytest.mark.parametrize("switch", ["add_names", "add_min_rate", "recut_min_share", "drop_min_share"])
def test_each_rule_can_be_switched_off_in_the_config(switch):
    # adding names switched on, then one rule switched off
    overrides = {CONFIG + "add_names": True}
    overrides[CONFIG + switch] = False if switch == "add_names" else 2.0
    nlp = build_ner_nlp(only=["extract_annotation_rates"], overrides=overrides)
    rule = nlp.get_pipe("extract_annotation_rates")
    if switch in ("add_names", "add_min_rate"):
        assert not rule._add and rule._recut
    elif switch == "recut_min_share":
        assert rule._add and all(not parts for parts in rule._recut.values())
    else:
        assert rule._add and all(parts for parts in rule._recut.values())


def test_names_are_added_when_switched_on():
    """The stage's pipes with ``add_names = true`` in the config.  The rule is built from the config with that
    override; every other pipe is the session's stage pipeline's (a second full build would load the NER model
    again, ~10 s, to get the same pipes: the override changes only this one)."""
    rule = build_ner_nlp(only=["extract_annotation_rates"], overrides={CONFIG + "add_names": True}).get_pipe(
        "extract_annotation_rates"
    )
    assert rule._add
    stage = get_ner_nlp()
    assert "extract_annotation_rates" in stage.pipe_names and "extract_linker" in stage.pipe_names
    doc = stage.make_doc(TEXT)
    for name, pipe in stage.pipeline:
        doc = (rule if name == "extract_annotation_rates" else pipe)(doc)
    ents = {e.text: (e.label_, e._.concept_id) for e in doc.ents}
    assert ents["platelet aggregation"] == ("DISEASE", "MESH:D001791")
