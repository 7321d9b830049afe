"""Write a synthetic MEDLINE/PubMed XML file of N citations (baseline-file shape).

Each ``PubmedArticle`` has the structure of the real baseline files: PMID,
dates, journal and issue, title, a structured abstract (BACKGROUND, METHODS,
RESULTS, CONCLUSIONS) of realistic length, an author list with affiliations,
a MeSH heading list, keywords and a ``PubmedData`` block with article ids and
history.  About 4.5 kB of XML per citation, so 30,000 citations make a file of
about 135 MB, the size of a real baseline file.  Content is deterministic for a seed.

Usage::

    python benchmarks/generate_medline.py 30000 /tmp/pubmed-30k.xml.gz
    python benchmarks/generate_medline.py 3000 /tmp/pubmed-3k.xml --delete 5
"""

from __future__ import annotations

import argparse
import gzip
import random
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

_DRUGS = (
    "aspirin",
    "metformin",
    "cisplatin",
    "amiodarone",
    "lithium",
    "warfarin",
    "doxorubicin",
    "ibuprofen",
    "levodopa",
    "methotrexate",
    "tacrolimus",
    "vancomycin",
    "isoniazid",
    "haloperidol",
    "valproate",
)
_DISEASES = (
    "hepatotoxicity",
    "nephrotoxicity",
    "agranulocytosis",
    "seizures",
    "cardiomyopathy",
    "hypothyroidism",
    "lactic acidosis",
    "peripheral neuropathy",
    "thrombocytopenia",
    "QT prolongation",
    "pancreatitis",
    "Stevens-Johnson syndrome",
    "tardive dyskinesia",
    "interstitial lung disease",
    "hyperkalemia",
)
_FILLER = (
    "patients",
    "were",
    "enrolled",
    "in",
    "a",
    "randomized",
    "controlled",
    "trial",
    "and",
    "the",
    "of",
    "with",
    "outcomes",
    "compared",
    "between",
    "groups",
    "during",
    "follow-up",
    "significantly",
    "associated",
    "risk",
    "increased",
    "cohort",
    "analysis",
    "dose",
    "treatment",
    "adverse",
    "events",
    "incidence",
    "was",
    "observed",
    "after",
    "baseline",
    "clinical",
    "mean",
    "years",
)
_LAST = ("Smith", "Garcia", "Müller", "Nakamura", "Okafor", "Rossi", "Dubois", "Kowalski", "Chen", "Silva")
_FORE = ("Anna", "José", "Li", "Maria", "Kenji", "Chidi", "Luca", "Zoë", "Piotr", "Ana")
_MESH = (
    "Humans",
    "Female",
    "Male",
    "Adult",
    "Middle Aged",
    "Aged",
    "Risk Factors",
    "Retrospective Studies",
    "Drug-Related Side Effects and Adverse Reactions",
    "Treatment Outcome",
    "Prospective Studies",
)


def _sentence(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(_FILLER) for _ in range(n_words)]
    words[rng.randrange(n_words)] = rng.choice(_DRUGS)
    words[rng.randrange(n_words)] = rng.choice(_DISEASES)
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, n_sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(12, 24)) for _ in range(n_sentences))


def citation_xml(pmid: int, rng: random.Random) -> str:
    """One ``PubmedArticle`` element as text."""
    drug, disease = rng.choice(_DRUGS), rng.choice(_DISEASES)
    year = rng.randint(1995, 2024)
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>{rng.choice(_LAST)}</LastName><ForeName>{f}</ForeName>'
        f"<Initials>{f[0]}</Initials><AffiliationInfo><Affiliation>Department of Pharmacology, "
        f"University Hospital {rng.randint(1, 99)}, City.</Affiliation></AffiliationInfo></Author>"
        for f in (rng.choice(_FORE) for _ in range(rng.randint(2, 6)))
    )
    abstract = "".join(
        f'<AbstractText Label="{label}" NlmCategory="{label}">{escape(_paragraph(rng, n))}</AbstractText>'
        for label, n in (("BACKGROUND", 2), ("METHODS", 3), ("RESULTS", 3), ("CONCLUSIONS", 1))
    )
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="D{rng.randint(1000, 99999):06d}" MajorTopicYN="N">{m}</DescriptorName>'
        "</MeshHeading>"
        for m in rng.sample(_MESH, 5)
    )
    return (
        "<PubmedArticle>"
        f'<MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<DateCompleted><Year>{year}</Year><Month>05</Month><Day>24</Day></DateCompleted>"
        f'<Article PubModel="Print"><Journal><ISSN IssnType="Electronic">1234-5678</ISSN>'
        f'<JournalIssue CitedMedium="Internet"><Volume>{rng.randint(1, 400)}</Volume><Issue>3</Issue>'
        f"<PubDate><Year>{year}</Year><Month>Mar</Month></PubDate></JournalIssue>"
        "<Title>Journal of Synthetic Pharmacology</Title><ISOAbbreviation>J Synth Pharmacol</ISOAbbreviation>"
        f"</Journal><ArticleTitle>{escape(drug.capitalize())}-induced {escape(disease)}: "
        f"a cohort study of {rng.randint(20, 5000)} patients.</ArticleTitle>"
        f"<Pagination><MedlinePgn>{rng.randint(1, 900)}-{rng.randint(901, 999)}</MedlinePgn></Pagination>"
        f'<ELocationID EIdType="doi" ValidYN="Y">10.1000/jsp.{pmid}</ELocationID>'
        f'<Abstract>{abstract}</Abstract><AuthorList CompleteYN="Y">{authors}</AuthorList>'
        '<Language>eng</Language><PublicationTypeList><PublicationType UI="D016428">Journal Article'
        "</PublicationType></PublicationTypeList></Article>"
        "<MedlineJournalInfo><Country>United States</Country><MedlineTA>J Synth Pharmacol</MedlineTA>"
        "</MedlineJournalInfo>"
        f'<MeshHeadingList>{mesh}</MeshHeadingList><KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">'
        f'{escape(drug)}</Keyword><Keyword MajorTopicYN="N">{escape(disease)}</Keyword></KeywordList>'
        "</MedlineCitation>"
        '<PubmedData><History><PubMedPubDate PubStatus="pubmed"><Year>{0}</Year><Month>1</Month><Day>2</Day>'
        "</PubMedPubDate></History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">10.1000/jsp.{pmid}</ArticleId>'
        "</ArticleIdList></PubmedData></PubmedArticle>\n"
    ).replace("{0}", str(year))


def write_medline(
    out: IO[str], n: int, seed: int = 0, first_pmid: int = 30_000_000, delete: list[int] | None = None
) -> None:
    """Write a ``PubmedArticleSet`` of ``n`` citations (and a ``DeleteCitation`` of ``delete`` PMIDs)."""
    rng = random.Random(seed)
    out.write(
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        '1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'
        "<PubmedArticleSet>\n"
    )
    for i in range(n):
        out.write(citation_xml(first_pmid + i, rng))
    if delete:
        out.write("<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in delete) + "</DeleteCitation>\n")
    out.write("</PubmedArticleSet>\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of citations")
    parser.add_argument("path", type=Path, help="output file; gzip-compressed when it ends with .gz")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-pmid", type=int, default=30_000_000)
    parser.add_argument(
        "--delete", type=int, default=0, help="also write a DeleteCitation of this many PMIDs before --first-pmid"
    )
    args = parser.parse_args(argv)
    delete = list(range(args.first_pmid - args.delete, args.first_pmid)) if args.delete else None
    args.path.parent.mkdir(parents=True, exist_ok=True)
    if args.path.suffix == ".gz":
        with gzip.open(args.path, "wt", encoding="utf-8", compresslevel=5) as fh:
            write_medline(fh, args.n, args.seed, args.first_pmid, delete)
    else:
        with open(args.path, "w", encoding="utf-8") as fh:
            write_medline(fh, args.n, args.seed, args.first_pmid, delete)


if __name__ == "__main__":
    main()
