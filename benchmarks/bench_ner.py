"""NER throughput, peak memory and model size over the 500 BC5CDR dev abstracts (run by hand).

    .venv/bin/python benchmarks/bench_ner.py [--model models/ner-0.1.0] [--limit 500] [--processes 2]

Measures, each in a fresh child process so peak RSS is per measurement:

* ``model_1proc``: ``spacy.load(model)`` + ``nlp.pipe`` on title + "\\n\\n" + abstract, one process;
* ``model_nproc``: the same with ``n_process=--processes`` (2 cores);
* ``stage``: the real NER stage (``extract.ner.stage.extract_entities``, incl. post-processing)
  on ``documents``/``sentences`` produced by the clean stage (cleaning not timed).

Prints one JSON object: abstracts/s, words/s, peak RSS (MB, ``ru_maxrss`` of the process and
its children), model folder size (MB).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time


def _texts(limit: int) -> list[tuple[str, str]]:
    from extract.corpora.pubtator import read_pubtator
    from extract.settings import get_settings

    path = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    return [(d.title, d.abstract) for d in read_pubtator(path)][:limit]


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # Linux: KiB


def _bench_model(model: str, limit: int, processes: int, queue: mp.Queue) -> None:
    import spacy

    texts = [f"{t}\n\n{a}" for t, a in _texts(limit)]
    nlp = spacy.load(model)
    list(nlp.pipe(texts[:20]))  # warm-up
    start = time.perf_counter()
    words = 0
    n_ents = 0
    for doc in nlp.pipe(texts, batch_size=64, n_process=processes):
        words += len(doc)
        n_ents += len(doc.ents)
    seconds = time.perf_counter() - start
    queue.put({"abstracts": len(texts), "seconds": round(seconds, 2), "abstracts_per_s": round(len(texts) / seconds, 1),
               "words_per_s": round(words / seconds, 0), "entities": n_ents, "peak_rss_mb": round(_peak_rss_mb(), 1)})


def _bench_stage(model: str, limit: int, queue: mp.Queue) -> None:
    from extract.clean.stage import clean_documents
    from extract.ner.pipeline import get_pipeline
    from extract.ner.stage import extract_entities
    from extract.runner import raw_table
    from extract.settings import get_settings

    rows = [{"format": "pubtator", "title": t, "text": a, "source": "bench"} for t, a in _texts(limit)]
    cleaned = clean_documents(raw_table(rows))
    settings = get_settings().model_copy(update={"ner_model": model})
    pipeline = get_pipeline(settings)
    start = time.perf_counter()
    result = extract_entities(cleaned.documents, cleaned.sentences, settings, pipeline=pipeline)
    seconds = time.perf_counter() - start
    queue.put({"abstracts": cleaned.documents.num_rows, "seconds": round(seconds, 2),
               "abstracts_per_s": round(cleaned.documents.num_rows / seconds, 1), "entities": result.entities.num_rows,
               "peak_rss_mb": round(_peak_rss_mb(), 1), "pipes": list(pipeline.nlp.pipe_names)})


def _run(target, *args) -> dict:
    queue: mp.Queue = mp.Queue()
    proc = mp.get_context("fork").Process(target=target, args=(*args, queue))
    proc.start()
    try:
        result = queue.get(timeout=1800)
    except Exception as exc:  # report rather than crash: the stage is other people's code
        result = {"error": f"{type(exc).__name__}: {exc}"}
    proc.join()
    if proc.exitcode not in (0, None) and "error" not in result:
        result["error"] = f"exit code {proc.exitcode}"
    return result


def main(argv: list[str] | None = None) -> dict:
    from extract.settings import resolve_model_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model folder (default: newest models/ner-*)")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--skip-stage", action="store_true")
    args = parser.parse_args(argv)
    model_dir = resolve_model_dir(args.model, "ner")
    if model_dir is None:
        sys.exit("no NER model found")
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6
    out = {"model": str(model_dir), "model_size_mb": round(size, 2), "cpu_count": mp.cpu_count(),
           "model_1proc": _run(_bench_model, str(model_dir), args.limit, 1),
           f"model_{args.processes}proc": _run(_bench_model, str(model_dir), args.limit, args.processes)}
    if not args.skip_stage:
        out["stage"] = _run(_bench_stage, str(model_dir), args.limit)
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
