"""PubTator files as ingest input: the text of each record, read as a stream, and what was wrong with it.

The ingest stage keeps a record's title and abstract only; the file's
annotations are not used for extraction.  So a bad annotation line (an offset
past the text, a mention that is not at its offsets, too few columns) costs
nothing but itself: it is dropped and reported through ``on_ignored``, and the
document is kept.  A record whose text is damaged is a ``malformed_pubtator``
reject: a block that does not parse, a block without its abstract line, and a
last record cut short — the file ends without a line end in the record's title
or abstract line (a partial download), so its text cannot be known to be whole.
A last line that is complete but not followed by a line end is the only sign of
such a cut: PubTator files end their last record with a single line end
(BC5CDR, NCBI disease) or a blank line (BioRED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from extract.corpora.pubtator import PubtatorFormatError, read_pubtator, text_line_kind
from extract.ingest.decoding import ByteStream, stream_lines
from extract.ingest.records import RawDocument, SourceError
from extract.ingest.sources import open_binary
from extract.rejects import Reject

STAGE = "ingest"


class _TailWatcher:
    """A byte stream that remembers its last bytes, to tell whether the file ends with a line end."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if chunk:
            self.tail = (self.tail + chunk)[-8:]
        return chunk

    def ends_with_line_end(self) -> bool:
        # NUL bytes stripped: the line end of UTF-16/32 text (b"\n\x00" little-endian, b"\x00\n" big-endian)
        return self.tail.rstrip(b"\x00").endswith((b"\n", b"\r"))


def pubtator_records(
    path: Path,
    gz: bool,
    encoding: str,
    max_doc_chars: int,
    on_ignored: Callable[[str], None] | None = None,
) -> Iterator[RawDocument | Reject]:
    """Stream a PubTator file: one ``RawDocument`` per record, one ``malformed_pubtator`` reject per damaged one.

    ``source_index`` counts every record, bad ones included, so ``path#index``
    names the same record in ``raw_documents`` and ``rejects``.  A line is read
    up to a little more than ``max_doc_chars`` characters (the rest of it is
    skipped and the document is then cut with a ``document_truncated`` reject).
    A compressed file cut short keeps every record before the cut.  Each
    ignored annotation line is passed to ``on_ignored`` as
    ``"<path>#<index> PMID:<pmid> line <n>: <what is wrong>"``.
    """
    source = str(path)
    bad_blocks: list[PubtatorFormatError] = []
    ignored: list[PubtatorFormatError] = []
    index = 0
    cut_at_end = False  # the file ends inside the last record's title or abstract line
    n_lines = 0

    def malformed(exc: PubtatorFormatError) -> Reject:
        message = str(exc).removeprefix(f"{exc.source}:{exc.line}: ")
        return Reject(
            source=f"{source}#{index}",
            stage=STAGE,
            reason="malformed_pubtator",
            detail=f"line {exc.line}: {message}; the block was skipped, the rest of the file was read",
            doc_id=f"PMID:{exc.pmid}" if exc.pmid else None,
        )

    def cut_short(pmid: str | None, line: int) -> Reject:
        return Reject(
            source=f"{source}#{index}",
            stage=STAGE,
            reason="malformed_pubtator",
            detail=f"the file ends in line {line}, the last record's text line, without a line end: the record "
            "is cut short (e.g. a partial download) and was not kept; a record's text line ends with a line end",
            doc_id=f"PMID:{pmid}" if pmid else None,
        )

    with open_binary(path, gz) as fh:
        watched = _TailWatcher(fh)

        def lines() -> Iterator[str]:
            nonlocal cut_at_end, n_lines
            last = None
            for last in stream_lines(watched, encoding, max_line_chars=max_doc_chars + 64):
                n_lines += 1
                yield last
            if fh.truncated:
                raise SourceError(
                    "truncated_gzip", f"compressed stream ends early ({fh.error}); the block at the cut was not kept"
                )
            cut_at_end = last is not None and not watched.ends_with_line_end() and text_line_kind(last) is not None

        docs = read_pubtator(
            lines(), errors="skip", on_error=bad_blocks.append, on_bad_annotation=ignored.append, require_abstract=True
        )
        for doc in docs:
            for exc in bad_blocks:
                yield malformed(exc)
                index += 1
            bad_blocks.clear()
            if cut_at_end:  # only ever the last record
                ignored.clear()
                yield cut_short(doc.pmid, n_lines)
                index += 1
                continue
            for exc in ignored:
                if on_ignored is not None:
                    message = str(exc).removeprefix(f"{exc.source}:{exc.line}: ")
                    on_ignored(f"{source}#{index} PMID:{doc.pmid} line {exc.line}: {message}")
            ignored.clear()
            yield RawDocument(
                source=source,
                source_index=index,
                format="pubtator",
                text=doc.abstract,
                title=doc.title or None,
                pmid=doc.pmid or None,
                sections=[("abstract", 0, len(doc.abstract))] if doc.abstract else [],
            )
            index += 1
        for exc in bad_blocks:
            yield cut_short(exc.pmid, n_lines) if cut_at_end and exc is bad_blocks[-1] else malformed(exc)
            index += 1
