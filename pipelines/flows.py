"""Extraction flows: ingest -> clean -> ner -> relations, each a flow, plus the parent flow.

Every flow only orchestrates ``extract.stages``: load the batch's input tables,
map the processing over chunks of documents (never one task per document),
write the outputs atomically, record a ``runs`` row.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

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


def _gather(stage: str, futures, sizes: list[int]) -> list:
    """The futures' results in submission order; each chunk's documents reported done as it finishes."""
    reporter = progress.current()
    size_of = {id(f): n for f, n in zip(futures, sizes)}
    for future in as_completed(list(futures)):
        if future.state.is_failed():
            break  # raised below, without waiting for the other chunks
        reporter.advance(stage, size_of[id(future)])
    return [f.result() for f in futures]


def _run_stage(stage: str, out: str, batch_id: str, run_id: str | None, body):
    run_id = run_id or stages.new_run_id()
    started = stages.now()
    reporter = progress.current()
    with store.OutputLock(Path(out), timeout=get_settings().lock_timeout):
        try:
            outcome = body()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
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


@flow(name="clean", log_prints=True)
def clean_flow(batch_id: str, out: str, run_id: str | None = None):
    def body():
        raw = stages.load_clean_input(Path(out), batch_id)
        progress.current().start("clean", raw.num_rows)
        chunks = [stages.take_docs(raw, ids) for ids in stages.chunk_ids(raw, get_settings().chunk_size)]
        results = _gather("clean", clean_chunk.map(chunks), [c.num_rows for c in chunks]) if chunks else []
        return stages.write_clean(Path(out), batch_id, raw.num_rows, results)

    return _run_stage("clean", out, batch_id, run_id, body)


@flow(name="ner", log_prints=True)
def ner_flow(batch_id: str, out: str, run_id: str | None = None):
    def body():
        documents, sentences = stages.load_ner_input(Path(out), batch_id)
        progress.current().start("ner", documents.num_rows)
        id_chunks = stages.chunk_ids(documents, get_settings().chunk_size)
        docs = [stages.take_docs(documents, ids) for ids in id_chunks]
        sents = [stages.take_docs(sentences, ids) for ids in id_chunks]
        results = _gather("ner", ner_chunk.map(docs, sents), [len(ids) for ids in id_chunks]) if docs else []
        return stages.write_ner(Path(out), batch_id, documents.num_rows, results)

    return _run_stage("ner", out, batch_id, run_id, body)


@flow(name="relations", log_prints=True)
def relations_flow(batch_id: str, out: str, run_id: str | None = None):
    def body():
        documents, sentences, entities = stages.load_relations_input(Path(out), batch_id)
        progress.current().start("relations", documents.num_rows)
        id_chunks = stages.chunk_ids(documents, get_settings().chunk_size)
        parts = [
            (stages.take_docs(documents, ids), stages.take_docs(sentences, ids), stages.take_docs(entities, ids))
            for ids in id_chunks
        ]
        futures = relations_chunk.map([p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts])
        results = _gather("relations", futures, [len(ids) for ids in id_chunks]) if parts else []
        return stages.write_relations(Path(out), batch_id, documents.num_rows, results)

    return _run_stage("relations", out, batch_id, run_id, body)


STAGE_FLOWS = {"ingest": ingest_flow, "clean": clean_flow, "ner": ner_flow, "relations": relations_flow}


def run_stage(
    stage: str,
    batch_id: str,
    out: str,
    run_id: str | None = None,
    task_runner: str = "local",
    dask_address: str | None = None,
):
    """Re-run one stage for one batch from the stored output of the stage before it."""
    if stage == "ingest":
        raise ValueError("re-run ingest with `biomed-extract run INPUT... --batch ID`: it reads files, not tables")
    runner = make_task_runner(task_runner, dask_address)
    return STAGE_FLOWS[stage].with_options(task_runner=runner)(batch_id=batch_id, out=out, run_id=run_id)


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
    with store.OutputLock(Path(out), timeout=get_settings().lock_timeout):
        ingest_flow(inputs=inputs, out=out, batch_id=batch_id, run_id=run_id)
        for stage in ("clean", "ner", "relations"):
            run_stage(stage, batch_id, out, run_id=run_id, task_runner=task_runner, dask_address=dask_address)
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
