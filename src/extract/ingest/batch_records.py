"""Which record of an ingest batch is kept: duplicates by id and by content, NLM revisions (newest file first),
``<PMID Version>`` (the highest version actually kept) and ``DeleteCitation`` (older files only).

:func:`extract.ingest.stage.ingest_paths` asks :class:`SeenInBatch` about each document it reads and
:class:`BatchDeletions` about each deletion; cross-batch revisions and deletions are :mod:`extract.stages`' business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from extract.ingest.medline import NEWEST, OLDEST, medline_file_key, medline_file_rank
from extract.ingest.records import RawDocument
from extract.rejects import Reject

__all__ = ["BatchDeletions", "HeldCitation", "SeenInBatch"]

STAGE = "ingest"


@dataclass
class HeldCitation:
    """A MEDLINE citation kept so far for its PMID, but below the highest ``<PMID Version>`` the batch's bytes show:
    its row waits until that version is kept (then this one is a ``duplicate_doc_id`` reject) or the batch ends
    without it (damaged, or rejected for its text: then this one is written)."""

    where: str
    path: str
    version: int
    row: dict


class SeenInBatch:
    """The documents kept so far in a batch, by id and by content: what makes a duplicate.

    Only the same id seen again is a duplicate (``duplicate_doc_id``, or
    ``duplicate_content`` when title and text are the same too; documents
    without a source id have a content-hash id, so for them identical content
    is the same id).  Distinct records with the same content (two PMIDs titled
    "Reply." without abstract) are both kept; the later one's ``duplicate_of``
    names the first.  Contents are held as 16-byte digests to keep the index small.
    ``<PMID Version>``: of a PMID's MEDLINE citations the highest version that is kept wins, whichever is read first.  A
    citation below the highest version of the batch (``versions``, from ``_highest_pmid_versions``) is held back
    (``keep`` says so); a higher version kept later replaces it (``duplicate_doc_id``), and one that is damaged or
    rejected leaves it to be written at the end (``held``), as a damaged citation of a newer NLM file leaves the
    older file's version.  A lower version is a reject only in favour of a version kept (or held) in the batch.
    """

    def __init__(self, versions: dict[str, tuple[int, str]] | None = None) -> None:
        self._by_id: dict[str, tuple[str, bytes, int | None]] = {}
        self._first_by_content: dict[bytes, str] = {}
        self._versions = versions or {}
        self._held: dict[str, HeldCitation] = {}

    def kept_source(self, doc_id: str) -> str | None:
        """``path#index`` of the document kept (or held) under ``doc_id``, None when there is none."""
        first = self._by_id.get(doc_id)
        return first[0] if first else None

    def held(self) -> list[HeldCitation]:
        """The citations still held back at the end of the batch: no higher version was kept, they are written."""
        return list(self._held.values())

    @staticmethod
    def _version(doc: RawDocument) -> int | None:
        return (doc.pmid_version or 1) if doc.format == "medline" and doc.pmid else None

    @staticmethod
    def _digest(doc: RawDocument) -> bytes:
        return bytes.fromhex(doc.content_sha256()[:32])

    def duplicate(self, doc: RawDocument, where: str) -> Reject | None:
        """The reject for ``doc`` when its id was already kept or it is a lower version than the one kept; else None
        (and ``duplicate_of`` is set)."""
        doc_id = doc.assign_id()
        digest = self._digest(doc)
        first = self._by_id.get(doc_id)
        if first is not None:
            first_where, first_digest, first_version = first
            version = self._version(doc)
            if version is not None and first_version is not None and version != first_version:
                if version < first_version:
                    return Reject(
                        source=where,
                        stage=STAGE,
                        reason="duplicate_doc_id",
                        doc_id=doc_id,
                        detail=f"{doc_id} version {version} is replaced by version {first_version} of the same PMID "
                        f"in {first_where}; the highest version read without a reject is the one kept",
                    )
                if doc_id in self._held:  # a higher version than the one held back: it replaces that one if kept
                    same_content = self._first_by_content.get(digest)
                    doc.duplicate_of = same_content if same_content != doc_id else None
                    return None
            kept_key, this_key = medline_file_key(first_where), medline_file_key(where)
            if kept_key is not None and this_key is not None and kept_key > this_key:
                return Reject(
                    source=where,
                    stage=STAGE,
                    reason="duplicate_doc_id",
                    doc_id=doc_id,
                    detail=f"{doc_id} is revised in the newer update file {first_where}; that version was kept",
                )
            if first_digest == digest:
                return Reject(
                    source=where,
                    stage=STAGE,
                    reason="duplicate_content",
                    doc_id=doc_id,
                    detail=f"{doc_id} with the same title and text was already ingested from "
                    f"{first_where}; the first one was kept",
                )
            return Reject(
                source=where,
                stage=STAGE,
                reason="duplicate_doc_id",
                doc_id=doc_id,
                detail=f"{doc_id} already ingested from {first_where} with a different title or text; "
                "the first one was kept",
            )
        doc.duplicate_of = self._first_by_content.get(digest)
        return None

    def keep(
        self, doc: RawDocument, where: str, path: str, row: dict
    ) -> tuple[bool, HeldCitation | None, Reject | None]:
        """Keep ``doc`` (read at ``where`` in the file ``path``; ``row`` its ``raw_documents`` row).  Returns whether
        its row is written now (False: held back below a higher version of the batch), and the citation it replaces
        (a lower version held back until now) with that one's ``duplicate_doc_id`` reject."""
        doc_id = doc.assign_id()
        digest = self._digest(doc)
        version = self._version(doc)
        replaced = self._held.pop(doc_id, None)
        reject = None
        if replaced is not None:
            reject = Reject(
                source=replaced.where,
                stage=STAGE,
                reason="duplicate_doc_id",
                doc_id=doc_id,
                detail=f"{doc_id} version {replaced.version} is replaced by version {version} of the same PMID in "
                f"{where}; the highest version read without a reject is the one kept",
            )
        self._by_id[doc_id] = (where, digest, version)
        self._first_by_content.setdefault(digest, doc_id)
        highest = self._versions.get(doc.pmid or "") if version is not None else None
        if highest is not None and version < highest[0]:
            self._held[doc_id] = HeldCitation(where, path, version, row)
            return False, replaced, reject
        return True, replaced, reject


class BatchDeletions:
    """The batch's ``DeleteCitation`` elements, applied in NLM file order ((year, number): ``medline_file_key``).

    A DeleteCitation in file N removes its PMIDs' citations of files up to N (and of files without an NLM name; a
    deletion in such a file removes every citation of the batch); a citation in a file newer than every deletion of
    its PMID is kept.  ``stages.apply_deletions`` and ``stages.reapply_deletions`` apply the same rule across batches.  Files are read newest first, so a deletion is known before the older citations it
    removes (``deleting_file`` rejects them as they are read); the ones read before it (newer files, or earlier in
    the same file) are settled at the end by ``standing``.
    """

    def __init__(self) -> None:
        self._newest: dict[str, tuple[tuple, str]] = {}  # PMID -> (rank, path) of its newest deletion

    def recorder(self, path: str, into: list[str]) -> Callable[[list[str]], None]:
        """The ``on_delete`` callback for the reader of ``path``: notes its deletions here and in ``into``."""
        rank = medline_file_rank(path, NEWEST)

        def record(pmids: list[str]) -> None:
            into.extend(pmids)
            for pmid in pmids:
                if rank >= self._newest.get(pmid, (OLDEST, ""))[0]:
                    self._newest[pmid] = (rank, path)

        return record

    def deleting_file(self, pmid: str | None, where: str) -> str | None:
        """The file whose DeleteCitation, read so far, removes the citation of ``pmid`` read at ``where``."""
        deletion = self._newest.get(pmid or "")
        if deletion is None or medline_file_rank(where, OLDEST) > deletion[0]:
            return None
        return deletion[1]

    def standing(self, kept_source: Callable[[str], str | None]) -> list[str]:
        """The deleted PMIDs whose citation kept in the batch (``kept_source(doc_id)``), if any, is not from a
        newer file than their deletion: to be removed from the store."""
        out = []
        for pmid, (rank, _) in self._newest.items():
            kept = kept_source(f"PMID:{pmid}")
            if kept is None or medline_file_rank(kept, OLDEST) <= rank:
                out.append(pmid)
        return sorted(out)
