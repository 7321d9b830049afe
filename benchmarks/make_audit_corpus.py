"""Write the relation-audit corpus: a seeded random sample of real drug-review and trial abstracts.

The analyst audit of the relation tables (issue 14, ``data/gold/relation_audit/``) runs the
pipeline on real literature, not on the annotated corpora.  This script draws ``--n``
documents (default 5,000) at random with ``--seed`` (default 0) from the unlabeled
abstracts in the shared folder::

    ../shared/unlabeled/sysrev_drug_reviews/abstracts.txt.gz   (drug-class systematic reviews, ADR papers)
    ../shared/unlabeled/ebmnlp_rct_abstracts/abstracts.txt.gz  (randomized controlled trials)

Both hold one document per line, ``ID<TAB>text`` with the title first.  Only lines whose id
is a PMID and whose text has an abstract after the title take part (ids such as
``Bannach-Brown_2019:2`` carry no PMID; a PMID found in both files is taken once).  The
sample is written as a MEDLINE XML file (``PubmedArticleSet``: PMID, ArticleTitle,
AbstractText), the format ``biomed-extract run`` reads for PubMed, and the sorted list of
sampled PMIDs as ``--ids`` (default ``data/gold/relation_audit/audit_ids.txt``).  The XML
holds the abstracts' text and stays outside the repository (default ``/tmp/h6/audit_corpus.xml.gz``);
the same seed and inputs always give the same file.

An existing ``--ids`` file is never replaced by a different list (``--force`` replaces it): the command
without arguments rebuilds the audit corpus and finds the same 5,000 PMIDs in ``audit_ids.txt`` (which
also confirms the rebuilt XML is the audited corpus), while a draw with another ``--seed`` or ``--n`` and
no ``--ids`` stops with an error instead of overwriting the audit's list.

Usage::

    python benchmarks/make_audit_corpus.py [--n 5000] [--seed 0] [--xml /tmp/h6/audit_corpus.xml.gz]
    # training text for the hand-annotated relation sentences, disjoint from the audit:
    python benchmarks/make_audit_corpus.py --n 1500 --seed 1 --exclude data/gold/relation_audit/audit_ids.txt \
        --xml /tmp/annot/corpus.xml.gz --ids data/gold/relation_annotations/source_ids.txt
    biomed-extract run /tmp/h6/audit_corpus.xml.gz --out /tmp/h6/before
    # the fifth training draw, from the trial abstracts of evidence_inference (never part of the audit; its
    # files have no title boundary, so the "title" runs on to the first sentence end):
    python benchmarks/make_audit_corpus.py --n 5000 --seed 7 --source unlabeled/evidence_inference/abstracts.txt.gz \
        --exclude data/gold/relation_audit/audit_ids.txt --exclude data/gold/relation_annotations/source_ids.txt ... \
        --xml /tmp/s4/corpus5.xml.gz --ids data/gold/relation_annotations/source_ids_5.txt
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("unlabeled/sysrev_drug_reviews/abstracts.txt.gz", "unlabeled/ebmnlp_rct_abstracts/abstracts.txt.gz")
DEFAULT_IDS = REPO / "data" / "gold" / "relation_audit" / "audit_ids.txt"
DEFAULT_XML = Path("/tmp/h6/audit_corpus.xml.gz")

# A title ends at the first sentence-final mark followed by a capital, digit or bracket...
_TITLE_END = re.compile(r"[.?!](?=\s+[\[(\"'A-Z0-9])")
# ...unless the mark closes one of these abbreviations ("vs. Placebo", "St. John's wort", "E. coli").
_NO_BREAK_BEFORE = re.compile(r"(?:\b(?:vs|St|Dr|Mr|Mrs|No|Vol|Fig|al|spp|sp|cf|approx|ca)|\b[A-Z])$")
_MIN_ABSTRACT_CHARS = 100


def split_title(text: str) -> tuple[str, str]:
    """``(title, abstract)`` of a one-line ``title abstract`` text; abstract is '' when none is found.

    A title in square brackets (a translated foreign title, ``[Lithium in mania] We studied...``)
    ends at its closing bracket; otherwise at the first sentence end that is not an abbreviation.
    """
    text = text.strip()
    if text.startswith("["):
        close = text.find("]")
        if close > 0:
            end = close + 1 + (text[close + 1 : close + 2] == ".")
            return text[:end].strip(), text[end:].strip()
    for match in _TITLE_END.finditer(text):
        if not _NO_BREAK_BEFORE.search(text[: match.start()]):
            return text[: match.end()].strip(), text[match.end() :].strip()
    return text, ""


def read_candidates(shared: Path, sources: tuple[str, ...] = SOURCES) -> dict[str, tuple[str, str]]:
    """PMID -> (title, abstract) over ``sources`` (paths under ``shared``), in file order, first occurrence kept."""
    docs: dict[str, tuple[str, str]] = {}
    for rel in sources:
        with gzip.open(shared / rel, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc_id, _, text = line.rstrip("\n").partition("\t")
                if not doc_id.isdigit() or doc_id in docs:
                    continue
                title, abstract = split_title(text)
                if len(abstract) >= _MIN_ABSTRACT_CHARS:
                    docs[doc_id] = (title, abstract)
    return docs


def sample_ids(pmids: list[str], n: int, seed: int) -> list[str]:
    """``n`` PMIDs drawn with ``random.Random(seed)`` from the numerically sorted candidates, sorted."""
    ordered = sorted(pmids, key=int)
    chosen = random.Random(seed).sample(ordered, min(n, len(ordered)))
    return sorted(chosen, key=int)


def citation_xml(pmid: str, title: str, abstract: str) -> str:
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<Article><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"<Abstract><AbstractText>{escape(abstract)}</AbstractText></Abstract>"
        "<Language>eng</Language></Article></MedlineCitation></PubmedArticle>\n"
    )


def write_medline(path: Path, docs: dict[str, tuple[str, str]], pmids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
        for pmid in pmids:
            fh.write(citation_xml(pmid, *docs[pmid]))
        fh.write("</PubmedArticleSet>\n")


class IdsFileConflict(FileExistsError):
    """The ``--ids`` file exists and lists other PMIDs than the draw."""


def write_draw(
    docs: dict[str, tuple[str, str]], n: int, seed: int, xml: Path, ids: Path, replace_ids: bool = True
) -> list[str]:
    """Draw ``n`` of ``docs`` with ``seed`` (:func:`sample_ids`), write them as MEDLINE XML and their ids; the ids.

    ``replace_ids=False``: an existing ``ids`` file listing other PMIDs raises :class:`IdsFileConflict` before
    anything is written (one listing the same PMIDs is left as it is).
    """
    pmids = sample_ids(list(docs), n, seed)
    listed = ids.read_text(encoding="utf-8").split() if ids.exists() else None
    if listed is not None and listed != pmids and not replace_ids:
        raise IdsFileConflict(
            f"{ids} exists with another list of PMIDs ({len(listed):,}) than this draw's ({len(pmids):,}, --n {n} "
            f"--seed {seed}); pass --ids FILE to write this draw's list elsewhere, or --force to replace it"
        )
    write_medline(xml, docs, pmids)
    if listed != pmids:
        ids.parent.mkdir(parents=True, exist_ok=True)
        ids.write_text("".join(f"{p}\n" for p in pmids), encoding="utf-8")
    return pmids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="number of abstracts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("BIOMED_EXTRACT_SHARED_DIR", REPO.parent / "shared"))
    )
    parser.add_argument("--xml", type=Path, default=DEFAULT_XML, help="MEDLINE XML to write (.gz compresses)")
    parser.add_argument(
        "--ids",
        type=Path,
        default=DEFAULT_IDS,
        help="list of the sampled PMIDs to write (default: the audit's list); an existing file listing other PMIDs "
        "is an error unless --force",
    )
    parser.add_argument("--force", action="store_true", help="replace an --ids file that lists other PMIDs")
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=[],
        help="a file of PMIDs (one per line) that must not be drawn, e.g. the audit ids when drawing training text",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        help="an abstracts file under --shared to draw from instead of the default two (repeatable), e.g. "
        "unlabeled/evidence_inference/abstracts.txt.gz",
    )
    args = parser.parse_args(argv)
    docs = read_candidates(args.shared, tuple(args.source) or SOURCES)
    for path in args.exclude:
        for pmid in path.read_text(encoding="utf-8").split():
            docs.pop(pmid, None)
    try:
        pmids = write_draw(docs, args.n, args.seed, args.xml, args.ids, replace_ids=args.force)
    except IdsFileConflict as exc:
        parser.error(str(exc))
    print(f"{len(pmids)} of {len(docs)} candidate abstracts -> {args.xml}; ids -> {args.ids}")


if __name__ == "__main__":
    main()
