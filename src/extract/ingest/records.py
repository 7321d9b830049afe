"""The raw document record every reader yields, and how its id and hash are made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class RawDocument:
    source: str
    source_index: int
    format: str
    text: str
    title: str | None = None
    sections: list[tuple[str, int, int]] = field(default_factory=list)
    pmid: str | None = None
    #: The ``Version`` of a MEDLINE ``<PMID Version="2">`` (NLM's versioned citations); the doc_id stays the PMID.
    pmid_version: int | None = None
    pmcid: str | None = None
    doi: str | None = None
    journal: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    doc_id: str | None = None
    #: Why the reader kept only part of the input (e.g. a page read up to a byte limit), else None.
    input_cut: str | None = None
    #: doc_id of the first document of the batch with the same title and text (set by the ingest stage).
    duplicate_of: str | None = None

    def content_sha256(self) -> str:
        h = hashlib.sha256()
        h.update((self.title or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(self.text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def assign_id(self) -> str:
        """PMID, else PMCID, else a content hash: stable across runs and machines."""
        if not self.doc_id:
            if self.pmid:
                self.doc_id = f"PMID:{self.pmid}"
            elif self.pmcid:
                self.doc_id = f"PMC:{self.pmcid.removeprefix('PMC')}"
            else:
                self.doc_id = f"sha256:{self.content_sha256()[:16]}"
        return self.doc_id

    def row(self, batch_id: str) -> dict:
        return {
            "doc_id": self.assign_id(),
            "batch_id": batch_id,
            "source": self.source,
            "source_index": self.source_index,
            "format": self.format,
            "title": self.title,
            "text": self.text,
            "sections": [{"name": n, "start": s, "end": e} for n, s, e in self.sections],
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "doi": self.doi,
            "journal": self.journal,
            "year": self.year,
            "authors": self.authors,
            "mesh_terms": self.mesh_terms,
            "content_sha256": self.content_sha256(),
            "duplicate_of": self.duplicate_of,
        }


#: The section name of an abstract, and the start of the name of each labelled part of a structured abstract
#: ("abstract / Methods"): body sections are named by their own headings ("Methods", "Methods / Statistical
#: analysis"), so a full text's abstract "Methods" and body "Methods" stay apart.
ABSTRACT_SECTION = "abstract"
_NO_LABEL = frozenset({"", "abstract", "unlabelled", "unassigned"})


def abstract_section(label: str | None) -> str:
    """The section name of a part of an abstract labelled ``label``: ``abstract / <label>``, or ``abstract`` when
    it has no label (none, "Abstract", MEDLINE's UNLABELLED / UNASSIGNED)."""
    label = " ".join((label or "").split())
    return ABSTRACT_SECTION if label.lower() in _NO_LABEL else f"{ABSTRACT_SECTION} / {label}"


def join_sections(parts: list[tuple[str, str]], sep: str = "\n\n") -> tuple[str, list[tuple[str, int, int]]]:
    """Join ``(name, text)`` parts into one text and the spans of each part."""
    pieces: list[str] = []
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for name, text in parts:
        text = text.strip()
        if not text:
            continue
        if pieces:
            pieces.append(sep)
            pos += len(sep)
        spans.append((name, pos, pos + len(text)))
        pieces.append(text)
        pos += len(text)
    return "".join(pieces), spans


class SourceError(Exception):
    """A problem with a whole source (or the rest of it) that becomes one rejects row; ``doc_id`` names the document
    lost with it, when there is one (a MEDLINE file cut short inside a citation whose PMID was read)."""

    def __init__(self, reason: str, detail: str, doc_id: str | None = None):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.doc_id = doc_id
