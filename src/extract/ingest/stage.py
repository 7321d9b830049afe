"""The ingest stage: input files -> ``raw_documents`` rows, ``files`` manifest and rejects."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from extract import schemas
from extract.ingest.decoding import decode_text, looks_binary
from extract.ingest.medline import read_medline
from extract.ingest.pmc import read_pmc
from extract.ingest.records import RawDocument, SourceError
from extract.ingest.sources import base_suffix, expand_inputs, file_sha256, open_binary, sniff_format
from extract.ingest.webpage import error_page_reason, html_to_text, read_html_page, read_text_page
from extract.rejects import Reject
from extract.settings import Settings, get_settings

STAGE = "ingest"
_GZIP_MAGIC = b"\x1f\x8b"
_EN_FUNCTION_WORDS = frozenset(
    "the of and in to a with for is was were are by on that this as from at or be an not which we "
    "patients these after between than have has been its their it".split()
)
_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class IngestResult:
    """What ``ingest_paths`` read.  ``documents`` is empty when the rows were streamed to ``on_rows``."""

    documents: pa.Table
    files: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    deleted_pmids: list[str] = field(default_factory=list)
    n_documents: int = 0


def default_batch_id(inputs: list[str]) -> str:
    """A batch id derived from the content of the input files: same inputs, same batch."""
    files, missing = expand_inputs(inputs)
    h = hashlib.sha256()
    for path in files:
        try:
            h.update(file_sha256(path).encode())
        except OSError:
            h.update(str(path).encode())
    for item in missing:
        h.update(item.encode())
    return "b-" + h.hexdigest()[:12]


def is_english(text: str) -> bool:
    """Whether the prose of ``text`` is English (share of English function words).

    Only lines of six words or more count as prose, so tables, reference
    lists and other line-per-cell content (e.g. a supplementary table pasted
    into a page) neither decide the language nor dilute it.
    """
    prose = [line for line in text[:50_000].splitlines() if len(line.split()) >= 6]
    words = _WORD.findall(" ".join(prose)[:5000].lower())
    if len(words) < 40:
        return True  # too short to judge
    hits = sum(1 for w in words if w in _EN_FUNCTION_WORDS)
    return hits / len(words) >= 0.08


def _truncate(doc: RawDocument, limit: int) -> bool:
    if len(doc.text) <= limit:
        return False
    cut = doc.text.rfind("\n", 0, limit)
    cut = cut if cut > limit // 2 else limit
    doc.text = doc.text[:cut]
    doc.sections = [(n, s, min(e, cut)) for n, s, e in doc.sections if s < cut]
    return True


def _read_file(path: Path, settings: Settings, deleted: list[str]) -> tuple[str, Iterator[RawDocument]]:
    """Detect the format and return it with a document iterator (raises SourceError).

    XML is streamed; text, HTML and PubTator files are read whole, but at most
    ``8 * max_doc_chars`` bytes (enough for ``max_doc_chars`` characters of
    text in any encoding), so a multi-gigabyte "page" cannot exhaust memory: the
    document is then cut like any other over-long document.
    """
    source = str(path)
    suffix, gz = base_suffix(path)
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if not magic:
        raise SourceError("empty_file", "file is empty (0 bytes)")
    if gz and magic != _GZIP_MAGIC:
        gz = False  # named .gz but not compressed: read as is
    if not gz and magic == _GZIP_MAGIC:
        gz = True
    with open_binary(path, gz) as fh:
        head = fh.read(65536)
        cut_in_head = fh.truncated
    if not head.strip():
        if cut_in_head:
            raise SourceError("truncated_gzip", f"cannot decompress: {fh.error}")
        raise SourceError("empty_file", "file has no content" + (" after decompression" if gz else ""))
    if looks_binary(head):
        raise SourceError("binary_file", "file looks binary (NUL or control bytes), not text or XML")
    fmt = sniff_format(head, suffix)
    if cut_in_head and fmt not in ("medline", "pmc"):
        raise SourceError("truncated_gzip", f"compressed stream ends early, after {len(head)} bytes "
                                            f"({fh.error}): too little to read or even recognize")

    def stream_xml(reader, *args) -> Iterator[RawDocument]:
        with open_binary(path, gz) as fh:
            try:
                yield from reader(fh, source, *args)
            except SourceError as exc:
                if fh.truncated:
                    raise SourceError("truncated_gzip", f"compressed stream ends early ({fh.error}); "
                                                        f"the XML parser then said: {exc.detail}") from exc
                raise
            if fh.truncated:
                raise SourceError("truncated_gzip", f"compressed stream ends early: {fh.error}")

    if fmt == "medline":
        return fmt, stream_xml(read_medline, deleted.extend)
    if fmt == "pmc":
        return fmt, stream_xml(read_pmc)
    if fmt == "html" and suffix in (".xml", ".nxml"):
        title, _ = html_to_text(decode_text(head))
        raise SourceError("error_page", f"an HTML page (title {title!r}) where {suffix} XML was expected: "
                                        "probably a server error or login page saved by a failed download")
    if fmt == "xml":
        raise SourceError("unsupported_xml", "XML that is neither PubMed/MEDLINE nor JATS")
    if fmt == "unknown":
        raise SourceError("unknown_format", f"unrecognized file type {suffix or '(no suffix)'}")
    limit = 8 * settings.max_doc_chars
    with open_binary(path, gz) as fh:
        data = fh.read(limit + 1)
        if fh.truncated:
            raise SourceError("truncated_gzip", f"compressed stream ends early: {fh.error}; "
                                                "a single-document file cut short is not kept")
    if len(data) > limit:
        data = data[: data.rfind(b"\n", 0, limit) + 1 or limit]
    text = decode_text(data)
    if fmt == "pubtator":
        return fmt, _pubtator_documents(text, source)
    if fmt == "html":
        doc = read_html_page(text, source)
        why = error_page_reason(doc.title, doc.text)
        if why:
            raise SourceError("error_page", why)
        return fmt, iter([doc])
    return "webpage", iter([read_text_page(text, source)])


def _pubtator_documents(text: str, source: str) -> Iterator[RawDocument]:
    from extract.corpora.pubtator import read_pubtator

    try:
        for index, doc in enumerate(read_pubtator(text.splitlines())):
            yield RawDocument(
                source=source, source_index=index, format="pubtator", text=doc.abstract,
                title=doc.title or None, pmid=doc.pmid or None,
                sections=[("abstract", 0, len(doc.abstract))] if doc.abstract else [],
            )
    except ValueError as exc:
        raise SourceError("malformed_pubtator", str(exc)) from exc


def ingest_paths(inputs: list[str], batch_id: str, settings: Settings | None = None,
                 on_rows: Callable[[pa.Table], None] | None = None, flush_every: int = 1000) -> IngestResult:
    """Read every input into raw documents; every problem becomes a Reject, never an exception.

    Without ``on_rows`` the documents are returned in ``IngestResult.documents``
    and citations named by ``DeleteCitation`` elements are dropped from them
    (with a ``deleted_citation`` reject each).  With ``on_rows`` the documents
    are handed over as ``raw_documents`` tables of ``flush_every`` rows while
    the files are read, so memory stays constant however large the input; the
    caller then applies ``deleted_pmids`` itself (``stages.apply_deletions``).
    """
    settings = settings or get_settings()
    files, missing = expand_inputs(inputs)
    rejects = [Reject(source=m, stage=STAGE, reason="file_not_found", detail="no such file, folder or glob match")
               for m in missing]
    rows: list[dict] = []
    file_rows: list[dict] = []
    seen_ids: dict[str, str] = {}
    seen_hashes: dict[str, str] = {}
    all_deleted: list[str] = []
    n_total = 0
    for path in files:
        deleted: list[str] = []
        n_docs = 0
        n_rejects_before = len(rejects)
        fmt = "unknown"
        try:
            sha, size = file_sha256(path), path.stat().st_size
        except OSError as exc:
            rejects.append(Reject(source=str(path), stage=STAGE, reason="unreadable_file", detail=str(exc)))
            continue
        try:
            fmt, documents = _read_file(path, settings, deleted)
            for doc in documents:
                where = f"{path}#{doc.source_index}"
                if not (doc.title or "").strip() and not doc.text.strip():
                    rejects.append(Reject(source=where, stage=STAGE, reason="no_text",
                                          detail="document has neither title nor text", doc_id=doc.pmid and f"PMID:{doc.pmid}"))
                    continue
                if _truncate(doc, settings.max_doc_chars):
                    rejects.append(Reject(source=where, stage=STAGE, reason="document_truncated",
                                          detail=f"text cut to {len(doc.text)} characters (limit max_doc_chars="
                                                 f"{settings.max_doc_chars}); the document was kept",
                                          doc_id=doc.assign_id()))
                doc_id = doc.assign_id()
                content = doc.content_sha256()
                if doc_id in seen_ids and seen_hashes.get(content) != doc_id:
                    rejects.append(Reject(source=where, stage=STAGE, reason="duplicate_doc_id",
                                          detail=f"{doc_id} already ingested from {seen_ids[doc_id]} with a different "
                                                 "title or text; the first one was kept", doc_id=doc_id))
                    continue
                if content in seen_hashes:
                    rejects.append(Reject(source=where, stage=STAGE, reason="duplicate_content",
                                          detail=f"same title and text as {seen_hashes[content]}", doc_id=doc_id))
                    continue
                if not is_english(f"{doc.title or ''} {doc.text}"):
                    rejects.append(Reject(source=where, stage=STAGE, reason="unsupported_language",
                                          detail="too few English function words; only English is supported",
                                          doc_id=doc_id))
                    continue
                seen_ids[doc_id] = where
                seen_hashes[content] = doc_id
                rows.append(doc.row(batch_id))
                n_docs += 1
                n_total += 1
                if on_rows is not None and len(rows) >= flush_every:
                    on_rows(schemas.to_table("raw_documents", rows))
                    rows = []
        except SourceError as exc:
            detail = exc.detail if n_docs == 0 else f"{exc.detail} ({n_docs} documents before it were kept)"
            rejects.append(Reject(source=str(path), stage=STAGE, reason=exc.reason, detail=detail))
        except (OSError, UnicodeError) as exc:
            rejects.append(Reject(source=str(path), stage=STAGE, reason="unreadable_file", detail=str(exc)))
        except Exception as exc:  # a reader bug on odd input must cost one file, never the run
            kept = f" ({n_docs} documents before it were kept)" if n_docs else ""
            rejects.append(Reject(source=str(path), stage=STAGE, reason="processing_error",
                                  detail=f"{type(exc).__name__}: {exc}{kept}"))
        if n_docs == 0 and len(rejects) == n_rejects_before and not deleted:
            # e.g. a lone byte-order mark: the reader found nothing, which must not pass silently
            rejects.append(Reject(source=str(path), stage=STAGE, reason="no_text",
                                  detail=f"no document found in this file (read as {fmt})"))
        all_deleted.extend(deleted)
        file_rows.append({
            "path": str(path), "batch_id": batch_id, "sha256": sha, "size_bytes": size, "format": fmt,
            "n_documents": n_docs, "n_rejects": len(rejects) - n_rejects_before, "deleted_pmids": deleted,
        })
    if on_rows is not None:
        if rows:
            on_rows(schemas.to_table("raw_documents", rows))
        rows = []
    elif all_deleted:
        deleted_ids = {f"PMID:{p}" for p in all_deleted}
        kept = []
        for r in rows:
            if r["doc_id"] in deleted_ids:
                rejects.append(Reject(source=f"{r['source']}#{r['source_index']}", stage=STAGE,
                                      reason="deleted_citation", doc_id=r["doc_id"],
                                      detail=f"{r['doc_id']} is deleted by a DeleteCitation element of an update "
                                             "file in the same batch"))
            else:
                kept.append(r)
        n_total, rows = len(kept), kept
    return IngestResult(
        documents=schemas.to_table("raw_documents", rows),
        files=schemas.to_table("files", file_rows),
        rejects=rejects,
        deleted_pmids=sorted(set(all_deleted)),
        n_documents=n_total,
    )
