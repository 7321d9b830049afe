"""Pairs made only across sentences (``document_relations.cross_sentence``): their negation, how ``concept_pairs``
counts and ranks them, and how the report shows them, on real pipeline output read back.

Six abstracts of the shared drug-review set go through the real stages (MEDLINE ingest, clean, NER + linking, the
shipped relation model), are written as an output folder and summarized; the report is opened in headless Chromium.
Four state no adverse event in a sentence that names the drug, and deny the event in a sentence of its own ("There
was no evidence of haemolysis", "No patient had any episode of hypotension"): the pair made across sentences is
negated.  Two give adverse-event pairs made only across sentences that an analyst judged wrong (metoprolol and the
complications of the infarction it treats, pregabalin and fibromyalgia, its indication): the report lists them
apart from the pairs a sentence states and counts them for no drug.  For the ranking, two of the abstracts are in
again under another PMID, and a made-up case report states metoprolol -> atrioventricular block in one sentence: that
pair has three documents, one stating it, and ranks below nicardipine -> tachycardia, stated in two.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.sax.saxutils import escape

import pytest

from extract import store
from extract.ingest import ingest_paths
from extract.reporting.concept_pairs import read_concept_pairs, summarize
from extract.reporting.document import write_document
from extract.reporting.html import write_report
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir
from test_reporting import DevTools, _chromium_binary, _section_rows

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

ABSTRACTS = [
    get_settings().shared_dir / "unlabeled" / name / "abstracts.txt.gz"
    for name in ("sysrev_drug_reviews", "ebmnlp_rct_abstracts")
]
BATCH = "qa"
TABLES = ("raw_documents", "documents", "sentences", "entities", "relations", "document_relations", "rejects")

#: PMID -> (drug, event) of a pair an abstract makes only across sentences while a sentence of its own denies the
#: event (the fifteenth session's analyst QA, defect 2).
NEGATED = {
    "6734073": ("glycerol", "haemolysis"),  # "There was no evidence of haemolysis or other toxic effect ..."
    "12209278": ("nicardipine", "hypotension"),  # "No patient had any episode of hypotension."
    "8585252": ("midazolam", "hypoxia"),  # "... safe without added risk of hypoxia."
    "10855462": ("clozapine", "seizure"),  # "... no case of seizure induction has been reported so far"
}
#: PMID -> (drug, event) of an asserted adverse-event pair made only across sentences, judged wrong in the QA.
ACROSS_ONLY = {
    "8162238": ("metoprolol", "hypotension"),  # complications of the myocardial infarction metoprolol is given for
    "11572665": ("pregabalin", "fibromyalgia"),  # an indication filing
}

#: Documents added for the ranking: PMID -> the PMID whose abstract it repeats, or (title, abstract) of its own.
EXTRA: dict[str, str | tuple[str, str]] = {
    "90000001": "12209278",  # nicardipine -> tachycardia, stated in one sentence: two documents
    "90000002": "8162238",  # metoprolol -> atrioventricular block, only across sentences: two documents
    "90000003": (
        "Metoprolol-induced complete atrioventricular block.",
        "A 74-year-old woman developed metoprolol-induced complete atrioventricular block. The block resolved when "
        "metoprolol was withdrawn.",
    ),
}

_TITLE_END = re.compile(r"[.?!](?=\s+[\[(\"'A-Z0-9])")


def _title_and_abstract(text: str) -> tuple[str, str]:
    """The abstracts file holds "title abstract" on one line: the title is the first sentence (a bracketed
    translated title whole)."""
    text = text.strip()
    if text.startswith("["):
        end = text.index("]") + 1
        end += text[end : end + 1] == "."
        return text[:end], text[end:].strip()
    cut = _TITLE_END.search(text)
    return text[: cut.end()], text[cut.end() :].strip()


def _medline(path: Path, pmids: list[str], extra: dict[str, str | tuple[str, str]]) -> None:
    found: dict[str, tuple[str, str]] = {}
    for source in ABSTRACTS:
        if not source.exists():
            pytest.skip(f"{source} is not in the shared data")
        with gzip.open(source, "rt", encoding="utf-8") as fh:
            for line in fh:
                pmid, _, text = line.rstrip("\n").partition("\t")
                if pmid in pmids and pmid not in found:
                    found[pmid] = _title_and_abstract(text)
    assert sorted(found) == sorted(pmids)
    for pmid, copied in extra.items():
        found[pmid] = found[copied] if isinstance(copied, str) else copied
    pmids = [*pmids, *extra]
    citations = "".join(
        f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article><ArticleTitle>{escape(title)}'
        f"</ArticleTitle><Abstract><AbstractText>{escape(abstract)}</AbstractText></Abstract></Article>"
        "</MedlineCitation></PubmedArticle>\n"
        for pmid, (title, abstract) in ((p, found[p]) for p in pmids)
    )
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n{citations}</PubmedArticleSet>\n')


@pytest.fixture(scope="module")
def qa(tmp_path_factory) -> dict:
    """The six abstracts through the real stages, written as an output folder and summarized; the ``show`` page of
    the first metoprolol abstract, then the report (in the folder, and a second one in another folder)."""
    tmp = tmp_path_factory.mktemp("cross_sentence")
    xml = tmp / "abstracts.xml"
    _medline(xml, [*NEGATED, *ACROSS_ONLY], EXTRA)
    ingested = ingest_paths([str(xml)], BATCH)
    rows = ingested.documents.to_pylist()
    for row in rows:
        row["sections"] = [(s["name"], s["start"], s["end"]) for s in row["sections"] or []]
    tables = run_texts(rows, batch_id=BATCH)
    out = tmp / "out"
    for name in TABLES:
        store.write_partition(out, name, BATCH, tables[name])
    store.write_partition(out, "files", BATCH, ingested.files)
    summarize(out)
    show = write_document(out, "PMID:8162238")
    elsewhere = write_report(out, tmp / "reports" / "qa.html")
    return {"out": out, "report": write_report(out), "elsewhere": elsewhere, "show": show}


def _rows(out: Path, table: str) -> list[dict]:
    return store.read_table(out, table).to_pylist()


def _pair_rows(rows: list[dict], pmid: str, drug: str, event: str) -> list[dict]:
    return [
        r
        for r in rows
        if r["doc_id"] == f"PMID:{pmid}"
        and r["type"] == "drug_adverse_event"
        and r["head_text"].lower() == drug
        and event in r["tail_text"].lower()
    ]


def test_a_pair_made_across_sentences_with_a_negated_event_is_negated(qa):
    """The four pairs the QA found asserted: made only across sentences, their event mention negated in its own
    sentence; the document relation is negated, and so is its concept pair's document."""
    rows = _rows(qa["out"], "document_relations")
    negated_mentions = {e["entity_id"] for e in _rows(qa["out"], "entities") if e["negated"]}
    pairs = read_concept_pairs(qa["out"]).to_pylist()
    for pmid, (drug, event) in NEGATED.items():
        found = _pair_rows(rows, pmid, drug, event)
        assert len(found) == 1 and found[0]["cross_sentence"], (pmid, found)
        assert found[0]["n_sentences"] == 0 and found[0]["best_relation_id"] is None
        row = found[0]
        assert row["tail_entity_id"] in negated_mentions
        assert row["negated"], row
        pair = next(
            p
            for p in pairs
            if (p["type"], p["head_concept_id"], p["tail_concept_id"])
            == (row["type"], row["head_concept_id"], row["tail_concept_id"])
        )
        assert pair["n_negated_documents"] == pair["n_documents"] >= 1 and pair["evidence_negated"], pair
        assert pair["n_sentence_documents"] == 0


def test_a_pair_made_across_sentences_is_negated_when_its_best_evidence_denies_the_event(qa):
    """The best evidence of a cross-sentence row is a mention pair that asserts it when there is one: a row whose
    best evidence names a negated tail is negated (every mention pair's tail is), whatever the document."""
    rows = _rows(qa["out"], "document_relations")
    negated_mentions = {e["entity_id"] for e in _rows(qa["out"], "entities") if e["negated"]}
    cross = [r for r in rows if r["cross_sentence"]]
    assert any(not r["negated"] for r in cross) and any(r["tail_entity_id"] in negated_mentions for r in cross)
    for row in cross:
        if row["tail_entity_id"] in negated_mentions:
            assert row["negated"], row


def test_concept_pairs_count_the_documents_a_sentence_states(qa):
    rows = _rows(qa["out"], "document_relations")
    pairs = read_concept_pairs(qa["out"]).to_pylist()
    for pair in pairs:
        key = (pair["type"], pair["head_concept_id"], pair["tail_concept_id"])
        stated = sorted(
            {
                r["doc_id"]
                for r in rows
                if (r["type"], r["head_concept_id"], r["tail_concept_id"]) == key
                and not r["cross_sentence"]
                and not r["negated"]
            }
        )
        assert pair["sentence_doc_ids"] == stated and pair["n_sentence_documents"] == len(stated), pair
        assert pair["n_sentence_documents"] + pair["n_negated_documents"] <= pair["n_documents"]
    for pmid, (drug, event) in ACROSS_ONLY.items():
        pair = next(
            p
            for p in pairs
            if p["type"] == "drug_adverse_event" and p["head_text"].lower() == drug and event in p["tail_text"].lower()
        )
        assert f"PMID:{pmid}" in pair["doc_ids"] and pair["n_sentence_documents"] == 0, pair
    block = next(p for p in pairs if p["type"] == "drug_adverse_event" and p["tail_name"] == "Atrioventricular Block")
    assert block["n_documents"] == 3 and block["sentence_doc_ids"] == ["PMID:90000003"], block


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    page = DevTools(_chromium_binary(), tmp_path_factory.mktemp("chromium-profile"))
    try:
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        yield page
    finally:
        page.close()


def _open(browser: DevTools, path: Path) -> None:
    browser.events.clear()
    browser.call("Page.navigate", url=path.resolve().as_uri())
    browser.wait_for("Page.loadEventFired")


def test_report_ranks_and_counts_only_the_pairs_a_sentence_states(qa, browser):
    """The adverse-event table and the drugs count the pairs a sentence states; the pairs made only across
    sentences are in their own section with their measured precision; the negated ones are in none."""
    _open(browser, qa["report"])
    assert browser.console_errors() == []
    stated = _section_rows(browser, "drug_adverse_event")
    across = _section_rows(browser, "cross-sentence")
    drugs = _section_rows(browser, "drugs")
    for drug, event in ACROSS_ONLY.values():
        assert not any(drug in row and event in row for row in stated), (drug, stated)
        assert not any(drug in row and event in row for row in drugs), (drug, drugs)
        assert any(drug in row and event in row for row in across), (drug, across)
    for drug, event in NEGATED.values():
        assert not any(drug in row and event in row for row in stated + across), (drug, event)
    section = browser.evaluate("document.getElementById('cross-sentence').innerText")
    assert "made only across sentences" in section and "15 of 47" in section
    # ranked by the documents stating the pair: nicardipine -> tachycardia (2 of 2) before metoprolol ->
    # atrioventricular block (1 of 3, two documents pairing them only across sentences)
    first = next(i for i, row in enumerate(stated) if "nicardipine" in row and "tachycardia" in row)
    block = next(i for i, row in enumerate(stated) if "metoprolol" in row and "atrioventricular block" in row)
    assert first < block and "+2 across sentences" in stated[block], stated[block]
    # the drugs: documents where a sentence states one of their adverse events
    cells = browser.evaluate(
        "Array.from(document.querySelectorAll('#drugs tbody tr')).map(row => "
        "Array.from(row.cells).map(cell => cell.innerText.toLowerCase()))"
    )
    by_drug = {cells[0].split()[0]: cells for cells in cells}
    assert by_drug["nicardipine"][2] == "2" and "tachycardia (2)" in by_drug["nicardipine"][3]
    assert by_drug["metoprolol"][1:3] == ["1", "1"], by_drug["metoprolol"]
    assert list(by_drug).index("nicardipine") < list(by_drug).index("metoprolol")


def test_report_links_each_evidence_to_its_show_page_and_to_pubmed(qa, browser):
    for report in (qa["report"], qa["elsewhere"]):
        _open(browser, report)
        links = browser.evaluate(
            "Array.from(document.querySelectorAll('section[id^=drug_], section[id=disease_manifestation], "
            "#cross-sentence')).flatMap(s => Array.from(s.querySelectorAll('tbody tr'))).map(row => "
            "[row.querySelector('td:last-child .id').innerText, "
            "Array.from(row.querySelectorAll('td:last-child a')).map(a => a.getAttribute('href'))])"
        )
        assert links
        shown = 0
        for text, hrefs in links:
            doc_id = text.split(" ·")[0]
            pmid = doc_id.removeprefix("PMID:")
            assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in hrefs, (text, hrefs)
            local = [h for h in hrefs if not urlparse(h).scheme]
            if doc_id == "PMID:8162238":  # the one document whose show page was written
                assert len(local) == 1 and (report.parent / unquote(local[0])).resolve() == qa["show"].resolve()
                shown += 1
            else:
                assert local == []
        assert shown >= 1
    # the link opens the document's page
    _open(browser, qa["elsewhere"])
    browser.events.clear()
    browser.evaluate("document.querySelector('a.show').click()")
    browser.wait_for("Page.loadEventFired")
    assert browser.evaluate("document.title") == "biomed-extract · PMID:8162238"
    assert browser.evaluate("document.querySelector('a.pubmed').href") == "https://pubmed.ncbi.nlm.nih.gov/8162238/"
