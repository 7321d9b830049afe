"""Bad input never stops a run: every unusable file or document becomes a rejects row with a stable reason.

Two layers:
- library (fast): ``ingest_paths`` / ``stages.ingest_batch`` + the clean stage over
  hand-made bad files and hypothesis-generated ones (random bytes, random
  truncations of a valid ``.xml.gz``, random unicode text);
- end to end: one real ``biomed-extract run`` (CLI, Prefect, all four stages)
  over a folder of every hand-made bad file, then ``biomed-extract check``.
"""

from __future__ import annotations

import gzip
import io
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from extract import schemas, stages, store
from extract.check import check_output
from extract.clean.stage import clean_documents
from extract.ingest import ingest_paths
from extract.rejects import REASONS
from extract.settings import Settings
from helpers import ROOT, biomed_extract, cli_env, tiny_ner_model
from pipelines.cli import app

FIXTURES = ROOT / "tests" / "fixtures" / "bad_inputs"
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_medline import write_medline

# file name -> the reject reasons it must produce (at least one row each); None: must be ingested cleanly
EXPECTED: dict[str, set[str] | None] = {
    "empty.xml": {"empty_file"},
    "blank.txt": {"empty_file"},
    "binary.pdf": {"binary_file"},
    "truncated.xml.gz": {"truncated_gzip"},
    "malformed.xml": {"malformed_xml"},
    "table.csv": {"unknown_format"},
    "error_page.xml": {"error_page"},
    "not_found.html": {"error_page"},
    "catalog.xml": {"unsupported_xml"},
    "duplicate_pmid.xml": {"duplicate_doc_id"},
    "page_copy_b.txt": {"duplicate_content"},
    "french_case.txt": {"unsupported_language"},
    "no_text.xml": {"no_text"},
    "huge_page.html": {"document_truncated"},
    "page_copy_a.txt": None,
    "latin1_page.txt": None,
    "mojibake_page.txt": None,
    "good_page.html": None,
}
# documents that must still be ingested from partly bad files
KEPT = {"truncated.xml.gz": 1, "malformed.xml": 1, "duplicate_pmid.xml": 1, "huge_page.html": 1}
HUGE_LIMIT = 50_000  # max_doc_chars for the tests: the huge page is ~20x over it


def _huge_page() -> str:
    """A journal page with a large supplementary table pasted into it (~1 MB of HTML)."""
    rows = "".join(
        f"<tr><td>P{i:05d}</td><td>{i % 90 + 10}</td><td>aspirin</td><td>{(i * 7) % 100} mg</td>"
        f"<td>headache grade {i % 4}</td></tr>\n"
        for i in range(12_000)
    )
    return (
        "<html><head><title>Aspirin and headache: supplementary data</title></head><body>"
        "<h1>Aspirin and headache: supplementary data</h1><p>Aspirin was associated with headache in this "
        "cohort of patients treated for cardiovascular prevention; the table lists every participant.</p>"
        f"<table>{rows}</table></body></html>\n"
    )


def make_bad_folder(folder: Path) -> Path:
    """The hand-made fixtures plus the generated huge page, copied into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in FIXTURES.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "huge_page.html").write_text(_huge_page())
    return folder


def _reasons_by_file(rejects: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rejects:
        out.setdefault(Path(r["source"].rsplit("#", 1)[0]).name, set()).add(r["reason"])
    return out


def _assert_expected(reasons: dict[str, set[str]], docs_per_file: Counter) -> None:
    for name, expected in EXPECTED.items():
        if expected is None:
            assert name not in reasons, f"{name} was rejected: {reasons.get(name)}"
            assert docs_per_file[name] == 1, name
        else:
            assert expected <= reasons.get(name, set()), f"{name}: expected {expected}, got {reasons.get(name)}"
    for name, n in KEPT.items():
        assert docs_per_file[name] >= n, f"{name}: documents before the problem must be kept"
    assert set(reasons) <= set(EXPECTED), f"unexpected rejects: {set(reasons) - set(EXPECTED)}"


# ---------------------------------------------------------------- library level, hand-made files


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory) -> Path:
    return make_bad_folder(tmp_path_factory.mktemp("bad") / "inputs")


def test_every_hand_made_bad_input_has_its_reject(bad_folder):
    result = ingest_paths([str(bad_folder)], "b-bad", Settings(max_doc_chars=HUGE_LIMIT))
    rejects = [r.row("b-bad") for r in result.rejects]
    assert all(r["reason"] in REASONS and r["detail"].strip() for r in rejects)
    docs_per_file = Counter(Path(s).name for s in result.documents["source"].to_pylist())
    _assert_expected(_reasons_by_file(rejects), docs_per_file)
    truncated = next(r for r in rejects if r["reason"] == "document_truncated")
    assert str(HUGE_LIMIT) in truncated["detail"] and truncated["doc_id"]
    huge = next(d for d in result.documents.to_pylist() if d["source"].endswith("huge_page.html"))
    assert len(huge["text"]) <= HUGE_LIMIT and huge["text"].startswith("Aspirin and headache")


def test_encodings_are_detected_and_mojibake_repaired(bad_folder):
    result = ingest_paths([str(bad_folder / "latin1_page.txt"), str(bad_folder / "mojibake_page.txt")], "b-enc")
    texts = {Path(d["source"]).name: d["text"] for d in result.documents.to_pylist()}
    assert "Montréal" in texts["latin1_page.txt"] and "café-au-lait" in texts["latin1_page.txt"]
    assert "naïve" in texts["latin1_page.txt"]
    assert "Dr. Müller at the Hôpital Saint-Louis" in texts["mojibake_page.txt"]
    assert "5–10 ng/mL" in texts["mojibake_page.txt"]
    assert "Ã" not in texts["mojibake_page.txt"]


@pytest.mark.parametrize("suffix", [".txt", ".html", ".pubtator"])
def test_one_stray_byte_in_utf8_text_garbles_nothing_else(tmp_path, suffix):
    """UTF-8 text with one invalid byte is still read as UTF-8 (the byte as cp1252), not as a legacy encoding that
    would turn every "β" and "°" of the document into mojibake."""
    before, after = "Propranolol, a β-blocker given at 5 µg/kg, caused bradycardia at 37 °C in Müller's coh", "ort."
    raw = before.encode("utf-8") + bytes([0xFF]) + after.encode("utf-8")
    if suffix == ".pubtator":
        raw = b"91000001|t|Stray byte\n91000001|a|" + raw + b"\n\n"
    path = tmp_path / f"stray{suffix}"
    path.write_bytes(raw)
    result = ingest_paths([str(path)], "b-stray")
    assert result.rejects == []
    [text] = [d["text"] for d in result.documents.to_pylist()]
    assert "a β-blocker given at 5 µg/kg" in text and "37 °C in Müller's cohÿort." in text


def test_html_goes_through_a_parser(bad_folder):
    doc = ingest_paths([str(bad_folder / "good_page.html")], "b-html").documents.to_pylist()[0]
    assert doc["title"] == "Cisplatin nephrotoxicity in a child"
    assert "var x" not in doc["text"] and "Journal home" not in doc["text"]
    assert "acute kidney injury" in doc["text"]


def test_truncated_gzip_keeps_documents_before_the_cut(bad_folder):
    result = ingest_paths([str(bad_folder / "truncated.xml.gz")], "b-gz")
    (reject,) = result.rejects
    assert reject.reason == "truncated_gzip" and "kept" in reject.detail
    ids = result.documents["doc_id"].to_pylist()
    assert ids and ids == [f"PMID:{31_000_100 + i}" for i in range(len(ids))]


def test_ingest_batch_and_clean_account_for_every_file(bad_folder, tmp_path):
    """Library-level run of ingest + clean over the bad folder: no exception, every file accounted for."""
    out = tmp_path / "out"
    result, outcome = stages.ingest_batch([str(bad_folder)], out, "b-lib", Settings(max_doc_chars=HUGE_LIMIT))
    raw = store.read_partition(out, "raw_documents", "b-lib")
    assert outcome.n_out == raw.num_rows and outcome.n_rejected == len(result.rejects)
    clean = stages.write_clean(out, "b-lib", raw.num_rows, [stages.clean_chunk(raw)])
    assert clean.n_out + clean.n_rejected == raw.num_rows
    files = store.read_partition(out, "files", "b-lib").to_pylist()
    rejects = store.read_partition(out, "rejects", "b-lib").to_pylist()
    rejected_files = {Path(r["source"].rsplit("#", 1)[0]).name for r in rejects}
    for f in files:
        assert f["n_documents"] > 0 or Path(f["path"]).name in rejected_files, f["path"]


# ---------------------------------------------------------------- library level, generated inputs

SUFFIXES = ["", ".xml", ".nxml", ".txt", ".html", ".xml.gz", ".pubtator", ".csv"]
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _ingest_and_clean_one(data: bytes, suffix: str) -> tuple[list[dict], int, list[dict]]:
    """Ingest one file holding ``data`` and clean what it yields; assert the accounting invariants."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        result = ingest_paths([str(path)], "b-hyp")
        rejects = [r.row("b-hyp") for r in result.rejects]
        for r in rejects:
            assert r["reason"] in REASONS and r["detail"].strip()
        (file_row,) = result.files.to_pylist()
        assert file_row["n_documents"] == result.documents.num_rows
        assert file_row["n_documents"] > 0 or rejects, "a file that yields nothing must have a reject"
        cleaned = clean_documents(result.documents)
        assert cleaned.documents.num_rows + len(cleaned.rejects) == result.documents.num_rows
        for doc in cleaned.documents.to_pylist():
            for sec in doc["sections"]:
                assert 0 <= sec["start"] <= sec["end"] <= len(doc["text"])
        return rejects, result.documents.num_rows, result.documents.to_pylist()


@HYPOTHESIS
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_never_stop_ingest(data, suffix):
    _ingest_and_clean_one(data, suffix)


@HYPOTHESIS
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000),
    suffix=st.sampled_from([".txt", ".html", ""]),
)
def test_random_unicode_text_never_stops_ingest(text, suffix):
    rejects, n_docs, docs = _ingest_and_clean_one(text.encode("utf-8"), suffix)
    if not text.strip():
        assert {r["reason"] for r in rejects} & {"empty_file", "no_text", "binary_file"}  # control chars only


def _valid_gzip() -> tuple[bytes, list[str]]:
    buf = io.StringIO()
    write_medline(buf, 8, seed=5, first_pmid=32_000_000)
    ids = [f"PMID:{32_000_000 + i}" for i in range(8)]
    return gzip.compress(buf.getvalue().encode(), mtime=0), ids


VALID_GZ, VALID_IDS = _valid_gzip()


@HYPOTHESIS
@given(cut=st.integers(min_value=0, max_value=len(VALID_GZ) - 1))
def test_random_truncations_of_a_valid_gzip(cut):
    rejects, n_docs, docs = _ingest_and_clean_one(VALID_GZ[:cut], ".xml.gz")
    reasons = {r["reason"] for r in rejects}
    if cut == 0:
        assert reasons == {"empty_file"}
    elif cut < 2:  # not even the gzip magic number: read as a plain (binary) file
        assert reasons & {"binary_file", "unknown_format", "unsupported_xml", "empty_file"}
    else:
        assert reasons == {"truncated_gzip"}, reasons
        # the documents kept are exactly the complete ones before the cut, in order
        assert [d["doc_id"] for d in docs] == VALID_IDS[:n_docs]


def test_whole_valid_gzip_has_no_rejects():
    rejects, n_docs, _ = _ingest_and_clean_one(VALID_GZ, ".xml.gz")
    assert rejects == [] and n_docs == 8


# ---------------------------------------------------------------- end to end: CLI, Prefect, all stages


def test_cli_run_over_all_bad_inputs_completes_and_checks(tmp_path):
    inputs = make_bad_folder(tmp_path / "inputs")
    out = tmp_path / "out"
    env = cli_env(tiny_ner_model(tmp_path), BIOMED_EXTRACT_MAX_DOC_CHARS=str(HUGE_LIMIT))
    # --strict: the run completes (all tables written) and exits 4 because it wrote rejects
    proc = biomed_extract(["run", str(inputs), "--out", str(out), "--batch", "bad", "--strict"], env)
    assert proc.returncode == 4, proc.stderr[-3000:]
    rejects = store.read_table(out, "rejects").to_pylist()
    n_rejects = len(rejects)
    summary = " ".join(proc.stderr.split())
    assert f"{n_rejects} rejects" in summary and "error_page: 2" in summary
    documents = store.read_table(out, "documents")
    docs_per_file = Counter(Path(s).name for s in documents["source"].to_pylist())
    _assert_expected(_reasons_by_file(rejects), docs_per_file)
    assert store.read_table(out, "entities").num_rows > 0  # the real NER and relations stages ran
    assert store.has_partition(out, "relations", "bad")
    report = check_output(out)
    assert report.ok, report.violations
    assert biomed_extract(["check", "--out", str(out)], env).returncode == 0
    runs = store.read_table(out, "runs").to_pylist()
    assert {r["stage"]: r["status"] for r in runs}["ingest"] == "completed_with_rejects"
    # readers see only committed files
    assert not list(out.glob("**/*.tmp"))
    assert pq.ParquetDataset(out / "rejects").read().num_rows == n_rejects


# ---------------------------------------------------------------- DeleteCitation and `check` on tampered output


def run_library_pipeline(inputs: list[str], out: Path, batch_id: str, model: Path) -> dict:
    """All four stages through ``extract.stages`` (no Prefect), with runs rows; returns the ingest outcome detail."""
    settings = Settings(ner_model=str(model))
    run_id = stages.new_run_id()
    started = stages.now()
    _, outcome = stages.ingest_batch(inputs, out, batch_id)
    stages.record_run(out, run_id, outcome, started)
    raw = stages.load_clean_input(out, batch_id)
    stages.write_clean(out, batch_id, raw.num_rows, [stages.clean_chunk(raw)])
    documents, sentences = stages.load_ner_input(out, batch_id)
    stages.write_ner(out, batch_id, documents.num_rows, [stages.ner_chunk(documents, sentences, settings)])
    documents, sentences, entities = stages.load_relations_input(out, batch_id)
    stages.write_relations(
        out, batch_id, documents.num_rows, [stages.relations_chunk(documents, sentences, entities, settings)]
    )
    return outcome.detail


@pytest.fixture(scope="module")
def deletion_output(tmp_path_factory) -> tuple[Path, dict]:
    """Batch ``base`` (20 citations), then batch ``update`` whose DeleteCitation names 5 of them."""
    out, _, _, detail, _ = _base_and_update(
        tmp_path_factory.mktemp("deletions"),
        ("pubmed-base.xml", 20, 7, 33_000_000, None),
        ("pubmed-update.xml.gz", 3, 8, 33_000_020, list(range(33_000_015, 33_000_020))),
        "update",
    )
    return out, detail


def _base_and_update(tmp: Path, base_spec: tuple, update_spec: tuple, update_batch: str) -> tuple:
    """Two MEDLINE files written by ``write_medline`` (name, citations, seed, first PMID, deleted PMIDs), run through
    every stage as batch ``base`` and then ``update_batch``; returns (out, base, update, update detail, model)."""
    model = tiny_ner_model(tmp)
    paths = []
    for folder, (name, n, seed, first, delete) in (("in", base_spec), ("in2", update_spec)):
        path = tmp / folder / name
        path.parent.mkdir()
        with gzip.open(path, "wt") if name.endswith(".gz") else open(path, "w") as fh:
            write_medline(fh, n, seed=seed, first_pmid=first, delete=delete)
        paths.append(path)
    out = tmp / "out"
    run_library_pipeline([str(paths[0])], out, "base", model)
    detail = run_library_pipeline([str(paths[1])], out, update_batch, model)
    return out, paths[0], paths[1], detail, model


def test_delete_citation_removes_pmids_from_every_table(deletion_output):
    out, detail = deletion_output
    deleted = {f"PMID:{p}" for p in range(33_000_015, 33_000_020)}
    assert detail["deleted_pmids"] == 5
    assert detail["deleted_rows"]["raw_documents"] == detail["deleted_rows"]["documents"] == 5
    assert detail["deleted_rows"]["entities"] > 0
    for table in ("raw_documents", "documents", "sentences", "entities", "relations", "document_relations"):
        assert not deleted & set(store.read_table(out, table)["doc_id"].to_pylist()), table
    assert store.read_partition(out, "documents", "base").num_rows == 15
    rejects = store.read_partition(out, "rejects", "base").to_pylist()
    assert {r["doc_id"] for r in rejects if r["reason"] == "deleted_citation"} == deleted
    runs = store.read_partition(out, "runs", "update").to_pylist()
    ingest_run = next(r for r in runs if r["stage"] == "ingest")
    assert '"deleted_pmids": 5' in ingest_run["detail"]
    files = store.read_partition(out, "files", "update").to_pylist()
    assert files[0]["deleted_pmids"] == [str(p) for p in range(33_000_015, 33_000_020)]
    report = check_output(out)
    assert report.ok, report.violations


@pytest.fixture(scope="module")
def revision_output(tmp_path_factory) -> tuple[Path, Path, Path, Path]:
    """NLM baseline file ``pubmed24n0001`` (10 citations) as batch ``base``, then update file ``pubmed24n1001``
    revising two of them (other titles and texts) as batch ``upd``."""
    out, base, update, _, model = _base_and_update(
        tmp_path_factory.mktemp("revisions"),
        ("pubmed24n0001.xml", 10, 7, 34_000_000, None),
        # revises 34000008 and 34000009, adds 34000010, deletes 34000001
        ("pubmed24n1001.xml.gz", 3, 9, 34_000_008, [34_000_001]),
        "upd",
    )
    return out, base, update, model


REVISED = {"PMID:34000008", "PMID:34000009"}


def test_a_citation_revised_by_a_newer_update_file_is_kept_once_in_its_newest_version(revision_output):
    out, base, update, model = revision_output
    for table in ("raw_documents", "documents", "entities"):
        assert not REVISED & set(store.read_partition(out, table, "base")["doc_id"].to_pylist()), table
        assert REVISED <= set(store.read_partition(out, table, "upd")["doc_id"].to_pylist()) or table == "entities"
    rejects = store.read_partition(out, "rejects", "base").to_pylist()
    assert {r["doc_id"] for r in rejects if r["reason"] == "superseded_citation"} == REVISED
    assert check_output(out).ok, check_output(out).violations
    assert "PMID:34000001" not in set(store.read_table(out, "documents")["doc_id"].to_pylist())
    # re-running the baseline batch brings back neither the old versions nor the deleted citation
    run_library_pipeline([str(base)], out, "base", model)
    assert not (REVISED | {"PMID:34000001"}) & set(store.read_partition(out, "documents", "base")["doc_id"].to_pylist())
    assert REVISED <= set(store.read_partition(out, "documents", "upd")["doc_id"].to_pylist())
    assert check_output(out).ok, check_output(out).violations


def test_in_one_batch_the_newest_file_s_version_is_kept(revision_output):
    _, base, update, _ = revision_output
    result = ingest_paths([str(base), str(update)], "both")
    docs = {d["doc_id"]: d for d in result.documents.to_pylist()}
    assert len(docs) == 10 and all(docs[d]["source"] == str(update) for d in REVISED)  # 34000001 deleted
    older = [r for r in result.rejects if r.doc_id in REVISED]
    assert len(older) == 2 and all(r.reason == "duplicate_doc_id" and "newer update file" in r.detail for r in older)


def _tamper(out: Path, table: str, batch: str, change) -> None:
    rows = store.read_partition(out, table, batch).to_pylist()
    change(rows)
    store.write_partition(out, table, batch, schemas.to_table(table, rows))


@pytest.mark.parametrize(
    "damage", ["shifted_entity", "orphan_entity", "dangling_relation", "garbage_file", "lost_document"]
)
def test_check_catches_corrupted_output(deletion_output, tmp_path, damage):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(deletion_output[0], out)
    # the copy is sound before the damage (the `check` command's exit 0 on sound output is asserted once,
    # in test_cli_run_over_all_bad_inputs_completes_and_checks)
    assert check_output(out).ok
    if damage == "shifted_entity":
        _tamper(out, "entities", "base", lambda rows: rows[0].update(start=rows[0]["start"] + 1))
    elif damage == "orphan_entity":
        _tamper(out, "entities", "base", lambda rows: rows[0].update(doc_id="PMID:1"))
    elif damage == "dangling_relation":
        _tamper(out, "relations", "base", lambda rows: rows[0].update(tail_entity_id="PMID:1#e99"))
    elif damage == "garbage_file":
        (out / "sentences" / "batch_id=base" / "part-0.parquet").write_bytes(b"PAR1 not really parquet")
    else:
        _tamper(out, "documents", "base", lambda rows: rows.pop())
    # the `check` command in this process (its subprocess form runs in test_cli_run_over_all_bad_inputs_...)
    res = CliRunner().invoke(app, ["check", "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 1, res.output[-2000:]
    assert "violation:" in res.stderr
    # every violation names its batch ("[base] ..."), which the console must not read as markup
    violations = [
        line for line in res.stderr.splitlines() if line.startswith("violation:") and "more violations" not in line
    ]
    assert violations and all("[base]" in line for line in violations), res.stderr


def test_check_of_a_folder_that_is_not_there_fails(tmp_path):
    res = CliRunner().invoke(app, ["check", "--out", str(tmp_path / "nowhere")], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and "not an output folder" in res.stderr


@pytest.mark.parametrize("suffix", [".pubtator", ".txt", ".xml"])
def test_byte_order_mark_only_file_is_rejected(suffix):
    # found by hypothesis: b"\xfe\xff" as a PubTator file yielded no document and no reject
    rejects, n_docs, _ = _ingest_and_clean_one(b"\xfe\xff", suffix)
    assert n_docs == 0 and rejects
