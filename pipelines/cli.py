"""``biomed-extract``: run the pipeline, re-run a stage, schedule, train, evaluate, check."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from contextlib import contextmanager, suppress
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from extract.settings import get_settings

#: Console width when the output is not a terminal (a file, a pipe) and COLUMNS does not give one: wider than any
#: row of the tables printed, so a log or a redirected file never has a word broken at rich's default 80 columns.
UNWRAPPED_WIDTH = 1000


def _console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): a terminal's width on a terminal, ``UNWRAPPED_WIDTH`` when redirected."""
    console = Console(stderr=stderr)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(stderr=stderr, width=UNWRAPPED_WIDTH)
    return console


app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
train_app = typer.Typer(
    help="Train the project's models from the gold corpora in the shared folder.", no_args_is_help=True
)
app.add_typer(train_app, name="train")
audit_app = typer.Typer(
    help="Analyst audit of the relation tables: seeded samples, hand judgments, precision.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
console = _console(stderr=True)


class StageName(str, Enum):
    """The stages `stage` re-runs from stored tables (ingest reads files: `run`)."""

    clean = "clean"
    ner = "ner"
    relations = "relations"


class RunnerName(str, Enum):
    local = "local"
    dask = "dask"


class ProgressMode(str, Enum):
    auto = "auto"
    bar = "bar"
    lines = "lines"
    off = "off"


class EvalTask(str, Enum):
    ner = "ner"
    link = "link"
    cid = "cid"
    ade = "ade"
    manifestation = "manifestation"


OutOption = Annotated[Path | None, typer.Option("--out", help="Output folder (default: data/output).")]
RunnerOption = Annotated[RunnerName, typer.Option("--task-runner", help="Where chunk tasks run: local or dask.")]
DaskOption = Annotated[str | None, typer.Option("--dask-address", help="Dask scheduler, e.g. tcp://host:8786.")]
WaitOption = Annotated[float, typer.Option("--wait", help="Seconds to wait if another run holds the output folder.")]
ProgressOption = Annotated[
    ProgressMode,
    typer.Option(
        "--progress",
        help="auto: progress bars on an interactive terminal, else plain lines (a summary line per stage); "
        "bar, lines or off.",
    ),
]


def _out(out: Path | None) -> Path:
    return (out or get_settings().out_dir).resolve()


def _set_wait(wait: float) -> None:
    if wait:
        os.environ["BIOMED_EXTRACT_LOCK_TIMEOUT"] = str(wait)
        get_settings.cache_clear()


def _quiet_prefect() -> None:
    """Prefect logs every flow and task run at INFO, lines that interleave with the progress lines of `run` and
    `stage`: they default its level to WARNING, unless PREFECT_LOGGING_LEVEL is set.  Called before they import
    Prefect (which configures its logging as it is imported).  `serve` keeps Prefect's INFO lines: they are its
    scheduled runs' log, the watch flow's "N new file(s)" included (a print turned into an INFO record)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _summary(title: str, counts: dict) -> None:
    """``title`` on a line of its own (a table's title would wrap at the table's width: a long --out path breaks
    into pieces), then a row per count."""
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for key, value in counts.items():
        if key not in ("batch_id", "run_id"):
            table.add_row(key, str(value))
    out = _console()
    out.print(Text(title, style="table.title"), soft_wrap=True)
    out.print(table)


def _corpus_counts(out_dir: Path, batches: list[str]) -> dict[str, int | str]:
    """Rows of the corpus-level ``concept_pairs`` summary and of ``batches``' ``runs`` (from the Parquet footers)."""
    from extract import store
    from extract.schemas import CORPUS_BATCH

    def rows(table: str, batch_ids: list[str]) -> int | str:
        try:
            return sum(store.count_rows(out_dir, table, b) for b in batch_ids)
        except Exception:  # a damaged file is `check`'s business (or not: runs is a log), not the summary's
            return "unreadable"

    return {"concept_pairs (all batches)": rows("concept_pairs", [CORPUS_BATCH]), "runs": rows("runs", batches)}


def _progress(mode: ProgressMode):
    """Install the run's progress display (``pipelines.progress``) for the flows run inside the block."""
    from pipelines.progress import make_reporter, reporting

    return reporting(make_reporter(mode.value))


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_REJECTS = 0, 1, 2, 3, 4


def _exit_on_sigterm() -> None:
    """Make SIGTERM (``kill PID``) end this command as Ctrl-C does: exceptions unwind (temporary files
    are removed, a runs row says the stage failed) and the exit handlers run, among them the one that
    stops the temporary Prefect server the command started.  Python's default SIGTERM ends the process
    at once and left that server (uvicorn, ~220 MB) running.  Forked workers inherit the handler and
    die as by default."""
    main = os.getpid()

    def handler(signum, frame):
        if os.getpid() != main:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    _redeliver_swallowed_stops()


#: Delay before a swallowed stop is delivered again (:func:`_redeliver_swallowed_stops`).
REDELIVER_SECONDS = 0.05


def _redeliver_swallowed_stops() -> None:
    """A signal that arrives while Python runs a weakref callback or a ``__del__`` raises its SystemExit /
    KeyboardInterrupt there, where Python only prints "Exception ignored in ..." and goes on: `serve` then kept
    serving after SIGTERM (seen once in CI).  Such a stop is sent again to the main thread (``signal.pthread_kill``
    from a timer thread), where it unwinds as usual.  Other unraisable exceptions go to the hook
    that was there before."""
    if getattr(sys.unraisablehook, "_redelivers_stops", False):
        return
    previous = sys.unraisablehook
    main = os.getpid()

    main_thread = threading.main_thread().ident

    def redeliver(signum: int) -> None:
        # A real signal to the main thread, from another one: it interrupts a blocking call of the main thread, and
        # the handler runs at the main thread's next instruction, not inside this hook.
        timer = threading.Timer(REDELIVER_SECONDS, signal.pthread_kill, args=(main_thread, signum))
        timer.daemon = True
        timer.start()

    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        if os.getpid() == main and isinstance(exc, SystemExit) and isinstance(exc.code, int) and exc.code > 128:
            redeliver(exc.code - 128)
        elif os.getpid() == main and isinstance(exc, KeyboardInterrupt):
            redeliver(signal.SIGINT)
        else:
            previous(unraisable)

    hook._redelivers_stops = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


@contextmanager
def _signals_caught():
    """The signals this process catches inside the block (a list, in order), whichever Python handler takes them:
    Python writes the number of each to its wakeup fd (``signal.set_wakeup_fd``), read here at the end."""
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    caught: list[int] = []
    previous = signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)
    try:
        yield caught
    finally:
        signal.set_wakeup_fd(previous)
        with suppress(BlockingIOError):
            caught.extend(receiver.recv(1024))
        receiver.close()
        sender.close()


@app.command(
    epilog="Exit status: 0 the run completed (inputs that could not be used are rows of the rejects "
    "table, counted in the summary); 1 the run failed (a stage raised; see the runs table); "
    "2 bad arguments; 3 the output folder is locked by another run (see --wait); "
    "4 with --strict only: the run completed but wrote rejects."
)
def run(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns to ingest.")],
    out: OutOption = None,
    batch: Annotated[str | None, typer.Option("--batch", help="Batch id (default: hash of the input files).")] = None,
    task_runner: RunnerOption = RunnerName.local,
    dask_address: DaskOption = None,
    wait: WaitOption = 0,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 4 when the run wrote any rejects row.")] = False,
    show_progress: ProgressOption = ProgressMode.auto,
) -> None:
    """Run ingest, clean, ner and relations on INPUTS and write the Parquet tables.

    Bad input never stops a run: each unusable file or document becomes a row of
    the rejects table with a stable reason code, and the summary counts them by
    reason.  Re-running the same command (same inputs, same batch id) replaces
    the batch's tables, so a run that was killed can simply be started again.
    """
    from extract.store import OutputLock, OutputLockedError, validate_batch_id

    _quiet_prefect()
    _exit_on_sigterm()
    _set_wait(wait)
    if batch:
        try:
            validate_batch_id(batch)
        except ValueError as exc:
            _fail(str(exc), code=EXIT_USAGE)
    out_dir = _out(out)
    try:
        # Taken here, before Prefect starts, so a second run is refused (or waits) at once;
        # the flows take the same lock again (re-entrant within the process).
        with OutputLock(out_dir, timeout=get_settings().lock_timeout), _progress(show_progress):
            from pipelines.flows import (
                extraction_pipeline,
                raise_if_interrupted,
                remember_interrupts,
                start_temporary_server,
            )

            remember_interrupts()
            start_temporary_server()  # so that a Ctrl-C typed in the terminal does not stop it with the run
            summary = extraction_pipeline(
                inputs=list(inputs),
                out=str(out_dir),
                batch_id=batch,
                task_runner=task_runner.value,
                dask_address=dask_address,
            )
            raise_if_interrupted()  # a Ctrl-C Prefect dropped as the last flow wound down still ends the run
    except OutputLockedError as exc:
        _fail(str(exc), code=EXIT_LOCKED)
    except Exception as exc:
        _fail(
            f"run failed: {type(exc).__name__}: {exc} (the failed stage has a runs row with status=failed; "
            f"completed batches in {out_dir} are untouched)",
            code=EXIT_FAILED,
        )
    _summary(f"batch {summary['batch_id']} -> {out_dir}", {**summary, **_corpus_counts(out_dir, [summary["batch_id"]])})
    n_rejects = summary.get("rejects", 0)
    if n_rejects:
        by_reason = _rejects_by_reason(out_dir, summary["batch_id"])
        console.print(f"[yellow]{n_rejects} rejects[/yellow] ({by_reason}): see {out_dir / 'rejects'}")
    else:
        console.print("0 rejects")
    if strict and n_rejects:
        raise typer.Exit(EXIT_REJECTS)


def _rejects_by_reason(out_dir: Path, batch_id: str) -> str:
    from collections import Counter

    from extract import store

    reasons = Counter(store.read_partition(out_dir, "rejects", batch_id)["reason"].to_pylist())
    return ", ".join(f"{reason}: {n}" for reason, n in reasons.most_common())


@app.command()
def stage(
    name: Annotated[StageName, typer.Argument(help="Stage to re-run: clean, ner or relations.")],
    batch: Annotated[str, typer.Option("--batch", help="Batch id to re-run.")],
    out: OutOption = None,
    task_runner: RunnerOption = RunnerName.local,
    dask_address: DaskOption = None,
    wait: WaitOption = 0,
    show_progress: ProgressOption = ProgressMode.auto,
) -> None:
    """Re-run one stage for one batch from the stored output of the stage before it; re-running relations also
    rebuilds the corpus-level concept_pairs summary."""
    _quiet_prefect()
    from extract.stages import MissingStageInputError
    from extract.store import OutputLockedError, validate_batch_id
    from pipelines.flows import raise_if_interrupted, remember_interrupts, run_stage, start_temporary_server

    _exit_on_sigterm()
    remember_interrupts()
    _set_wait(wait)
    batch = batch.removeprefix("batch_id=")  # as the partition folders name it (`ls OUT/documents`)
    try:
        validate_batch_id(batch)
    except ValueError as exc:
        _fail(str(exc))
    try:
        start_temporary_server()
        with _progress(show_progress):
            outcome = run_stage(
                name.value, batch, str(_out(out)), task_runner=task_runner.value, dask_address=dask_address
            )
            raise_if_interrupted()
    except MissingStageInputError as exc:
        _fail(str(exc))
    except OutputLockedError as exc:
        _fail(str(exc), code=3)
    _summary(
        f"stage {name.value}, batch {batch}", {"in": outcome.n_in, "out": outcome.n_out, "rejected": outcome.n_rejected}
    )


@app.command()
def serve(
    watch: Annotated[Path, typer.Option("--watch", help="Folder to watch for new input files.")],
    cron: Annotated[str, typer.Option("--cron", help="Cron schedule, e.g. '0 * * * *'.")],
    out: OutOption = None,
    name: Annotated[str, typer.Option("--name", help="Deployment name.")] = "watch",
    task_runner: RunnerOption = RunnerName.local,
    dask_address: DaskOption = None,
) -> None:
    """Serve a scheduled deployment that processes files not processed before (blocks; Ctrl-C or SIGTERM stops it:
    exit status 130 / 143)."""
    from pipelines.deployments import serve_watch

    _exit_on_sigterm()
    # Prefect's runner takes Ctrl-C and SIGTERM over while it serves, stops and returns (or exits 0): the signal
    # it stopped on gives the exit status
    try:
        with _signals_caught() as caught:
            serve_watch(
                str(watch.resolve()),
                str(_out(out)),
                cron,
                name=name,
                task_runner=task_runner.value,
                dask_address=dask_address,
            )
    except (KeyboardInterrupt, SystemExit):
        if not caught:  # filled as the block ends
            raise
    stopped_by = [signum for signum in caught if signum in (signal.SIGINT, signal.SIGTERM)]
    if stopped_by:
        raise typer.Exit(128 + stopped_by[0])


def _not_an_output_folder(out_dir: Path) -> str | None:
    """Why ``out_dir`` is not an output folder, or None when it is one: a folder holding the lock a run, stage or
    summarize takes, or a batch partition of one of the tables (an output whose every document was rejected has its
    files, rejects and runs tables).  An empty folder, the input folder or a table's own folder is not one."""
    from extract.schemas import TABLES
    from extract.store import LOCK_NAME

    if not out_dir.is_dir():
        return "a file, not a directory" if out_dir.exists() else "no such directory"
    if (out_dir / LOCK_NAME).exists() or any(
        p.is_dir() for name in TABLES for p in (out_dir / name).glob("batch_id=*")
    ):
        return None
    return f"no table's batch folder such as documents/batch_id=B or runs/batch_id=B, no run lock {LOCK_NAME}"


def _output_folder(out: Path | None) -> Path:
    """``--out`` as an output folder; exit 2 with the reason when it is not one (check, summarize, report, show,
    audit read what `run --out` wrote)."""
    out_dir = _out(out)
    problem = _not_an_output_folder(out_dir)
    if problem:
        _fail(
            f"{out_dir} is not an output folder ({problem}); give --out the folder `run --out` wrote", code=EXIT_USAGE
        )
    return out_dir


@app.command(epilog="Exit status: 0 no violation; 1 violations (listed on stderr); 2 not an output folder.")
def check(out: OutOption = None) -> None:
    """Verify the accounting, references and offsets of an output folder; exit 1 on any violation.

    Every document a source file yielded must be in documents or rejects, every
    entity and relation must point at an existing document and entity, all
    offsets must lie inside the text with text[start:end] equal to the mention,
    and each stage's output must be newer than the last run of the stage before
    it (after `stage ner` alone, the batch's relations are stale).  The
    concept_pairs summary must exist and be newer than every batch's last
    relations run (a run killed before its summary leaves none, or the old one:
    `biomed-extract summarize` rebuilds it).
    """
    from extract import store
    from extract.check import check_output

    out_dir = _output_folder(out)
    report = check_output(out_dir)
    tables = {k: v for k, v in report.counts.items() if k not in ("stale_temp_files", "violations")}
    others = {k: v for k, v in report.counts.items() if k not in tables}
    counts = {**tables, **_corpus_counts(out_dir, store.list_batches(out_dir, "runs")), **others}
    _summary(f"check {out_dir} ({len(report.batches)} batches)", counts)
    for violation in report.violations:
        # one line per violation whatever the terminal's width (for grep); "[batch] ..." is not markup
        console.print(f"[red]violation:[/red] {escape(violation)}", soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]ok[/green]")


@app.command()
def summarize(out: OutOption = None, wait: WaitOption = 0) -> None:
    """Rebuild the corpus-level concept_pairs table from every batch of the output folder."""
    from extract.reporting.concept_pairs import summarize as summarize_pairs
    from extract.store import OutputLockedError

    _set_wait(wait)
    try:
        pairs = summarize_pairs(_output_folder(out))
    except OutputLockedError as exc:
        _fail(str(exc), code=EXIT_LOCKED)
    console.print(f"{pairs.num_rows} concept pairs -> {_out(out) / 'concept_pairs'}")


HtmlOption = Annotated[Path | None, typer.Option("--html", help="HTML file to write.")]


@app.command()
def report(out: OutOption = None, html: HtmlOption = None) -> None:
    """Write the self-contained HTML report of the output folder (default OUT/report.html) and print its path."""
    from extract.reporting.html import write_report

    print(write_report(_output_folder(out), html))


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id, e.g. PMID:12345 (see the documents table).")],
    out: OutOption = None,
    html: HtmlOption = None,
) -> None:
    """Write one document with its entities, concepts, negation flags and relations as HTML (default
    OUT/show-DOC_ID.html) and print its path."""
    from extract.reporting.document import DocumentNotFoundError, write_document

    try:
        print(write_document(_output_folder(out), doc_id, html))
    except DocumentNotFoundError as exc:
        _fail(str(exc))


@app.command()
def annotate(
    text: Annotated[str | None, typer.Argument(help="Text to annotate (or use --file).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the text from this UTF-8 file ('-': standard input).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the text.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: the text, entities and relations.")] = False,
) -> None:
    """Print the entities (concepts, drug classes, negation) and relations of one text.

    The same pipeline as `run` (clean, ner, relations), in memory; nothing is written.  From
    Python: `import extract; nlp = extract.load(); nlp.annotate(text)`.
    """
    if text is None and file is None:
        _fail("give the text as an argument, or a file with --file")
    if text is not None and file is not None:
        _fail("give the text as an argument or with --file, not both")
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {file}: {exc}")
    if not text or not text.strip():
        _fail("the text is empty")
    import extract
    from extract.api import AnnotationError

    try:
        result = extract.load().annotate(text, title=title)
    except (ValueError, TypeError, AnnotationError) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_annotation(result)


def _print_annotation(result) -> None:
    out = _console()
    ents = Table(title=f"{len(result.entities)} entities")
    ents.add_column("text", overflow="fold")
    ents.add_column("label", no_wrap=True)
    ents.add_column("offsets", no_wrap=True)
    ents.add_column("concept", no_wrap=True)
    ents.add_column("name", overflow="fold")
    ents.add_column("drug classes", overflow="fold")
    ents.add_column("context", no_wrap=True)
    for e in result.entities:
        ents.add_row(
            e["text"],
            e["label"],
            f"{e['start']}-{e['end']}",
            e["concept_id"] or "",
            e["concept_name"] or "",
            "; ".join(e["drug_classes"] or []),
            " ".join(flag for flag in ("negated", "uncertain") if e[flag]),
        )
    out.print(ents)
    rels = Table(title=f"{len(result.relations)} relations")
    for col in ("type", "head", "tail", "score", "negated", "sentence"):
        rels.add_column(col, overflow="fold")
    evidence: dict[int, str] = {}
    for r in result.relations:
        evidence[r["sentence_index"]] = r["evidence"]
        rels.add_row(
            r["type"],
            r["head_text"],
            r["tail_phrase"] or r["tail_text"],
            f"{r['score']:.2f}",
            "yes" if r["negated"] else "",
            str(r["sentence_index"]),
        )
    cross = [d for d in result.document_relations if d["cross_sentence"]]
    for d in cross:
        rels.add_row(
            d["type"], d["head_text"], d["tail_phrase"] or d["tail_text"], f"{d['score']:.2f}", "", "across sentences"
        )
    out.print(rels)
    for index, sentence in sorted(evidence.items()):
        out.print(f"[bold]sentence {index}:[/bold] {escape(sentence)}", highlight=False, soft_wrap=True)


@app.command()
def evaluate(
    task: Annotated[EvalTask, typer.Option("--task", help="ner, link, cid, ade or manifestation.")],
    corpus: Annotated[Path, typer.Option("--corpus", help="Gold corpus file (or folder for ade).")],
    fmt: Annotated[str, typer.Option("--format", help="pubtator, ade or jsonl.")] = "pubtator",
    gold_entities: Annotated[bool, typer.Option("--gold-entities", help="Use gold mentions (link, cid).")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N documents.")] = None,
    folds: Annotated[int | None, typer.Option("--folds", help="ade: evaluate only the first N of 5 folds.")] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="ade: 'shipped' scores the shipped model, 'folds' trains one model per held-out PMID fold; "
            "'auto' takes folds when the corpus shares PMIDs with the shipped model's training corpus.",
        ),
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Score the real pipeline against a gold corpus (strict matching), end to end from raw text."""
    if not corpus.exists():
        _fail(f"corpus {corpus} not found")
    if task is EvalTask.ner:
        from extract.evaluation.ner import evaluate_ner

        result = evaluate_ner(corpus, fmt=fmt, limit=limit)
    elif task is EvalTask.link:
        from extract.evaluation.link import evaluate_link

        result = evaluate_link(corpus, fmt=fmt, gold_entities=gold_entities, limit=limit)
    elif task is EvalTask.cid:
        from extract.evaluation.relations import evaluate_cid

        result = evaluate_cid(corpus, fmt=fmt, gold_entities=gold_entities, limit=limit)
    elif task is EvalTask.ade:
        from extract.evaluation.relations import ADE_MODES, evaluate_ade

        if mode not in ADE_MODES:
            _fail(f"--mode must be one of {', '.join(ADE_MODES)}, not {mode!r}")
        result = evaluate_ade(
            corpus,
            fmt="ade" if fmt == "pubtator" else fmt,
            gold_entities=gold_entities,
            limit=limit,
            n_eval_folds=folds,
            mode=mode,
        )
    else:
        from extract.evaluation.relations import evaluate_manifestation

        result = evaluate_manifestation(corpus)
    if as_json:
        sys.stdout.write(json.dumps(result, sort_keys=False) + "\n")
    else:
        _console().print_json(json.dumps(result))


@train_app.command("ner")
def train_ner_command(
    version: Annotated[str, typer.Option("--version", help="Model version (folder models/ner-VERSION).")] = "dev",
    config: Annotated[Path, typer.Option("--config", help="spaCy training config.")] = Path("configs/ner-lexicon.cfg"),
    extra: Annotated[
        list[str] | None,
        typer.Option("--extra", help="Extra corpora (default biored_train biored_dev; also ncbi_train)."),
    ] = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps", help="Cap training steps.")] = 4500,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    vectors: Annotated[
        str | None,
        typer.Option("--vectors", help="'floret' (train on shared/unlabeled), a spaCy vectors folder, or 'none'."),
    ] = "floret",
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="Where to write the model.")] = None,
) -> None:
    """Train the NER model (CHEMICAL, DISEASE) from the corpora and write models/ner-VERSION with its card.

    The defaults reproduce models/ner-0.2.0 (experiment exp11 in models/EXPERIMENTS.md):
    `biomed-extract train ner --version 0.2.0`; the default model models/ner-0.3.0 (exp16, MeSH names as
    lexicon marks): `biomed-extract train ner --version 0.3.0 --config configs/ner-lexicon-mesh.cfg`.
    """
    from pipelines.training import train_ner_flow

    vectors = None if vectors in (None, "none") else vectors
    path = train_ner_flow(
        version=version,
        config=config,
        extra_corpora=extra,
        max_steps=max_steps,
        seed=seed,
        vectors=vectors,
        output_dir=models_dir,
    )
    console.print(f"model written to {path}")


@train_app.command("relations")
def train_relations_command(
    version: Annotated[str, typer.Option("--version", help="Model version (folder models/relations-VERSION).")] = "dev",
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="Where to write the model.")] = None,
) -> None:
    """Train the relation models from BC5CDR, the ADE corpus and HPO annotations."""
    from pipelines.relations_training import train_relations_flow

    path = train_relations_flow(version=version, models_dir=str(models_dir or get_settings().models_dir))
    console.print(f"model written to {path}")


@train_app.command("ade-effects")
def train_ade_effects_command(
    version: Annotated[
        str, typer.Option("--version", help="Model version (folder models/ade-effects-VERSION).")
    ] = "dev",
    negative_share: Annotated[
        float, typer.Option("--negative-share", help="ADE-NEG sentences trained on per DRUG-AE sentence.")
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    max_steps: Annotated[int | None, typer.Option("--max-steps", help="Cap training steps (config: 2000).")] = None,
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="Where to write the model.")] = None,
    eval_json: Annotated[
        Path | None,
        typer.Option("--eval-json", help="`evaluate --task ade --json` output whose fold figures go in the card."),
    ] = None,
    card_only: Annotated[bool, typer.Option("--card-only", help="Rewrite the card of the existing folder.")] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="spaCy training config (default configs/ade_effects.cfg; 0.1.0: ade_effects_w96.cfg)."
        ),
    ] = None,
) -> None:
    """Train the adverse-effect span tagger (ADVERSE_EFFECT) on the ADE corpus's effect spans and write
    models/ade-effects-VERSION with its card (configs/ade_effects.cfg; the NER model's static vectors).

    `biomed-extract train ade-effects --version 0.2.0` reproduces models/ade-effects-0.2.0, `--version 0.1.0 --config
    configs/ade_effects_w96.cfg` models/ade-effects-0.1.0 (a card's held-out
    figures: `--card-only --eval-json` with the output of `BIOMED_EXTRACT_ADE_EFFECTS=true biomed-extract evaluate
    --task ade --json`).
    """
    from extract.training.adverse_effects import DEFAULT_CONFIG, train_shipped_tagger, write_model_card

    target = Path(models_dir or get_settings().models_dir)
    if card_only:
        path = target / f"ade-effects-{version}"
        if not path.exists():
            _fail(f"no model folder {path}")
    else:
        path = train_shipped_tagger(
            target,
            version,
            negative_share=negative_share,
            seed=seed,
            max_steps=max_steps,
            config=config or DEFAULT_CONFIG,
        )
    write_model_card(path, json.loads(eval_json.read_text()) if eval_json else None)
    console.print(f"model written to {path}")


@train_app.command("indications")
def train_indications_command(
    outputs: Annotated[list[Path], typer.Argument(help="Output folders of `run` on training text (not the audit's).")],
    out: Annotated[Path, typer.Option("--out", help="Table to write.")] = Path("data/indications/indications.json.gz"),
    min_documents: Annotated[
        int, typer.Option("--min-documents", help="Treatment documents a known indication needs.")
    ] = 3,
    ratio: Annotated[
        float, typer.Option("--ratio", help="Treatment documents per adverse-event document it needs.")
    ] = 3.0,
) -> None:
    """Count, per (drug, disease) concept pair, the documents stating it as a treatment and as an adverse event."""
    from extract.store import count_rows, list_batches
    from extract.training.relations.indications import build_table

    missing = [str(p) for p in outputs if not (p / "relations").exists()]
    if missing:
        _fail(f"no relations table in {', '.join(missing)}")
    n_docs = sum(count_rows(p, "documents", b) for p in outputs for b in list_batches(p, "documents"))
    table = build_table(outputs, min_documents, ratio, source=f"{n_docs} documents in {len(outputs)} outputs")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.save(out)
    known = sum(table.is_indication(d, t) for d, t in table.counts)
    console.print(f"{len(table)} (drug, disease) pairs ({known} known indications) written to {out}")


@app.command("build-linker")
def build_linker(
    version: Annotated[str, typer.Option("--version", help="Index version (folder models/linker-VERSION).")] = "dev",
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="Where to write the index.")] = None,
) -> None:
    """Build the entity-linking knowledge base and its character 3-gram TF-IDF / nmslib index."""
    from pipelines.linking import build_linker_flow

    path = build_linker_flow(version=version, models_dir=str(models_dir or get_settings().models_dir))
    console.print(f"index written to {path}")


AUDIT_JUDGMENTS = Path("data/gold/relation_audit/judgments.jsonl")


@audit_app.command("sample")
def audit_sample(
    out: Annotated[Path, typer.Option("--out", help="Output folder of a pipeline run.")],
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed.")] = 0,
    file: Annotated[Path, typer.Option("--file", help="JSON-lines file to write the items to.")] = Path(
        "audit_sample.jsonl"
    ),
) -> None:
    """Write the audit items of an output: 100 rows per relation type and the top 30 adverse-event pairs."""
    from extract.evaluation.audit import draw_sample, write_items

    out = _output_folder(out)
    n = write_items(file, draw_sample(out, seed=seed))
    console.print(f"{n} items written to {file}")


@audit_app.command("score")
def audit_score(
    out: Annotated[Path, typer.Option("--out", help="Output folder of a pipeline run.")],
    judgments: Annotated[Path, typer.Option("--judgments", help="Judgments file.")] = AUDIT_JUDGMENTS,
    unjudged: Annotated[Path | None, typer.Option("--unjudged", help="Write the items still unjudged here.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Precision per relation type and for the top 30 adverse-event pairs over the judged items of an output."""
    from extract.evaluation.audit import score as audit_score_output
    from extract.evaluation.audit import write_items

    out = _output_folder(out)
    result = audit_score_output(out, judgments, seed=seed)
    items = result.pop("unjudged_items")
    if unjudged is not None:
        write_items(unjudged, items)
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    t = Table(title=f"audit {out} ({', '.join(result['model_versions'])})")
    for col in ("items", "sampled", "judged", "correct", "precision", "unjudged", "errors"):
        t.add_column(col)
    rows = [*result["types"].items(), ("top 30 pairs", result["top_pairs"])]
    if "top_pairs_all_documents" in result:  # the list before the fifteenth session, for the record
        rows.append(("top 30 pairs, all documents", result["top_pairs_all_documents"]))
    for name, tally in rows:
        t.add_row(
            name,
            *(str(tally[k]) for k in ("sampled", "judged", "correct", "precision", "unjudged")),
            ", ".join(f"{k} {v}" for k, v in tally["errors"].items()),
        )
    _console().print(t)
    shown = items if unjudged is None else []
    for item in shown:
        what = item.get("head_text", item.get("head_name")), item.get("tail_text", item.get("tail_name"))
        console.print(
            f"unjudged {item['kind']} {item['type']} {item.get('doc_id', '')}: {what[0]} -> {what[1]}", soft_wrap=True
        )
    console.print(f"{len(items)} items unjudged" + (f", written to {unjudged}" if unjudged is not None else ""))


@app.command()
def schema(table: Annotated[str | None, typer.Argument(help="Table name; all when omitted.")] = None) -> None:
    """Print the columns of the output tables."""
    from extract.schemas import TABLES

    names = [table] if table else list(TABLES)
    for name in names:
        if name not in TABLES:
            _fail(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        t = Table(title=name)
        for col in ("column", "type", "nullable", "description"):
            t.add_column(col)
        for f in TABLES[name]:
            description = (f.metadata or {}).get(b"description", b"").decode()
            # the descriptions hold brackets ("documents.text[start:end]") that rich would read as markup
            t.add_row(f.name, str(f.type), "yes" if f.nullable else "no", escape(description))
        _console().print(t)


@app.command()
def version() -> None:
    """Print the code version and the models the pipeline would load."""
    from extract.settings import resolve_model_dir
    from extract.stages import code_version

    s = get_settings()
    print(
        json.dumps(
            {
                "code_version": code_version(),
                "ner_model": str(resolve_model_dir(s.ner_model, "ner")),
                "linker_index": str(resolve_model_dir(s.linker_index, "linker")),
                "relation_model": str(resolve_model_dir(s.relation_model, "relations")),
                "shared_dir": str(s.shared_dir),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    app()
