"""Which record of an ingest batch is kept: duplicates by id and by content, NLM revisions (newest file first),
``<PMID Version>`` (the highest version read without a reject and not deleted) and ``DeleteCitation`` (older files
only; one version, or every version).

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
    """A citation of a PMID with several ``<PMID Version>`` in the batch, read without a reject and held back until the
    batch's end, when the deletions are all known (``SeenInBatch.resolve``)."""

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
    ``<PMID Version>``: of a PMID's MEDLINE citations the highest version read without a reject and not deleted wins,
    whichever is read first.  The citations of a PMID that has a version above 1 in the batch (``versions``, from
    ``_highest_pmid_versions``; rare) are all held back (``keep`` says so) and decided at the batch's end
    (``resolve``), when every ``DeleteCitation`` of the batch is known: a damaged, rejected or deleted version leaves
    the next lower one, as a damaged citation of a newer NLM file leaves the older file's version.
    """

    def __init__(self, versions: dict[str, tuple[int, str]] | None = None) -> None:
        self._by_id: dict[str, tuple[str, bytes, int | None]] = {}
        self._first_by_content: dict[bytes, str] = {}
        self._versions = versions or {}
        self._held: dict[str, list[HeldCitation]] = {}

    def kept(self, doc_id: str) -> tuple[str, int | None] | None:
        """``path#index`` and ``<PMID Version>`` (1 when absent; None when not MEDLINE) of the document kept under
        ``doc_id``, None when there is none."""
        first = self._by_id.get(doc_id)
        return (first[0], first[2]) if first else None

    @staticmethod
    def _version(doc: RawDocument) -> int | None:
        return (doc.pmid_version or 1) if doc.format == "medline" and doc.pmid else None

    def _decided_at_end(self, doc: RawDocument) -> bool:
        return doc.format == "medline" and doc.pmid in self._versions

    @staticmethod
    def _digest(doc: RawDocument) -> bytes:
        return bytes.fromhex(doc.content_sha256()[:32])

    def duplicate(self, doc: RawDocument, where: str) -> Reject | None:
        """The reject for ``doc`` when its id was already kept or it is a lower version than the one kept; else None
        (and ``duplicate_of`` is set).  None for a citation of a PMID with versions: ``resolve`` decides."""
        doc_id = doc.assign_id()
        digest = self._digest(doc)
        same_content = self._first_by_content.get(digest)
        if self._decided_at_end(doc):
            doc.duplicate_of = same_content if same_content != doc_id else None
            return None
        first = self._by_id.get(doc_id)
        if first is None and doc_id in self._held:  # another record of a PMID with versions (a PubTator one)
            held = self._held[doc_id][0]
            return _same_id(doc_id, where, held.where, held.row["content_sha256"] == doc.content_sha256())
        if first is None:
            doc.duplicate_of = same_content
            return None
        first_where, first_digest, first_version = first
        version = self._version(doc)
        if version is not None and first_version is not None and version < first_version:
            return _replaced(doc_id, where, version, first_version, first_where)
        return _same_id(doc_id, where, first_where, first_digest == digest)

    def keep(self, doc: RawDocument, where: str, path: str, row: dict) -> bool:
        """Keep ``doc`` (read at ``where`` in the file ``path``; ``row`` its ``raw_documents`` row).  Returns whether
        its row is written now; False: held back to the batch's end (a PMID with versions, ``resolve``)."""
        doc_id = doc.assign_id()
        digest = self._digest(doc)
        self._first_by_content.setdefault(digest, doc_id)
        if self._decided_at_end(doc):
            self._held.setdefault(doc_id, []).append(HeldCitation(where, path, self._version(doc), row))
            return False
        self._by_id[doc_id] = (where, digest, self._version(doc))
        return True

    def resolve(
        self, deleting_file: Callable[[str | None, int | None, str], str | None]
    ) -> tuple[list[HeldCitation], list[tuple[HeldCitation, Reject]]]:
        """Decide the held citations once the batch's deletions are known (``deleting_file(pmid, version, where)``):
        per PMID, the citations whose version a DeleteCitation removes are ``deleted_citation`` rejects, the highest
        version of the others (the first read, newest file first, among equal ones) is written and the rest are
        ``duplicate_doc_id`` rejects.  Returns the citations written and the rejected ones with their rejects."""
        written: list[HeldCitation] = []
        rejected: list[tuple[HeldCitation, Reject]] = []
        for doc_id, held in self._held.items():
            alive = []
            for h in held:
                deleting = deleting_file(h.row["pmid"], h.version, h.where)
                if deleting is None:
                    alive.append(h)
                else:
                    rejected.append((h, _deleted(doc_id, h.where, h.version, deleting)))
            if not alive:
                continue
            first = self._by_id.get(doc_id)
            if first is not None:  # kept before its first citation was read (a PubTator record of the PMID)
                rejected += [
                    (h, _same_id(doc_id, h.where, first[0], bytes.fromhex(h.row["content_sha256"][:32]) == first[1]))
                    for h in alive
                ]
                continue
            best = max(alive, key=lambda h: h.version)  # the first of the highest version
            self._by_id[doc_id] = (best.where, bytes.fromhex(best.row["content_sha256"][:32]), best.version)
            written.append(best)
            for h in alive:
                if h is best:
                    continue
                if h.version < best.version:
                    reject = _replaced(doc_id, h.where, h.version, best.version, best.where)
                else:
                    reject = _same_id(
                        doc_id, h.where, best.where, h.row["content_sha256"] == best.row["content_sha256"]
                    )
                rejected.append((h, reject))
        self._held = {}
        return written, rejected


def _replaced(doc_id: str, where: str, version: int, kept_version: int, kept_where: str) -> Reject:
    return Reject(
        source=where,
        stage=STAGE,
        reason="duplicate_doc_id",
        doc_id=doc_id,
        detail=f"{doc_id} version {version} is replaced by version {kept_version} of the same PMID in {kept_where}; "
        "the highest version read without a reject and not deleted is the one kept",
    )


def _same_id(doc_id: str, where: str, first_where: str, same_content: bool) -> Reject:
    """The reject for a second record of ``doc_id`` (the same version, for a MEDLINE citation)."""
    kept_key, this_key = medline_file_key(first_where), medline_file_key(where)
    if kept_key is not None and this_key is not None and kept_key > this_key:
        return Reject(
            source=where,
            stage=STAGE,
            reason="duplicate_doc_id",
            doc_id=doc_id,
            detail=f"{doc_id} is revised in the newer update file {first_where}; that version was kept",
        )
    if same_content:
        return Reject(
            source=where,
            stage=STAGE,
            reason="duplicate_content",
            doc_id=doc_id,
            detail=f"{doc_id} with the same title and text was already ingested from {first_where}; that one was kept",
        )
    return Reject(
        source=where,
        stage=STAGE,
        reason="duplicate_doc_id",
        doc_id=doc_id,
        detail=f"{doc_id} already ingested from {first_where} with a different title or text; that one was kept",
    )


def _deleted(doc_id: str, where: str, version: int | None, deleting_file: str) -> Reject:
    which = f" version {version}" if version is not None else ""
    return Reject(
        source=where,
        stage=STAGE,
        reason="deleted_citation",
        doc_id=doc_id,
        detail=f"{doc_id}{which} is deleted by a DeleteCitation element of {deleting_file}, a file of the same batch "
        "not older than this one",
    )


class BatchDeletions:
    """The batch's ``DeleteCitation`` elements, applied in NLM file order ((year, number): ``medline_file_key``).

    A DeleteCitation in file N removes its PMIDs' citations of files up to N (and of files without an NLM name; a
    deletion in such a file removes every citation of the batch); a citation in a file newer than every deletion of
    its PMID is kept.  A ``<PMID Version="2">`` in a DeleteCitation removes that version of the PMID only (a citation
    without ``Version`` is version 1); a ``<PMID>`` without ``Version`` removes every version.
    ``stages.apply_deletions`` and ``stages.reapply_deletions`` apply the same rule across batches, by PMID alone (the
    store holds no versions).  Files are read newest first, so a deletion is known before the older citations it
    removes (``deleting_file`` rejects them as they are read); the ones read before it (newer files, or earlier in
    the same file) are settled at the end by ``standing``.
    """

    def __init__(self) -> None:
        #: PMID -> version deleted (None: every version) -> (rank, path) of its newest deletion
        self._newest: dict[str, dict[int | None, tuple[tuple, str]]] = {}

    def recorder(self, path: str, into: list[str]) -> Callable[[list[tuple[str, int | None]]], None]:
        """The ``on_delete`` callback for the reader of ``path``: notes its deletions ((PMID, version) pairs) here and
        their PMIDs in ``into``."""
        rank = medline_file_rank(path, NEWEST)

        def record(deletions: list[tuple[str, int | None]]) -> None:
            for pmid, version in deletions:
                into.append(pmid)
                by_version = self._newest.setdefault(pmid, {})
                if rank >= by_version.get(version, (OLDEST, ""))[0]:
                    by_version[version] = (rank, path)

        return record

    def deleting_file(self, pmid: str | None, version: int | None, where: str) -> str | None:
        """The file whose DeleteCitation, read so far, removes the citation of ``pmid`` (its ``<PMID Version>``; None
        counts as 1) read at ``where``."""
        by_version = self._newest.get(pmid or "")
        if by_version is None:
            return None
        found = [d for d in (by_version.get(None), by_version.get(version or 1)) if d is not None]
        deletion = max(found, default=None)
        if deletion is None or medline_file_rank(where, OLDEST) > deletion[0]:
            return None
        return deletion[1]

    def standing(self, kept: Callable[[str], tuple[str, int | None] | None]) -> list[str]:
        """The deleted PMIDs whose citation kept in the batch (``kept(doc_id)``: where and version), if any, is one
        their deletions remove (its version, not from a newer file): to be removed from the store."""
        out = []
        for pmid in self._newest:
            citation = kept(f"PMID:{pmid}")
            if citation is None or self.deleting_file(pmid, citation[1], citation[0]) is not None:
                out.append(pmid)
        return sorted(out)
