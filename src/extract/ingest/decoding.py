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


def decode_text(data: bytes) -> str:
    """Decode as UTF-8 when valid, else the encoding charset-normalizer finds; then repair mojibake."""
    if looks_binary(data):
        raise SourceError("binary_file", "file looks binary (NUL or control bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise SourceError("binary_file", "no text encoding fits the bytes") from None
        text = str(best)
    # ftfy's default fixes are conservative: it only rewrites text that is
    # recognizably mis-decoded (e.g. "Ã©" -> "é") and leaves valid text alone.
    return ftfy.fix_text(text, normalization="NFC")
