"""Write a MEDLINE/PubMed XML file of N citations of real text, for the end-to-end benchmark (never committed).

Titles and abstracts come from ``shared/unlabeled/*/abstracts.txt.gz`` (27,402 real
abstracts, read by :func:`make_pubtator.read_abstracts`: the first sentence is the
title, the rest the abstract).  The citation around them (journal, dates, authors,
MeSH headings, ``PubmedData``) has the shape of a baseline file, from
:func:`generate_medline.citation_xml`.  Every citation gets its own PMID; when the
corpus is used up the abstracts are written again with their sentences rotated by
the pass number, so every citation keeps a distinct text::

    .venv/bin/python benchmarks/make_medline.py 30000 /tmp/bench/pubmed-real-30k.xml
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_medline import citation_xml
from make_pubtator import read_abstracts

_TITLE = re.compile(r"<ArticleTitle>.*?</ArticleTitle>", re.S)
_ABSTRACT = re.compile(r"<Abstract>.*?</Abstract>", re.S)
#: Characters XML 1.0 does not allow (a few abstracts hold control characters such as U+0001).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def real_citations(shared_dir: Path, n: int):
    """``(title, abstract)`` pairs, ``n`` of them, every text distinct (sentences rotated on later passes)."""
    made = rotation = 0
    while made < n:
        before = made
        for title, sentences in read_abstracts(shared_dir):
            if rotation and len(sentences) < 2:
                continue  # a rotation would repeat the same text
            k = rotation % len(sentences) if sentences else 0
            yield title, " ".join(sentences[k:] + sentences[:k])
            made += 1
            if made >= n:
                return
        if made == before:
            raise ValueError(f"{shared_dir / 'unlabeled'} holds no abstracts")
        rotation += 1


def write_real_medline(out, n: int, shared_dir: Path, first_pmid: int = 41_000_000, seed: int = 0) -> None:
    rng = random.Random(seed)
    out.write('<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
    for i, (title, abstract) in enumerate(real_citations(shared_dir, n)):
        xml = citation_xml(first_pmid + i, rng)
        title, abstract = _NOT_XML.sub(" ", title), _NOT_XML.sub(" ", abstract)
        title_xml = f"<ArticleTitle>{escape(title)}</ArticleTitle>"
        body = f"<AbstractText>{escape(abstract)}</AbstractText>" if abstract else ""
        abstract_xml = f"<Abstract>{body}</Abstract>"
        xml = _TITLE.sub(lambda _m, t=title_xml: t, xml, count=1)
        xml = _ABSTRACT.sub(lambda _m, a=abstract_xml: a, xml, count=1)
        out.write(xml)
    out.write("</PubmedArticleSet>\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of citations")
    parser.add_argument("path", type=Path, help="output file; gzip-compressed when it ends with .gz")
    parser.add_argument("--shared", type=Path, default=None, help="shared folder (default: the settings' shared_dir)")
    parser.add_argument("--first-pmid", type=int, default=41_000_000)
    args = parser.parse_args(argv)
    if args.shared is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from extract.settings import get_settings

        args.shared = get_settings().shared_dir
    args.path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if args.path.suffix == ".gz" else open
    with opener(args.path, "wt", encoding="utf-8") as fh:
        write_real_medline(fh, args.n, args.shared, args.first_pmid)


if __name__ == "__main__":
    main()
