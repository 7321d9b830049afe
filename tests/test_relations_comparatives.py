"""The less-comparative veto (``extract.relations.comparatives``) on sentences of the judged trial abstracts, and the
shipped extractor dropping such an adverse-event row."""

from __future__ import annotations

import pytest

from extract.relations.comparatives import less_with_drug
from extract.relations.types import DRUG_ADVERSE_EVENT
from helpers import build_view, relation_pairs

C, D = "CHEMICAL", "DISEASE"
PRURITUS = (
    "Local injection-site reactions (redness, swelling, pruritus, and induration) were less frequent with "
    "Perlane than with Zyplast."
)
CASES = [
    # less with the drug itself
    (
        "However, the symptoms pruritus, urticaria, and angioedema occurred less frequently with fexofenadine.",
        {"fexofenadine": C, "pruritus": D, "urticaria": D, "angioedema": D},
        ("fexofenadine", "angioedema", True),
    ),
    (
        "However, bupivacaine combined with 2.5 microg sufentanil provided analgesia comparable to higher doses, "
        "with a lower incidence of nausea and vomiting and less severe pruritus.",
        {"bupivacaine": C, "sufentanil": C, "nausea": D, "vomiting": D},
        ("sufentanil", "vomiting", True),
    ),
    # the comparator arm had more
    (PRURITUS, {"perlane": C, "zyplast": C, "pruritus": D}, ("perlane", "pruritus", True)),
    (PRURITUS, {"perlane": C, "zyplast": C, "pruritus": D}, ("zyplast", "pruritus", False)),
    (
        "In clinical studies, tolterodine has been reported to be as effective as oxybutynin but to induce less "
        "dry mouth.",
        {"tolterodine": C, "oxybutynin": C, "dry mouth": D},
        ("oxybutynin", "dry mouth", False),
    ),
    # an effect written onto the drug, and an effect whose name says "decreased"
    (
        "Adding a low dose of oral ketamine to midazolam-based oral premedication reduced sevoflurane-related "
        "emergence agitation without delaying discharge.",
        {"ketamine": C, "midazolam": C, "sevoflurane": C, "agitation": D},
        ("sevoflurane", "agitation", False),
    ),
    (
        "TEAEs with an incidence of 5% or more in the combined LDX group were decreased appetite, insomnia, "
        "headache and irritability.",
        {"ldx": C, "headache": D, "insomnia": D},
        ("ldx", "headache", False),
    ),
]


@pytest.mark.parametrize("text,terms,expected", CASES)
def test_less_with_drug_on_trial_sentences(text, terms, expected):
    drug, disease, reads_less = expected
    view = build_view("cmp", text, terms)
    chem = next(e for e in view.entities if e.text.lower() == drug)
    dis = next(e for e in view.entities if e.text.lower() == disease)
    assert less_with_drug(view, chem, dis) is reads_less


def test_shipped_extractor_drops_the_less_row(extractor):
    # A sentence of the audit corpus that relations-0.13.0 without the veto reported as fexofenadine -> angioedema.
    text = (
        "However, the symptoms pruritus, urticaria, and angioedema occurred less frequently with fexofenadine (P<0.05)."
    )
    terms = {"fexofenadine": "CHEMICAL", "pruritus": "DISEASE", "urticaria": "DISEASE", "angioedema": "DISEASE"}
    pairs = relation_pairs(extractor.extract(build_view("cmp", text, terms)), DRUG_ADVERSE_EVENT)
    assert not {("fexofenadine", d) for d in ("pruritus", "urticaria", "angioedema")} & pairs
    text = "Angioedema occurred in three patients given fexofenadine."
    pairs = relation_pairs(extractor.extract(build_view("cmp2", text, terms)), DRUG_ADVERSE_EVENT)
    assert ("fexofenadine", "angioedema") in pairs
