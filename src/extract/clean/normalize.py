"""Unicode and whitespace normalization that keeps the text's meaning.

NFC (not NFKC: NFKC would turn "m²" into "m2" and "µ" into "μ"), invisible
characters removed, every kind of space folded to " ", runs of spaces
collapsed, line ends unified.  Paragraph breaks (newlines) are kept: the
boilerplate remover and the sentence splitter rely on them.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def normalize_inline(text: str) -> str:
    """Normalize and fold newlines too (titles, section names)."""
    return re.sub(r"\s+", " ", normalize_text(text)).strip()
