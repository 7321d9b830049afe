"""PubMed/MEDLINE XML: ``PubmedArticleSet`` (current) and ``MedlineCitationSet`` (older).

Streams with ``lxml.etree.iterparse`` and frees each citation after use, so a
baseline file of 30,000 citations is read in constant memory.
``DeleteCitation`` elements (update files) are reported through ``on_delete``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from lxml import etree

from extract.ingest.records import RawDocument, SourceError, join_sections
from extract.ingest.xmlutil import parse_year, safe_parser_kwargs, text_of

_ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")


def read_medline(
    stream: BinaryIO,
    source: str,
    on_delete: Callable[[list[str]], None] | None = None,
) -> Iterator[RawDocument]:
    index = 0
    context = etree.iterparse(stream, events=("end",), tag=_ARTICLE_TAGS, **safe_parser_kwargs())
    try:
        for _, elem in context:
            tag = elem.tag
            if tag == "MedlineCitation" and elem.getparent() is not None and elem.getparent().tag == "PubmedArticle":
                continue  # handled with its PubmedArticle
            if tag == "DeleteCitation":
                pmids = [p.text.strip() for p in elem.iter("PMID") if p.text]
                if on_delete is not None:
                    on_delete(pmids)
            elif tag == "PubmedBookArticle":
                yield _book_article(elem, source, index)
                index += 1
            else:
                yield _citation(elem, source, index)
                index += 1
            _free(elem)
    except etree.XMLSyntaxError as exc:
        raise SourceError("malformed_xml", f"XML error after {index} citations: {exc}") from exc


def _free(elem: etree._Element) -> None:
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _citation(elem: etree._Element, source: str, index: int) -> RawDocument:
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        citation = elem
    article = citation.find("Article")
    pmid = (citation.findtext("PMID") or "").strip() or None
    title = text_of(article.find("ArticleTitle")) if article is not None else ""
    if not title and article is not None:
        title = text_of(article.find("VernacularTitle"))
    parts: list[tuple[str, str]] = []
    if article is not None:
        for abstract_text in article.findall("Abstract/AbstractText"):
            label = abstract_text.get("Label") or abstract_text.get("NlmCategory") or "abstract"
            parts.append((label, text_of(abstract_text)))
    text, sections = join_sections(parts, sep="\n")
    journal = year = None
    doi = None
    if article is not None:
        journal = text_of(article.find("Journal/Title")) or None
        pub_date = article.find("Journal/JournalIssue/PubDate")
        if pub_date is not None:
            year = parse_year(pub_date.findtext("Year") or pub_date.findtext("MedlineDate"))
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.text:
                doi = loc.text.strip()
    pmcid = None
    for aid in elem.findall("PubmedData/ArticleIdList/ArticleId"):
        kind = aid.get("IdType")
        if kind == "doi" and not doi and aid.text:
            doi = aid.text.strip()
        elif kind == "pmc" and aid.text:
            pmcid = aid.text.strip()
    authors = []
    if article is not None:
        for author in article.findall("AuthorList/Author"):
            name = _author_name(author)
            if name:
                authors.append(name)
    mesh = [text_of(d) for d in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]
    return RawDocument(
        source=source,
        source_index=index,
        format="medline",
        text=text,
        title=title or None,
        sections=sections,
        pmid=pmid,
        pmcid=pmcid,
        doi=doi,
        journal=journal,
        year=year,
        authors=authors,
        mesh_terms=[m for m in mesh if m],
    )


def _book_article(elem: etree._Element, source: str, index: int) -> RawDocument:
    doc = elem.find("BookDocument")
    pmid = (doc.findtext("PMID") if doc is not None else None) or None
    title = text_of(doc.find("ArticleTitle")) if doc is not None else ""
    if not title and doc is not None:
        title = text_of(doc.find("Book/BookTitle"))
    parts = []
    if doc is not None:
        for abstract_text in doc.findall("Abstract/AbstractText"):
            parts.append((abstract_text.get("Label") or "abstract", text_of(abstract_text)))
    text, sections = join_sections(parts, sep="\n")
    year = parse_year(doc.findtext("Book/PubDate/Year")) if doc is not None else None
    return RawDocument(
        source=source,
        source_index=index,
        format="medline",
        text=text,
        title=title or None,
        sections=sections,
        pmid=pmid.strip() if pmid else None,
        year=year,
    )


def _author_name(author: etree._Element) -> str | None:
    collective = author.findtext("CollectiveName")
    if collective:
        return collective.strip()
    last = (author.findtext("LastName") or "").strip()
    initials = (author.findtext("Initials") or author.findtext("ForeName") or "").strip()
    return f"{last} {initials}".strip() or None
