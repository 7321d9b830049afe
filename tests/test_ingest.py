"""Ingestion of every input format, on the project's own sample documents."""

from __future__ import annotations

import gzip
import shutil

from extract.ingest import default_batch_id, ingest_paths
from helpers import SAMPLES


def _by_id(result):
    return {row["doc_id"]: row for row in result.documents.to_pylist()}


def test_all_sample_formats_ingest_without_rejects():
    result = ingest_paths([str(SAMPLES)], "b-samples")
    assert result.rejects == []
    docs = _by_id(result)
    formats = {row["format"] for row in docs.values()}
    assert formats == {"medline", "pmc", "pubtator", "webpage", "html"}
    assert result.files.num_rows == len(list(SAMPLES.iterdir()))


def test_medline_fields_and_structured_abstract_labels():
    docs = _by_id(ingest_paths([str(SAMPLES / "pubmed_sample.xml")], "b1"))
    doc = docs["PMID:90000001"]
    assert doc["title"].startswith("Amiodarone-induced pulmonary fibrosis")
    assert doc["journal"] == "Journal of Example Pharmacology"
    assert doc["year"] == 2021
    assert doc["doi"] == "10.0000/example.2021.001"
    assert doc["authors"] == ["Example AB", "Sample C"]
    assert doc["mesh_terms"] == ["Amiodarone", "Pulmonary Fibrosis"]
    labels = [s["name"] for s in doc["sections"]]
    assert labels == ["abstract / BACKGROUND", "abstract / CASE", "abstract / CONCLUSIONS"]
    for s in doc["sections"]:
        assert doc["text"][s["start"] : s["end"]].strip()
    assert docs["PMID:90000002"]["year"] == 2019  # from MedlineDate


def test_older_medline_citation_set_and_delete_citation(tmp_path):
    gz = tmp_path / "update.xml.gz"
    with open(SAMPLES / "medline_citation_set.xml", "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    result = ingest_paths([str(gz)], "b1")
    assert list(_by_id(result)) == ["PMID:90000003"]
    assert result.deleted_pmids == ["90000099"]
    assert result.files.to_pylist()[0]["deleted_pmids"] == ["90000099"]


def test_pmc_sections_captions_and_citations():
    doc = ingest_paths([str(SAMPLES / "pmc_sample.nxml")], "b1").documents.to_pylist()[0]
    assert doc["doc_id"] == "PMID:90000004" and doc["pmcid"] == "PMC9000004"
    names = [s["name"] for s in doc["sections"]]
    assert names[:4] == ["abstract", "Introduction", "Case presentation", "Discussion"]
    assert "figure: Figure 1" in names and "table: Table 1" in names
    assert "48000" not in doc["text"]  # table cells are not prose
    assert "[1]" not in doc["text"] and "Statin myopathy" not in doc["text"]  # citations and references out


def test_pubtator_and_html_pages():
    docs = _by_id(ingest_paths([str(SAMPLES / "sample.pubtator"), str(SAMPLES / "journal_page.html")], "b1"))
    assert docs["PMID:90000005"]["title"].startswith("Cisplatin-induced nephrotoxicity")
    html = next(d for d in docs.values() if d["format"] == "html")
    assert html["title"] == "Isoniazid-induced hepatotoxicity during latent tuberculosis treatment"
    assert "tracking" not in html["text"] and "Login" not in html["text"]


def test_an_html_page_without_citation_meta_takes_its_h1_as_title(tmp_path):
    """The browser tab's <title> ("Teriparatide and calcinosis – Osteoporos Int") is not the article's title; its
    <h1> is.  A one- or two-word <h1> is more often the site's name: the <title> stays."""
    body = "<p>Teriparatide, used for osteoporosis, sometimes results in mild and transient hypercalcemia.</p>"
    (tmp_path / "article.html").write_text(
        "<html><head><title>Teriparatide and calcinosis – Osteoporos Int</title></head><body>"
        "<h1>Worsening of soft tissue dystrophic calcification in a patient treated with teriparatide</h1>"
        f"{body}</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "site.html").write_text(
        "<html><head><title>Calcinosis cutis in systemic sclerosis</title></head><body><h1>Rheumatology</h1>"
        f"{body}</body></html>",
        encoding="utf-8",
    )
    docs = ingest_paths([str(tmp_path)], "b1").documents.to_pylist()
    assert sorted(d["title"] for d in docs) == [
        "Calcinosis cutis in systemic sclerosis",
        "Worsening of soft tissue dystrophic calcification in a patient treated with teriparatide",
    ]


def test_doc_ids_and_batch_ids_are_stable():
    first = ingest_paths([str(SAMPLES)], "b1").documents["doc_id"].to_pylist()
    second = ingest_paths([str(SAMPLES)], "b1").documents["doc_id"].to_pylist()
    assert first == second
    assert default_batch_id([str(SAMPLES)]) == default_batch_id([str(SAMPLES)])
    assert default_batch_id([str(SAMPLES / "sample.pubtator")]) != default_batch_id([str(SAMPLES)])


def test_missing_input_is_a_reject_not_a_crash(tmp_path):
    result = ingest_paths([str(tmp_path / "nope.xml")], "b1")
    assert [r.reason for r in result.rejects] == ["file_not_found"]
