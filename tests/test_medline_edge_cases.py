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


# ---------------------------------------------------------------- DeleteCitation of one <PMID Version>

VD = 37_100_000


def _deletions(*pmids: bytes) -> bytes:
    return b"<DeleteCitation>" + b"".join(pmids) + b"</DeleteCitation>\n"


def test_a_versioned_deletion_removes_that_version_only_and_the_next_lower_one_is_kept(tmp_path):
    # Before the fix a <PMID Version="1"> in a DeleteCitation deleted every version of the PMID: VD's version 2 and
    # VD+1's version 1 were deleted_citation rejects too, and VD, VD+1 and VD+2 had no document.  Now it deletes its
    # version: the highest version read without a reject and not deleted is kept, whichever is read or deleted first
    # (VD+2's deletion comes after its version 2 in the same file); a <PMID> without Version deletes every version.
    older = medline_file(
        tmp_path / "in" / "pubmed24n0001.xml",
        [
            citation(VD, version=1, title="VD version one."),
            citation(VD, version=2, title="VD version two."),
            citation(VD + 1, version=1, title="VD+1 version one."),
            citation(VD + 1, version=2, title="VD+1 version two."),
            citation(VD + 2, version=1, title="VD+2 version one."),
            citation(VD + 3, version=1, title="VD+3 version one."),
            citation(VD + 3, version=2, title="VD+3 version two."),
            citation(VD + 4, version=2, title="VD+4 version two."),
        ],
    )
    update = tmp_path / "in" / "pubmed24n0002.xml"
    update.write_bytes(
        _HEAD
        + citation(VD + 2, version=2, title="VD+2 version two.")
        + _deletions(b'<PMID Version="1">%d</PMID>' % VD, b'<PMID Version="2">%d</PMID>' % (VD + 1))
        + _deletions(b'<PMID Version="2">%d</PMID>' % (VD + 2), b"<PMID>%d</PMID>" % (VD + 3))
        + _deletions(b'<PMID Version="2">%d</PMID>' % (VD + 4))
        + _TAIL
    )
    for n, inputs in enumerate(([older, str(update)], [str(update), older])):
        raw, rejects = ingest(inputs, tmp_path / f"out{n}", "versioned")
        assert {d["doc_id"]: d["title"] for d in raw} == {
            f"PMID:{VD}": "VD version two.",
            f"PMID:{VD + 1}": "VD+1 version one.",
            f"PMID:{VD + 2}": "VD+2 version one.",
        }
        assert sorted((r["doc_id"], r["source"], r["reason"]) for r in rejects) == [
            (f"PMID:{VD}", f"{older}#0", "deleted_citation"),
            (f"PMID:{VD + 1}", f"{older}#3", "deleted_citation"),
            (f"PMID:{VD + 2}", f"{update}#0", "deleted_citation"),
            (f"PMID:{VD + 3}", f"{older}#5", "deleted_citation"),
            (f"PMID:{VD + 3}", f"{older}#6", "deleted_citation"),
            (f"PMID:{VD + 4}", f"{older}#7", "deleted_citation"),
        ]
        details = {r["source"]: r["detail"] for r in rejects}
        assert f"PMID:{VD} version 1 is deleted by a DeleteCitation element of {update}" in details[f"{older}#0"]
        files = {f["path"]: f for f in store.read_partition(tmp_path / f"out{n}", "files", "versioned").to_pylist()}
        # each file counts its own citations: the deleted ones among its documents and its rejects
        assert {p: (f["n_documents"], f["n_rejects"]) for p, f in files.items()} == {older: (8, 5), str(update): (1, 1)}
        assert files[str(update)]["deleted_pmids"] == [str(VD + i) for i in range(5)]


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


# ---------------------------------------------------------------- a delete-only update file accounts for itself

DO = 39_000_000


def test_a_delete_only_update_file_passes_check_and_an_empty_file_still_needs_its_reject(tmp_path):
    # Before the fix, check failed on an update file holding only DeleteCitation elements ("yielded no documents and
    # has no rejects row"), in the batch of the citations it deletes and in a batch of its own.  The files table
    # records the deletions it applied (deleted_pmids): that accounts for it.
    baseline = medline_file(tmp_path / "in" / "pubmed25n0001.xml", [citation(DO), citation(DO + 1), citation(DO + 2)])
    delete_only = medline_file(tmp_path / "in" / "pubmed25n1400.xml", [], deleted=[DO, DO + 1])
    raw, rejects = ingest([baseline, delete_only], tmp_path / "one", "both")  # check passes (asserted by ingest)
    assert [d["doc_id"] for d in raw] == [f"PMID:{DO + 2}"]
    assert sorted((r["doc_id"], r["reason"]) for r in rejects) == [
        (f"PMID:{DO}", "deleted_citation"),
        (f"PMID:{DO + 1}", "deleted_citation"),
    ]
    ingest([baseline], tmp_path / "two", "base")
    raw, rejects = ingest([delete_only], tmp_path / "two", "update")
    assert raw == [] and rejects == []
    (row,) = store.read_partition(tmp_path / "two", "files", "update").to_pylist()
    assert (row["n_documents"], row["n_rejects"], row["deleted_pmids"]) == (0, 0, [str(DO), str(DO + 1)])
    assert [d["doc_id"] for d in store.read_table(tmp_path / "two", "raw_documents").to_pylist()] == [f"PMID:{DO + 2}"]
    # check stays strict: the same files row without its deletions is a file nothing accounts for
    files = store.read_partition(tmp_path / "two", "files", "update")
    store.write_partition(
        tmp_path / "two",
        "files",
        "update",
        files.set_column(files.schema.get_field_index("deleted_pmids"), "deleted_pmids", [[[]]]),
    )
    assert any("pubmed25n1400.xml: yielded no documents" in v for v in check_output(tmp_path / "two").violations), (
        check_output(tmp_path / "two").violations
    )
    # and a file with neither citations nor deletions gets its no_text reject, as before
    empty = tmp_path / "in" / "pubmed25n1401.xml"
    empty.write_bytes(_HEAD + _TAIL)
    _, rejects = ingest([str(empty)], tmp_path / "three", "empty")
    assert [(r["source"], r["reason"]) for r in rejects] == [(str(empty), "no_text")]


# ---------------------------------------------------------------- a damaged or rejected highest version

HV = 39_100_000


def _damaged_versions(folder: Path) -> tuple[str, str]:
    """a.xml: version 1 of HV .. HV+4; b.xml: version 2 of each, HV's with an invalid byte, HV+1's without title or
    text, HV+2's in French, HV+3's readable, HV+4's readable too (with version 3 of HV+4, cut off its end tag)."""
    a = medline_file(folder / "a.xml", [citation(HV + i, title=f"Version one of {HV + i}.") for i in range(5)])
    french = "Le patient a été traité par le cisplatine et la néphrotoxicité était observée dans une cohorte. " * 8
    v2 = [citation(HV + i, version=2, title=f"Version two of {HV + i}.") for i in range(5)]
    v2[0] = v2[0].replace(b"<ArticleTitle>", b"<ArticleTitle>\xff", 1)
    start, end = v2[1].index(b"<ArticleTitle>"), v2[1].index(b"</Abstract>") + len(b"</Abstract>")
    v2[1] = v2[1][:start] + b"<ArticleTitle></ArticleTitle>" + v2[1][end:]
    start, end = v2[2].index(b"<ArticleTitle>"), v2[2].index(b"</Abstract>") + len(b"</Abstract>")
    v2[2] = (
        v2[2][:start]
        + f"<ArticleTitle>Néphrotoxicité du cisplatine.</ArticleTitle><Abstract><AbstractText>{french}"
        "</AbstractText></Abstract>".encode()
        + v2[2][end:]
    )
    v3 = citation(HV + 4, version=3, title="Version three, damaged.").replace(b"</PubmedArticle>", b"", 1)
    b = medline_file(folder / "b.xml", [*v2, v3])
    return a, b


def test_a_damaged_or_rejected_highest_version_leaves_the_readable_lower_one(tmp_path):
    # Before the fix the byte scan's highest version decided alone: versions 1 of HV, HV+1 and HV+2 were
    # duplicate_doc_id rejects "replaced by version 2" while their version 2 was malformed_xml, no_text or
    # unsupported_language: the three PMIDs were lost.  Now a lower version gives way only to a version kept, as a
    # damaged citation of a newer NLM file leaves the older file's version; in either reading order.
    a, b = _damaged_versions(tmp_path / "in")
    for n, inputs in enumerate(([a, b], [b, a])):
        raw, rejects = ingest(inputs, tmp_path / f"out{n}", "versions")
        titles = {d["doc_id"]: d["title"] for d in raw}
        assert titles == {
            f"PMID:{HV}": f"Version one of {HV}.",
            f"PMID:{HV + 1}": f"Version one of {HV + 1}.",
            f"PMID:{HV + 2}": f"Version one of {HV + 2}.",
            f"PMID:{HV + 3}": f"Version two of {HV + 3}.",
            f"PMID:{HV + 4}": f"Version two of {HV + 4}.",
        }
        reasons = sorted((r["doc_id"], r["source"], r["reason"]) for r in rejects)
        assert reasons == [
            (f"PMID:{HV}", f"{b}#0", "malformed_xml"),
            (f"PMID:{HV + 1}", f"{b}#1", "no_text"),
            (f"PMID:{HV + 2}", f"{b}#2", "unsupported_language"),
            (f"PMID:{HV + 3}", f"{a}#3", "duplicate_doc_id"),
            (f"PMID:{HV + 4}", f"{a}#4", "duplicate_doc_id"),
            (f"PMID:{HV + 4}", f"{b}#5", "malformed_xml"),
        ]
        replaced = {r["doc_id"]: r["detail"] for r in rejects if r["reason"] == "duplicate_doc_id"}
        assert f"PMID:{HV + 3} version 1 is replaced by version 2" in replaced[f"PMID:{HV + 3}"]
        assert f"PMID:{HV + 4} version 1 is replaced by version 2" in replaced[f"PMID:{HV + 4}"]
        # the files table counts each kept version in its own file (check's accounting held too, in ingest)
        files = {f["path"]: f for f in store.read_partition(tmp_path / f"out{n}", "files", "versions").to_pylist()}
        assert {p: (f["n_documents"], f["n_rejects"]) for p, f in files.items()} == {a: (3, 2), b: (2, 4)}


# ---------------------------------------------------------------- what the record splitter must not cut

S = 39_200_000


def _with_abstract(pmid: int, abstract: bytes) -> bytes:
    """A citation whose abstract is ``abstract`` (raw XML bytes)."""
    xml = citation(pmid)
    start, end = xml.index(b"<Abstract>") + len(b"<Abstract>"), xml.index(b"</Abstract>")
    return xml[:start] + b"<AbstractText>" + abstract + b"</AbstractText>" + xml[end:]


def _abstracts(raw: list[dict]) -> dict[str, str]:
    return {d["doc_id"]: d["text"] for d in raw}


def test_cdata_and_comments_holding_citation_tags_cut_nothing(tmp_path):
    # Before the fix the splitter took the tags inside CDATA sections and comments for citation boundaries: S was
    # cut at the "<PubmedArticle>" of its CDATA, S+2 at the "</PubmedArticle>" of its comment, the DeleteCitation in
    # S+3's CDATA deleted S+1, and the two commented-out citations were the only documents kept (11 rejects).
    parts = [
        _with_abstract(S, b"Markup <![CDATA[<PubmedArticle> and </PubmedArticle>]]> in text; cisplatin was given."),
        b"\n<!-- commented out: " + citation(S + 8) + b"\n" + citation(S + 9) + b" -->\n",
        citation(S + 1),
        _with_abstract(S + 2, b"Cisplatin <!-- </PubmedArticle> --> caused nephrotoxicity."),
        b"<?note <PubmedArticle> ?>\n",
        _with_abstract(S + 3, b"<![CDATA[<DeleteCitation><PMID>%d</PMID></DeleteCitation>]]>" % (S + 1)),
        b"<!-- </PubmedArticleSet> -->\n",
    ]
    path = medline_file(tmp_path / "in" / "markup.xml", parts)
    raw, rejects = ingest([path], tmp_path / "out", "markup")
    # commented-out citations are no documents, but not dropped unseen either: a reject names each
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [
        (f"PMID:{S + 8}", "malformed_xml"),
        (f"PMID:{S + 9}", "malformed_xml"),
    ]
    assert "are not a readable citation" in rejects[0]["detail"] and "<!-- commented out" in rejects[0]["detail"]
    texts = _abstracts(raw)
    assert list(texts) == [f"PMID:{S + i}" for i in range(4)]
    assert texts[f"PMID:{S}"] == "Markup <PubmedArticle> and </PubmedArticle> in text; cisplatin was given."
    assert texts[f"PMID:{S + 2}"] == "Cisplatin caused nephrotoxicity."
    assert texts[f"PMID:{S + 3}"] == f"<DeleteCitation><PMID>{S + 1}</PMID></DeleteCitation>"
    (files,) = store.read_partition(tmp_path / "out", "files", "markup").to_pylist()
    assert files["deleted_pmids"] == []


def test_a_comment_or_cdata_never_closed_costs_only_its_citation(tmp_path):
    # damage, not markup: the opener is read as text, and the citations after it are read
    parts = [
        citation(S + 10),
        _with_abstract(S + 11, b"Cisplatin <!-- caused nephrotoxicity."),
        _with_abstract(S + 12, b"Cisplatin <![CDATA[ caused nephrotoxicity."),
        citation(S + 13),
    ]
    path = medline_file(tmp_path / "in" / "open.xml", parts)
    raw, rejects = ingest([path], tmp_path / "out", "open")
    assert [d["doc_id"] for d in raw] == [f"PMID:{S + 10}", f"PMID:{S + 13}"]
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [
        (f"PMID:{S + 11}", "malformed_xml"),
        (f"PMID:{S + 12}", "malformed_xml"),
    ]
    # a stray "<!--" whose "-->" is three citations further on: taken for a comment, it would swallow the two
    # citations between unseen (and make one citation of two); a comment does not span a boundary between citations
    parts = [
        _with_abstract(S + 14, b"Cisplatin <!-- caused nephrotoxicity."),
        citation(S + 15),
        citation(S + 16),
        _with_abstract(S + 17, b"Warfarin --> bleeding."),
    ]
    path = medline_file(tmp_path / "in" / "stray.xml", parts)
    raw, rejects = ingest([path], tmp_path / "out", "stray")
    assert [d["doc_id"] for d in raw] == [f"PMID:{S + 15}", f"PMID:{S + 16}", f"PMID:{S + 17}"]
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [(f"PMID:{S + 14}", "malformed_xml")]
    assert "Comment not terminated" in rejects[0]["detail"]
    # the same stray "<!--" between two citations: the citations it hides get a reject each
    parts = [citation(S + 18), b"<!-- stray\n", citation(S + 19), citation(S + 20), b"-->\n", citation(S + 21)]
    path = medline_file(tmp_path / "in" / "stray_between.xml", parts)
    raw, rejects = ingest([path], tmp_path / "out", "stray_between")
    assert [d["doc_id"] for d in raw] == [f"PMID:{S + 18}", f"PMID:{S + 21}"]
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [
        (f"PMID:{S + 19}", "malformed_xml"),
        (f"PMID:{S + 20}", "malformed_xml"),
    ]


def test_namespace_prefixes_of_the_root_are_known_in_each_citation(tmp_path):
    # Before the fix each citation was parsed without the root's start tag: "Namespace prefix mml on math is not
    # defined", and S+20 was a malformed_xml reject.  A default namespace on the root is read as before; citation tags
    # with a prefix (not MEDLINE) are a clear reject, not supported.
    head = _HEAD.replace(
        b"<PubmedArticleSet>",
        b"<PubmedArticleSet xmlns:mml=\"http://www.w3.org/1998/Math/MathML\"\n  xmlns:xlink='http://www.w3.org/1999/xlink'>",
    )
    math = b"Dose <mml:math><mml:mi>x</mml:mi></mml:math> of cisplatin caused <i xlink:href='#a'>nephrotoxicity</i>."
    path = tmp_path / "in" / "ns.xml"
    path.parent.mkdir(parents=True)
    path.write_bytes(head + citation(S + 19) + _with_abstract(S + 20, math) + _TAIL)
    default = tmp_path / "in" / "default_ns.xml"
    default.write_bytes(
        _HEAD.replace(b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns="http://example.org/pubmed">')
        + citation(S + 21)
        + _TAIL
    )
    prefixed = tmp_path / "in" / "prefixed.xml"
    prefixed.write_bytes(
        _HEAD.replace(b"<PubmedArticleSet>", b'<pm:PubmedArticleSet xmlns:pm="http://example.org/pubmed">')
        + b"<pm:PubmedArticle><pm:MedlineCitation><pm:PMID>%d</pm:PMID></pm:MedlineCitation></pm:PubmedArticle>"
        % (S + 22)
        + b"</pm:PubmedArticleSet>\n"
    )
    raw, rejects = ingest([str(path), str(default), str(prefixed)], tmp_path / "out", "ns")
    texts = _abstracts(raw)
    assert sorted(texts) == [f"PMID:{S + 19}", f"PMID:{S + 20}", f"PMID:{S + 21}"]
    assert texts[f"PMID:{S + 20}"] == "Dose x of cisplatin caused nephrotoxicity."
    ((source, reason),) = [(r["source"], r["reason"]) for r in rejects]
    assert source.startswith(str(prefixed)) and reason == "malformed_xml"


def test_a_doctype_internal_subset_with_brackets_in_quotes_is_read(tmp_path):
    # Before the fix the DOCTYPE ended at the "]" of the entity value "[1]": "no root element", the whole file lost.
    head = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n  <!ENTITY ref "[1]">\n'
        b"  <!ENTITY gt2 '>]>'>\n  <!-- a ] in a comment, and don't -->\n]>\n<PubmedArticleSet>\n"
    )
    path = tmp_path / "in" / "doctype.xml"
    path.parent.mkdir(parents=True)
    path.write_bytes(head + citation(S + 30) + citation(S + 31) + _TAIL)
    raw, rejects = ingest([str(path)], tmp_path / "out", "doctype")
    assert [d["doc_id"] for d in raw] == [f"PMID:{S + 30}", f"PMID:{S + 31}"] and rejects == []
