"""concept_pairs, the HTML report and `show`, on real pipeline output read back.

The pipeline runs once for the session (``sample_run`` in conftest.py): the CLI
in a subprocess over the seed pages and the bundled samples, then a second batch
holding a shortened copy of the teriparatide case report (a new document stating
the same adverse event) and the calcinosis page again (the same document in a
second batch).  The report is opened in headless Chromium
over its DevTools protocol and checked from the rendered page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, copy_output
from extract import store
from extract.reporting.concept_pairs import build_concept_pairs, read_concept_pairs

TERIPARATIDE = "MESH:D019379"  # linker-0.3.0: MeSH descriptor (DrugBank DB06285 joined to it)
CALCINOSIS = "MESH:D002114"  # 'dystrophic calcification' links to Calcinosis
SYSTEMIC_SCLEROSIS = "MESH:D012595"
CALCINOSIS_CUTIS = "MESH:D000092182"  # MeSH 2024 (linker-0.6.0); HPO's HP:0025520 before


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def output(sample_run) -> dict:
    """The session's shared run (``sample_run`` in conftest.py): read-only, copied by the tests that write."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return {"out": sample_run["out"], "env": env, "report": sample_run["report"]}


def _pair(pairs: pd.DataFrame, rel_type: str, head: str, tail: str) -> pd.Series:
    rows = pairs[(pairs["type"] == rel_type) & (pairs["head_concept_id"] == head) & (pairs["tail_concept_id"] == tail)]
    assert len(rows) == 1, f"no single {rel_type} {head} -> {tail} row"
    return rows.iloc[0]


def test_parent_flow_writes_concept_pairs_counted_across_batches(output):
    out = output["out"]
    stored = read_concept_pairs(out).to_pandas()
    assert store.list_batches(out, "concept_pairs") == ["all"]
    assert len(stored) == build_concept_pairs(out).num_rows > 0  # the parent flow rebuilt it after the last run

    # the same adverse event in two documents of two batches: counted twice, best evidence kept
    ade = _pair(stored, "drug_adverse_event", TERIPARATIDE, CALCINOSIS)
    doc_relations = pd.read_parquet(out / "document_relations")
    supporting = doc_relations[
        (doc_relations["type"] == "drug_adverse_event")
        & (doc_relations["head_concept_id"] == TERIPARATIDE)
        & (doc_relations["tail_concept_id"] == CALCINOSIS)
    ]
    assert sorted(supporting["batch_id"]) == ["again", "seeds"]
    assert ade["n_documents"] == 2 and list(ade["doc_ids"]) == sorted(supporting["doc_id"])
    assert ade["n_sentences"] == supporting["n_sentences"].sum()
    assert ade["score"] == pytest.approx(supporting["score"].max())
    assert ade["head_name"] == "Teriparatide" and "dystrophic calcification" in ade["tail_text"]
    assert (
        # head_start is a float in pandas: a pair stated only across sentences has no head offsets (null)
        ade["evidence"][
            int(ade["head_start"]) - ade["evidence_start"] : int(ade["head_end"]) - ade["evidence_start"]
        ].lower()
        == "teriparatide"
    )

    # the calcinosis page is in both batches: one document, not two
    manifestation = _pair(stored, "disease_manifestation", SYSTEMIC_SCLEROSIS, CALCINOSIS_CUTIS)
    assert manifestation["n_documents"] == 1 and manifestation["tail_name"] == "Calcinosis Cutis"

    # every pair of document_relations is one row, sorted by type, documents desc, score desc
    assert len(stored) == len(doc_relations.drop_duplicates(["type", "head_concept_id", "tail_concept_id"]))
    keys = list(
        zip(
            stored["type"],
            -stored["n_documents"],
            -stored["score"],
            stored["head_concept_id"],
            stored["tail_concept_id"],
        )
    )
    assert keys == sorted(keys)


def test_pairs_carry_concept_names_and_the_mentions_of_cross_sentence_evidence(output):
    """A pair whose best evidence spans sentences (no relations row) is named by its concepts, not by the mention
    texts ("minocylcine", as the calcinosis page misspells it), and its head and tail offsets point at the nearest
    mentions inside the evidence, so the report can mark them."""
    out = output["out"]
    pairs = read_concept_pairs(out).to_pandas()
    entities = pd.read_parquet(out / "entities")
    names = entities.dropna(subset=["concept_id"]).groupby("concept_id")["concept_name"].min()
    for row in pairs.itertuples():
        if row.head_concept_id in names.index:
            assert row.head_name == names[row.head_concept_id], row
        if row.tail_concept_id in names.index:
            assert row.tail_name == names[row.tail_concept_id], row
    minocycline = pairs[pairs["head_concept_id"] == "MESH:D008911"]
    assert len(minocycline) and set(minocycline["head_name"]) == {"Minocycline"}

    cross = pairs[pairs["evidence_cross_sentence"]]
    assert len(cross)
    spans = set(zip(entities["doc_id"], entities["start"], entities["end"]))
    for row in cross.itertuples():
        for start, end in ((row.head_start, row.head_end), (row.tail_start, row.tail_end)):
            assert pd.notna(start) and row.evidence_start <= start < end <= row.evidence_end, row
            assert (row.evidence_doc_id, int(start), int(end)) in spans, row
        head = row.evidence[int(row.head_start) - row.evidence_start : int(row.head_end) - row.evidence_start]
        assert head == row.head_text
        # the nearest pair: no mention with the head's text lies closer to the tail inside the evidence
        same = entities[(entities["doc_id"] == row.evidence_doc_id) & (entities["text"] == row.head_text)]
        inside = same[(same["start"] >= row.evidence_start) & (same["end"] <= row.evidence_end)]
        assert (inside["start"] - row.tail_start).abs().min() == abs(row.head_start - row.tail_start)


def test_concept_pairs_do_not_depend_on_the_order_of_batches(output, tmp_path):
    """The same two batches stored under names that sort the other way round give the same rows."""
    out, swapped = output["out"], tmp_path / "swapped"
    assert store.list_batches(out, "document_relations") == ["again", "seeds"]
    for table in ("documents", "entities", "relations", "document_relations"):
        for old, new in (("seeds", "a-seeds"), ("again", "z-again")):
            shutil.copytree(store.partition_dir(out, table, old), store.partition_dir(swapped, table, new))
    assert store.list_batches(swapped, "document_relations") == ["a-seeds", "z-again"]
    assert build_concept_pairs(swapped).to_pylist() == build_concept_pairs(out).to_pylist()


def test_concept_pairs_do_not_depend_on_the_pieces_read(output, monkeypatch):
    """The summary reads every table a piece of rows at a time: pieces of 3 rows give the same table."""
    from extract.reporting import concept_pairs

    out = output["out"]
    whole = build_concept_pairs(out)
    monkeypatch.setattr(concept_pairs, "_PIECE_ROWS", 3)
    assert whole.num_rows > 3
    assert build_concept_pairs(out).equals(whole)


def test_summarize_command_rebuilds_the_table(output, tmp_path):
    out = copy_output(output["out"], tmp_path / "out")
    assert read_concept_pairs(out).num_rows > 0
    store.remove_part(out, "concept_pairs", "all", "part-0")
    assert read_concept_pairs(out).num_rows == 0
    result = _cli(["summarize", "--out", str(out)], output["env"])
    assert f"{build_concept_pairs(out).num_rows} concept pairs" in result.stderr
    assert read_concept_pairs(out).to_pylist() == build_concept_pairs(out).to_pylist()


def test_report_is_one_self_contained_file(output):
    report = output["report"]
    assert report == output["out"] / "report.html"
    html = report.read_text(encoding="utf-8")
    for external in ("<link", 'src="http', "src='http", "@import", "url(http"):
        assert external not in html
    assert html.count("<svg") == 3  # entities by label, relations by type and score, documents by year


# -- headless Chromium over the DevTools protocol ------------------------------------------------------------


def _chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found:
        return found
    message = "Chromium not found: install Debian's chromium package (apt-get install chromium) to run this test"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


class DevTools:
    """A headless Chromium page driven over the Chrome DevTools protocol (websocket, JSON messages)."""

    def __init__(self, binary: str, profile: Path):
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": str(profile)},  # its singleton socket folder too, not one per run in /tmp
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            assert time.monotonic() < deadline and self.process.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            target = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = connect(target["webSocketDebuggerUrl"], max_size=None)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + 60
        while not any(e.get("method") == method for e in self.events):
            assert time.monotonic() < deadline, f"no {method} event"
            self.events.append(json.loads(self.socket.recv(timeout=60)))

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"])[:500])
            elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(json.dumps(params.get("args"))[:500])
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"].get("text", "")[:500])
        return errors

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def rendered_report(output, tmp_path_factory):
    browser = DevTools(_chromium_binary(), tmp_path_factory.mktemp("chromium-profile"))
    try:
        for domain in ("Page", "Runtime", "Log"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=output["report"].resolve().as_uri())
        browser.wait_for("Page.loadEventFired")
        yield browser
    finally:
        browser.close()


def _section_rows(browser: DevTools, section: str) -> list[str]:
    """innerText of the visible table rows of a section, lower-cased, as the reader sees them."""
    return browser.evaluate(
        f"Array.from(document.querySelectorAll('#{section} tbody tr'))"
        ".filter(row => row.offsetParent !== null).map(row => row.innerText.toLowerCase())"
    )


def test_report_renders_without_console_errors(rendered_report):
    assert rendered_report.evaluate("document.title") == "biomed-extract report"
    assert rendered_report.evaluate("document.querySelectorAll('svg').length") == 3
    assert rendered_report.console_errors() == []


def test_seed_pairs_appear_in_their_sections_of_the_rendered_report(rendered_report):
    adverse_events = _section_rows(rendered_report, "drug_adverse_event")
    assert any("teriparatide" in row and "dystrophic calcification" in row for row in adverse_events), adverse_events
    manifestations = _section_rows(rendered_report, "disease_manifestation")
    assert any("systemic sclerosis" in row and "calcinosis cutis" in row for row in manifestations), manifestations
    # each pair in its own section only
    assert not any("teriparatide" in row for row in manifestations)


def test_filter_keeps_the_rows_of_one_drug(rendered_report):
    rendered_report.evaluate(
        "(() => { const box = document.getElementById('filter'); box.value = 'teriparatide';"
        " box.dispatchEvent(new Event('input')); })()"
    )
    rows = _section_rows(rendered_report, "drug_adverse_event")
    assert rows and all("teriparatide" in row for row in rows)
    assert _section_rows(rendered_report, "disease_manifestation") == []
    rendered_report.evaluate(
        "(() => { const box = document.getElementById('filter'); box.value = '';"
        " box.dispatchEvent(new Event('input')); })()"
    )
    assert len(_section_rows(rendered_report, "disease_manifestation")) > 0
    assert rendered_report.console_errors() == []


def test_show_renders_one_document_with_entities_negation_and_relations(output, tmp_path):
    documents = pd.read_parquet(output["out"] / "documents")
    doc_id = documents.loc[documents["source"].str.endswith("case_report_teriparatide.txt"), "doc_id"].iloc[0]
    target = tmp_path / "teriparatide.html"
    printed = _cli(["show", doc_id, "--out", str(output["out"]), "--html", str(target)], output["env"]).stdout
    assert printed.strip() == str(target)
    html = target.read_text(encoding="utf-8")
    assert "DISEASE · negated" in html  # 'without a pre-existing autoimmune disorder'
    assert TERIPARATIDE in html and "ADVERSE EVENT" in html
    missing = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "show", "PMID:0", "--out", str(output["out"])],
        cwd=ROOT,
        env=output["env"],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "is in no batch" in missing.stderr


def test_show_lists_the_pairs_a_document_states_only_across_sentences(output, tmp_path):
    """The calcinosis page names its treatments in other sentences than the disease: `show` lists those pairs
    (document_relations rows with cross_sentence), each with its nearest mentions marked in the evidence."""
    from extract.reporting.document import render_document

    doc_rel = pd.read_parquet(output["out"] / "document_relations")
    doc_rel["batch_id"] = doc_rel["batch_id"].astype(str)
    cross = doc_rel[doc_rel["cross_sentence"].fillna(False).astype(bool)]
    doc_id = cross["doc_id"].value_counts().index[0]
    batch = cross.loc[cross["doc_id"] == doc_id, "batch_id"].max()  # show reads the last batch holding it
    rows = cross[(cross["doc_id"] == doc_id) & (cross["batch_id"] == batch)]
    html = render_document(output["out"], doc_id)
    section = html.split('<section id="cross-sentence">', 1)[1].split("</section>", 1)[0]
    assert f"Pairs stated across sentences ({len(rows)})" in section
    for head in rows["head_concept_id"]:
        assert head in section
    assert section.count("<mark") >= 2 * len(rows)  # head and tail marked in every row's evidence


def test_a_pair_stated_as_an_adverse_event_is_no_cross_sentence_treatment(output):
    """ "... pulmonary fibrosis after eighteen months of amiodarone therapy. Symptoms improved after amiodarone was
    withdrawn": the sample states an adverse event; the pair is not also a treatment made across sentences."""
    doc_rel = pd.read_parquet(output["out"] / "document_relations")
    key = ["doc_id", "head_concept_id", "tail_concept_id"]
    adverse = doc_rel[(doc_rel["type"] == "drug_adverse_event") & ~doc_rel["cross_sentence"].astype(bool)]
    assert (adverse["head_text"].str.lower() == "amiodarone").any()
    treats = doc_rel[(doc_rel["type"] == "drug_treats_disease") & doc_rel["cross_sentence"].astype(bool)]
    assert treats.merge(adverse[key], on=key).empty
