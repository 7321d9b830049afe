"""The ingest stage: input files -> ``raw_documents`` rows, ``files`` manifest and rejects."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from extract import schemas
from extract.ingest.batch_records import BatchDeletions, SeenInBatch
from extract.ingest.decoding import (
    Utf8Recoder,
    decode_text,
    detect_encoding,
    looks_binary,
    xml_wide_encoding,
)
from extract.ingest.medline import (
    newest_medline_first,
    read_medline,
    scan_pmid_versions,
)
from extract.ingest.pmc import read_pmc
from extract.ingest.pubtator_input import pubtator_records
from extract.ingest.records import RawDocument, SourceError
from extract.ingest.sources import (
    base_suffix,
    expand_inputs,
    file_sha256,
    open_binary,
    originals_first,
    sniff_format,
)
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
_HEAD_BYTES = 65536


@dataclass
class IngestResult:
    """What ``ingest_paths`` read.  ``documents`` is empty when the rows were streamed to ``on_rows``."""

    documents: pa.Table
    files: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    #: PMIDs whose deletion by a DeleteCitation of the batch stands (no newer file of the batch re-adds them):
    #: the caller removes them from the store (``stages.apply_deletions``).
    deleted_pmids: list[str] = field(default_factory=list)
    n_documents: int = 0
    #: PubTator annotation lines dropped from documents that were kept ("<path>#<index> PMID:<pmid> line <n>:
    #: <what is wrong>"): the annotations are not used, so a bad one costs no document (counted in ``runs.detail``).
    ignored_annotations: list[str] = field(default_factory=list)


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


def _truncate(doc: RawDocument, limit: int) -> str | None:
    """Cut an over-long title or text to ``limit`` characters; say what was cut (None: nothing was).

    Text is cut at a line break when one lies in the second half of the limit.
    A document its reader already cut (``input_cut``) is reported too.
    """
    cuts = []
    if doc.title and len(doc.title) > limit:
        doc.title = doc.title[:limit]
        cuts.append(f"title cut to {limit} characters")
    if len(doc.text) > limit:
        cut = doc.text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        doc.text = doc.text[:cut]
        doc.sections = [(n, s, min(e, cut)) for n, s, e in doc.sections if s < cut]
        cuts.append(f"text cut to {cut} characters")
    if doc.input_cut:
        cuts.append(doc.input_cut)
    return "; ".join(cuts) or None


def _gzipped(path: Path) -> bool:
    """Whether the file's content is gzip-compressed (by its first bytes, whatever its name says)."""
    with open(path, "rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def _as_utf8(head: bytes, wide: str | None) -> bytes:
    """The first bytes of a file, recoded to UTF-8 when it is XML in a wide encoding (``wide``: its codec)."""
    return Utf8Recoder(io.BytesIO(head), wide).read() if wide else head


def _read_file(
    path: Path,
    settings: Settings,
    on_delete: Callable[[list[tuple[str, int | None]]], None],
    on_ignored: Callable[[str], None] | None = None,
) -> tuple[str, Iterator[RawDocument | Reject]]:
    """Detect the format and return it with an iterator of documents and per-record rejects (raises SourceError).

    XML and PubTator are streamed record by record, so a file of any size is
    read whole in constant memory.  A text or HTML file is one document: it is
    read up to ``8 * max_doc_chars`` bytes (enough for ``max_doc_chars``
    characters of text in any encoding), so a multi-gigabyte "page" cannot
    exhaust memory, and the document is then cut (with a ``document_truncated``
    reject) like any other over-long document.
    """
    source = str(path)
    suffix, _ = base_suffix(path)
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if not magic:
        raise SourceError("empty_file", "file is empty (0 bytes)")
    gz = magic == _GZIP_MAGIC  # a file named .gz but not compressed is read as is, and the other way round
    with open_binary(path, gz) as fh:
        head = fh.read(_HEAD_BYTES)
        cut_in_head = fh.truncated
    wide = xml_wide_encoding(head)  # XML in UTF-16 / UTF-32: read as UTF-8, recoded on the fly
    head = _as_utf8(head, wide)
    if not head.strip():
        if cut_in_head:
            raise SourceError("truncated_gzip", f"cannot decompress: {fh.error}")
        raise SourceError("empty_file", "file has no content" + (" after decompression" if gz else ""))
    if looks_binary(head):
        raise SourceError("binary_file", "file looks binary (NUL or control bytes), not text or XML")
    fmt = sniff_format(head, suffix)
    if cut_in_head and fmt not in ("medline", "pmc", "pubtator"):
        raise SourceError(
            "truncated_gzip",
            f"compressed stream ends early, after {len(head)} bytes ({fh.error}): too little to read or even recognize",
        )

    def stream_xml(reader, *args) -> Iterator[RawDocument | Reject]:
        with open_binary(path, gz) as fh:
            try:
                yield from reader(Utf8Recoder(fh, wide) if wide else fh, source, *args)
            except SourceError as exc:
                if fh.truncated:
                    raise SourceError(
                        "truncated_gzip",
                        f"compressed stream ends early ({fh.error}); the XML parser then said: {exc.detail}",
                        exc.doc_id,
                    ) from exc
                raise
            if fh.truncated:
                raise SourceError("truncated_gzip", f"compressed stream ends early: {fh.error}")

    if fmt == "medline":
        return fmt, stream_xml(read_medline, on_delete)
    if fmt == "pmc":
        return fmt, stream_xml(read_pmc)
    if fmt == "html" and suffix in (".xml", ".nxml"):
        title, _ = html_to_text(decode_text(head))
        raise SourceError(
            "error_page",
            f"an HTML page (title {title!r}) where {suffix} XML was expected: "
            "probably a server error or login page saved by a failed download",
        )
    if fmt == "xml":
        raise SourceError("unsupported_xml", "XML that is neither PubMed/MEDLINE nor JATS")
    if fmt == "unknown":
        raise SourceError("unknown_format", f"unrecognized file type {suffix or '(no suffix)'}")
    if fmt == "pubtator":
        encoding = detect_encoding(head, complete=len(head) < _HEAD_BYTES)
        return fmt, pubtator_records(path, gz, encoding, settings.max_doc_chars, on_ignored)
    limit = 8 * settings.max_doc_chars
    with open_binary(path, gz) as fh:
        data = fh.read(limit + 1)
        if fh.truncated:
            raise SourceError(
                "truncated_gzip",
                f"compressed stream ends early: {fh.error}; a single-document file cut short is not kept",
            )
    input_cut = None
    if len(data) > limit:
        data = data[: data.rfind(b"\n", 0, limit) + 1 or limit]
        input_cut = f"only the first {len(data)} bytes of the file were read (8 x max_doc_chars)"
    text = decode_text(data)
    if fmt == "html":
        doc = read_html_page(text, source)
        why = error_page_reason(doc.title, doc.text)
        if why:
            raise SourceError("error_page", why)
    else:
        fmt, doc = "webpage", read_text_page(text, source)
    doc.input_cut = input_cut
    return fmt, iter([doc])


def _highest_pmid_versions(files: list[Path]) -> dict[str, tuple[int, str]]:
    """PMID -> (highest ``<PMID Version>`` above 1, the first file in reading order that holds it) over the MEDLINE
    files among ``files``, by a search of their bytes.  Read before the batch, so that a lower version read first is
    held back instead of written (``SeenInBatch``); a file that cannot be read is skipped here (reading it for the
    batch gives its reject)."""
    highest: dict[str, tuple[int, str]] = {}
    for path in files:
        try:
            gz = _gzipped(path)
            with open_binary(path, gz) as fh:
                head = fh.read(_HEAD_BYTES)
            wide = xml_wide_encoding(head)
            if sniff_format(_as_utf8(head, wide), base_suffix(path)[0]) != "medline":
                continue
            with open_binary(path, gz) as fh:
                versions = scan_pmid_versions(Utf8Recoder(fh, wide) if wide else fh)
        except OSError:
            continue
        for pmid, version in versions.items():
            if version > highest.get(pmid, (0, ""))[0]:
                highest[pmid] = (version, str(path))
    return highest


def _digests(files: list[Path]) -> dict[Path, str]:
    """sha256 of each file that can be read (one that cannot gets its reject when the batch reads it)."""
    out = {}
    for path in files:
        try:
            out[path] = file_sha256(path)
        except OSError:
            continue
    return out


def ingest_paths(
    inputs: list[str],
    batch_id: str,
    settings: Settings | None = None,
    on_rows: Callable[[pa.Table], None] | None = None,
    flush_every: int = 1000,
) -> IngestResult:
    """Read every input into raw documents; every problem becomes a Reject, never an exception.

    Without ``on_rows`` the documents are returned in ``IngestResult.documents``
    and citations named by ``DeleteCitation`` elements are dropped from them
    (with a ``deleted_citation`` reject each).  With ``on_rows`` the documents
    are handed over as ``raw_documents`` tables of ``flush_every`` rows while
    the files are read, so memory stays constant however large the input; the
    caller then applies ``deleted_pmids`` itself (``stages.apply_deletions``).
    Of byte-identical files the one whose name is not a browser copy ("page.html", not "page (1).html") is read
    first, so its documents are kept and the copy's are the duplicate rejects (``sources.originals_first``).
    Within the batch, NLM file names (year, then number) order versions and deletions: a citation
    revised in a newer file, or re-added after its deletion, keeps its newest
    version, and the highest ``<PMID Version>`` of a PMID wins over all of them
    (``SeenInBatch``, ``BatchDeletions``).  A citation removed while reading
    (by a deletion in a newer file) counts in its file's ``n_documents``, like
    one removed from ``raw_documents`` afterwards.
    """
    settings = settings or get_settings()
    files, missing = expand_inputs(inputs)
    files = newest_medline_first(files)  # a citation revised by an update file keeps its newest version
    digests = _digests(files)
    files = originals_first(files, digests)  # of byte-identical files, "page.html" is kept, not "page (1).html"
    rejects = [
        Reject(source=m, stage=STAGE, reason="file_not_found", detail="no such file, folder or glob match")
        for m in missing
    ]
    rows: list[dict] = []
    file_rows: list[dict] = []
    seen = SeenInBatch(_highest_pmid_versions(files))
    deletions = BatchDeletions()
    ignored_annotations: list[str] = []
    n_total = 0
    for path in files:
        deleted: list[str] = []
        n_docs = n_held = 0
        n_rejects_before = len(rejects)
        fmt = "unknown"
        try:
            sha, size = digests.get(path) or file_sha256(path), path.stat().st_size
        except OSError as exc:
            rejects.append(Reject(source=str(path), stage=STAGE, reason="unreadable_file", detail=str(exc)))
            continue
        try:
            fmt, documents = _read_file(
                path, settings, deletions.recorder(str(path), deleted), ignored_annotations.append
            )
            for doc in documents:
                if isinstance(doc, Reject):  # a bad record inside a file that is otherwise read on
                    rejects.append(doc)
                    continue
                where = f"{path}#{doc.source_index}"
                if not (doc.title or "").strip() and not doc.text.strip():
                    rejects.append(
                        Reject(
                            source=where,
                            stage=STAGE,
                            reason="no_text",
                            detail="document has neither title nor text",
                            doc_id=doc.pmid and f"PMID:{doc.pmid}",
                        )
                    )
                    continue
                cut = _truncate(doc, settings.max_doc_chars)
                if cut:
                    rejects.append(
                        Reject(
                            source=where,
                            stage=STAGE,
                            reason="document_truncated",
                            detail=f"{cut} (limit max_doc_chars={settings.max_doc_chars}); the document was kept",
                            doc_id=doc.assign_id(),
                        )
                    )
                duplicate = seen.duplicate(doc, where)
                if duplicate is not None:
                    rejects.append(duplicate)
                    continue
                version = (doc.pmid_version or 1) if doc.pmid else None
                deleting_file = deletions.deleting_file(doc.pmid, version, where)
                if deleting_file is not None:
                    rejects.append(
                        Reject(
                            source=where,
                            stage=STAGE,
                            reason="deleted_citation",
                            doc_id=doc.assign_id(),
                            detail=f"{doc.assign_id()}{f' version {version}' if doc.pmid_version else ''} is deleted "
                            f"by a DeleteCitation element of {deleting_file}, a file of the same batch not older than "
                            "this one",
                        )
                    )
                    n_docs += 1  # read, then deleted: accounted for like a deletion after ingest
                    continue
                if not is_english(f"{doc.title or ''} {doc.text}"):
                    rejects.append(
                        Reject(
                            source=where,
                            stage=STAGE,
                            reason="unsupported_language",
                            detail="too few English function words; only English is supported",
                            doc_id=doc.assign_id(),
                        )
                    )
                    continue
                row = doc.row(batch_id)
                if not seen.keep(doc, where, str(path), row):  # a PMID with versions: decided at the batch's end
                    n_held += 1
                    continue
                rows.append(row)
                n_docs += 1
                n_total += 1
                if on_rows is not None and len(rows) >= flush_every:
                    on_rows(schemas.to_table("raw_documents", rows))
                    rows = []
        except SourceError as exc:
            detail = exc.detail if n_docs == 0 else f"{exc.detail} ({n_docs} documents before it were kept)"
            rejects.append(Reject(source=str(path), stage=STAGE, reason=exc.reason, detail=detail, doc_id=exc.doc_id))
        except (OSError, UnicodeError) as exc:
            rejects.append(Reject(source=str(path), stage=STAGE, reason="unreadable_file", detail=str(exc)))
        except Exception as exc:  # a reader bug on odd input must cost one file, never the run
            kept = f" ({n_docs} documents before it were kept)" if n_docs else ""
            rejects.append(
                Reject(
                    source=str(path),
                    stage=STAGE,
                    reason="processing_error",
                    detail=f"{type(exc).__name__}: {exc}{kept}",
                )
            )
        if n_docs == 0 and len(rejects) == n_rejects_before and not n_held and not deleted:
            # e.g. a lone byte-order mark: the reader found nothing, which must not pass silently
            rejects.append(
                Reject(
                    source=str(path),
                    stage=STAGE,
                    reason="no_text",
                    detail=f"no document found in this file (read as {fmt})",
                )
            )
        file_rows.append(
            {
                "path": str(path),
                "batch_id": batch_id,
                "sha256": sha,
                "size_bytes": size,
                "format": fmt,
                "n_documents": n_docs,
                "n_rejects": len(rejects) - n_rejects_before,
                "deleted_pmids": deleted,
            }
        )
    file_rows_by_path = {f["path"]: f for f in file_rows}
    # the PMIDs with versions, now that every deletion is known: one version written, the others rejected (counted in
    # their own file's row; a deleted one among its documents too, like a deletion while reading)
    written, rejected = seen.resolve(deletions.deleting_file)
    for held in written:
        rows.append(held.row)
        file_rows_by_path[held.path]["n_documents"] += 1
        n_total += 1
    for held, reject in rejected:
        rejects.append(reject)
        file_rows_by_path[held.path]["n_rejects"] += 1
        file_rows_by_path[held.path]["n_documents"] += reject.reason == "deleted_citation"
    standing = deletions.standing(seen.kept)
    if on_rows is not None:
        if rows:
            on_rows(schemas.to_table("raw_documents", rows))
        rows = []
    elif standing:
        deleted_ids = {f"PMID:{p}" for p in standing}
        kept = []
        for r in rows:
            if r["doc_id"] in deleted_ids:
                rejects.append(
                    Reject(
                        source=f"{r['source']}#{r['source_index']}",
                        stage=STAGE,
                        reason="deleted_citation",
                        doc_id=r["doc_id"],
                        detail=f"{r['doc_id']} is deleted by a DeleteCitation element of an update "
                        "file in the same batch",
                    )
                )
            else:
                kept.append(r)
        n_total, rows = len(kept), kept
    return IngestResult(
        documents=schemas.to_table("raw_documents", rows),
        files=schemas.to_table("files", file_rows),
        rejects=rejects,
        deleted_pmids=standing,
        n_documents=n_total,
        ignored_annotations=ignored_annotations,
    )
