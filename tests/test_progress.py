"""Progress of `biomed-extract run`: plain summary lines when not on a terminal, rich bars on one."""

from __future__ import annotations

import io
import re

from rich.console import Console

from extract import store
from extract.stages import StageOutcome
from pipelines.progress import LineReporter, RichReporter, make_reporter, reporting

SUMMARY = re.compile(
    r"^(?P<stage>ingest|clean|ner|relations): (?P<n_in>[\d,]+) (?:files|documents) -> (?P<n_out>[\d,]+) "
    r"(?:documents|entities|relations), (?P<rejected>[\d,]+) rejects in [\d.,]+ s",
    re.M,
)


def test_non_interactive_run_prints_one_summary_line_per_stage(sample_run):
    """The session's `biomed-extract run` (conftest.py ``sample_run``: a subprocess, stderr not a terminal)."""
    out, proc = sample_run["out"], sample_run["run"]
    lines = {m["stage"]: m for m in SUMMARY.finditer(proc.stderr)}
    assert list(lines) == ["ingest", "clean", "ner", "relations"], proc.stderr
    runs = {r["stage"]: r for r in store.read_partition(out, "runs", "seeds").to_pylist()}
    assert len(runs) == 4  # one run of each stage in the batch
    for stage, m in lines.items():
        counts = (int(m["n_in"].replace(",", "")), int(m["n_out"].replace(",", "")), int(m["rejected"]))
        assert counts == (runs[stage]["n_in"], runs[stage]["n_out"], runs[stage]["n_rejected"]), stage
    assert runs["ner"]["n_out"] > 0
    assert "\x1b[" not in proc.stderr  # no terminal control codes in a log
    assert "━" not in proc.stderr.split("batch seeds")[0]  # no bars before the summary table


def _outcome(stage: str, n_in: int, n_out: int) -> StageOutcome:
    return StageOutcome(stage=stage, batch_id="b", n_in=n_in, n_out=n_out, n_rejected=1)


def test_line_reporter_rate_limits_progress_lines():
    stream = io.StringIO()
    quiet = LineReporter(stream, interval=3600)
    quiet.start("ner", 400)
    for _ in range(4):
        quiet.advance("ner", 100)
    quiet.finish("ner", _outcome("ner", 400, 950))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ner: 400 documents -> 950 entities, 1 rejects in ")
    stream = io.StringIO()
    chatty = LineReporter(stream, interval=0)
    chatty.start("relations", 400)
    chatty.advance("relations", 100)
    chatty.advance("relations", 300)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("relations: 100/400 documents (25%), ") and lines[0].endswith(" left")
    assert lines[1].startswith("relations: 400/400 documents (100%), ")
    chatty.fail("relations", "ValueError: boom")
    assert stream.getvalue().splitlines()[-1].endswith("ValueError: boom")


def test_rich_reporter_draws_a_bar_per_stage():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=160)
    with reporting(RichReporter(console)) as reporter:
        reporter.start("ingest", None)
        reporter.advance("ingest", 7)
        reporter.finish("ingest", _outcome("ingest", 2, 7))
        reporter.start("ner", 7)
        reporter.advance("ner", 7)
        reporter.finish("ner", _outcome("ner", 7, 30))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())
    assert "7/7" in text and "-> 7 documents, 1 rejects" in text and "-> 30 entities, 1 rejects" in text
    assert "doc/s" in text


def test_make_reporter_modes():
    assert type(make_reporter("lines")) is LineReporter
    assert type(make_reporter("off")).__name__ == "Reporter"
    assert type(make_reporter("auto")) is LineReporter  # pytest's captured stderr is not a terminal
