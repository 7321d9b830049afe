"""Sentences that state no relation between their drugs and conditions give no relation rows (issue 14): eligibility
criteria and figure / table captions (``extract.relations.withheld_sentences``, cues in
``data/withheld_sentences/cues.json``).

A QA of 30 PMC full texts judged 20 adverse-event rows; two of the six wrong ones came from such sentences, and both
documents go through the real stages here (ingest, clean, NER + linking, the shipped relation model; Parquet and the
``runs`` table read back):

* PMID 20464583 (frovatriptan vs zolmitriptan): "Individuals with ... currently using ergotamine ... or
  MAO-inhibitors, or suffering from headaches that have been lasting for >6 days, were excluded as well." gave
  MAO-inhibitors -> headaches;
* PMID 23351337 (cassia fistula emulsion vs mineral oil): the plain text keeps the figure legend "A: Defecation
  frequency, B: Fecal incontinence ... in the two treatment groups of cassia fistula emulsion and mineral oil ..."
  as a sentence, which gave mineral oil -> Fecal incontinence.  The ordinary adverse-event sentence of the same
  article, "Lipoid pneumonia may occur rarely because of MO aspiration.", must still give its row.
* PMID 21165295 (probiotics for antibiotic-associated diarrhoea): its exclusion list states "diarrhea caused by
  carcinoid", a disease -> manifestation row that eligibility criteria keep (only drug rows are withheld there).
* PMID 25302624 (certolizumab pegol dosing in rheumatoid arthritis): its abbreviation list "ACR = American College of
  Rheumatology; ...; MTX = methotrexate; RA = rheumatoid arthritis; CZP = certolizumab pegol; ..." gave eight treatment
  rows (a glossary), while its title still states certolizumab pegol -> rheumatoid arthritis.

A PMC (JATS) article, written here in the style of a trial report, has its captions as sections of their own
(``figure: <label>``) and a body section headed "Exclusion criteria": neither gives a row, while its Results
sentence and a case sentence where "excluded" is about other causes keep theirs.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest

from extract import stages, store
from extract.relations.withheld_sentences import CUES, sentence_kind
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

FULLTEXT = get_settings().shared_dir / "unlabeled" / "evidence_inference" / "fulltext.txt.gz"
#: evidence_inference full texts (one line each, PMC open access) by PMID
PMIDS = ("20464583", "23351337", "21165295", "25302624")
BATCH = "b1"

JATS = """<?xml version="1.0" encoding="UTF-8"?>
<article article-type="research-article">
<front><journal-meta><journal-title-group><journal-title>Diabetes Therapy</journal-title></journal-title-group>
</journal-meta>
<article-meta><article-id pub-id-type="pmid">90000101</article-id>
<title-group><article-title>Insulin glargine versus NPH insulin in adults with type 2 diabetes</article-title>
</title-group>
<abstract><p>Insulin glargine was compared with NPH insulin in 120 adults with type 2 diabetes treated for 24 weeks.</p>
</abstract>
</article-meta></front>
<body>
<sec><title>Methods</title>
<sec><title>Exclusion criteria</title>
<p>Current use of oral corticosteroids for asthma or rheumatoid arthritis. Treatment with metformin for polycystic
ovary syndrome.</p>
</sec></sec>
<sec><title>Results</title>
<p>Severe hypoglycaemia occurred in four patients treated with NPH insulin and in one patient treated with insulin
glargine. After other causes were excluded, amoxicillin-induced hepatitis was diagnosed in one patient.</p>
<fig id="F1"><label>Figure 1</label><caption><p>Kaplan-Meier estimate of the time to first severe hypoglycaemia in
patients treated with insulin glargine or NPH insulin.</p></caption></fig>
<fig id="F2"><label>Figure 2</label><caption><p>Incidence of bradycardia and hypotension after rapid administration of
dexmedetomidine in the three study groups.</p></caption></fig>
</sec>
</body>
</article>
"""


def _fulltexts() -> dict[str, str]:
    out = {}
    with gzip.open(FULLTEXT, "rt", encoding="utf-8") as fh:
        for line in fh:
            pmid, text = line.rstrip("\n").split("\t", 1)
            if pmid in PMIDS:
                out[pmid] = text
    assert set(out) == set(PMIDS)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """One batch through every stage; each table read back, the relations stage's ``runs.detail``."""
    root = tmp_path_factory.mktemp("withheld")
    inputs, out = root / "in", root / "out"
    inputs.mkdir()
    for pmid, text in _fulltexts().items():
        (inputs / f"ei_{pmid}.txt").write_text(text + "\n", encoding="utf-8")
    (inputs / "glargine.nxml").write_text(JATS, encoding="utf-8")
    stages.ingest_batch([str(inputs)], out, BATCH)
    for stage in ("clean", "ner", "relations"):
        started = datetime.now()
        outcome = stages.run_chunked(stage, out, BATCH)
        stages.record_run(out, "r1", outcome, started)
    tables = {t: store.read_partition(out, t, BATCH).to_pylist() for t in ("documents", "sentences", "entities")}
    tables |= {t: store.read_partition(out, t, BATCH).to_pylist() for t in ("relations", "document_relations")}
    (run_row,) = [r for r in store.read_partition(out, "runs", BATCH).to_pylist() if r["stage"] == "relations"]
    doc_of = {d["source"].rsplit("/", 1)[-1].split(".")[0]: d["doc_id"] for d in tables["documents"]}
    return {**tables, "detail": json.loads(run_row["detail"]), "doc_of": doc_of}


def _rows(run: dict, name: str, rel_type: str, head: str, tail: str) -> list[dict]:
    doc_id = run["doc_of"][name]
    return [
        r
        for r in run["relations"]
        if r["doc_id"] == doc_id
        and r["type"] == rel_type
        and r["head_text"].lower() == head
        and r["tail_text"].lower() == tail
    ]


def _section_of(run: dict, row: dict) -> str:
    return next(
        s["section"]
        for s in run["sentences"]
        if s["doc_id"] == row["doc_id"] and s["sentence_index"] == row["sentence_index"]
    )


def test_an_exclusion_criterion_gives_no_adverse_event(run):
    assert not _rows(run, "ei_20464583", "drug_adverse_event", "mao-inhibitors", "headaches")
    # the mentions stay in entities: only the relation stage leaves them unpaired
    doc_id = run["doc_of"]["ei_20464583"]
    assert any(e["doc_id"] == doc_id and e["text"] == "MAO-inhibitors" for e in run["entities"])


def test_a_figure_legend_in_plain_text_gives_no_row_and_an_adverse_event_sentence_keeps_its_row(run):
    assert not _rows(run, "ei_23351337", "drug_adverse_event", "mineral oil", "fecal incontinence")
    (row,) = _rows(run, "ei_23351337", "drug_adverse_event", "mo", "lipoid pneumonia")
    assert row["evidence"] == "Lipoid pneumonia may occur rarely because of MO aspiration." and not row["negated"]


def test_an_eligibility_criterion_keeps_a_condition_described_by_another(run):
    (row,) = _rows(run, "ei_21165295", "disease_manifestation", "carcinoid", "diarrhea")
    assert row["evidence"].startswith("The following patients were excluded from the study")


def test_pmc_captions_and_a_criteria_section_give_no_rows(run):
    doc_id = run["doc_of"]["glargine"]
    rows = [r for r in run["relations"] if r["doc_id"] == doc_id]
    sections = {_section_of(run, r) for r in rows}
    assert not any(s.startswith(("figure:", "table:")) or s.endswith("Exclusion criteria") for s in sections), sections
    assert not any(r["head_text"] in ("dexmedetomidine", "metformin") for r in rows)
    assert not any(
        r["doc_id"] == doc_id and r["head_text"] in ("dexmedetomidine", "metformin") for r in run["document_relations"]
    )
    # the Results sentence keeps its adverse events; "excluded" about other causes is no eligibility criterion
    results = {(r["head_text"].lower(), r["tail_text"].lower()) for r in rows if r["type"] == "drug_adverse_event"}
    assert ("insulin glargine", "hypoglycaemia") in results
    assert ("amoxicillin", "hepatitis") in results


def test_runs_detail_counts_the_sentences_and_the_rows_withheld(run):
    detail = run["detail"]
    assert detail["eligibility_sentences"] >= 4 and detail["caption_sentences"] >= 4, detail
    # the QA's two rows, the two captions' and the criteria section's rows at least
    assert detail["eligibility_rows"] >= 2 and detail["caption_rows"] >= 4, detail
    n_rows = sum(detail.get(t, 0) for t in ("drug_adverse_event", "drug_treats_disease", "disease_manifestation"))
    assert n_rows == len(run["relations"])


def test_an_abbreviation_list_gives_no_row_and_the_title_keeps_its_treatment(run):
    doc_id = run["doc_of"]["ei_25302624"]
    glossary = [r for r in run["relations"] if r["doc_id"] == doc_id and "MTX = methotrexate;" in r["evidence"]]
    assert glossary == []
    assert _rows(run, "ei_25302624", "drug_treats_disease", "certolizumab pegol", "rheumatoid arthritis")
    assert run["detail"]["glossary_sentences"] >= 1 and run["detail"]["glossary_rows"] >= 4, run["detail"]


def test_a_glossary_item_that_defines_an_adverse_event_keeps_its_row():
    """ "INH-DILI, drug-induced liver injury associated with isoniazid" states the pair within one item of the list."""
    text = (
        "Abbreviations: PGx, genotype-guided treatment; STD, conventional standard treatment; INH-DILI, drug-induced "
        "liver injury associated with isoniazid; MTX, methotrexate; RA, rheumatoid arthritis."
    )
    rows = run_texts([{"text": text, "pmid": "91000001"}])["relations"].to_pylist()
    pairs = {(r["head_text"].lower(), r["tail_text"].lower(), r["type"]) for r in rows if not r["negated"]}
    assert ("isoniazid", "drug-induced liver injury", "drug_adverse_event") in pairs
    assert not any(tail in ("ra", "rheumatoid arthritis") for _, tail, _ in pairs)


def test_every_cue_finds_its_example():
    data = json.loads(Path(CUES).read_text(encoding="utf-8"))
    for kind in ("eligibility", "caption", "glossary"):
        for cue in data[kind]["sentence"]:
            assert sentence_kind(cue["example"], "abstract") == (kind, len(cue["example"])), cue["name"]
        for cue in data[kind].get("veto", []):
            assert sentence_kind(cue["example"], "abstract") is None, cue["name"]
        for cue in data[kind]["section"]:
            assert sentence_kind("Aspirin was given.", cue["example"])[0] == kind, cue["name"]
    assert sentence_kind("Figure 1 shows the trial profile.", "abstract") is None
    assert sentence_kind("All patients meeting the inclusion criteria were randomized to lithium.", "abstract") is None
    # a dose list is no glossary (its drug names hold no capital), nor a sentence with clauses separated by ";"
    assert (
        sentence_kind("Patients received cisplatin, 75 mg/m2; docetaxel, 75 mg/m2; and prednisone, 5 mg.", "abstract")
        is None
    )
    assert sentence_kind("In group A, nausea was common; in group B, rare; in group C, absent.", "abstract") is None
