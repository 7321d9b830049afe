"""Conditions a sentence says were treated with a drug ("Hypotension was treated with ephedrine") are treatments,
not adverse events (``extract.relations.passive_treatments``): the pattern on built views, and the real clean, NER and
relation stages with the shipped models."""

from __future__ import annotations

import pytest

from extract.relations.passive_treatments import passive_treatments
from extract.relations.types import DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE
from extract.runner import run_texts
from helpers import build_view, needs_shipped, text_rows

C, D = "CHEMICAL", "DISEASE"


def _pairs(text: str, terms: dict[str, str]) -> set[tuple[str, str]]:
    return {(d.text.lower(), c.text.lower()) for d, c in passive_treatments(build_view("p", text, terms))}


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        (
            "Hypotension was treated with ephedrine 6 mg.",
            {"hypotension": D, "ephedrine": C},
            {("ephedrine", "hypotension")},
        ),
        (
            "Nausea and vomiting were treated with metoclopramide.",
            {"nausea": D, "vomiting": D, "metoclopramide": C},
            {("metoclopramide", "nausea"), ("metoclopramide", "vomiting")},
        ),
        # a route and a dose before the drug; two drugs of one treatment
        (
            "Respiratory depression was treated with intravenous naloxone and oxygen.",
            {"respiratory depression": D, "naloxone": C, "oxygen": C},
            {("naloxone", "respiratory depression"), ("oxygen", "respiratory depression")},
        ),
        # an elliptic second clause gives its own condition its own drug
        (
            "Pruritus was treated with naloxone and nausea with ondansetron.",
            {"pruritus": D, "nausea": D, "naloxone": C, "ondansetron": C},
            {("naloxone", "pruritus"), ("ondansetron", "nausea")},
        ),
        # a bracketed definition between the condition and its verb
        (
            "Bradycardia (HR < 50/min) was treated with atropine 0.6 mg IV.",
            {"bradycardia": D, "atropine": C},
            {("atropine", "bradycardia")},
        ),
        # the people with the condition were given the drug (tenth draw, PMID 28889155), or treated for it with the
        # drug (seventh draw, PMID 22249480)
        (
            "The patients experiencing nausea and/or vomiting were administered metoclopramide at a dose of 0.15 mg/kg.",
            {"nausea": D, "vomiting": D, "metoclopramide": C},
            {("metoclopramide", "nausea"), ("metoclopramide", "vomiting")},
        ),
        (
            "Patients with hypertension were given amlodipine.",
            {"hypertension": D, "amlodipine": C},
            {("amlodipine", "hypertension")},
        ),
        (
            "Ten patients in the ILMA group were treated for hypertension with i.v. nitroglycerin.",
            {"hypertension": D, "nitroglycerin": C},
            {("nitroglycerin", "hypertension")},
        ),
        # not the construction: the drug is far from "with", or the people were not given it for the condition
        (
            "Patients with hypertension were then given a diet and amlodipine.",
            {"hypertension": D, "amlodipine": C},
            set(),
        ),
        # the chemical only begins a word: "lipid-lowering medications" (ninth draw)
        (
            "69% of those with hyperlipidemia were prescribed lipid-lowering medications.",
            {"hyperlipidemia": D, "lipid": C},
            set(),
        ),
        (
            "Patients treated for hypertension developed cough with enalapril.",
            {"hypertension": D, "cough": D, "enalapril": C},
            set(),
        ),
        (
            "Hypotension was treated with fluids, and if it persisted after 10 minutes of observation, ephedrine.",
            {"hypotension": D, "ephedrine": C},
            set(),
        ),
        ("Hypotension was not treated with ephedrine.", {"hypotension": D, "ephedrine": C}, set()),
        # "requiring" the drug; fluids given with it
        (
            "Respiratory depression requiring naloxone treatment developed in two patients.",
            {"respiratory depression": D, "naloxone": C},
            {("naloxone", "respiratory depression")},
        ),
        (
            "Hypotension was managed with intravenous fluids and ephedrine.",
            {"hypotension": D, "ephedrine": C},
            {("ephedrine", "hypotension")},
        ),
        # the patients require it, not a condition
        ("Patients requiring insulin were excluded.", {"insulin": C}, set()),
        # case-report titles: no auxiliary, but an adverb or a verb that says the drug worked
        (
            "Eosinophilic peritonitis responding to treatment with glycyrrhizin.",
            {"eosinophilic peritonitis": D, "glycyrrhizin": C},
            {("glycyrrhizin", "eosinophilic peritonitis")},
        ),
        (
            "Capecitabine-induced headache responding to diltiazem.",
            {"capecitabine": C, "headache": D, "diltiazem": C},
            {("diltiazem", "headache")},
        ),
        (
            "Tardive dystonia successfully treated with clozapine.",
            {"tardive dystonia": D, "clozapine": C},
            {("clozapine", "tardive dystonia")},
        ),
        (
            "Gastrointestinal haemorrhage necessitated the use of misoprostol.",
            {"gastrointestinal haemorrhage": D, "misoprostol": C},
            {("misoprostol", "gastrointestinal haemorrhage")},
        ),
        # the classic adverse-event title, and a condition that resolved when the drug was stopped
        ("Hepatitis in a patient treated with isoniazid.", {"hepatitis": D, "isoniazid": C}, set()),
        ("Seizures were controlled by withdrawal of phenytoin.", {"seizures": D, "phenytoin": C}, set()),
        # which drug treats which condition is another list's ("respectively")
        (
            "Morphine caused oversedation and nausea, requiring naloxone and antiemetic therapy, respectively.",
            {"morphine": C, "oversedation": D, "nausea": D, "naloxone": C, "antiemetic": C},
            set(),
        ),
    ],
)
def test_passive_treatment_pairs(text, terms, expected):
    assert _pairs(text, terms) == expected


TEXTS = {
    # seventh draw (PMID 28249614): the joint model alone reads metoclopramide's adverse events here
    "metoclopramide": "Nausea and vomiting were treated with metoclopramide.",
    "ephedrine": "Hypotension was treated with ephedrine 6 mg.",
    # ADE corpus, a sentence without an adverse effect: the joint model reads glycyrrhizin's adverse event here
    "glycyrrhizin": "Eosinophilic peritonitis responding to treatment with glycyrrhizin.",
}


@needs_shipped("ner", "relations")
def test_the_pipeline_states_the_treatment_and_no_adverse_event():
    relations = run_texts(text_rows(TEXTS), stages=("clean", "ner", "relations"))["relations"].to_pylist()
    rows = {
        (r["doc_id"].removeprefix("test:"), r["type"], r["head_text"].lower(), r["tail_text"].lower())
        for r in relations
    }
    for tail in ("nausea", "vomiting"):
        assert ("metoclopramide", DRUG_TREATS_DISEASE, "metoclopramide", tail) in rows
        assert ("metoclopramide", DRUG_ADVERSE_EVENT, "metoclopramide", tail) not in rows
    assert ("ephedrine", DRUG_TREATS_DISEASE, "ephedrine", "hypotension") in rows
    assert ("glycyrrhizin", DRUG_TREATS_DISEASE, "glycyrrhizin", "peritonitis") in rows
