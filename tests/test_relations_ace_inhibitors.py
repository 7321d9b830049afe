"""Trial literature's "angiotensin converting enzyme (ACE) inhibitors" is the drug class, not the peptide angiotensin:
through the real clean, NER and relation stages with the shipped models (PMID 12022909, an audit abstract; before,
its rows were headed by "Angiotensin" linked to Angiotensins, and every "ACE" could have become the class)."""

from __future__ import annotations

from extract.relations.types import DRUG_ADVERSE_EVENT
from extract.runner import run_texts
from helpers import needs_shipped, text_rows

ACE_INHIBITORS, ANGIOTENSINS = "MESH:D000806", "MESH:D000809"
TITLE = "ACE inhibitor-induced bronchial reactivity in patients with respiratory dysfunction."
TEXTS = {
    "review": (
        "Angiotensin-converting enzyme (ACE) inhibitors are often associated with an increased incidence of cough and "
        "bronchial responsiveness that may cause further deterioration of patients with impaired pulmonary function. To "
        "review the available literature on the incidence of cough and bronchial responsiveness associated with "
        "ACE-inhibitor therapy in patients with asthma, chronic obstructive pulmonary disease (COPD), and congestive "
        "heart failure (CHF). The literature reports several cases of increased bronchial responsiveness associated "
        "with ACE inhibitors. We measured serum ACE activity and the ACE genotype. Whether this cough is attributed to "
        "ACE inhibition or increased left-ventricular dysfunction remains uncertain."
    ),
}


@needs_shipped("ner", "relations")
def test_the_class_with_its_short_form_in_brackets_heads_the_rows():
    rows = [{**row, "format": "medline", "title": TITLE} for row in text_rows(TEXTS)]  # as the audit's MEDLINE file
    tables = run_texts(rows, stages=("clean", "ner", "relations"))
    entities = tables["entities"].to_pylist()
    widened = [e for e in entities if e["text"] == "Angiotensin-converting enzyme (ACE) inhibitors"]
    assert [(e["label"], e["method"], e["concept_id"]) for e in widened] == [("CHEMICAL", "drug_class", ACE_INHIBITORS)]
    # "ACE" names the enzyme: its short form is no drug where no class head follows ("ACE activity", "ACE genotype")
    text = tables["documents"].column("text")[0].as_py()
    for word in ("ACE activity", "ACE genotype"):
        at = text.index(word)
        assert not any(e["start"] <= at < e["end"] and e["label"] == "CHEMICAL" for e in entities), word
    relations = tables["relations"].to_pylist()
    assert not any(r["head_concept_id"] == ANGIOTENSINS for r in relations)
    assert any(
        r["type"] == DRUG_ADVERSE_EVENT
        and r["head_concept_id"] == ACE_INHIBITORS
        and r["tail_text"].lower() == "cough"
        and r["evidence"].startswith("Angiotensin-converting enzyme (ACE) inhibitors are often associated")
        for r in relations
    )
