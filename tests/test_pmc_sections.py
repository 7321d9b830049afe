"""The abstract's sections and the body's are told apart by name, in PMC full texts and MEDLINE alike.

A JATS article's structured abstract and its body both have "Background" and "Results"; an analyst filtering
sentences by section must be able to take the one without the other.  Convention: the abstract's section names
are "abstract" (unlabelled) or "abstract / <label>"; body sections keep their headings.  Real files of the shared
samples, through the ingest and clean stages, read back from the Parquet written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from extract import stages, store
from extract.ingest.xmlutil import text_of

PMC = Path("samples") / "pmc" / "1471-2180-11-174.nxml"
MEDLINE = Path("samples") / "medline" / "pubmed-29768149.xml"


@pytest.fixture(scope="module")
def cleaned(shared_dir, tmp_path_factory) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """documents and sentences (by doc id) of the PMC article and the MEDLINE citation, ingested and cleaned."""
    out = tmp_path_factory.mktemp("sections") / "out"
    stages.ingest_batch([str(shared_dir / PMC), str(shared_dir / MEDLINE)], out, "b")
    stages.run_chunked("clean", out, "b")
    docs = {d["doc_id"]: d for d in store.read_partition(out, "documents", "b").to_pylist()}
    sentences: dict[str, list[dict]] = {}
    for s in store.read_partition(out, "sentences", "b").to_pylist():
        sentences.setdefault(s["doc_id"], []).append(s)
    return docs, sentences


def _jats_abstract_titles(path: Path) -> list[str]:
    article = etree.parse(str(path)).getroot()
    return [text_of(t) for t in article.findall(".//front/article-meta/abstract/sec/title")]


def _doc(docs: dict[str, dict], source: Path) -> dict:
    (doc,) = [d for d in docs.values() if d["source"].endswith(str(source))]
    return doc


def test_pmc_abstract_sections_are_named_apart_from_the_body_sections(shared_dir, cleaned):
    docs, sentences = cleaned
    doc = _doc(docs, PMC)
    titles = _jats_abstract_titles(shared_dir / PMC)
    names = [s["name"] for s in doc["sections"]]
    abstract = [f"abstract / {t}" for t in titles]
    assert names[: 1 + len(titles)] == ["title", *abstract]
    body = names[1 + len(titles) :]
    shared = set(titles) & set(body)
    assert shared, "the sample's abstract and body share headings (Background, Results...)"
    assert not {n for n in body if n.startswith("abstract")}
    # a sentence of the body's Background is not one of the abstract's, and the other way round
    by_section: dict[str, list[dict]] = {}
    for s in sentences[doc["doc_id"]]:
        by_section.setdefault(s["section"], []).append(s)
    abstract_end = max(s["end"] for s in doc["sections"] if s["name"] in abstract)
    for heading in shared:
        assert by_section[f"abstract / {heading}"] and by_section[heading]
        assert all(s["end"] <= abstract_end for s in by_section[f"abstract / {heading}"])
        assert all(s["start"] > abstract_end for s in by_section[heading])


def test_medline_structured_abstract_follows_the_same_convention(shared_dir, cleaned):
    docs, sentences = cleaned
    doc = _doc(docs, MEDLINE)
    citation = etree.parse(str(shared_dir / MEDLINE)).getroot()
    labels = [a.get("Label") for a in citation.iter("AbstractText")]
    assert labels and all(labels)
    assert [s["name"] for s in doc["sections"]] == ["title", *(f"abstract / {label}" for label in labels)]
    assert {s["section"] for s in sentences[doc["doc_id"]]} == {"title", *(f"abstract / {lb}" for lb in labels)}
