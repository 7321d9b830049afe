"""The clean stage: ``raw_documents`` -> ``documents`` (cleaned text, sections) and ``sentences``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from extract import schemas
from extract.clean.boilerplate import analyze_page
from extract.clean.normalize import normalize_inline, normalize_text
from extract.nlp.sentences import split_sentences
from extract.rejects import Reject

STAGE = "clean"
TITLE_SEPARATOR = "\n\n"
SECTION_SEPARATOR = "\n\n"


@dataclass
class CleanResult:
    documents: pa.Table
    sentences: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    boilerplate_lines_removed: int = 0  # lines of web pages dropped as boilerplate (front/end matter, debris)
    boilerplate_chars_removed: int = 0  # their characters


@dataclass
class CleanedDocument:
    text: str
    title: str | None
    sections: list[tuple[str, int, int]]  # (name, start, end) offsets into text
    dropped_lines: int = 0
    dropped_chars: int = 0
    has_prose: bool = True


def clean_document(raw: dict) -> CleanedDocument:
    """Clean one raw document row: text, title, sections with offsets into text, what was dropped."""
    fmt = raw["format"]
    title = normalize_inline(raw["title"]) if raw.get("title") else None
    parts: list[tuple[str, str]]
    dropped_lines = dropped_chars = 0
    has_prose = True
    if fmt in ("webpage", "html"):
        page = analyze_page(normalize_text(raw["text"]), title)
        title = normalize_inline(page.title) if page.title else None
        parts = page.parts
        dropped_lines, dropped_chars, has_prose = page.dropped_lines, page.dropped_chars, page.has_prose
    else:
        text = raw["text"]
        spans = [(s["name"], s["start"], s["end"]) for s in (raw.get("sections") or [])]
        if spans:
            parts = [(name, normalize_text(text[a:b])) for name, a, b in spans]
        else:
            parts = [("abstract" if fmt in ("medline", "pubtator") else "body", normalize_text(text))]
    pieces: list[str] = []
    sections: list[tuple[str, int, int]] = []
    pos = 0
    if title:
        pieces.append(title)
        sections.append(("title", 0, len(title)))
        pos = len(title)
    for name, body in parts:
        body = body.strip()
        if not body:
            continue
        if pieces:
            sep = TITLE_SEPARATOR if len(pieces) == 1 and title else SECTION_SEPARATOR
            pieces.append(sep)
            pos += len(sep)
        sections.append((normalize_inline(name) or "body", pos, pos + len(body)))
        pieces.append(body)
        pos += len(body)
    return CleanedDocument("".join(pieces), title, sections, dropped_lines, dropped_chars, has_prose)


def clean_documents(raw_documents: pa.Table) -> CleanResult:
    doc_rows: list[dict] = []
    sentence_rows: list[dict] = []
    rejects: list[Reject] = []
    removed_lines = removed_chars = 0
    for raw in raw_documents.to_pylist():
        try:
            cleaned = clean_document(raw)
        except Exception as exc:  # one bad document must not stop the batch
            rejects.append(
                Reject(
                    source=f"{raw['source']}#{raw['source_index']}",
                    stage=STAGE,
                    reason="processing_error",
                    detail=f"{type(exc).__name__}: {exc}",
                    doc_id=raw["doc_id"],
                )
            )
            continue
        text, title, sections = cleaned.text, cleaned.title, cleaned.sections
        removed_lines += cleaned.dropped_lines
        removed_chars += cleaned.dropped_chars
        if not text.strip() or not cleaned.has_prose:
            if not text.strip():
                detail = "nothing left after boilerplate removal"
            else:
                left = text if len(text) <= 120 else text[:117] + "..."
                detail = f"no sentence of article text after boilerplate removal, only headings/debris: {left!r}"
            if cleaned.dropped_lines:
                detail += f" ({cleaned.dropped_lines} lines, {cleaned.dropped_chars} characters removed as boilerplate)"
            rejects.append(
                Reject(
                    source=f"{raw['source']}#{raw['source_index']}",
                    stage=STAGE,
                    reason="no_text",
                    detail=detail,
                    doc_id=raw["doc_id"],
                )
            )
            continue
        sentences = split_sentences(text, sections)
        for i, (start, end, section) in enumerate(sentences):
            sentence_rows.append(
                {
                    "doc_id": raw["doc_id"],
                    "batch_id": raw["batch_id"],
                    "sentence_index": i,
                    "start": start,
                    "end": end,
                    "section": section,
                }
            )
        doc_rows.append(
            {
                **{
                    k: raw[k]
                    for k in (
                        "doc_id",
                        "batch_id",
                        "source",
                        "format",
                        "pmid",
                        "pmcid",
                        "doi",
                        "journal",
                        "year",
                        "authors",
                        "mesh_terms",
                        "content_sha256",
                    )
                },
                "title": title,
                "text": text,
                "sections": [{"name": n, "start": s, "end": e} for n, s, e in sections],
                "n_sentences": len(sentences),
            }
        )
    return CleanResult(
        documents=schemas.to_table("documents", doc_rows),
        sentences=schemas.to_table("sentences", sentence_rows),
        rejects=rejects,
        boilerplate_lines_removed=removed_lines,
        boilerplate_chars_removed=removed_chars,
    )
