"""Bytes to text: encoding detection (charset-normalizer), safe mojibake repair (ftfy), streamed lines, and XML in
UTF-16 or UTF-32 recoded to UTF-8 as it is read (``xml_wide_encoding``, ``Utf8Recoder``).

A single-document file (a web page) is decoded whole; a record-per-line-block
file (PubTator) is decoded as a stream of lines (``stream_lines``) with the
encoding found in its first bytes, so a file of any size is read in constant
memory.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Protocol

import ftfy
from charset_normalizer import from_bytes

from extract.ingest.records import SourceError


def looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control / len(sample) > 0.10


# Western single-byte encodings, preferred when charset-normalizer finds them as good as
# another guess: the literature is overwhelmingly English/Western European, and for short
# texts cp1250/cp1257 tie with cp1252 (turning "naïve" into "naďve").
_PREFERRED = ("cp1252", "latin_1", "iso8859_15")


def _legacy_encoding(data: bytes) -> str:
    """The encoding charset-normalizer finds for non-UTF-8 bytes, preferring Western ones on a tie."""
    matches = list(from_bytes(data))
    if not matches:
        raise SourceError("binary_file", "no text encoding fits the bytes")
    best = matches[0]
    ties = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    for preferred in _PREFERRED:
        for m in ties:
            if preferred == m.encoding or preferred in m.could_be_from_charset:
                try:
                    data.decode(preferred)
                except UnicodeDecodeError:
                    break
                return preferred
    return best.encoding


def _decode_legacy(data: bytes) -> str:
    """Decode non-UTF-8 bytes with the encoding charset-normalizer finds, preferring Western ones on a tie."""
    return data.decode(_legacy_encoding(data))


def _mostly_utf8(data: bytes) -> bool:
    """Invalid UTF-8 but with more valid multi-byte characters than invalid bytes: UTF-8 text with a few stray bytes
    (a "β-blocker ... 37 °C" page with one bad byte), which a legacy encoding would garble throughout."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = sum(1 for ch in text if ord(ch) > 127) - invalid
    return valid > invalid


def decode_text(data: bytes) -> str:
    """Decode as UTF-8 when valid, or when it is UTF-8 with a few stray bytes (read as cp1252, as the streamed files'
    are), else with the encoding charset-normalizer finds; then repair mojibake."""
    if looks_binary(data):
        raise SourceError("binary_file", "file looks binary (NUL or control bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors=_FALLBACK) if _mostly_utf8(data) else _decode_legacy(data)
    # ftfy's default fixes are conservative: it only rewrites text that is
    # recognizably mis-decoded (e.g. "Ã©" -> "é") and leaves valid text alone.
    return ftfy.fix_text(text, normalization="NFC")


# -- streamed decoding ------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(head: bytes, complete: bool) -> str:
    """The encoding of a text stream judged from its first bytes ``head`` (``complete``: the whole stream).

    A byte-order mark decides; else UTF-8 when ``head`` is valid UTF-8 (a
    character cut at the end of an incomplete head is allowed) or UTF-8 with a
    few stray bytes; else what charset-normalizer finds, as for a whole file.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8-sig"
    except UnicodeDecodeError:
        # a few stray bytes in UTF-8 text: the stream reads them as cp1252 (``stream_lines``)
        return "utf-8-sig" if _mostly_utf8(head) else _legacy_encoding(head)


def _western_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # the five bytes cp1252 leaves undefined: as Latin-1


_WESTERN = [_western_byte(b) for b in range(256)]
_FALLBACK = "extract-western-fallback"


def _western_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes invalid in the stream's encoding as cp1252 (the usual stray bytes in UTF-8 text)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(_WESTERN[b] for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_FALLBACK, _western_fallback)


class ByteStream(Protocol):
    def read(self, size: int = -1) -> bytes: ...


def stream_lines(stream: ByteStream, encoding: str, max_line_chars: int, chunk_bytes: int = 1 << 20) -> Iterator[str]:
    """The lines of a byte stream, decoded and repaired (ftfy) one at a time, without their line ends.

    Lines end at ``\n``, ``\r\n`` or ``\r``; a line that ftfy turns into
    several (a Unicode line separator) is yielded as several, as when a whole
    file is decoded and split.  Memory is bounded: a line longer than
    ``max_line_chars`` is yielded cut to that length and the rest of it is
    skipped (the caller sees an over-long line and truncates its document).
    Bytes invalid in ``encoding`` are read as cp1252 rather than stopping the file.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors=_FALLBACK)
    pending, skipping = "", False
    while True:
        chunk = stream.read(chunk_bytes)
        final = not chunk
        buf = pending + decoder.decode(chunk, final=final)
        held = ""
        if not final and buf.endswith("\r"):
            buf, held = buf[:-1], "\r"  # may be the first half of a \r\n split between chunks
        lines = buf.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        pending = lines.pop()
        for line in lines:
            if skipping:  # the rest of an over-long line
                skipping = False
                continue
            yield from _repaired(line)
        if final:
            if pending and not skipping:
                yield from _repaired(pending)
            return
        if skipping:
            pending = ""
        elif len(pending) > max_line_chars:
            yield from _repaired(pending[:max_line_chars])
            pending, skipping = "", True
        pending += held


def _repaired(line: str) -> list[str]:
    return ftfy.fix_text(line, normalization="NFC").splitlines() or [""]


# -- XML in UTF-16 / UTF-32, recoded to UTF-8 as it is read -------------------------------------------------------

#: How an XML document in a wide encoding begins (XML 1.0, appendix F): a byte-order mark and "<", or "<?" without one.
_WIDE_XML_STARTS = (
    (codecs.BOM_UTF32_LE + b"<\0\0\0", "utf-32-le"),
    (codecs.BOM_UTF32_BE + b"\0\0\0<", "utf-32-be"),
    (b"<\0\0\0?\0\0\0", "utf-32-le"),
    (b"\0\0\0<\0\0\0?", "utf-32-be"),
    (codecs.BOM_UTF16_LE + b"<\0", "utf-16-le"),
    (codecs.BOM_UTF16_BE + b"\0<", "utf-16-be"),
    (b"<\0?\0", "utf-16-le"),
    (b"\0<\0?", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"""^(<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
_INVALID = "extract-xml-invalid"


def xml_wide_encoding(head: bytes) -> str | None:
    """The codec of an XML document in UTF-16 or UTF-32 (``utf-16-le`` ...), judged from its first bytes; None for
    anything else (UTF-8 and the single-byte encodings, which the XML parser reads from the declaration itself)."""
    for start, codec in _WIDE_XML_STARTS:
        if head.startswith(start):
            return codec
    return None


def _invalid_as_surrogate(exc: UnicodeError) -> tuple[str, int]:
    """Bytes invalid in a wide encoding (a lone surrogate, an odd byte at the end) become a lone surrogate, which
    ``Utf8Recoder`` writes as bytes no XML parser accepts: the record holding them is rejected, never altered."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "\udcff", exc.end


codecs.register_error(_INVALID, _invalid_as_surrogate)


class Utf8Recoder:
    """A byte stream over ``stream`` (an XML document in ``codec``, a UTF-16 or UTF-32 one) that yields it in UTF-8:
    the byte-order mark dropped and the XML declaration's ``encoding`` rewritten to UTF-8, so byte-level readers (the
    MEDLINE record splitter) and lxml read it as any UTF-8 file.  Byte offsets then count in the UTF-8 text."""

    def __init__(self, stream: ByteStream, codec: str):
        self._stream, self._codec = stream, codec
        self._decoder = codecs.getincrementaldecoder(codec)(errors=_INVALID)
        self._pending, self._started, self._eof = b"", False, False

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._pending) < size):
            block = self._stream.read(1 << 20 if size < 0 else max(size, 1 << 16))
            text = self._decoder.decode(block, final=not block)
            self._eof = not block
            data = text.encode("utf-8", "surrogatepass")
            if not self._started and (data or self._eof):
                data, self._started = self._declared_utf8(data.removeprefix(codecs.BOM_UTF8)), True
            self._pending += data
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    @staticmethod
    def _declared_utf8(data: bytes) -> bytes:
        return _DECLARED_ENCODING.sub(rb"\1\2UTF-8\2", data, count=1)
