"""Treatment rows whose disease is the treated people's condition, not what the drug treats
(``extract.relations.populations``; the relation audit's ``study_population`` error), through the real clean, NER and
relation stages with the shipped models."""

from __future__ import annotations

import pytest

from extract.relations.populations import population_start, population_treatments
from extract.relations.types import DRUG_TREATS_DISEASE
from extract.runner import run_texts
from helpers import build_view, needs_shipped, text_rows

pytestmark = needs_shipped("ner", "relations")

TEXTS = {
    # after audit titles (PMID 11815682, shortened; 8067552, reworded): the psychosis and the vomiting are treated,
    # Parkinson's disease and strabismus are who has them
    "olanzapine": "Olanzapine for the treatment of psychosis in patients with Parkinson's disease.",
    "ondansetron": "Ondansetron was effective in preventing postoperative vomiting in children with strabismus.",
    # the population is the indication: the only treated disease of the sentence keeps its row
    "sorafenib": "Sorafenib prolonged survival in patients with advanced hepatocellular carcinoma.",
    "lactulose": "Lactulose is effective in the treatment of hepatic encephalopathy in patients with cirrhosis.",
}


@pytest.fixture(scope="module")
def treatments() -> dict[str, set[tuple[str, str]]]:
    rows = text_rows(TEXTS)
    relations = run_texts(rows, stages=("clean", "ner", "relations"))["relations"]
    out: dict[str, set[tuple[str, str]]] = {key: set() for key in TEXTS}
    for r in relations.to_pylist():
        if r["type"] == DRUG_TREATS_DISEASE and not r["negated"]:
            out[r["doc_id"].removeprefix("test:")].add((r["head_text"].lower(), r["tail_text"].lower()))
    return out


@pytest.mark.parametrize(
    ("key", "kept", "dropped"),
    [
        ("olanzapine", ("olanzapine", "psychosis"), ("olanzapine", "parkinson's disease")),
        ("ondansetron", ("ondansetron", "postoperative vomiting"), ("ondansetron", "strabismus")),
        ("lactulose", ("lactulose", "hepatic encephalopathy"), ("lactulose", "cirrhosis")),
    ],
)
def test_the_treated_peoples_disease_is_not_a_treatment(treatments, key, kept, dropped):
    assert kept in treatments[key]
    assert dropped not in treatments[key]


def test_a_population_that_is_the_only_treated_disease_keeps_its_row(treatments):
    assert ("sorafenib", "advanced hepatocellular carcinoma") in treatments["sorafenib"] or (
        "sorafenib",
        "hepatocellular carcinoma",
    ) in treatments["sorafenib"]


@pytest.mark.parametrize(
    ("text", "disease", "phrase"),
    [
        ("Ondansetron prevented vomiting in children with strabismus.", "strabismus", "in children with "),
        (
            "Lisinopril was effective in high-risk patients, including those with diabetes mellitus.",
            "diabetes mellitus",
            "in high-risk patients, including those with ",
        ),
        ("Lisinopril lowered blood pressure in diabetes mellitus.", "diabetes mellitus", None),
    ],
)
def test_population_phrase_starts_at_the_nearest_preposition(text, disease, phrase):
    view = build_view("p", text, {disease: "DISEASE"})
    tail = next(e for e in view.entities if e.text.lower() == disease)
    start = population_start(view, tail)
    assert (None if start is None else text[start : tail.start]) == phrase


def test_no_row_is_dropped_without_an_indication_table():
    from extract.relations.types import RelationCandidate

    view = build_view(
        "p",
        "Olanzapine for the treatment of psychosis in patients with Parkinson's disease.",
        {"olanzapine": "CHEMICAL", "psychosis": "DISEASE", "parkinson's disease": "DISEASE"},
    )
    drug, psychosis, pd = view.entities
    rows = [RelationCandidate(DRUG_TREATS_DISEASE, drug, tail, 0, 0.9, method="model") for tail in (psychosis, pd)]
    assert population_treatments(view, rows, None) == set()
    # with a table that knows olanzapine -> psychosis and not -> Parkinson's disease, the population's row goes
    known = {("olanzapine", "psychosis")}
    assert population_treatments(view, rows, lambda d, t: (d, t) in known) == {id(rows[1])}
