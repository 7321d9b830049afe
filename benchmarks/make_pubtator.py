"""Write a large PubTator file of real abstracts, for the ingest tests and benchmark (never committed).

The text comes from ``shared/unlabeled/*/abstracts.txt.gz`` (one ``ID<TAB>text``
line per document): the first sentence becomes the title line, the rest the
abstract line, and every record gets its own PMID (``first_pmid``, then up by
one).  When the corpus is used up before ``target_bytes``, it is written again
with the sentences of each abstract rotated by the pass number, so every record
keeps a distinct text::

    .venv/bin/python benchmarks/make_pubtator.py /tmp/h4/abstracts-60mb.pubtator --mb 60
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("sysrev_drug_reviews", "ebmnlp_rct_abstracts", "evidence_inference")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9])")


def read_abstracts(shared_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """``(title, abstract sentences)`` of every document in the unlabeled abstract files."""
    for name in SOURCES:
        with gzip.open(shared_dir / "unlabeled" / name / "abstracts.txt.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                _, _, text = line.rstrip("\n").partition("\t")
                title, *sentences = _SENTENCE_END.split(" ".join(text.split()))
                if title:
                    yield title, sentences


def write_pubtator(out: TextIO, target_bytes: int, shared_dir: Path, first_pmid: int = 40_000_000) -> int:
    """Write PubTator records (title and abstract lines, blank line between) until ``target_bytes``; return how many."""
    written = n = 0
    rotation = 0
    while written < target_bytes:
        for title, sentences in read_abstracts(shared_dir):
            k = rotation % len(sentences) if sentences else 0
            abstract = " ".join(sentences[k:] + sentences[:k])
            record = f"{first_pmid + n}|t|{title}\n{first_pmid + n}|a|{abstract}\n\n"
            out.write(record)
            written += len(record.encode("utf-8"))
            n += 1
            if written >= target_bytes:
                break
        rotation += 1
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="PubTator file to write (.gz: compressed)")
    parser.add_argument("--mb", type=float, default=60, help="size of the text in MB (default 60)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared data folder")
    parser.add_argument("--first-pmid", type=int, default=40_000_000)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if args.out.suffix == ".gz" else open
    with opener(args.out, "wt", encoding="utf-8", newline="\n") as fh:
        n = write_pubtator(fh, int(args.mb * 1_000_000), args.shared, args.first_pmid)
    print(f"{args.out}: {n} records", file=sys.stderr)


if __name__ == "__main__":
    main()
