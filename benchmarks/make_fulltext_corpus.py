"""Write a training corpus of trial-report *bodies* (the sixth draw of judged relation rows, issue 14).

``../shared/unlabeled/evidence_inference/fulltext.txt.gz`` holds PMC Open Access trial reports, one per line
(``ID<TAB>title abstract body``), and ``abstracts.txt.gz`` the openings of the same reports.  The abstracts were the
fifth draw; this script keeps what follows them: for each report whose full text starts with its abstract, the
text after the abstract (cut at ``--max-chars``), with the title ``split_title`` finds in the abstract.  Reports of
fewer than 2,000 body characters, non-PMID ids and the PMIDs of ``--exclude`` files are left out; ``--n`` of them
are drawn with ``random.Random(seed)`` from the numerically sorted candidates and written as MEDLINE XML (the body
as the abstract text) with their sorted ids.

Usage::

    python benchmarks/make_fulltext_corpus.py --n 700 --seed 9 --exclude data/gold/relation_audit/audit_ids.txt \\
        --xml /tmp/s5/corpus6.xml.gz --ids data/gold/relation_annotations/source_ids_6.txt
"""

from __future__ import annotations

import argparse
import gzip
import os
from pathlib import Path

from make_audit_corpus import REPO, split_title, write_draw

FULLTEXT = "unlabeled/evidence_inference/fulltext.txt.gz"
ABSTRACTS = "unlabeled/evidence_inference/abstracts.txt.gz"
MIN_BODY_CHARS = 2000


def _lines(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc_id, _, text = line.rstrip("\n").partition("\t")
            yield doc_id, text


def read_bodies(shared: Path, exclude: set[str], max_chars: int) -> dict[str, tuple[str, str]]:
    """PMID -> (title, body after the abstract), first occurrence kept."""
    abstracts = dict(_lines(shared / ABSTRACTS))
    docs: dict[str, tuple[str, str]] = {}
    for doc_id, text in _lines(shared / FULLTEXT):
        if not doc_id.isdigit() or doc_id in exclude or doc_id in docs:
            continue
        abstract = abstracts.get(doc_id, "")
        if not abstract or not text.startswith(abstract):
            continue
        body = text[len(abstract) :].strip()
        if len(body) >= MIN_BODY_CHARS:
            docs[doc_id] = (split_title(abstract)[0], body[:max_chars])
    return docs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=700)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--max-chars", type=int, default=30_000, help="body characters kept per report")
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("BIOMED_EXTRACT_SHARED_DIR", REPO.parent / "shared"))
    )
    parser.add_argument("--xml", type=Path, required=True)
    parser.add_argument("--ids", type=Path, required=True)
    parser.add_argument("--exclude", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    exclude = {p for path in args.exclude for p in path.read_text(encoding="utf-8").split()}
    docs = read_bodies(args.shared, exclude, args.max_chars)
    pmids = write_draw(docs, args.n, args.seed, args.xml, args.ids)
    print(f"{len(pmids)} of {len(docs)} candidate report bodies -> {args.xml}; ids -> {args.ids}")


if __name__ == "__main__":
    main()
