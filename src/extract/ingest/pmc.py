"""PubMed Central full text (JATS ``.nxml``).

Kept, as sections: the abstract (``abstract``; the parts of a structured
abstract as ``abstract / <title>``, so the abstract's "Methods" is not the body's
"Methods"), body sections under their titles (nested titles joined with " / "),
then figure and table captions (``figure: <label>``, ``table: <label>``).
Left out on purpose: table bodies (cells are not prose; a huge supplementary
table therefore costs nothing), display formulas, the reference list,
acknowledgements and other back matter, and body sections that are
declarations rather than science (competing interests, author contributions,
funding, acknowledgements; by ``sec-type`` or title).  In-text
citations (``xref`` to bibliography entries) are removed so "[12]" does not end
up inside sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from extract.ingest.records import RawDocument, SourceError, abstract_section, join_sections
from extract.ingest.xmlutil import parse_year, safe_parser_kwargs, text_of

_EMPTY_BRACKETS = re.compile(r"\s*[\[(]\s*(?:[,;–-]\s*)*[\])]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:](?:\s|$))")


def _tidy(text: str) -> str:
    """Remove what removed citations leave behind: empty brackets and spaces before punctuation."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _EMPTY_BRACKETS.sub("", text)).strip()


_SKIP_IN_PARAGRAPHS = frozenset({"table-wrap", "fig", "disp-formula", "supplementary-material", "table"})
_SKIP_SEC_TYPES = frozenset(
    {
        "coi-statement",
        "conflict",
        "author-contributions",
        "funding",
        "acknowledgement",
        "acknowledgements",
        "supplementary-material",
        "data-availability",
    }
)
_SKIP_SEC_TITLE = re.compile(
    r"^(competing interests?|conflicts? of interests?|declaration of interests?|authors?'? contributions?|"
    r"funding|acknowledge?ments?|supplementary (material|data|information))\b",
    re.I,
)


def read_pmc(stream: BinaryIO, source: str) -> Iterator[RawDocument]:
    index = 0
    context = etree.iterparse(stream, events=("end",), tag=("article", "{*}article"), **safe_parser_kwargs())
    try:
        for _, article in context:
            yield _article(article, source, index)
            index += 1
            article.clear(keep_tail=False)
            parent = article.getparent()  # a pmc-articleset: drop the cleared articles too
            if parent is not None:
                while article.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise SourceError("malformed_xml", f"XML error after {index} articles: {exc}") from exc
    if index == 0:
        raise SourceError("unsupported_xml", "no JATS <article> element found")


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname if isinstance(elem.tag, str) else ""


def _strip_citations(root: etree._Element) -> None:
    for xref in list(root.iter("xref", "{*}xref")):
        if xref.get("ref-type") in {"bibr", "fn"}:
            parent = xref.getparent()
            if parent is None:
                continue
            tail = xref.tail or ""
            prev = xref.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(xref)


def _article(article: etree._Element, source: str, index: int) -> RawDocument:
    _strip_citations(article)
    meta = article.find(".//front/article-meta")
    journal_meta = article.find(".//front/journal-meta")
    ids = {}
    title = None
    year = None
    authors: list[str] = []
    parts: list[tuple[str, str]] = []
    if meta is not None:
        for aid in meta.findall("article-id"):
            if aid.text:
                ids[aid.get("pub-id-type")] = aid.text.strip()
        title = text_of(meta.find("title-group/article-title")) or None
        for date in meta.findall("pub-date"):
            year = parse_year(date.findtext("year"))
            if year:
                break
        for contrib in meta.findall("contrib-group/contrib"):
            if contrib.get("contrib-type", "author") != "author":
                continue
            name = contrib.find("name")
            if name is not None:
                surname = (name.findtext("surname") or "").strip()
                given = (name.findtext("given-names") or "").strip()
                initials = "".join(w[0] for w in given.replace("-", " ").split() if w)
                authors.append(f"{surname} {initials}".strip())
            elif contrib.find("collab") is not None:
                authors.append(text_of(contrib.find("collab")))
        for abstract in meta.findall("abstract"):
            if abstract.get("abstract-type") in {"graphical", "teaser", "toc"}:
                continue
            secs = abstract.findall("sec")
            for sec in secs or [abstract]:  # a structured abstract: "abstract / <title>" per part
                label = text_of(sec.find("title")) if secs else None
                paragraphs = " ".join(_tidy(text_of(p, _SKIP_IN_PARAGRAPHS)) for p in sec.findall(".//p"))
                parts.append((abstract_section(label), paragraphs))
    body = article.find("body")
    if body is not None:
        _body_sections(body, [], parts)
    captions: list[tuple[str, str]] = []
    for kind, tag in (("figure", "fig"), ("table", "table-wrap")):
        for n, item in enumerate(article.iter(tag), start=1):
            if _inside(item, "back"):
                continue
            label = text_of(item.find("label")) or f"{kind} {n}"
            caption = _tidy(text_of(item.find("caption"), frozenset({"disp-formula"})))
            if caption:
                captions.append((f"{kind}: {label}", caption))
    parts.extend(captions)
    text, sections = join_sections(parts)
    journal = None
    if journal_meta is not None:
        journal = text_of(journal_meta.find(".//journal-title")) or None
    pmcid = ids.get("pmc") or ids.get("pmcid")
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"
    return RawDocument(
        source=source,
        source_index=index,
        format="pmc",
        text=text,
        title=title,
        sections=sections,
        pmid=ids.get("pmid"),
        pmcid=pmcid,
        doi=ids.get("doi"),
        journal=journal,
        year=year,
        authors=authors,
    )


def _inside(elem: etree._Element, tag: str) -> bool:
    parent = elem.getparent()
    while parent is not None:
        if _local(parent) == tag:
            return True
        parent = parent.getparent()
    return False


def _body_sections(elem: etree._Element, heading: list[str], parts: list[tuple[str, str]]) -> None:
    paragraphs: list[str] = []
    for child in elem:
        name = _local(child)
        if name == "p":
            txt = _tidy(text_of(child, _SKIP_IN_PARAGRAPHS))
            if txt:
                paragraphs.append(txt)
        elif name == "sec":
            title = text_of(child.find("title"))
            if (child.get("sec-type") or "").lower() in _SKIP_SEC_TYPES or _SKIP_SEC_TITLE.match(title):
                continue
            if paragraphs:
                parts.append((" / ".join(heading) or "body", "\n".join(paragraphs)))
                paragraphs = []
            _body_sections(child, heading + [title or "section"], parts)
        elif name in {"list", "boxed-text", "disp-quote"}:
            txt = "\n".join(_tidy(text_of(p, _SKIP_IN_PARAGRAPHS)) for p in child.iter("p"))
            if txt.strip():
                paragraphs.append(txt)
    if paragraphs:
        parts.append((" / ".join(heading) or "body", "\n".join(paragraphs)))
