"""Reject reasons: every input that cannot become a document gets a row with one of these codes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

REASONS: dict[str, str] = {
    "file_not_found": "an input path that does not exist or matches nothing",
    "unreadable_file": "the file could not be read (permissions, I/O error)",
    "empty_file": "the file has no content",
    "binary_file": "the file is binary, not text or XML",
    "truncated_gzip": "a .gz file ends early; documents before the cut were kept",
    "malformed_xml": "XML that does not parse (documents before the error were kept)",
    "malformed_pubtator": "a PubTator block that does not parse",
    "unknown_format": "a file whose format could not be recognized",
    "unsupported_xml": "well-formed XML that is not PubMed, MEDLINE or JATS",
    "error_page": "an HTTP error, login or captcha page (e.g. HTML saved under an .xml name) instead of content",
    "no_text": "a document without title or text, or a web page left with no sentence of prose after boilerplate removal",
    "duplicate_doc_id": "a document whose doc_id was already seen in the batch",
    "duplicate_content": "a document whose id and content are those of an earlier one in the batch "
    "(distinct ids with the same content are kept, see raw_documents.duplicate_of)",
    "unsupported_language": "a document that is not in English",
    "document_truncated": "a document longer than the limit; it was kept, truncated",
    "deleted_citation": "a citation removed by a DeleteCitation element of a MEDLINE update file",
    "superseded_citation": "a citation that a newer MEDLINE file ingested in another batch revises: that "
    "batch holds the newer version",
    "processing_error": "an unexpected error while processing one document or chunk",
}


@dataclass(frozen=True)
class Reject:
    source: str
    stage: str
    reason: str
    detail: str
    doc_id: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reject reason {self.reason!r}")

    def row(self, batch_id: str) -> dict:
        return {**asdict(self), "batch_id": batch_id}
