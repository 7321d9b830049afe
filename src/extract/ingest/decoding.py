"""Bytes to text: encoding detection (charset-normalizer) and safe mojibake repair (ftfy)."""

from __future__ import annotations

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


def _decode_legacy(data: bytes) -> str:
    """Decode non-UTF-8 bytes with the encoding charset-normalizer finds, preferring Western ones on a tie."""
    matches = list(from_bytes(data))
    if not matches:
        raise SourceError("binary_file", "no text encoding fits the bytes")
    best = matches[0]
    ties = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    for preferred in _PREFERRED:
        for m in ties:
            if preferred == m.encoding or preferred in m.could_be_from_charset:
                try:
                    return data.decode(preferred)
                except UnicodeDecodeError:
                    break
    return str(best)


def decode_text(data: bytes) -> str:
    """Decode as UTF-8 when valid, else the encoding charset-normalizer finds; then repair mojibake."""
    if looks_binary(data):
        raise SourceError("binary_file", "file looks binary (NUL or control bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    # ftfy's default fixes are conservative: it only rewrites text that is
    # recognizably mis-decoded (e.g. "Ã©" -> "é") and leaves valid text alone.
    return ftfy.fix_text(text, normalization="NFC")
