"""A drug's arm counted with *more* of a condition than its comparator states no treatment
(``extract.relations.comparatives.more_with_drug``): the pattern on built views, and the real clean, NER and relation
stages with the shipped models on a trial report's sentence (tenth draw, PMID 23078958)."""

from __future__ import annotations

import pytest

from extract.relations.comparatives import more_with_drug
from extract.relations.types import DRUG_TREATS_DISEASE
from extract.runner import run_texts
from helpers import needs_shipped, pair_view, text_rows

C, D = "CHEMICAL", "DISEASE"


@pytest.mark.parametrize(
    ("text", "terms", "drug", "disease", "expected"),
    [
        (
            "Significantly more patients assigned erlotinib had diarrhoea of grade 3–4 than did those assigned placebo.",
            {"erlotinib": C, "diarrhoea": D, "placebo": C},
            "erlotinib",
            "diarrhoea",
            True,
        ),
        (
            "More patients who received 10 microg sufentanil reported nausea and vomiting than did control patients.",
            {"sufentanil": C, "nausea": D, "vomiting": D},
            "sufentanil",
            "nausea",
            True,
        ),
        # an outcome reached, not a condition had
        (
            "More patients receiving eletriptan 80 mg achieved a 1-hour headache response than did patients receiving "
            "sumatriptan 50 mg.",
            {"eletriptan": C, "sumatriptan": C, "headache": D},
            "eletriptan",
            "headache",
            False,
        ),
        # no comparator, or the drug is not the arm counted
        (
            "More patients assigned erlotinib had rash at any time.",
            {"erlotinib": C, "rash": D},
            "erlotinib",
            "rash",
            False,
        ),
        (
            "Erlotinib was given to more patients with rash than placebo.",
            {"erlotinib": C, "rash": D, "placebo": C},
            "erlotinib",
            "rash",
            False,
        ),
    ],
)
def test_more_with_drug(text, terms, drug, disease, expected):
    assert more_with_drug(*pair_view(text, terms, drug, disease)) is expected


TEXTS = {
    "rash": (
        "More patients assigned erlotinib had rash at any time and of any grade than did those assigned placebo (56% "
        "[188 of 334] vs 15% [46 of 313] p<0·0001). 21% (69 of 334) of patients assigned erlotinib had diarrhoea of "
        "grade 1–2 versus 8% (24 of 313) for placebo (p<0·0001), and rash and diarrhoea mainly occurred within the "
        "first month of treatment."
    ),
}


@needs_shipped("ner", "relations")
def test_the_arm_with_more_rash_is_not_treated_for_it():
    relations = run_texts(text_rows(TEXTS), stages=("clean", "ner", "relations"))["relations"].to_pylist()
    treated = {
        (r["head_text"].lower(), r["tail_text"].lower())
        for r in relations
        if r["type"] == DRUG_TREATS_DISEASE and not r["negated"]
    }
    assert ("erlotinib", "rash") not in treated
