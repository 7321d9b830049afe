"""Negation and uncertainty flags (component ``extract_context``)."""

from __future__ import annotations

import pytest
from spacy.language import Language

import extract.ner.postprocess  # noqa: F401  (registers the components)
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings

SAMPLES = get_settings().shared_dir / "samples" / "pages"


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = make_blank_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    terms = {
        "DISEASE": [
            "autoimmune disorder",
            "autoimmune disorders",
            "osteoporosis",
            "dystrophic calcification",
            "pulmonary embolism",
            "sepsis",
            "hypercalcemia",
            "seizures",
            "fever",
            "rash",
            "hepatotoxicity",
        ],
        "CHEMICAL": ["teriparatide", "warfarin"],
    }
    ruler.add_patterns([{"label": label, "pattern": t} for label, ts in terms.items() for t in ts])
    nlp.add_pipe("extract_context")
    return nlp


def _flags(nlp: Language, text: str) -> dict[str, tuple[bool, bool]]:
    return {e.text.lower(): (e._.negated, e._.uncertain) for e in nlp(text).ents}


def test_without_negates_only_its_entity(nlp: Language) -> None:
    flags = _flags(
        nlp,
        "We report a patient with severe osteoporosis and without a pre-existing autoimmune "
        "disorder, who developed symptomatic worsening of dystrophic calcification.",
    )
    assert flags["autoimmune disorder"] == (True, False)
    assert flags["osteoporosis"] == (False, False)
    assert flags["dystrophic calcification"] == (False, False)


@pytest.mark.parametrize(
    "text, term",
    [
        ("There was no fever.", "fever"),
        ("Hypercalcemia was not observed during treatment.", "hypercalcemia"),
        ("The patient denied rash.", "rash"),
        ("Absence of seizures was confirmed.", "seizures"),
    ],
)
def test_negated(nlp: Language, text: str, term: str) -> None:
    assert _flags(nlp, text)[term][0] is True


@pytest.mark.parametrize(
    "text, term",
    [
        ("Suspected pulmonary embolism was treated.", "pulmonary embolism"),
        ("Blood cultures were drawn to rule out sepsis.", "sepsis"),
        ("Teriparatide may cause hypercalcemia.", "hypercalcemia"),
        ("Pulmonary embolism cannot be excluded.", "pulmonary embolism"),
    ],
)
def test_uncertain(nlp: Language, text: str, term: str) -> None:
    negated, uncertain = _flags(nlp, text)[term]
    assert uncertain is True and negated is False


def test_pseudo_negation_and_termination(nlp: Language) -> None:
    assert _flags(nlp, "There was no increase in seizures.")["seizures"] == (False, False)
    flags = _flags(nlp, "No fever was reported, but rash developed.")
    assert flags["fever"][0] is True and flags["rash"][0] is False


def test_plain_mentions_are_affirmed(nlp: Language) -> None:
    flags = _flags(nlp, "Teriparatide induced hypercalcemia in a patient on warfarin.")
    assert all(value == (False, False) for value in flags.values())


def test_case_report_sample(nlp: Language) -> None:
    path = SAMPLES / "case_report_teriparatide.txt"
    if not path.exists():
        pytest.skip(f"sample {path} not available")
    doc = nlp(path.read_text())
    singular = [e for e in doc.ents if e.text.lower() == "autoimmune disorder"]
    assert singular and all(e._.negated for e in singular)
    plural = [e for e in doc.ents if e.text.lower() == "autoimmune disorders"]
    assert plural and not any(e._.negated for e in plural)
