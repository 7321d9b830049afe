"""Of byte-identical input files, the one whose name is not a browser's copy is kept.

A browser saving a page again where one of that name exists writes "page (1).html" (Chrome, Edge) or
"page(1).html" (Firefox); both sort before "page.html", so the copy used to be kept and the original reported
as its duplicate.  The page is the real journal page of the shared samples; the names are the QA's.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from extract import stages, store
from extract.ingest.sources import browser_copy

QA_COPY = "Worsening of soft tissue dystrophic calcification (1).txt"


def _ingest(inputs: Path, out: Path) -> tuple[list[dict], list[dict], dict[str, dict]]:
    """raw_documents, ingest rejects and files (by file name) of the batch, read back from the Parquet written."""
    stages.ingest_batch([str(inputs)], out, "b")
    raw = store.read_partition(out, "raw_documents", "b").to_pylist()
    rejects = [r for r in store.read_partition(out, "rejects", "b").to_pylist() if r["stage"] == "ingest"]
    files = {Path(f["path"]).name: f for f in store.read_partition(out, "files", "b").to_pylist()}
    return raw, rejects, files


@pytest.mark.parametrize(
    ("names", "kept"),
    [
        (["case_report_teriparatide.txt", QA_COPY], "case_report_teriparatide.txt"),  # the QA's pair
        (["teriparatide.txt", "teriparatide (1).txt"], "teriparatide.txt"),  # Chrome
        (["teriparatide.txt", "teriparatide(1).txt"], "teriparatide.txt"),  # Firefox
        (["teriparatide.txt.gz", "teriparatide (1).txt.gz"], "teriparatide.txt.gz"),  # Chrome, compressed
        # no original among them: the first by path; another original: the first original by path
        (["b.txt", "a (1).txt", "c.txt", "a (2).txt"], "b.txt"),
    ],
)
def test_the_original_is_kept_and_the_copies_are_rejected_naming_it(seed_pages, tmp_path, names, kept):
    inputs = tmp_path / "in"
    inputs.mkdir()
    page = seed_pages["teriparatide"].read_bytes()
    for name in names:
        (inputs / name).write_bytes(gzip.compress(page, mtime=0) if name.endswith(".gz") else page)
    raw, rejects, files = _ingest(inputs, tmp_path / "out")

    assert [Path(d["source"]).name for d in raw] == [kept]
    copies = sorted(n for n in names if n != kept)
    assert sorted(Path(r["source"].split("#")[0]).name for r in rejects) == copies
    for reject in rejects:
        assert reject["reason"] == "duplicate_content" and reject["doc_id"] == raw[0]["doc_id"]
        assert f"{inputs / kept}#0" in reject["detail"]
    # every input accounted for: the kept file has the document, each copy its reject
    assert set(files) == set(names)
    assert {n: (f["n_documents"], f["n_rejects"]) for n, f in files.items()} == {
        n: (1, 0) if n == kept else (0, 1) for n in names
    }


def test_rerun_writes_the_same_bytes(seed_pages, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("teriparatide.txt", "teriparatide (1).txt", "teriparatide(2).txt"):
        (inputs / name).write_bytes(seed_pages["teriparatide"].read_bytes())
    (inputs / "calcinosis.txt").write_bytes(seed_pages["calcinosis"].read_bytes())
    out = tmp_path / "out"

    def written() -> dict[str, bytes]:
        return {
            str(p.relative_to(out)): p.read_bytes()
            for table in ("raw_documents", "files", "rejects")
            for p in sorted((out / table).rglob("*.parquet"))
        }

    raw, rejects, _ = _ingest(inputs, out)
    first = written()
    assert [Path(d["source"]).name for d in raw] == ["calcinosis.txt", "teriparatide.txt"]
    assert len(rejects) == 2
    _ingest(inputs, out)
    assert written() == first


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("page (1).html", True),
        ("page(12).html", True),
        ("pubmed24n0001 (1).xml.gz", True),
        ("pubmed24n0001(3).xml.gz", True),
        ("page.html", False),
        ("ehp-116-1694.nxml", False),  # "-1" is no browser's copy suffix
        ("1471-2180-11-174.nxml", False),
        ("Smith (2019).html", False),  # a year in the name
        ("(1)", True),
    ],
)
def test_browser_copy_names(name, copy):
    assert browser_copy(Path(name)) is copy
