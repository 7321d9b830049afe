"""A damaged PubTator file costs what is damaged, and says so.

The files are real BC5CDR development records (shared folder), damaged in the
test as a QA found them: an annotation offset past the text, a record without
its abstract line, and a last record cut mid-abstract (a partial download).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract import stages, store
from extract.corpora.pubtator import PubtatorFormatError, read_pubtator

CDR_DEV = Path("corpora") / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"


@pytest.fixture(scope="module")
def records(shared_dir) -> list[list[str]]:
    """The first 5 records of BC5CDR dev, each as its lines (title, abstract, annotations)."""
    blocks = (shared_dir / CDR_DEV).read_text(encoding="utf-8").split("\n\n")[:5]
    return [block.strip("\n").split("\n") for block in blocks]


def _pmid(record: list[str]) -> str:
    return record[0].split("|t|", 1)[0]


def _text(record: list[str]) -> tuple[str, str]:
    return record[0].split("|t|", 1)[1], record[1].split("|a|", 1)[1]


def _ingest(path: Path, out: Path) -> tuple[dict[str, dict], list, dict]:
    """Ingest ``path`` with a runs row; the raw documents read back by doc id, the rejects and runs.detail."""
    started = stages.now()
    result, outcome = stages.ingest_batch([str(path)], out, "b")
    stages.record_run(out, stages.new_run_id(), outcome, started)
    raw = store.read_partition(out, "raw_documents", "b").to_pylist()
    (run,) = store.read_partition(out, "runs", "b").to_pylist()
    return {d["doc_id"]: d for d in raw}, result.rejects, json.loads(run["detail"] or "{}")


def test_a_bad_annotation_drops_the_annotation_not_the_document(records, tmp_path):
    bad, unparsable = records[1], records[2]
    pmid = _pmid(bad)
    mention = next(line for line in bad[2:] if len(line.split("\t")) >= 6).split("\t")
    bad = [*bad, "\t".join([mention[0], "99990", "99997", *mention[3:]])]  # offset past the text
    unparsable = [*unparsable, f"{_pmid(unparsable)}\t12\tcut"]  # an annotation line of 3 columns
    lines = [*records[0], "", *bad, "", *unparsable, "", *records[3], ""]
    path = tmp_path / "offsets.pubtator"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    docs, rejects, detail = _ingest(path, tmp_path / "out")
    assert rejects == []
    assert len(docs) == 4
    title, abstract = _text(bad)
    assert (docs[f"PMID:{pmid}"]["title"], docs[f"PMID:{pmid}"]["text"]) == (title, abstract)
    assert detail["pubtator_annotations_ignored"] == 2
    first, second = detail["pubtator_annotations_ignored_examples"]
    assert f"#1 PMID:{pmid} line {len(records[0]) + 1 + len(bad)}:" in first and "99990:99997" in first
    assert f"#2 PMID:{_pmid(unparsable)} line" in second and "3 columns" in second

    # the training readers still refuse the block (errors="raise") or skip it whole, as before
    with pytest.raises(PubtatorFormatError, match="99990"):
        list(read_pubtator(path))
    skipped: list[PubtatorFormatError] = []
    kept = [d.pmid for d in read_pubtator(path, errors="skip", on_error=skipped.append)]
    assert kept == [_pmid(records[0]), _pmid(records[3])] and len(skipped) == 2


def test_a_record_without_its_abstract_line_is_rejected_as_such(records, tmp_path):
    damaged = [records[1][0], *records[1][2:]]  # the abstract line removed
    path = tmp_path / "no_abstract.pubtator"
    path.write_text("\n".join([*records[0], "", *damaged, "", *records[2], ""]) + "\n", encoding="utf-8")

    docs, rejects, _ = _ingest(path, tmp_path / "out")
    assert sorted(docs) == sorted(f"PMID:{_pmid(r)}" for r in (records[0], records[2]))
    (reject,) = rejects
    assert reject.reason == "malformed_pubtator" and reject.doc_id == f"PMID:{_pmid(records[1])}"
    assert "no abstract line" in reject.detail and "does not match" not in reject.detail
    assert reject.source.endswith("#1")
    # a training reader's error says so too, rather than only that a mention is not at its offsets
    with pytest.raises(PubtatorFormatError, match="no abstract line"):
        list(read_pubtator(path))


def test_a_last_record_cut_mid_abstract_is_a_reject(records, tmp_path):
    last = records[4]
    _, abstract = _text(last)
    cut = f"{_pmid(last)}|a|{abstract[: len(abstract) // 2]}"  # the file ends here, no line end
    path = tmp_path / "cut.pubtator"
    path.write_text("\n\n".join("\n".join(r) for r in records[:4]) + f"\n\n{last[0]}\n{cut}", encoding="utf-8")

    docs, rejects, _ = _ingest(path, tmp_path / "out")
    assert len(docs) == 4 and f"PMID:{_pmid(last)}" not in docs
    (reject,) = rejects
    assert reject.reason == "malformed_pubtator" and reject.doc_id == f"PMID:{_pmid(last)}"
    assert reject.source.endswith("#4") and "without a line end" in reject.detail and "cut short" in reject.detail


@pytest.mark.parametrize(
    "ending",
    ["\n", "\n\n", "\r\n", "annotation"],
    ids=["line-end", "blank-line", "crlf", "last-annotation-line-without-line-end"],
)
def test_a_whole_last_record_is_kept_however_the_file_ends(records, tmp_path, ending):
    """BC5CDR and NCBI files end with one line end, BioRED with a blank line; a last annotation line without a line
    end leaves the text whole (the annotations are not used)."""
    body = "\n\n".join("\n".join(r) for r in records)
    body = body + ("" if ending == "annotation" else ending)
    path = tmp_path / "whole.pubtator"
    path.write_bytes(body.encode("utf-8"))
    assert records[4][-1].count("\t") >= 3  # the last line is an annotation line

    docs, rejects, _ = _ingest(path, tmp_path / "out")
    assert rejects == [] and len(docs) == 5
    _, abstract = _text(records[4])
    assert docs[f"PMID:{_pmid(records[4])}"]["text"] == abstract
