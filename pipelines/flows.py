"""Extraction flows: ingest -> clean -> ner -> relations, each a flow, plus the parent flow.

Every flow only orchestrates ``extract.stages``: read the batch's input tables
chunk by chunk, map the processing over those chunks of documents (never one task
per document), stream the outputs into the batch's partitions (committed atomically
at the end), record a ``runs`` row.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from extract import stages, store
from extract.ingest import default_batch_id
from extract.reporting.concept_pairs import summarize
from extract.settings import get_settings
from pipelines import progress
from pipelines.task_runners import make_task_runner

_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(retries=2, retry_delay_seconds=2, **_TASK)
def ingest_files(inputs: list[str], out: str, batch_id: str):
    reporter = progress.current()
    reporter.start("ingest", None)  # again on a retry: counts restart
    _, outcome = stages.ingest_batch(inputs, Path(out), batch_id, on_progress=lambda n: reporter.advance("ingest", n))
    return outcome


@task(**_TASK)
def clean_chunk(raw):
    return stages.clean_chunk(raw)


@task(**_TASK)
def ner_chunk(documents, sentences):
    return stages.ner_chunk(documents, sentences)


@task(**_TASK)
def relations_chunk(documents, sentences, entities):
    return stages.relations_chunk(documents, sentences, entities)


@task(**_TASK)
def summarize_pairs(out: str) -> int:
    """Rebuild the corpus-level concept_pairs table over every batch of ``out``."""
    return summarize(Path(out)).num_rows


#: Set by the Ctrl-C handler of :func:`remember_interrupts`.
_INTERRUPTED = threading.Event()


def remember_interrupts() -> None:
    """Make Ctrl-C (SIGINT) raise KeyboardInterrupt, as by default, and remember it: Prefect drops a
    KeyboardInterrupt that lands while a flow it has just set Completed winds down (its engine takes any
    BaseException after the final state for teardown noise), and the run went on to its next stage and exit 0.
    Remembered, the interrupt is raised again when the next stage starts (:func:`raise_if_interrupted`), and
    the CLI exits as interrupted.  A process that ignores SIGINT (started in the background) keeps ignoring it."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return
    _INTERRUPTED.clear()

    def handler(signum, frame):
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


@contextmanager
def deaf_to_group_signals():
    """Block Ctrl-C (SIGINT) and SIGTERM in this thread inside the block: a process started inside inherits the
    mask (a blocked signal stays blocked across fork and exec) and survives the signals sent to the whole process
    group, by a terminal's Ctrl-C or by ``timeout``, systemd, ``docker stop`` or a CI runner; ``kill -9`` of the
    group still ends it.  Such a process is to be stopped with SIGKILL.  A signal sent meanwhile is not lost: it is
    handled when the block ends at the latest."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_temporary_server() -> None:
    """Start Prefect's temporary (ephemeral) API server now, deaf to the group's Ctrl-C and SIGTERM, when the run is
    to use one (no ``PREFECT_API_URL``).  Prefect starts it, a uvicorn subprocess, at the first API call otherwise,
    in the run's process group: a signal sent to the whole group stopped it too, and the interrupted run then
    retried its calls to it (setting the flow runs crashed) for minutes and exited 1 (ConnectError) instead of 130
    / 143.  Prefect has no option to start it in a session of its own, and uvicorn replaces an inherited SIG_IGN
    with its own handler but does not unblock a blocked signal (:func:`deaf_to_group_signals`).  Prefect's own calls
    then find the same server started (one per process).  The server no longer stops on the SIGTERM Prefect sends
    it when this process exits: it is killed then (:func:`_kill_temporary_server`)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.running:  # started already (an earlier call, or Prefect's first API call)
        return
    with deaf_to_group_signals():
        server.start()
    # exit handlers run last registered first: this one after those of Prefect's log and event workers (started
    # later, by the flows), which still send to the server, and before Prefect's own stop
    atexit.register(_kill_temporary_server, server, os.getpid())


def _kill_temporary_server(server, owner: int) -> None:
    """Kill the temporary server (SIGKILL: it blocks SIGTERM, and Prefect's stop would wait 5 s for it in vain),
    then let Prefect forget it; in the process that started it only, not in a forked one that exits normally.  Its
    SQLite database stays consistent: a commit is atomic whenever a process dies."""
    if os.getpid() != owner:
        return
    process = server.server_process
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    server.stop()


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed since :func:`remember_interrupts`."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt("Ctrl-C pressed earlier in the run")


@contextmanager
def _interrupt_recorded(out: str, batch_id: str, run_id: str, stage_names: tuple[str, ...]):
    """An interrupt no stage recorded (it landed between two stages, or as Prefect started a stage's flow) gets
    its failed runs row too: for the first of ``stage_names`` the run has no row for."""
    try:
        yield
    except BaseException as exc:
        if not isinstance(exc, Exception):
            rows = store.read_partition(Path(out), "runs", batch_id).to_pylist()
            status = {r["stage"]: r["status"] for r in rows if r["run_id"] == run_id}
            pending = [name for name in stage_names if name not in status]
            if pending and "failed" not in status.values():
                error = f"interrupted ({type(exc).__name__}) before the stage started"
                stages.record_failure(Path(out), run_id, pending[0], batch_id, stages.now(), error)
        raise


def _run_stage(stage: str, out: str, batch_id: str, run_id: str | None, body):
    run_id = run_id or stages.new_run_id()
    started = stages.now()
    reporter = progress.current()
    with store.OutputLock(Path(out), timeout=get_settings().lock_timeout):
        try:
            raise_if_interrupted()  # a Ctrl-C Prefect dropped at the end of the stage before
            outcome = body()
        except BaseException as exc:  # an interrupt (Ctrl-C, SIGTERM) ends the stage too: the runs row says so
            # Ctrl-C, SIGTERM (Prefect's TerminationSignal) and the like are no Exception
            interrupted = not isinstance(exc, Exception)
            error = f"interrupted ({type(exc).__name__})" if interrupted else f"{type(exc).__name__}: {exc}"
            stages.record_failure(Path(out), run_id, stage, batch_id, started, error)
            reporter.fail(stage, error)
            raise
        stages.record_run(Path(out), run_id, outcome, started)
    reporter.finish(stage, outcome)
    return outcome


@flow(name="ingest", log_prints=True)
def ingest_flow(inputs: list[str], out: str, batch_id: str | None = None, run_id: str | None = None):
    batch_id = batch_id or default_batch_id(inputs)
    return _run_stage("ingest", out, batch_id, run_id, lambda: ingest_files(inputs, out, batch_id))


def _chunked(stage: str, out: str, batch_id: str, chunk_task) -> stages.StageOutcome:
    """Map ``chunk_task`` over the batch chunk by chunk (``stages.run_chunked``) on this flow's task runner.

    On the local runner the stage's forked workers are started once for the whole stage
    (``stages.stage_workers``) and every chunk task uses them; at most 2 chunks are in flight.
    On Dask each worker process loads its own models once and up to 4 chunks per worker are in
    flight, so memory in this process stays bounded whatever the batch size.
    """
    runner = FlowRunContext.get().task_runner
    local = isinstance(runner, ThreadPoolTaskRunner)
    window = 2 if local else 4 * _dask_workers(runner)
    workers = stages.stage_workers(stage) if local else nullcontext()
    reporter = progress.current()
    reporter.start(stage, store.count_rows(Path(out), stages.STAGE_INPUTS[stage][0], batch_id))
    with workers:
        return stages.run_chunked(
            stage,
            Path(out),
            batch_id,
            submit=chunk_task.submit,
            window=window,
            on_progress=lambda n: reporter.advance(stage, n),
        )


def _dask_workers(runner) -> int:
    try:
        return max(1, len(runner._client.scheduler_info()["workers"]))
    except Exception:  # not a DaskTaskRunner, or no client yet
        return 2


@flow(name="clean", log_prints=True)
def clean_flow(batch_id: str, out: str, run_id: str | None = None):
    return _run_stage("clean", out, batch_id, run_id, lambda: _chunked("clean", out, batch_id, clean_chunk))


@flow(name="ner", log_prints=True)
def ner_flow(batch_id: str, out: str, run_id: str | None = None):
    return _run_stage("ner", out, batch_id, run_id, lambda: _chunked("ner", out, batch_id, ner_chunk))


@flow(name="relations", log_prints=True)
def relations_flow(batch_id: str, out: str, run_id: str | None = None):
    return _run_stage("relations", out, batch_id, run_id, lambda: _chunked("relations", out, batch_id, relations_chunk))


STAGE_FLOWS = {"ingest": ingest_flow, "clean": clean_flow, "ner": ner_flow, "relations": relations_flow}


def run_stage(
    stage: str,
    batch_id: str,
    out: str,
    run_id: str | None = None,
    task_runner: str = "local",
    dask_address: str | None = None,
    summary: bool = True,
):
    """Re-run one stage for one batch from the stored output of the stage before it.

    After ``relations`` the corpus-level ``concept_pairs`` table is rebuilt too, so that no summary older than the
    relations is left behind (``check`` reports one); ``summary=False``: the caller rebuilds it later.
    """
    if stage == "ingest":
        raise ValueError("re-run ingest with `biomed-extract run INPUT... --batch ID`: it reads files, not tables")
    runner = make_task_runner(task_runner, dask_address)
    run_id = run_id or stages.new_run_id()
    with _interrupt_recorded(out, batch_id, run_id, (stage,)):
        outcome = STAGE_FLOWS[stage].with_options(task_runner=runner)(batch_id=batch_id, out=out, run_id=run_id)
    if stage == "relations" and summary:
        summarize(Path(out))
    return outcome


@flow(name="extract-pipeline", log_prints=True)
def extraction_pipeline(
    inputs: list[str],
    out: str,
    batch_id: str | None = None,
    task_runner: str = "local",
    dask_address: str | None = None,
) -> dict:
    """Run every stage in order for one batch of input files; returns the batch's row counts."""
    batch_id = batch_id or default_batch_id(inputs)
    run_id = stages.new_run_id()
    lock = store.OutputLock(Path(out), timeout=get_settings().lock_timeout)
    with lock, _interrupt_recorded(out, batch_id, run_id, ("ingest", "clean", "ner", "relations")):
        ingest_flow(inputs=inputs, out=out, batch_id=batch_id, run_id=run_id)
        for stage in ("clean", "ner", "relations"):
            run_stage(
                stage, batch_id, out, run_id=run_id, task_runner=task_runner, dask_address=dask_address, summary=False
            )
            # the later stages and the summary do not use this stage's models: free them before the next
            # stage forks its workers (a no-op on Dask, where the models live in the cluster's workers)
            stages.release_models(stage)
        summarize_pairs(out)
    return {"batch_id": batch_id, "run_id": run_id, **stages.batch_summary(Path(out), batch_id)}


@flow(name="watch-and-extract", log_prints=True)
def watch_and_extract(watch_dir: str, out: str, task_runner: str = "local", dask_address: str | None = None) -> dict:
    """Process the files in ``watch_dir`` that no earlier run has ingested (by content hash)."""
    new_files = stages.unseen_files(Path(watch_dir), Path(out))
    if not new_files:
        print(f"no new files in {watch_dir}")
        return {"batch_id": None, "new_files": 0}
    print(f"{len(new_files)} new file(s) in {watch_dir}")
    summary = extraction_pipeline(
        inputs=[str(p) for p in new_files], out=out, task_runner=task_runner, dask_address=dask_address
    )
    return {**summary, "new_files": len(new_files)}
