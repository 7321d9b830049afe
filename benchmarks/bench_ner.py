"""NER throughput, peak memory and model size over the 500 BC5CDR dev abstracts (run by hand).

    .venv/bin/python benchmarks/bench_ner.py [--model models/ner-0.1.0] [--limit 500] [--processes 2]
        [--only model_1proc model_nproc stage stage_nproc]

Measures, each in a fresh child process so peak RSS is per measurement:

* ``model_1proc``: ``spacy.load(model)`` + ``nlp.pipe`` on title + "\\n\\n" + abstract, one process;
* ``model_nproc``: the same with ``n_process=--processes`` (2 cores);
* ``stage``: the real NER stage (``extract.ner.stage.extract_entities``, incl. post-processing)
  on ``documents``/``sentences`` produced by the clean stage (cleaning not timed), one process;
* ``stage_nproc``: the same with ``ner_processes=--processes`` (forked worker processes,
  each running the whole pipeline on its share).

Prints one JSON object: abstracts/s, words/s, CPU seconds (user + sys of the process and its
workers), peak RSS (MB, ``ru_maxrss``: the largest single process, counting memory a forked
worker shares with its parent), peak PSS (MB, the process and its workers summed, shared
pages split between them: the memory the measurement really takes), model folder size (MB)
and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import threading
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


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _PssSampler:
    """Peak of the summed PSS of this process and its descendants, sampled every ``interval`` s."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_full_info().pss
            except (psutil.Error, OSError):
                pass
        self.peak = max(self.peak, total / 1e6)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> _PssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _bench_model(model: str, limit: int, processes: int, queue: mp.Queue) -> None:
    import spacy

    texts = [f"{t}\n\n{a}" for t, a in _texts(limit)]
    nlp = spacy.load(model)
    list(nlp.pipe(texts[:20]))  # warm-up
    with _PssSampler() as pss:
        start, cpu = time.perf_counter(), _cpu_seconds()
        words = 0
        n_ents = 0
        for doc in nlp.pipe(texts, batch_size=64, n_process=processes):
            words += len(doc)
            n_ents += len(doc.ents)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    queue.put(
        {
            "abstracts": len(texts),
            "seconds": round(seconds, 2),
            "abstracts_per_s": round(len(texts) / seconds, 1),
            "words_per_s": round(words / seconds, 0),
            "cpu_s": round(cpu, 2),
            "entities": n_ents,
            "peak_rss_mb": round(_peak_rss_mb(), 1),
            "peak_pss_mb": round(pss.peak, 1),
        }
    )


def _bench_stage(model: str, limit: int, processes: int, queue: mp.Queue) -> None:
    from extract.clean.stage import clean_documents
    from extract.ner.pipeline import get_ner_nlp
    from extract.ner.stage import extract_entities
    from extract.runner import raw_table
    from extract.settings import get_settings

    rows = [{"format": "pubtator", "title": t, "text": a, "source": "bench"} for t, a in _texts(limit)]
    cleaned = clean_documents(raw_table(rows))
    settings = get_settings().model_copy(update={"ner_model": model, "ner_processes": processes})
    nlp = get_ner_nlp(settings)
    with _PssSampler() as pss:
        start, cpu = time.perf_counter(), _cpu_seconds()
        result = extract_entities(cleaned.documents, cleaned.sentences, settings, nlp=nlp)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    queue.put(
        {
            "abstracts": cleaned.documents.num_rows,
            "processes": processes,
            "seconds": round(seconds, 2),
            "abstracts_per_s": round(cleaned.documents.num_rows / seconds, 1),
            "cpu_s": round(cpu, 2),
            "entities": result.entities.num_rows,
            "peak_rss_mb": round(_peak_rss_mb(), 1),
            "peak_pss_mb": round(pss.peak, 1),
            "pipes": list(nlp.pipe_names),
        }
    )


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


MEASUREMENTS = ("model_1proc", "model_nproc", "stage", "stage_nproc")


def main(argv: list[str] | None = None) -> dict:
    from extract.settings import resolve_model_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model folder (default: newest models/ner-*)")
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--skip-stage", action="store_true", help="only the model measurements")
    parser.add_argument("--only", nargs="+", choices=MEASUREMENTS, help="run only these measurements")
    args = parser.parse_args(argv)
    model_dir = resolve_model_dir(args.model, "ner")
    if model_dir is None:
        sys.exit("no NER model found")
    chosen = args.only or [m for m in MEASUREMENTS if not (args.skip_stage and m.startswith("stage"))]
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6
    out = {
        "model": str(model_dir),
        "model_size_mb": round(size, 2),
        "cpu_count": mp.cpu_count(),
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
    }
    n = args.processes
    runs = {
        "model_1proc": ("model_1proc", _bench_model, 1),
        "model_nproc": (f"model_{n}proc", _bench_model, n),
        "stage": ("stage", _bench_stage, 1),
        "stage_nproc": (f"stage_{n}proc", _bench_stage, n),
    }
    for name in chosen:
        key, target, processes = runs[name]
        out[key] = _run(target, str(model_dir), args.limit, processes)
    out["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
