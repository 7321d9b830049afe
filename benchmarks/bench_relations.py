"""Relation stage cost relative to NER + linking (run by hand; prints JSON).

    python benchmarks/bench_relations.py [--docs 100]

Runs the real clean and ner stages (``extract.runner.run_texts``) over BC5CDR development
abstracts, then times ``extract.relations.stage.extract_relations`` on their output.  The
target is relations <= 30% of the NER + linking time per document.
"""

from __future__ import annotations

import argparse
import json
import time

from extract.corpora.pubtator import raw_document_rows, read_pubtator, unique_documents
from extract.relations.stage import extract_relations, get_extractor
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()
    settings = get_settings()
    path = settings.corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    docs = list(unique_documents(read_pubtator(path)))[: args.docs]
    rows = raw_document_rows(docs)
    run_texts(rows[:2], stages=("clean", "ner"))  # load models outside the timing
    t0 = time.perf_counter()
    run_texts(rows, stages=("clean",))
    t1 = time.perf_counter()
    tables = run_texts(rows, stages=("clean", "ner"))
    t2 = time.perf_counter()
    ner_seconds = (t2 - t1) - (t1 - t0)  # subtract the clean stage
    # The relation models are loaded after the NER timing, as in a run (the NER stage comes first): loaded before
    # it, how they loaded moved the NER figure by up to 10% (benchmarks/README.md, "Relations").
    get_extractor()  # the stage's own cache, so the timed call does not load the models again
    t3 = time.perf_counter()
    result = extract_relations(tables["documents"], tables["sentences"], tables["entities"])
    t4 = time.perf_counter()
    rel_seconds = t4 - t3
    n = len(rows)
    print(
        json.dumps(
            {
                "benchmark": "relations",
                "n_docs": n,
                "n_entities": tables["entities"].num_rows,
                "n_relations": result.relations.num_rows,
                "ner_linking_ms_per_doc": round(1000 * ner_seconds / n, 2),
                "relations_ms_per_doc": round(1000 * rel_seconds / n, 2),
                "relations_over_ner": round(rel_seconds / ner_seconds, 4) if ner_seconds > 0 else None,
                "target_max_ratio": 0.30,
                "relation_model": str(resolve_model_dir(settings.relation_model, "relations")),
                "ner_model": str(resolve_model_dir(settings.ner_model, "ner")),
                "clean_seconds": round(t1 - t0, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
