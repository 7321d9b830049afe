"""Streaming reader for PubTator-format gold corpora (BC5CDR, NCBI disease, BioRED, GSC+).

A PubTator block is::

    PMID|t|Title
    PMID|a|Abstract
    PMID<TAB>start<TAB>end<TAB>text<TAB>type<TAB>ids[<TAB>extra...]   (mention rows)
    PMID<TAB>relation_type<TAB>id1<TAB>id2[<TAB>extra...]              (relation rows)

and blocks are separated by blank lines.  Offsets are 0-based, end-exclusive
character offsets into ``title + " " + abstract`` (:attr:`PubtatorDocument.text`).

Quirks handled (all corpora read from ``get_settings().corpora_dir``):

* **IDs.**  ``-1`` means "no ID" and is dropped (``ids == ()``).  Composite
  mentions (BC5CDR) join IDs with ``|`` and carry a 7th column with the
  component surface forms (ignored here); NCBI disease joins with ``|`` (either
  concept) or ``+`` (both concepts); BioRED joins with ``,``.  All are split into
  the ``ids`` tuple, in file order, duplicates removed.  BioRED variant IDs
  (``SequenceVariant``, e.g. ``c|INS|5382|C``) contain ``|`` as part of the ID
  and are therefore only split on ``,``.  IDs keep their file spelling
  (``D009270``, ``OMIM:123``, ``HP:0002671``, Entrez numbers).
* **Relations.**  ``relations`` holds ``(type, id1, id2)``.  Extra columns after
  ``id2`` (BioRED's novelty flag ``Novel``/``No``) are appended to ``type``
  with ``|``: ``("Association|Novel", "D005947", "3630")``;
  :func:`split_relation_type` undoes this.  BC5CDR ``CID`` rows have no extras.
* **Offset errors.**  If a mention's text does not equal ``text[start:end]``
  and ``repair_offsets`` is true (default), the reader looks for the mention
  text nearest to the stated offset (within ``MAX_OFFSET_SHIFT`` characters)
  and uses that position, counting the repair in
  :attr:`PubtatorDocument.repaired`.  When the offsets are right but the mention column has
  punctuation replaced by spaces (the known NCBI train error, PMID 10923035 line 3249: ``" plus "``
  written as ``  plus  ``), the text from the offsets is kept (also counted in
  ``repaired``).  Unrepairable mismatches are format errors.
* **Duplicated documents.**  NCBI disease train contains PMID 8528200 twice;
  the reader yields what the file holds — :func:`unique_documents` drops
  repeated PMIDs (the training code uses it).
* **Line endings.**  ``\\r\\n`` (GSC+) is accepted; an empty abstract is allowed.
* **GSC+.**  Its PubTator file holds the text only (title line = whole text,
  empty abstract) and its gold mentions are in a separate TSV
  (``PMID`` line, text line, ``start end text HPO-ID`` rows, blank line);
  :func:`read_gsc_plus` joins them; mentions have type ``Phenotype``.

Errors: with ``errors="raise"`` (default) a malformed block raises
:class:`PubtatorFormatError` (a ``ValueError``) carrying the source name and
the 1-based line number; with ``errors="skip"`` the malformed block is skipped
and reported through the optional ``on_error`` callback (the ingest stage turns
these into rejects rows) — the reader then continues with the next block.
A reader that wants the text only (the ingest stage) passes ``on_bad_annotation``:
a mention line of the block's PMID that cannot be parsed or placed is then
reported through it and dropped, and the block is kept; and
``require_abstract=True`` makes a block without its ``PMID|a|`` line malformed
(a damaged record: PubTator writes the line even for an empty abstract).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "PubtatorFormatError",
    "PubtatorMention",
    "PubtatorDocument",
    "read_pubtator",
    "read_gsc_plus",
    "unique_documents",
    "raw_document_rows",
    "split_relation_type",
    "text_line_kind",
    "MAX_OFFSET_SHIFT",
]

#: How far (characters) a mention may be moved when repairing a wrong offset.
MAX_OFFSET_SHIFT = 200

#: Mention types whose IDs contain ``|`` as part of a single ID (BioRED variants).
_PIPE_IN_ID_TYPES = frozenset({"SequenceVariant", "DNAMutation", "ProteinMutation", "SNP"})


class PubtatorFormatError(ValueError):
    """A malformed PubTator block; ``line`` is the 1-based line number in ``source``."""

    def __init__(self, message: str, *, line: int, source: str = "<lines>", pmid: str | None = None):
        self.line = line
        self.source = source
        self.pmid = pmid
        super().__init__(f"{source}:{line}: {message}")


@dataclass(frozen=True)
class PubtatorMention:
    """One annotated span; offsets refer to :attr:`PubtatorDocument.text`."""

    start: int
    end: int
    text: str
    type: str
    ids: tuple[str, ...]


@dataclass
class PubtatorDocument:
    """One PubTator block."""

    pmid: str
    title: str
    abstract: str
    mentions: list[PubtatorMention]
    relations: list[tuple[str, str, str]]
    #: Number of mentions whose offsets were repaired while reading.
    repaired: int = field(default=0, compare=False)
    #: 1-based line number of the title line in the source.
    line: int = field(default=0, compare=False)

    @property
    def text(self) -> str:
        """``title + " " + abstract`` — the string PubTator offsets refer to."""
        return f"{self.title} {self.abstract}"


def split_relation_type(relation_type: str) -> tuple[str, tuple[str, ...]]:
    """Split ``"Association|Novel"`` into ``("Association", ("Novel",))``."""
    head, *extras = relation_type.split("|")
    return head, tuple(extras)


def unique_documents(docs: Iterable[PubtatorDocument]) -> Iterator[PubtatorDocument]:
    """Yield documents, dropping any whose PMID was already seen."""
    seen: set[str] = set()
    for doc in docs:
        if doc.pmid in seen:
            continue
        seen.add(doc.pmid)
        yield doc


def raw_document_rows(docs: Iterable[PubtatorDocument]) -> list[dict]:
    """Rows shaped like the ``raw_documents`` table (title + abstract as ingested), for running the
    real pipeline on a corpus (``extract.runner.run_texts``): evaluation and benchmarks."""
    return [
        {
            "doc_id": f"PMID:{d.pmid}",
            "source": "evaluation",
            "source_index": i,
            "format": "pubtator",
            "title": d.title,
            "text": d.abstract,
            "pmid": d.pmid,
            "content_sha256": hashlib.sha256((d.title + d.abstract).encode()).hexdigest(),
        }
        for i, d in enumerate(docs)
    ]


def _open_lines(source: str | os.PathLike | Iterable[str]) -> tuple[Iterable[str], str, Callable[[], None]]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.suffix == ".gz":
            handle: io.TextIOBase = gzip.open(path, "rt", encoding="utf-8", newline="")  # type: ignore[assignment]
        else:
            handle = open(path, encoding="utf-8", newline="")
        return handle, str(path), handle.close
    return source, "<lines>", lambda: None


def _split_ids(raw: str, mention_type: str) -> tuple[str, ...]:
    raw = raw.strip()
    if not raw:
        return ()
    if "," in raw or mention_type in _PIPE_IN_ID_TYPES:
        pieces = raw.split(",")
    else:
        pieces = raw.replace("+", "|").split("|")
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if piece and piece != "-1" and piece not in out:
            out.append(piece)
    return tuple(out)


def _nearest(text: str, needle: str, start: int) -> int | None:
    """Start of the occurrence of ``needle`` nearest to ``start`` (within MAX_OFFSET_SHIFT)."""
    best: int | None = None
    lo = max(0, start - MAX_OFFSET_SHIFT)
    hi = min(len(text), start + len(needle) + MAX_OFFSET_SHIFT)
    pos = text.find(needle, lo, hi)
    while pos != -1:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        pos = text.find(needle, pos + 1, hi)
    return best


def _loose(value: str) -> str:
    """Letters and digits only, other characters as spaces (for tolerant comparison)."""
    return "".join(ch if ch.isalnum() else " " for ch in value)


def text_line_kind(line: str) -> str | None:
    """``"t"`` for a title line (``PMID|t|...``), ``"a"`` for an abstract line, else None (annotation or other)."""
    for kind in ("t", "a"):
        marker = f"|{kind}|"
        if marker in line[:40] and "\t" not in line.split(marker, 1)[0]:
            return kind
    return None


class _Block:
    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []

    def add(self, lineno: int, line: str) -> None:
        self.lines.append((lineno, line))


def _parse_block(
    block: _Block,
    source: str,
    repair_offsets: bool,
    on_bad_annotation: Callable[[PubtatorFormatError], None] | None = None,
    require_abstract: bool = False,
) -> PubtatorDocument:
    pmid: str | None = None
    title: str | None = None
    abstract: str | None = None
    first_line = block.lines[0][0]
    mentions: list[PubtatorMention] = []
    relations: list[tuple[str, str, str]] = []
    repaired = 0
    pending: list[tuple[int, list[str]]] = []
    for lineno, line in block.lines:
        kind = text_line_kind(line)
        if kind == "t":
            head, body = line.split("|t|", 1)
            if title is not None:
                raise PubtatorFormatError("second title line in block", line=lineno, source=source, pmid=pmid)
            pmid, title = head.strip(), body
            continue
        if kind == "a":
            head, body = line.split("|a|", 1)
            if pmid is None or head.strip() != pmid:
                raise PubtatorFormatError("abstract line without matching title", line=lineno, source=source, pmid=pmid)
            if abstract is not None:
                raise PubtatorFormatError("second abstract line in block", line=lineno, source=source, pmid=pmid)
            abstract = body
            continue
        cols = line.split("\t")
        if pmid is None:
            raise PubtatorFormatError("annotation line before the title line", line=lineno, source=source)
        if cols[0].strip() != pmid:
            raise PubtatorFormatError(
                f"PMID {cols[0]!r} does not match block PMID {pmid!r}", line=lineno, source=source, pmid=pmid
            )
        pending.append((lineno, cols))
    if pmid is None or title is None:
        raise PubtatorFormatError("block has no title line", line=first_line, source=source)
    if not pmid:
        raise PubtatorFormatError("empty PMID", line=first_line, source=source)
    no_abstract = abstract is None
    if no_abstract and require_abstract:
        raise PubtatorFormatError(
            f"the record has a title line but no abstract line ({pmid}|a|...): it is incomplete",
            line=first_line,
            source=source,
            pmid=pmid,
        )
    abstract = abstract or ""
    text = f"{title} {abstract}"

    def bad_annotation(message: str, lineno: int) -> None:
        if no_abstract:
            message += f"; the record has no abstract line ({pmid}|a|...), so offsets past the title find no text"
        error = PubtatorFormatError(message, line=lineno, source=source, pmid=pmid)
        if on_bad_annotation is None:
            raise error
        on_bad_annotation(error)

    for lineno, cols in pending:
        if len(cols) >= 6 and cols[1].strip().isdigit() and cols[2].strip().isdigit():
            start, end = int(cols[1]), int(cols[2])
            mtext, mtype = cols[3], cols[4].strip()
            if not (0 <= start < end <= len(text)) or text[start:end] != mtext:
                if 0 <= start < end <= len(text) and _loose(text[start:end]) == _loose(mtext):
                    # right offsets, punctuation garbled in the mention column (NCBI train,
                    # PMID 8528200... '" plus "' written as '  plus  '): trust the offsets.
                    mentions.append(PubtatorMention(start, end, text[start:end], mtype, _split_ids(cols[5], mtype)))
                    repaired += 1
                    continue
                fixed = _nearest(text, mtext, start) if (repair_offsets and mtext) else None
                if fixed is None:
                    bad_annotation(
                        f"mention {mtext!r} does not match text at {start}:{end} ({text[start:end]!r})", lineno
                    )
                    continue
                start, end = fixed, fixed + len(mtext)
                repaired += 1
            mentions.append(PubtatorMention(start, end, mtext, mtype, _split_ids(cols[5], mtype)))
        elif len(cols) >= 4 and not cols[1].strip().isdigit():
            rtype = "|".join([cols[1].strip(), *(c.strip() for c in cols[4:] if c.strip())])
            relations.append((rtype, cols[2].strip(), cols[3].strip()))
        else:
            bad_annotation(f"cannot parse annotation line with {len(cols)} columns", lineno)
    return PubtatorDocument(pmid, title, abstract, mentions, relations, repaired=repaired, line=first_line)


def read_pubtator(
    source: str | os.PathLike | Iterable[str],
    *,
    errors: Literal["raise", "skip"] = "raise",
    on_error: Callable[[PubtatorFormatError], None] | None = None,
    repair_offsets: bool = True,
    on_bad_annotation: Callable[[PubtatorFormatError], None] | None = None,
    require_abstract: bool = False,
) -> Iterator[PubtatorDocument]:
    """Stream :class:`PubtatorDocument` objects from a path (plain or ``.gz``) or lines.

    ``errors="raise"`` raises :class:`PubtatorFormatError` on the first malformed
    block; ``errors="skip"`` skips it (calling ``on_error`` with the error) and goes on.
    With ``on_bad_annotation`` a bad mention line is reported through it and dropped
    instead (its block is kept); ``require_abstract`` rejects a block without an abstract line.
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")
    lines, name, close = _open_lines(source)

    def parse(block: _Block) -> PubtatorDocument:
        return _parse_block(block, name, repair_offsets, on_bad_annotation, require_abstract)

    try:
        block = _Block()
        lineno = 0
        for lineno, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r\n")
            if line.strip():
                block.add(lineno, line)
                continue
            if block.lines:
                doc = _handle(block, errors, on_error, parse)
                block = _Block()
                if doc is not None:
                    yield doc
        if block.lines:
            doc = _handle(block, errors, on_error, parse)
            if doc is not None:
                yield doc
    finally:
        close()


def _handle(
    block: _Block,
    errors: str,
    on_error: Callable[[PubtatorFormatError], None] | None,
    parse: Callable[[_Block], PubtatorDocument],
) -> PubtatorDocument | None:
    try:
        return parse(block)
    except PubtatorFormatError as exc:
        if errors == "raise":
            raise
        if on_error is not None:
            on_error(exc)
        return None


def read_gsc_plus(folder: str | os.PathLike) -> Iterator[PubtatorDocument]:
    """GSC+ (HPO phenotypes): text from ``GSCplus_dev_input.PubTator``, mentions from ``GSCplus_dev_gold.tsv``.

    Overlapping mentions are kept as they are.  Mention type is ``Phenotype``;
    ids are HPO IDs (``HP:0002671``).
    """
    folder = Path(folder)
    gold: dict[str, list[PubtatorMention]] = {}
    gold_path = folder / "GSCplus_dev_gold.tsv"
    with open(gold_path, encoding="utf-8", newline="") as handle:
        state = "pmid"
        pmid = ""
        for lineno, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                state = "pmid"
                continue
            if state == "pmid":
                pmid = line.strip()
                gold.setdefault(pmid, [])
                state = "text"
            elif state == "text":
                state = "mentions"
            else:
                cols = line.split("\t")
                if len(cols) < 4 or not cols[0].isdigit() or not cols[1].isdigit():
                    raise PubtatorFormatError("bad GSC+ mention row", line=lineno, source=str(gold_path), pmid=pmid)
                start, end = int(cols[0]), int(cols[1])
                gold[pmid].append(PubtatorMention(start, end, cols[2], "Phenotype", _split_ids(cols[3], "Phenotype")))
    for doc in read_pubtator(folder / "GSCplus_dev_input.PubTator"):
        text = doc.text
        mentions = []
        for m in gold.get(doc.pmid, []):
            if text[m.start : m.end] != m.text:
                pos = _nearest(text, m.text, m.start)
                if pos is None:
                    raise PubtatorFormatError(
                        f"GSC+ mention {m.text!r} not found at {m.start}", line=0, source=str(gold_path), pmid=doc.pmid
                    )
                m = PubtatorMention(pos, pos + len(m.text), m.text, m.type, m.ids)
                doc.repaired += 1
            mentions.append(m)
        doc.mentions = mentions
        yield doc
