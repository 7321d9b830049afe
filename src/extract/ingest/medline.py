"""PubMed/MEDLINE XML: ``PubmedArticleSet`` (current) and ``MedlineCitationSet`` (older).

The file is cut into its citations at the byte level (``xmlutil.RecordSplitter``) and each citation is parsed
on its own, so a baseline file of 30,000 citations is read in constant memory and damage inside one citation (an
invalid byte, a broken or missing tag) costs that citation only: it becomes a ``malformed_xml`` reject naming its
PMID when the damaged bytes still show it, and the citations after it are read.  lxml's recover mode is not used:
it keeps a damaged citation with silently altered text, and a broken tag can nest the next citation inside it.
Tags inside comments and CDATA sections cut nothing, and each citation is parsed with the file's DOCTYPE and the
namespace prefixes its root declares (``RecordSplitter.parse``).  The entities the DOCTYPE's internal subset declares
are resolved; an external one (``SYSTEM``) is never loaded, and a citation using one keeps its references as written.
Element names with a namespace prefix of their own (``<pm:PubmedArticle>``; NLM's files have none) are not read: a
``malformed_xml`` reject per citation names its PMID.  A file that ends early raises ``SourceError`` naming the
citation cut (``doc_id``) when its PMID was read, else the PMID it ends after.  (A UTF-16 or UTF-32 file comes here
recoded to UTF-8: ``decoding.Utf8Recoder``.)
``DeleteCitation`` elements (update files) are reported through ``on_delete`` as (PMID, version) pairs: a
``<PMID Version="2">`` deletes that version only, a ``<PMID>`` without ``Version`` (None) every version; the versions
left compete as usual (``batch_records.SeenInBatch``: the highest one read without a reject is kept), so deleting the
version that would be kept leaves the next lower one read in the batch, or no document.  A citation's ``<PMID
Version="2">`` is kept as ``RawDocument.pmid_version``; ``scan_pmid_versions`` lists a file's versioned citations
without parsing.  ``medline_file_key`` orders NLM's baseline and update files (``pubmedYYnNNNN``) by year, then number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import BinaryIO

from lxml import etree

from extract.ingest.records import RawDocument, SourceError, abstract_section, join_sections
from extract.ingest.xmlutil import RecordSplitter, XmlCutShort, XmlPiece, parse_year, safe_parser_kwargs, text_of
from extract.rejects import Reject

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")
_NESTED = {"PubmedArticle": ("MedlineCitation",)}
#: The PMID of a citation itself (the first child of ``MedlineCitation`` / ``BookDocument``), not one it cites.
_OWN_PMID = re.compile(rb"<(?:MedlineCitation|BookDocument)\b[^>]*>\s*<PMID\b[^>]*>\s*(\d+)\s*</PMID>")
#: The same with namespace prefixes (``<pm:MedlineCitation><pm:PMID>``), to name the citations that are not read.
_OWN_PMID_PREFIXED = re.compile(
    rb"<(?:[\w.-]+:)?(?:MedlineCitation|BookDocument)\b[^>]*>\s*<(?:[\w.-]+:)?PMID\b[^>]*>\s*(\d+)\s*</"
)
#: A citation's start tag with a namespace prefix (not MEDLINE: NLM's files use none).
_PREFIXED_RECORD = re.compile(rb"<([\w.-]+):(?:PubmedArticle|PubmedBookArticle|MedlineCitation|DeleteCitation)[\s/>]")
_VERSIONED_PMID = re.compile(
    rb"""<(?:MedlineCitation|BookDocument)\b[^>]*>\s*<PMID\s+Version=["'](\d+)["']\s*>\s*(\d+)\s*</PMID>"""
)
_ABOVE_VERSION_1 = re.compile(rb"""<PMID\s+Version=["'](?!1["'])""")
_SCAN_BLOCK, _SCAN_OVERLAP = 1 << 20, 1024
#: NLM's file names: ``pubmed25n0001.xml.gz`` is the first file of the 2025 baseline, updates are numbered on from
#: the last baseline file (``pubmed25n1275``), and each year's baseline starts at 0001 again (older: ``medline17n...``).
_NLM_FILE = re.compile(r"(?:pubmed|medline)(\d{2})n(\d{4})", re.I)
#: Ranks of a file without an NLM name where NLM files are ordered (``medline_file_rank``): a citation of such a file
#: counts as older than every NLM file (any DeleteCitation of its PMID removes it), a DeleteCitation of such a file
#: as newer than every citation (it removes them all).
OLDEST = (-math.inf, -math.inf)
NEWEST = (math.inf, math.inf)


def medline_file_key(source: str) -> tuple[int, int] | None:
    """Where an NLM baseline or update file stands in NLM's sequence, (year, number): ``.../pubmed25n0001.xml.gz#3``
    -> (25, 1), after ``pubmed24n1001.xml.gz`` -> (24, 1001).  A citation of a later file is the newer version.
    None for other names (``source`` may be a path or ``path#index``)."""
    m = _NLM_FILE.search(PurePath(source.split("#", 1)[0]).name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def medline_file_rank(source: str, unnamed: tuple) -> tuple:
    """``medline_file_key(source)``, or ``unnamed`` (``OLDEST`` / ``NEWEST``) for a file without an NLM name."""
    key = medline_file_key(source)
    return unnamed if key is None else key


def newest_medline_first(files: list[Path]) -> list[Path]:
    """``files`` with the NLM files first, newest first by (year, number) (so a batch keeps a citation's newest
    version and knows a deletion before the older citations it removes); the others after them, in their order."""
    named = [f for f in files if medline_file_key(str(f)) is not None]
    others = [f for f in files if medline_file_key(str(f)) is None]
    return sorted(named, key=lambda f: (tuple(-n for n in medline_file_key(str(f))), str(f))) + others


def read_medline(
    stream: BinaryIO,
    source: str,
    on_delete: Callable[[list[tuple[str, int | None]]], None] | None = None,
) -> Iterator[RawDocument | Reject]:
    """The citations of a MEDLINE file as documents, and a ``malformed_xml`` reject for each citation (or stretch
    of bytes between citations) that cannot be read.  ``source_index`` counts both.  Raises ``SourceError`` when
    the file ends early (inside a citation or before the root's end tag), after yielding everything before."""
    index = 0
    last_pmid = None  # of the last citation read (a document or a reject), to say where a truncated file ends
    try:
        splitter = RecordSplitter(stream, _RECORD_TAGS, _NESTED)
        parser = _Parser(splitter.header)
        for piece in splitter:
            if piece.tag is not None and ":" in piece.tag:
                items = [_prefixed(piece, source, index)]
            elif piece.tag == "DeleteCitation":
                reject = _deletion(piece, splitter, parser, source, index, on_delete)
                items = [reject] if reject else []
            elif piece.tag is None:
                items = _unreadable(piece, source, index)
            else:
                items = [_record(piece, splitter, parser, source, index)]
            for item in items:
                pmid = item.pmid if isinstance(item, RawDocument) else (item.doc_id or "").removeprefix("PMID:")
                last_pmid = pmid or last_pmid
            yield from items
            index += len(items)
    except XmlCutShort as exc:
        raise _cut_short(exc, index, last_pmid) from exc


def _cut_short(exc: XmlCutShort, index: int, last_pmid: str | None) -> SourceError:
    """The file-level error for a file that ends early: naming (``doc_id``) the citation cut when its PMID was read,
    else saying after which PMID the file is truncated."""
    message = f"XML error after {index} citations: {exc}"
    pmids = _OWN_PMID.findall(exc.data) or _OWN_PMID_PREFIXED.findall(exc.data)
    if pmids:
        pmid = pmids[0].decode()
        return SourceError(
            "malformed_xml",
            f"{message}; the citation there (PMID {pmid}) was lost: the file is truncated",
            f"PMID:{pmid}",
        )
    if exc.truncated:
        where = f"after PMID {last_pmid}" if last_pmid else "before its first PMID"
        return SourceError("malformed_xml", f"{message}; the file is truncated {where}")
    return SourceError("malformed_xml", message)


def scan_pmid_versions(stream: BinaryIO) -> dict[str, int]:
    """PMID -> highest ``Version`` above 1 among the citations of a MEDLINE file (``<PMID Version="2">``).

    A search over the bytes, no parse: blocks without a version other than 1 (nearly all) are skipped at once.
    """
    versions: dict[str, int] = {}
    tail = b""
    while block := stream.read(_SCAN_BLOCK):
        data = tail + block
        if _ABOVE_VERSION_1.search(data):
            for m in _VERSIONED_PMID.finditer(data):
                pmid, version = m.group(2).decode(), int(m.group(1))
                if version > max(1, versions.get(pmid, 1)):
                    versions[pmid] = version
        tail = data[-_SCAN_OVERLAP:]
    return versions


class _Parser:
    """lxml's parser for the citations of a file: the safe one (no DTD or external entity loaded), resolving the
    entities its DOCTYPE's internal subset declares (``<!ENTITY drug "cisplatin">``) when it declares any.  A citation
    that then does not parse (an entity declared ``SYSTEM``, never loaded, or one never declared) is parsed again with
    entity references kept as they are written (``&ext;``), as for a file without such declarations."""

    def __init__(self, header: bytes):
        self.literal = etree.XMLParser(**safe_parser_kwargs())
        self.internal = None
        if b"<!ENTITY" in header:
            self.internal = etree.XMLParser(**{**safe_parser_kwargs(), "resolve_entities": "internal"})

    def parse(self, splitter: RecordSplitter, piece: XmlPiece) -> etree._Element:
        if self.internal is not None:
            try:
                return splitter.parse(piece, self.internal)
            except etree.XMLSyntaxError:
                pass
        return splitter.parse(piece, self.literal)


def _prefixed(piece: XmlPiece, source: str, index: int) -> Reject:
    """The reject for a citation whose element names carry a namespace prefix (``<pm:PubmedArticle>``)."""
    deletion = piece.tag.endswith(":DeleteCitation")
    pmids = _OWN_PMID_PREFIXED.findall(piece.data)
    pmid = pmids[0].decode() if pmids and not deletion else None
    why = f"MEDLINE element names with a namespace prefix ({piece.tag.partition(':')[0]}:) are not supported (NLM's "
    why += "files use none)"
    if deletion:
        named = sorted({p.decode() for p in re.findall(rb"<(?:[\w.-]+:)?PMID\b[^>]*>\s*(\d+)", piece.data)})
        why += f"; its deletions were not applied (PMIDs seen in it: {', '.join(named) or 'none'})"
    return Reject(
        source=f"{source}#{index}",
        stage="ingest",
        reason="malformed_xml",
        detail=f"the <{piece.tag}> at byte {piece.offset}{f' (PMID {pmid})' if pmid else ''} is not read: {why}",
        doc_id=f"PMID:{pmid}" if pmid else None,
    )


def _record(piece: XmlPiece, splitter: RecordSplitter, parser, source: str, index: int) -> RawDocument | Reject:
    """One citation record parsed on its own, or the reject saying why it could not be."""
    if not piece.closed:
        return _damaged(piece, source, index, f"no </{piece.tag}> before the next citation")
    try:
        elem = parser.parse(splitter, piece)
    except etree.XMLSyntaxError as exc:
        return _damaged(piece, source, index, f"not well-formed XML: {_message(exc)}")
    if piece.tag == "PubmedBookArticle":
        return _book_article(elem, source, index)
    return _citation(elem, source, index)


def _deletion(piece: XmlPiece, splitter: RecordSplitter, parser, source: str, index: int, on_delete) -> Reject | None:
    """Report a ``DeleteCitation``'s PMIDs to ``on_delete`` with the version each deletes (``<PMID Version="2">``;
    None without ``Version``: every version); a reject naming them when it cannot be parsed."""
    try:
        elem = parser.parse(splitter, piece) if piece.closed else None
    except etree.XMLSyntaxError:
        elem = None
    if elem is None:
        named = sorted(set(re.findall(rb"<PMID\b[^>]*>\s*(\d+)", piece.data)))
        return Reject(
            source=f"{source}#{index}",
            stage="ingest",
            reason="malformed_xml",
            detail=f"the DeleteCitation at byte {piece.offset} is not well-formed XML: its deletions were not "
            f"applied (PMIDs seen in it: {', '.join(p.decode() for p in named) or 'none'})",
        )
    deletions = []
    for p in elem.iter("PMID"):
        if p.text and p.text.strip():
            version = (p.get("Version") or "").strip()
            deletions.append((p.text.strip(), int(version) if version.isdigit() else None))
    if on_delete is not None:
        on_delete(deletions)
    return None


def _unreadable(piece: XmlPiece, source: str, index: int) -> list[Reject]:
    """Rejects for bytes between citations that are not a citation: one per citation PMID they show, else one."""
    what = (
        f"{len(piece.data)} bytes at byte {piece.offset} are not a readable citation (they begin {piece.data[:60]!r})"
    )
    pmids = [p.decode() for p in _OWN_PMID.findall(piece.data)]
    if prefixed := _PREFIXED_RECORD.search(piece.data):
        what += (
            f"; they hold citations with a namespace prefix ({prefixed.group(1).decode('latin-1')}:), not supported "
            "(NLM's MEDLINE element names have none)"
        )
        pmids = [p.decode() for p in _OWN_PMID_PREFIXED.findall(piece.data)]
    pmids = pmids or [None]
    return [
        Reject(
            source=f"{source}#{index + i}",
            stage="ingest",
            reason="malformed_xml",
            detail=f"{what}; skipped, the rest of the file was read",
            doc_id=f"PMID:{pmid}" if pmid else None,
        )
        for i, pmid in enumerate(pmids)
    ]


def _damaged(piece: XmlPiece, source: str, index: int, why: str) -> Reject:
    """The reject for a citation record that cannot be read, naming its PMID when its bytes show it."""
    pmids = _OWN_PMID.findall(piece.data)
    pmid = pmids[0].decode() if pmids else None
    return Reject(
        source=f"{source}#{index}",
        stage="ingest",
        reason="malformed_xml",
        detail=f"the {piece.tag} at byte {piece.offset}{f' (PMID {pmid})' if pmid else ''} is skipped, {why}; "
        "the rest of the file was read",
        doc_id=f"PMID:{pmid}" if pmid else None,
    )


def _message(exc: etree.XMLSyntaxError) -> str:
    """lxml's message without its "(<string>, line N)" suffix, whose line counts from the record, not the file."""
    return re.sub(r"\s*\(<string>, line \d+\)$", "", str(exc))


def _citation(elem: etree._Element, source: str, index: int) -> RawDocument:
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        citation = elem
    article = citation.find("Article")
    pmid, pmid_version = _pmid_of(citation)
    title = text_of(article.find("ArticleTitle")) if article is not None else ""
    if not title and article is not None:
        title = text_of(article.find("VernacularTitle"))
    parts: list[tuple[str, str]] = []
    if article is not None:
        for abstract_text in article.findall("Abstract/AbstractText"):
            label = abstract_text.get("Label") or abstract_text.get("NlmCategory")
            parts.append((abstract_section(label), text_of(abstract_text)))
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
        pmid_version=pmid_version,
        pmcid=pmcid,
        doi=doi,
        journal=journal,
        year=year,
        authors=authors,
        mesh_terms=[m for m in mesh if m],
    )


def _book_article(elem: etree._Element, source: str, index: int) -> RawDocument:
    doc = elem.find("BookDocument")
    pmid, pmid_version = _pmid_of(doc) if doc is not None else (None, None)
    title = text_of(doc.find("ArticleTitle")) if doc is not None else ""
    if not title and doc is not None:
        title = text_of(doc.find("Book/BookTitle"))
    parts = []
    if doc is not None:
        for abstract_text in doc.findall("Abstract/AbstractText"):
            parts.append((abstract_section(abstract_text.get("Label")), text_of(abstract_text)))
    text, sections = join_sections(parts, sep="\n")
    year = parse_year(doc.findtext("Book/PubDate/Year")) if doc is not None else None
    return RawDocument(
        source=source,
        source_index=index,
        format="medline",
        text=text,
        title=title or None,
        sections=sections,
        pmid=pmid,
        pmid_version=pmid_version,
        year=year,
    )


def _pmid_of(parent: etree._Element) -> tuple[str | None, int | None]:
    """The PMID of a ``MedlineCitation`` / ``BookDocument`` and its ``Version`` attribute (None when absent)."""
    elem = parent.find("PMID")
    if elem is None:
        return None, None
    version = (elem.get("Version") or "").strip()
    return (elem.text or "").strip() or None, int(version) if version.isdigit() else None


def _author_name(author: etree._Element) -> str | None:
    collective = author.findtext("CollectiveName")
    if collective:
        return collective.strip()
    last = (author.findtext("LastName") or "").strip()
    initials = (author.findtext("Initials") or author.findtext("ForeName") or "").strip()
    return f"{last} {initials}".strip() or None
