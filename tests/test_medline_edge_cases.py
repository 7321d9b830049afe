"""MEDLINE/PubMed XML edge cases found by operator QA, each run through the real ingest stage into Parquet.

- damage in the middle of a file (an invalid byte, a broken tag, stray bytes between citations) costs the damaged
  citations only, each with a ``malformed_xml`` reject naming its PMID, and the citations after it are read;
- ``<PMID Version="2">``: the highest version of a PMID in a batch is kept, whichever is read first;
- a ``DeleteCitation`` in update file N removes the PMID's citations of files up to N only: a re-add in a newer
  file of the same batch is kept, as it is when the files are ingested as separate batches.
"""

from __future__ import annotations

import gzip
import itertools
import random
import sys
from pathlib import Path

from extract import stages, store
from extract.check import check_output
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_medline import citation_xml

_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n<PubmedArticleSet>\n'
)
_TAIL = b"</PubmedArticleSet>\n"


def citation(pmid: int, version: int = 1, title: str | None = None) -> bytes:
    """One ``PubmedArticle`` of the benchmark generator, with its PMID's ``Version`` and, if given, a new title."""
    xml = citation_xml(pmid, random.Random(pmid)).replace('<PMID Version="1">', f'<PMID Version="{version}">', 1)
    if title is not None:
        start, end = xml.index("<ArticleTitle>") + len("<ArticleTitle>"), xml.index("</ArticleTitle>")
        xml = xml[:start] + title + xml[end:]
    return xml.encode()


def medline_file(path: Path, citations: list[bytes], deleted: list[int] = ()) -> str:
    """Write a ``PubmedArticleSet`` (gzip-compressed for a ``.gz`` name); returns the path as a string."""
    body = b"".join(citations)
    if deleted:
        body += (
            b"<DeleteCitation>" + b"".join(b'<PMID Version="1">%d</PMID>' % p for p in deleted) + b"</DeleteCitation>\n"
        )
    data = _HEAD + body + _TAIL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return str(path)


def ingest(inputs: list[str], out: Path, batch: str) -> tuple[list[dict], list[dict]]:
    """The ingest stage (``stages.ingest_batch``) and the clean stage; the batch's raw documents and rejects, read
    back from Parquet.  ``check``'s accounting must hold (only the NER and relation tables are missing)."""
    stages.ingest_batch(inputs, out, batch)
    raw = stages.load_clean_input(out, batch)
    stages.write_clean(out, batch, raw.num_rows, [stages.clean_chunk(raw)])
    violations = [v for v in check_output(out).violations if "incomplete batch: no entities" not in v]
    assert not violations, violations
    return store.read_partition(out, "raw_documents", batch).to_pylist(), store.read_partition(
        out, "rejects", batch
    ).to_pylist()


# ---------------------------------------------------------------- damage in the middle of a file

FIRST = 35_000_000
N_CITATIONS = 40
INVALID_BYTE, BROKEN_TAG, LOST_END_TAG = FIRST + 10, FIRST + 20, FIRST + 30


def _damaged_file(path: Path) -> str:
    """40 citations: an invalid UTF-8 byte in the title of the 11th, a mismatched end tag in the 21st, the 31st
    without its ``</PubmedArticle>`` and stray text between the 35th and the 36th."""
    parts = []
    for i in range(N_CITATIONS):
        pmid = FIRST + i
        xml = citation(pmid)
        if pmid == INVALID_BYTE:
            xml = xml.replace(b"<ArticleTitle>", b"<ArticleTitle>\xff\xfe", 1)
        elif pmid == BROKEN_TAG:
            xml = xml.replace(b"</ArticleTitle>", b"</Article>", 1)
        elif pmid == LOST_END_TAG:
            xml = xml.replace(b"</PubmedArticle>", b"", 1)
        parts.append(xml)
        if i == 34:
            parts.append(b"garbage & <broken \n")
    return medline_file(path, parts)


def test_damage_in_the_middle_of_a_file_costs_only_the_damaged_citations(tmp_path):
    # Before the fix: 6 of the 40 citations were kept and one reject was written for the whole file (the error in
    # the 11th citation ended the file, and lxml, reading in blocks, lost the 4 before it without a word); now 37 of
    # 40, and one reject per lost citation naming its PMID, plus one for the stray text.
    path = _damaged_file(tmp_path / "in" / "pubmed24n0001.xml")
    raw, rejects = ingest([path], tmp_path / "out", "damaged")
    damaged = {INVALID_BYTE, BROKEN_TAG, LOST_END_TAG}
    assert [d["doc_id"] for d in raw] == [f"PMID:{FIRST + i}" for i in range(N_CITATIONS) if FIRST + i not in damaged]
    by_pmid = {r["doc_id"]: r for r in rejects if r["doc_id"]}
    assert set(by_pmid) == {f"PMID:{p}" for p in damaged}
    assert all(r["reason"] == "malformed_xml" and "the rest of the file was read" in r["detail"] for r in rejects)
    assert "Invalid bytes in character encoding" in by_pmid[f"PMID:{INVALID_BYTE}"]["detail"]
    assert "mismatch" in by_pmid[f"PMID:{BROKEN_TAG}"]["detail"]
    assert "no </PubmedArticle> before the next citation" in by_pmid[f"PMID:{LOST_END_TAG}"]["detail"]
    (stray,) = [r for r in rejects if r["doc_id"] is None]
    assert "not a readable citation" in stray["detail"] and "garbage" in stray["detail"]
    # every reject names its own record, and the documents keep the positions of theirs
    indexes = [int(r["source"].rsplit("#", 1)[1]) for r in rejects] + [d["source_index"] for d in raw]
    assert sorted(indexes) == list(range(N_CITATIONS + 1))
    # the same again gives the same output
    raw_again, rejects_again = ingest([path], tmp_path / "out2", "damaged")
    assert raw_again == raw and rejects_again == rejects


def test_a_file_cut_short_keeps_every_citation_before_the_cut_and_names_the_lost_one(tmp_path):
    whole = _HEAD + b"".join(citation(FIRST + i) for i in range(5)) + _TAIL
    path = tmp_path / "in" / "cut.xml"
    path.parent.mkdir()
    path.write_bytes(whole[: whole.index(b"%d</PMID>" % (FIRST + 3)) + 200])
    raw, rejects = ingest([str(path)], tmp_path / "out", "cut")
    assert [d["doc_id"] for d in raw] == [f"PMID:{FIRST + i}" for i in range(3)]
    (reject,) = rejects
    assert reject["reason"] == "malformed_xml" and reject["source"] == str(path)
    assert f"PMID {FIRST + 3}" in reject["detail"] and "3 documents before it were kept" in reject["detail"]


# ---------------------------------------------------------------- <PMID Version="2">

V = 36_000_000


def test_the_highest_pmid_version_in_a_batch_is_kept_whichever_is_read_first(tmp_path):
    older = medline_file(
        tmp_path / "in" / "pubmed24n0001.xml.gz",
        [
            citation(V, version=2, title="Version two of the first."),  # the newer file revises its version 1
            citation(V + 1, version=1, title="Version one of the second."),  # read before its version 2 ...
            citation(V + 1, version=2, title="Version two of the second."),  # ... in the same file
            citation(V + 2, version=1),
        ],
    )
    newer = medline_file(tmp_path / "in" / "pubmed24n1001.xml.gz", [citation(V, title="Version one, revised.")])
    raw, rejects = ingest([older, newer], tmp_path / "out", "versions")
    titles = {d["doc_id"]: d["title"] for d in raw}
    assert titles == {
        f"PMID:{V}": "Version two of the first.",
        f"PMID:{V + 1}": "Version two of the second.",
        f"PMID:{V + 2}": titles[f"PMID:{V + 2}"],
    }
    lower = {r["doc_id"]: r for r in rejects}
    assert set(lower) == {f"PMID:{V}", f"PMID:{V + 1}"}
    for doc_id, r in lower.items():
        assert r["reason"] == "duplicate_doc_id"
        assert f"{doc_id} version 1 is replaced by version 2" in r["detail"] and older in r["detail"]
    assert lower[f"PMID:{V}"]["source"] == f"{newer}#0"


# ---------------------------------------------------------------- DeleteCitation, then a re-add in a newer file

D = 37_000_000


def _deletion_files(folder: Path) -> list[str]:
    """Baseline 0001 with D, D+1, D+2; update 1001 deletes D and D+1; update 1002 adds D again (a new title)."""
    return [
        medline_file(folder / "pubmed24n0001.xml", [citation(D), citation(D + 1), citation(D + 2)]),
        medline_file(folder / "pubmed24n1001.xml.gz", [citation(D + 3)], deleted=[D, D + 1]),
        medline_file(folder / "pubmed24n1002.xml.gz", [citation(D, title="Re-added after its deletion.")]),
    ]


def test_a_citation_re_added_after_its_deletion_in_one_batch_is_kept(tmp_path):
    baseline, deleting, re_adding = _deletion_files(tmp_path / "in")
    raw, rejects = ingest([baseline, deleting, re_adding], tmp_path / "out", "one")
    docs = {d["doc_id"]: d for d in raw}
    assert set(docs) == {f"PMID:{D}", f"PMID:{D + 2}", f"PMID:{D + 3}"}
    assert docs[f"PMID:{D}"]["source"] == re_adding and docs[f"PMID:{D}"]["title"] == "Re-added after its deletion."
    reasons = {(r["doc_id"], r["source"]): r["reason"] for r in rejects}
    assert reasons == {
        (f"PMID:{D}", f"{baseline}#0"): "duplicate_doc_id",  # the newer version of 1002 is kept
        (f"PMID:{D + 1}", f"{baseline}#1"): "deleted_citation",
    }
    files = {f["path"]: f for f in store.read_partition(tmp_path / "out", "files", "one").to_pylist()}
    assert files[deleting]["deleted_pmids"] == [str(D), str(D + 1)]


def test_the_same_files_as_one_batch_or_three_keep_the_same_citations(tmp_path):
    inputs = _deletion_files(tmp_path / "in")
    one, _ = ingest(inputs, tmp_path / "one", "all")
    for i, path in enumerate(inputs):  # oldest first, as NLM publishes them
        ingest([path], tmp_path / "three", f"b{i}")
    three = store.read_table(tmp_path / "three", "raw_documents").to_pylist()
    assert sorted((d["doc_id"], d["source"], d["title"]) for d in one) == sorted(
        (d["doc_id"], d["source"], d["title"]) for d in three
    )


# ---------------------------------------------------------------- NLM file order: (year, number), in any batch order


def _final_documents(out: Path) -> list[tuple[str, str, str]]:
    """(doc_id, source, title) of every batch's raw documents, with the doc ids of ``documents`` (the clean stage's
    output, which deletions and revisions in later batches must reach too) checked to be the same."""
    raw = store.read_table(out, "raw_documents").to_pylist()
    cleaned = store.read_table(out, "documents")["doc_id"].to_pylist()
    assert sorted(cleaned) == sorted(d["doc_id"] for d in raw)
    return sorted((d["doc_id"], d["source"], d["title"]) for d in raw)


def _every_batch_order(inputs: list[str], tmp_path: Path) -> dict[tuple[str, ...], list[tuple[str, str, str]]]:
    """Each file as a batch of its own, in every order: order -> final documents."""
    finals = {}
    for n, order in enumerate(itertools.permutations(inputs)):
        out = tmp_path / f"order{n}"
        for i, path in enumerate(order):
            ingest([path], out, f"b{i}")
        finals[tuple(Path(p).name for p in order)] = _final_documents(out)
    return finals


Y = 38_000_000


def test_nlm_files_are_ordered_by_year_then_number(tmp_path):
    # NLM restarts the numbers with each year's baseline: pubmed25n0001 (the 2025 baseline) is newer than
    # pubmed24n1001 (a 2024 update).  Before the fix the number alone ordered them: the 2024 update's version of Y was
    # kept over the 2025 baseline's, and its DeleteCitation removed Y + 1 from the newer baseline, in one batch and
    # across batches, whatever their order.
    update24 = medline_file(
        tmp_path / "in" / "pubmed24n1001.xml.gz", [citation(Y, title="The 2024 update's version.")], deleted=[Y + 1]
    )
    baseline25 = medline_file(
        tmp_path / "in" / "pubmed25n0001.xml.gz",
        [citation(Y, title="The 2025 baseline's version."), citation(Y + 1, title="Carried by the 2025 baseline.")],
    )
    want = [
        (f"PMID:{Y}", baseline25, "The 2025 baseline's version."),
        (f"PMID:{Y + 1}", baseline25, "Carried by the 2025 baseline."),
    ]
    _, rejects = ingest([update24, baseline25], tmp_path / "one", "both")
    assert _final_documents(tmp_path / "one") == want
    assert [(r["doc_id"], r["source"], r["reason"]) for r in rejects] == [
        (f"PMID:{Y}", f"{update24}#0", "duplicate_doc_id")
    ]
    finals = _every_batch_order([update24, baseline25], tmp_path)
    assert finals == dict.fromkeys(finals, want)


def test_a_deletion_ingested_after_the_newer_re_add_keeps_the_re_add(tmp_path):
    # Before the fix, ingesting update 1001 (deleting D) after the batch of update 1002 (re-adding D) removed the
    # re-add: a DeleteCitation removed its PMIDs from every batch, whatever file they came from.  Now it removes the
    # citations of files up to its own only, in every batch: each order of the three batches ends with the documents
    # of the one batch.
    inputs = _deletion_files(tmp_path / "in")
    ingest(inputs, tmp_path / "one", "all")
    want = _final_documents(tmp_path / "one")
    assert (f"PMID:{D}", inputs[2], "Re-added after its deletion.") in want
    finals = _every_batch_order(inputs, tmp_path)
    assert finals == dict.fromkeys(finals, want)
    # and re-running the batches does not change that
    out = tmp_path / "order5"  # newest first: 1002, 1001, 0001
    for i, path in enumerate(reversed(inputs)):
        ingest([path], out, f"b{i}")
    assert _final_documents(out) == want
