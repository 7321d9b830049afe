"""Drug-class widening (``extract_drug_classes``) on model-style CHEMICAL spans."""

from spacy.tokens import Span

from extract.ner.drug_classes import DrugClassExtender
from extract.nlp.tokenizer import make_blank_nlp


def _doc_with(text: str, mentions: list[tuple[str, str]]):
    nlp = make_blank_nlp()
    doc = nlp.make_doc(text)
    ents = []
    for mention, label in mentions:
        start = text.index(mention)
        ents.append(doc.char_span(start, start + len(mention), label=label))
    doc.ents = ents
    return DrugClassExtender(nlp)(doc)


def test_chemical_widened_over_class_head():
    doc = _doc_with(
        "benefit from minocycline, warfarin, calcium channel blockers and dopamine antagonists in calcinosis",
        [
            ("minocycline", "CHEMICAL"),
            ("warfarin", "CHEMICAL"),
            ("calcium", "CHEMICAL"),
            ("dopamine", "CHEMICAL"),
            ("calcinosis", "DISEASE"),
        ],
    )
    got = [(e.text, e.label_, e._.method) for e in doc.ents]
    assert ("calcium channel blockers", "CHEMICAL", "drug_class") in got
    assert ("dopamine antagonists", "CHEMICAL", "drug_class") in got
    assert ("minocycline", "CHEMICAL", "model") in got and ("calcinosis", "DISEASE", "model") in got


def test_no_widening_without_head_or_for_diseases():
    doc = _doc_with(
        "calcium channel function in hypertension receptor blockers",
        [("calcium", "CHEMICAL"), ("hypertension", "DISEASE")],
    )
    assert [e.text for e in doc.ents] == ["calcium", "hypertension"]
    assert isinstance(doc.ents[0], Span)
