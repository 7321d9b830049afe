"""Linking benchmark (run by hand): load time, memory and speed of NER + linking.

    OMP_NUM_THREADS=1 python benchmarks/bench_linking.py [--docs 100] [--linker PATH]

Prints one JSON object:

* ``linker_import_s`` / ``linker_load_s``: importing the linking modules, then loading
  the index (kb + both ANN indexes) in a fresh process (target: load <= 5 s);
* ``pipeline_build_s``: building the NER stage pipeline (``configs/ner_stage.cfg``: NER model or
  lexicon + post-processing);
* ``rss_mb_after_pipeline`` / ``rss_mb_peak``: resident memory of this process with the NER
  pipeline and linker loaded, and the peak after processing (target <= 1536 MB);
* ``docs_per_s``, ``mentions_per_s``: BC5CDR dev abstracts through the whole pipeline;
* ``link_only_mentions_per_s``: the linker alone on the gold mention strings;
* ``index_mb``: size of the linker folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import psutil


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100, help="BC5CDR dev documents to process")
    parser.add_argument("--linker", default="", help="linker folder (default: newest models/linker-*)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from extract.linking.index import folder_size, load_linker_resources
    from extract.linking.linker import EntityLinker
    from extract.settings import get_settings, resolve_model_dir

    import_s = time.perf_counter() - started
    settings = get_settings()
    if args.linker:
        settings = settings.model_copy(update={"linker_index": args.linker})
    folder = resolve_model_dir(settings.linker_index, "linker")
    if folder is None:
        sys.exit("no linker index: run `biomed-extract build-linker` first")
    rss_before = _rss_mb()
    started = time.perf_counter()
    load_linker_resources(folder)
    load_s = time.perf_counter() - started
    rss_linker = _rss_mb()

    from extract.corpora.pubtator import read_pubtator
    from extract.ner.pipeline import build_ner_nlp, model_version

    started = time.perf_counter()
    nlp = build_ner_nlp(settings)
    build_s = time.perf_counter() - started
    rss_pipeline = _rss_mb()

    corpus = settings.corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    docs = []
    for doc in read_pubtator(corpus):
        docs.append(doc)
        if len(docs) >= args.docs:
            break
    started = time.perf_counter()
    n_mentions = 0
    for doc in nlp.pipe((d.text for d in docs), batch_size=32):
        n_mentions += len(doc.ents)
    pipe_s = time.perf_counter() - started

    linker = EntityLinker(folder)
    gold = [(m.text, "CHEMICAL" if m.type == "Chemical" else "DISEASE") for d in docs for m in d.mentions]
    started = time.perf_counter()
    linker.link_texts(gold)
    link_s = time.perf_counter() - started

    result = {
        "linker": folder.name,
        "pipeline": model_version(nlp),
        "pipes": nlp.pipe_names,
        "index_mb": round(folder_size(folder) / 1e6, 1),
        "linker_import_s": round(import_s, 2),
        "linker_load_s": round(load_s, 2),
        "rss_mb_linker": round(rss_linker - rss_before, 1),
        "pipeline_build_s": round(build_s, 2),
        "rss_mb_after_pipeline": round(rss_pipeline, 1),
        "rss_mb_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "docs": len(docs),
        "docs_per_s": round(len(docs) / pipe_s, 2),
        "mentions_per_s": round(n_mentions / pipe_s, 1),
        "link_only_mentions": len(gold),
        "link_only_mentions_per_s": round(len(gold) / link_s, 1),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
