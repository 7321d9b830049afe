"""The real sample files (MEDLINE, PMC JATS, journal pages) ingest with zero rejects and keep their structure."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from extract.clean.stage import clean_documents
from extract.ingest import ingest_paths
from extract.settings import get_settings


@pytest.fixture(scope="module")
def samples() -> Path:
    path = get_settings().shared_dir / "samples"
    if not path.exists():
        pytest.skip(f"samples folder {path} not found")
    return path


@pytest.fixture(scope="module")
def cleaned(samples):
    raw = ingest_paths([str(samples)], "b-samples")
    return raw, clean_documents(raw.documents)


def _sections(doc: dict) -> dict[str, str]:
    return {s["name"]: doc["text"][s["start"] : s["end"]] for s in doc["sections"]}


def test_every_sample_file_ingests_without_rejects(samples, cleaned):
    raw, clean = cleaned
    assert raw.rejects == [] and clean.rejects == []
    files = raw.files.to_pylist()
    assert {Path(f["path"]).name for f in files} == {p.name for p in samples.rglob("*") if p.is_file()}
    assert all(f["n_documents"] > 0 and f["n_rejects"] == 0 for f in files)
    assert {f["format"] for f in files} == {"medline", "pmc", "webpage"}
    assert clean.documents.num_rows == raw.documents.num_rows == sum(f["n_documents"] for f in files)


def test_structured_abstract_labels_survive_into_documents_sections(cleaned):
    _, clean = cleaned
    doc = next(d for d in clean.documents.to_pylist() if d["doc_id"] == "PMID:29768149")
    names = [s["name"] for s in doc["sections"]]
    assert names == [
        "title",
        "abstract / BACKGROUND",
        "abstract / METHODS",
        "abstract / RESULTS",
        "abstract / CONCLUSIONS",
    ]
    sections = _sections(doc)
    assert sections["title"] == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert sections["abstract / BACKGROUND"].startswith("In patients with mild asthma")
    assert sections["abstract / METHODS"].startswith("We conducted a 52-week, double-blind trial")


def test_pmc_body_sections_and_captions(samples, cleaned):
    _, clean = cleaned
    pmc = [d for d in clean.documents.to_pylist() if d["format"] == "pmc"]
    assert len(pmc) == 3
    for doc in pmc:
        names = [s["name"] for s in doc["sections"]]
        assert any(" / " in n and not n.startswith("abstract") for n in names), "nested body sections keep their path"
        assert any(n.startswith("figure: ") for n in names)
        assert not any(n.lower().startswith(("competing interests", "authors' contributions")) for n in names)
    # a figure caption from the XML is the text of its section (bibliography citations removed)
    doc = next(d for d in pmc if d["pmid"] == "21810267")
    tree = etree.parse(str(samples / "pmc" / "1471-2180-11-174.nxml"))
    caption = " ".join("".join(tree.find(".//fig/caption").itertext()).split())
    figure = _sections(doc)["figure: Figure 1"]
    assert figure.startswith(caption[:120]) and "[40]" in caption and "[40]" not in figure  # citations removed
    assert any(n.startswith("table: ") for n in [s["name"] for s in doc["sections"]])
    assert "Results" in [s["name"] for s in doc["sections"]]


def test_sections_tile_the_text(cleaned):
    _, clean = cleaned
    for doc in clean.documents.to_pylist():
        spans = [(s["start"], s["end"]) for s in doc["sections"]]
        assert spans == sorted(spans)
        assert all(0 <= a < b <= len(doc["text"]) for a, b in spans)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
