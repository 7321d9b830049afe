"""Drug-class widening (``extract_drug_classes``) on model-style CHEMICAL spans."""

from spacy.tokens import Span

from extract.ner.drug_classes import DrugClassExtender
from extract.nlp.tokenizer import make_blank_nlp
from helpers import doc_with_entities


def _doc_with(text: str, mentions: list[tuple[str, str]]):
    return DrugClassExtender(make_blank_nlp())(doc_with_entities(text, mentions))


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


def test_converting_enzyme_inhibitors_and_donors_are_the_class():
    doc = _doc_with(
        "spironolactone added to an angiotensin-converting enzyme inhibitor; headache after a nitric oxide donor",
        [
            ("spironolactone", "CHEMICAL"),
            ("angiotensin", "CHEMICAL"),
            ("headache", "DISEASE"),
            ("nitric oxide", "CHEMICAL"),
        ],
    )
    got = [(e.text, e._.method) for e in doc.ents]
    assert ("angiotensin-converting enzyme inhibitor", "drug_class") in got
    assert ("nitric oxide donor", "drug_class") in got
    assert ("spironolactone", "model") in got


def test_a_bracketed_short_form_before_the_head_is_part_of_the_class():
    doc = _doc_with(
        "angiotensin converting enzyme (ACE) inhibitors for hypertension; calcium (Ca) levels; calcium (ca) blockers",
        [("angiotensin", "CHEMICAL"), ("hypertension", "DISEASE"), ("calcium", "CHEMICAL"), ("calcium", "CHEMICAL", 1)],
    )
    got = [(e.text, e._.method) for e in doc.ents]
    assert ("angiotensin converting enzyme (ACE) inhibitors", "drug_class") in got
    # no class head after the bracket; a lower-case bracket is no short form
    assert [t for t, m in got if t == "calcium"] == ["calcium", "calcium"]


def test_hyphens_do_not_count_as_modifiers_and_angiotensin_ii_takes_its_receptor_class():
    doc = _doc_with(
        "angiotensin-converting-enzyme inhibitors; the angiotensin-converting enzyme (ACE)-inhibitor perindopril; "
        "angiotensin II receptor blockers",
        [
            ("angiotensin", "CHEMICAL"),
            ("angiotensin", "CHEMICAL", 1),
            ("perindopril", "CHEMICAL"),
            ("angiotensin", "CHEMICAL", 2),
        ],
    )
    got = [e.text for e in doc.ents if e._.method == "drug_class"]
    assert got == [
        "angiotensin-converting-enzyme inhibitors",
        "angiotensin-converting enzyme (ACE)-inhibitor",
        "angiotensin II receptor blockers",
    ]


def test_a_short_form_entity_in_the_bracket_stops_the_widening():
    doc = _doc_with("dopamine (DA) antagonists", [("dopamine", "CHEMICAL"), ("DA", "CHEMICAL")])
    assert [e.text for e in doc.ents] == ["dopamine", "DA"]


def test_the_stage_links_the_widened_class_to_its_mesh_class():
    """Through the real NER stage pipeline: the class, not the enzyme's substrate, is the drug an analyst reads
    ("angiotensin" → CHF as a treatment was a judged error of the audit)."""
    from extract.ner.pipeline import get_ner_nlp

    doc = get_ner_nlp()(
        "Effectiveness of spironolactone added to an angiotensin-converting enzyme inhibitor and a loop diuretic "
        "for severe chronic congestive heart failure. Headache induced by a nitric oxide donor (nitroglycerin). "
        "Angiotensin converting enzyme (ACE) inhibitors are used for hypertension."
    )
    ents = {e.text: e for e in doc.ents}
    assert "angiotensin" not in ents and "nitric oxide" not in ents
    assert ents["angiotensin-converting enzyme inhibitor"]._.concept_id == "MESH:D000806"
    assert ents["nitric oxide donor"]._.concept_id == "MESH:D020030"
    assert ents["Angiotensin converting enzyme (ACE) inhibitors"]._.concept_id == "MESH:D000806"


def test_a_drug_name_repeated_before_a_class_head_is_the_class():
    """The widening runs after the document's drug names are repeated (``extract_label_consistency``): the model's
    "angiotensin" of the first classes recurs before "II receptor blockers", a class of its own (PMID 23915518, a
    trial report of the audit runs, whose second class was left untagged)."""
    from extract.ner.pipeline import get_ner_nlp

    doc = get_ner_nlp()(
        "Risk of hyperkalemia in patients with moderate chronic kidney disease initiating angiotensin converting "
        "enzyme inhibitors or angiotensin receptor blockers: a randomized study Angiotensin-converting enzyme "
        "inhibitors and angiotensin II receptor blockers are renoprotective but both may increase serum potassium "
        "concentrations in patients with chronic kidney disease (CKD)."
    )
    classes = {(e.text, e._.concept_id) for e in doc.ents if e._.method == "drug_class"}
    assert ("angiotensin II receptor blockers", "MESH:D057911") in classes
    assert not [e.text for e in doc.ents if e.text.lower() == "angiotensin"]
