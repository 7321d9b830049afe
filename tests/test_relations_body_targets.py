"""A chemical named as a receptor, channel, transporter or pathway of the body is no drug of a drug -> disease row
(``extract.relations.body_targets``), on real text through the shipped pipeline."""

from __future__ import annotations

import pytest

import extract
from extract.relations.body_targets import names_a_body_target
from extract.relations.types import DocumentView, EntityView, SentenceView
from helpers import needs_shipped

# Sentences of trial reports (the ninth judged draw's bodies and an eighth-draw body); relations-0.14.0 alone makes
# "opioid" the drug of nausea and vomiting, "prostaglandin" the drug of hyperkalemia, "estrogen" the drug that treats
# tumors.
OPIOID = (
    "Fentanyl belongs to the same group of opioids as phenyl piperidine; it is a potent short-acting opioid that "
    "affects different opioid receptors and may have dose-related side effects such as respiratory depression, "
    "pruritis and nausea and vomiting."
)
PROSTAGLANDIN = (
    "Moreover, inhibition of prostaglandin biosynthesis is directly related to many common and occasionally severe "
    "side effects including gastrointestinal bleeding, hypertension, congestive heart failure, hyperkalemia, and "
    "renal insufficiency."
)
BIOSYNTHESIS = (
    "Aromatase is the key enzyme responsible for estrogen biosynthesis and is present in about 70% of tumors."
)
RECEPTOR_POSITIVE = (
    "Although both tamoxifen and aromatase inhibitors have been shown to improve survival in estrogen "
    "receptor-positive breast cancer, the disease will recur in some patients."
)


@pytest.fixture(scope="module")
def nlp():
    return extract.load()


@needs_shipped("ner", "linker", "relations")
@pytest.mark.parametrize(
    "text,chemical", [(OPIOID, "opioid"), (PROSTAGLANDIN, "prostaglandin"), (BIOSYNTHESIS, "estrogen")]
)
def test_a_body_target_heads_no_drug_row(nlp, text, chemical):
    result = nlp.annotate(text)
    assert [e for e in result.entities if e["label"] == "CHEMICAL" and e["text"].lower() == chemical], (
        "the NER stage tags the target's ligand"
    )
    assert not [r for r in result.relations if r["head_text"].lower() == chemical]
    assert not [r for r in result.document_relations if r["head_text"].lower() == chemical]


@needs_shipped("ner", "linker", "relations")
def test_the_drug_beside_the_target_keeps_its_rows(nlp):
    rows = nlp.annotate(RECEPTOR_POSITIVE).relations
    assert ("tamoxifen", "breast cancer", "drug_treats_disease") in {
        (r["head_text"], r["tail_text"], r["type"]) for r in rows
    }
    assert not [r for r in rows if r["head_text"] == "estrogen"]


def _view(text: str, chemical: str) -> tuple[DocumentView, EntityView]:
    start = text.index(chemical)
    entity = EntityView("e0", start, start + len(chemical), chemical, "CHEMICAL", 0)
    return DocumentView("d", text, [SentenceView(0, 0, len(text), "abstract")], [entity]), entity


@pytest.mark.parametrize(
    "text,chemical,target",
    [
        ("Dopamine transporter gene moderates response in children with ADHD.", "Dopamine", True),
        ("Blockade of potassium channels, and torsade de pointes from it.", "potassium", True),
        ("The NO-signalling pathway is an interesting target in heart failure.", "NO", True),
        # a drug acting on the target is the drug the mention begins
        ("Angiotensin II receptor subtype-1 antagonists caused angioedema.", "Angiotensin II", False),
        ("Calcium channel-blocking agents may prevent new coronary lesions.", "Calcium", False),
        ("Selective estrogen receptor modulators prevent osteoporosis.", "estrogen", False),
        # a delivery system is the drug's
        ("Transdermal fentanyl system plus ketorolac for the treatment of postoperative pain.", "fentanyl", False),
        ("Fentanyl caused nausea in two receptors of the grant.", "Fentanyl", False),
    ],
)
def test_names_a_body_target(text, chemical, target):
    assert names_a_body_target(*_view(text, chemical)) is target
