"""Nothing is dropped at ingest, whatever the file size, and distinct records with the same text are kept.

The large PubTator file is written in the test from real abstracts
(``shared/unlabeled``, through ``benchmarks/make_pubtator.py``), with a few
bad and over-long records placed after the first 16 MB, where the ingest
once stopped reading without a word.
"""

from __future__ import annotations

import gzip
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from extract import stages, store
from extract.ingest import ingest_paths
from extract.settings import Settings
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from make_pubtator import read_abstracts, write_pubtator

MAX_DOC_CHARS = 50_000


def _index(source: str) -> int:
    return int(source.rsplit("#", 1)[1])


@pytest.fixture(scope="module")
def big_pubtator(tmp_path_factory, shared_dir) -> tuple[Path, int, dict[str, int]]:
    """A 17 MB PubTator file of real abstracts, then a malformed block, an over-long record and more abstracts.

    Returns the path, the number of records and the position of each planted record.
    """
    path = tmp_path_factory.mktemp("big") / "abstracts.pubtator"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        n = write_pubtator(fh, 17_000_000, shared_dir, first_pmid=40_000_000)
        planted = {"malformed": n, "long": n + 1}
        fh.write("41000000|t|A title\n41000000|a|An abstract.\n41000001\t3\t8\ttitle\tDisease\tD1\n\n")
        texts = [" ".join(sentences) for _, sentences in islice(read_abstracts(shared_dir), 2000)]
        fh.write(f"41000002|t|A very long record\n41000002|a|{' '.join(texts)}\n\n")  # ~3 MB, one line
        n = n + 2 + write_pubtator(fh, 200_000, shared_dir, first_pmid=42_000_000)
    assert path.stat().st_size > 20_000_000
    return path, n, planted


def test_every_record_of_a_large_pubtator_file_is_a_document_or_a_reject(big_pubtator, tmp_path):
    path, n_records, planted = big_pubtator
    out = tmp_path / "out"
    result, outcome = stages.ingest_batch([str(path)], out, "big", Settings(max_doc_chars=MAX_DOC_CHARS))
    raw = store.read_partition(out, "raw_documents", "big")
    by_index = {row["source_index"]: row for row in raw.select(["source_index", "pmid", "title", "text"]).to_pylist()}
    kept = set(by_index)
    rejected = Counter(_index(r.source) for r in result.rejects if r.reason != "document_truncated")
    assert all(r.source != str(path) for r in result.rejects), "no reject for the file as a whole"
    assert not kept & set(rejected) and max(rejected.values()) == 1
    assert kept | set(rejected) == set(range(n_records))
    assert outcome.n_out == raw.num_rows == result.files["n_documents"][0].as_py()

    (malformed,) = [r for r in result.rejects if _index(r.source) == planted["malformed"]]
    assert malformed.reason == "malformed_pubtator" and malformed.doc_id == "PMID:41000000"
    (truncated,) = [r for r in result.rejects if r.reason == "document_truncated"]
    assert _index(truncated.source) == planted["long"] and truncated.doc_id == "PMID:41000002"
    assert 0 < len(by_index[planted["long"]]["text"]) <= MAX_DOC_CHARS
    last = by_index[n_records - 1]
    assert last["pmid"].startswith("42") and last["title"] and last["text"]


def test_gzipped_pubtator_is_streamed_and_a_cut_keeps_the_records_before_it(tmp_path, shared_dir):
    path = tmp_path / "abstracts.pubtator.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        n = write_pubtator(fh, 300_000, shared_dir)
    whole = ingest_paths([str(path)], "gz")
    assert whole.documents.num_rows == n and whole.rejects == []

    cut = tmp_path / "cut.pubtator.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = ingest_paths([str(cut)], "gz-cut")
    (reject,) = result.rejects
    assert reject.reason == "truncated_gzip" and "kept" in reject.detail
    ids = result.documents["pmid"].to_pylist()
    assert 0 < len(ids) < n and ids == [str(40_000_000 + i) for i in range(len(ids))]
    assert result.documents.to_pylist()[-1]["text"] == whole.documents.to_pylist()[len(ids) - 1]["text"]


def test_a_page_read_up_to_the_byte_limit_is_reported_cut(tmp_path):
    """Markup-heavy HTML past ``8 * max_doc_chars`` bytes: little text, but the page was not read whole."""
    rows = "".join(f'<tr><td class="cell-{i}" style="padding:0">{i}</td></tr>\n' for i in range(6_000))
    page = tmp_path / "supplement.html"
    page.write_text(
        "<html><head><title>Aspirin and headache</title></head><body><p>Aspirin was associated "
        f"with headache in this cohort of patients.</p><table>{rows}</table></body></html>\n"
    )
    limit = 20_000
    assert page.stat().st_size > 8 * limit
    result = ingest_paths([str(page)], "page", Settings(max_doc_chars=limit))
    (doc,) = result.documents.to_pylist()
    assert len(doc["text"]) < limit
    (reject,) = result.rejects
    assert reject.reason == "document_truncated" and "bytes of the file were read" in reject.detail


def _write(path: Path, records: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(f"{pmid}|t|{title}\n{pmid}|a|{abstract}\n\n" for pmid, title, abstract in records))
    return path


def test_distinct_pmids_with_the_same_text_are_kept_and_marked(tmp_path):
    path = _write(
        tmp_path / "replies.pubtator",
        [
            ("27000001", "Reply.", ""),
            ("27000002", "Reply.", ""),
            ("27000003", "Reply.", ""),
            ("27000004", "Cisplatin nephrotoxicity in children.", "Cisplatin caused acute kidney injury."),
        ],
    )
    result = ingest_paths([str(path)], "b-dup")
    assert result.rejects == []
    rows = {r["doc_id"]: r["duplicate_of"] for r in result.documents.to_pylist()}
    assert rows == {
        "PMID:27000001": None,
        "PMID:27000002": "PMID:27000001",
        "PMID:27000003": "PMID:27000001",
        "PMID:27000004": None,
    }


def test_distinct_medline_citations_titled_reply_are_kept(tmp_path):
    citations = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{p}</PMID><Article><ArticleTitle>Reply."
        "</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        for p in (26900001, 26900002)
    )
    path = tmp_path / "medline16n0001.xml"
    path.write_text(f'<?xml version="1.0"?><PubmedArticleSet>{citations}</PubmedArticleSet>')
    result = ingest_paths([str(path)], "b-reply")
    assert result.rejects == []
    assert result.documents["duplicate_of"].to_pylist() == [None, "PMID:26900001"]


def test_the_same_pmid_twice_is_a_reject(tmp_path):
    baseline = _write(tmp_path / "a.pubtator", [("27000001", "Aspirin and headache.", "Aspirin caused headache.")])
    again = _write(
        tmp_path / "b.pubtator",
        [
            ("27000001", "Aspirin and headache.", "Aspirin caused headache."),
            ("27000001", "Aspirin and headache.", "A corrected abstract."),
        ],
    )
    result = ingest_paths([str(baseline), str(again)], "b-same")
    assert result.documents["doc_id"].to_pylist() == ["PMID:27000001"]
    assert result.documents["source"].to_pylist() == [str(baseline)]
    assert [(r.reason, r.source) for r in result.rejects] == [
        ("duplicate_content", f"{again}#0"),
        ("duplicate_doc_id", f"{again}#1"),
    ]
