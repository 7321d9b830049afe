"""Progress of a pipeline run: per stage, documents done / total, rate, time left.

The flows report to the reporter installed with :func:`reporting` (by the CLI's ``run`` and
``stage``); without one they report nothing.  Reports come from the flow's process as each
chunk task finishes (and as ingest streams documents), never from inside the library, so the
workers and the stage functions are untouched and the cost is a few calls per chunk.

* :class:`RichReporter` — a rich progress bar per stage, for an interactive terminal.
* :class:`LineReporter` — plain lines for logs (CI, redirected output): one summary line per
  stage, and a progress line at most every ``interval`` seconds while a long stage runs.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

#: What each stage counts: (what it reads, what it writes to its main table).
UNITS = {
    "ingest": ("files", "documents"),
    "clean": ("documents", "documents"),
    "ner": ("documents", "entities"),
    "relations": ("documents", "relations"),
}


class Reporter:
    """Does nothing: the default when no reporter is installed."""

    def start(self, stage: str, total: int | None) -> None:
        """``stage`` begins with ``total`` documents to process (None: not known in advance)."""

    def advance(self, stage: str, n: int) -> None:
        """``n`` more documents of ``stage`` are done."""

    def finish(self, stage: str, outcome) -> None:
        """``stage`` wrote its tables (``outcome``: an ``extract.stages.StageOutcome``)."""

    def fail(self, stage: str, error: str) -> None:
        """``stage`` raised."""

    def close(self) -> None:
        """The run is over."""


@dataclass
class _Stage:
    total: int | None
    started: float = field(default_factory=time.monotonic)
    done: int = 0

    def rate(self, now: float) -> float:
        return self.done / max(now - self.started, 1e-9)


def summary_line(stage: str, outcome, seconds: float, done: int) -> str:
    """``ner: 12 documents -> 118 entities, 0 rejects in 3.4 s (3.5 documents/s)``."""
    read, wrote = UNITS.get(stage, ("rows", "rows"))
    n_docs = done or outcome.n_in
    rate = f" ({n_docs / seconds:,.1f} documents/s)" if seconds > 0 and stage != "ingest" else ""
    return (
        f"{stage}: {outcome.n_in:,} {read} -> {outcome.n_out:,} {wrote}, {outcome.n_rejected:,} rejects "
        f"in {seconds:,.1f} s{rate}"
    )


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class LineReporter(Reporter):
    """Plain lines on ``stream`` (stderr): a summary line per stage, and while a stage runs a
    progress line at most every ``interval`` seconds."""

    def __init__(self, stream: TextIO | None = None, interval: float = 30.0):
        self.stream = stream
        self.interval = interval
        self._stages: dict[str, _Stage] = {}
        self._last_line = 0.0
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        # Written to the stream, not print()ed: Prefect's log_prints would turn a print into a log record.
        stream = self.stream or sys.stderr
        stream.write(line + "\n")
        stream.flush()

    def start(self, stage: str, total: int | None) -> None:
        with self._lock:
            self._stages[stage] = _Stage(total)
            self._last_line = time.monotonic()

    def advance(self, stage: str, n: int) -> None:
        with self._lock:
            state = self._stages.get(stage)
            if state is None:
                return
            state.done += n
            now = time.monotonic()
            if now - self._last_line < self.interval:
                return
            self._last_line = now
            rate = state.rate(now)
            if state.total:
                left = (state.total - state.done) / rate if rate > 0 else 0.0
                line = (
                    f"{stage}: {state.done:,}/{state.total:,} documents ({state.done / state.total:.0%}), "
                    f"{rate:,.1f}/s, {_clock(left)} left"
                )
            else:
                line = f"{stage}: {state.done:,} documents, {rate:,.1f}/s"
        self._write(line)

    def finish(self, stage: str, outcome) -> None:
        with self._lock:
            state = self._stages.pop(stage, None) or _Stage(None)
        self._write(summary_line(stage, outcome, time.monotonic() - state.started, state.done))

    def fail(self, stage: str, error: str) -> None:
        with self._lock:
            state = self._stages.pop(stage, None) or _Stage(None)
        self._write(f"{stage}: failed after {time.monotonic() - state.started:,.1f} s: {error}")


class RichReporter(Reporter):
    """A rich progress bar per stage (done / total, rate, elapsed, time left) on ``console``."""

    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[result]}"),
            console=console or Console(stderr=True),
            refresh_per_second=4,
        )
        self._tasks: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self.progress.start()

    def start(self, stage: str, total: int | None) -> None:
        self._started[stage] = time.monotonic()
        self._tasks[stage] = self.progress.add_task(stage, total=total, rate="", result="")

    def advance(self, stage: str, n: int) -> None:
        if stage in self._tasks:
            task = self._tasks[stage]
            done = self.progress.tasks[task].completed + n
            rate = done / max(time.monotonic() - self._started[stage], 1e-9)
            self.progress.update(task, advance=n, rate=f"{rate:,.1f} doc/s")

    def finish(self, stage: str, outcome) -> None:
        if stage not in self._tasks:
            return
        task = self._tasks.pop(stage)
        done = self.progress.tasks[task].completed
        seconds = time.monotonic() - self._started.pop(stage)
        wrote = UNITS.get(stage, ("rows", "rows"))[1]
        rate = f"{done / seconds:,.1f} doc/s" if seconds > 0 and stage != "ingest" else ""
        total = self.progress.tasks[task].total if stage != "ingest" else done
        self.progress.update(
            task,
            total=total,
            completed=done,
            rate=rate,
            result=f"-> {outcome.n_out:,} {wrote}, {outcome.n_rejected:,} rejects",
        )
        self.progress.stop_task(task)

    def fail(self, stage: str, error: str) -> None:
        if stage in self._tasks:
            task = self._tasks.pop(stage)
            self.progress.update(task, result=f"[red]failed[/red]: {error}")
            self.progress.stop_task(task)

    def close(self) -> None:
        self.progress.stop()


_REPORTER: Reporter = Reporter()


def current() -> Reporter:
    """The installed reporter (one that does nothing when none is)."""
    return _REPORTER


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install ``reporter`` for the flows run inside the block; closed at the end."""
    global _REPORTER
    previous, _REPORTER = _REPORTER, reporter
    try:
        yield reporter
    finally:
        _REPORTER = previous
        reporter.close()


def make_reporter(mode: str = "auto", stream: TextIO | None = None) -> Reporter:
    """``bar`` (rich), ``lines`` (plain), ``off``, or ``auto``: bars on an interactive terminal, else lines."""
    if mode == "off":
        return Reporter()
    if mode == "auto":
        from rich.console import Console

        console = Console(stderr=True)
        mode = "bar" if console.is_terminal and not console.is_dumb_terminal else "lines"
    if mode == "bar":
        return RichReporter()
    if mode == "lines":
        return LineReporter(stream)
    raise ValueError(f"unknown progress mode {mode!r}: auto, bar, lines or off")
