"""Input discovery (files, folders, globs) and format detection."""

from __future__ import annotations

import glob
import gzip
import hashlib
import os
import re
import zlib
from pathlib import Path

SUFFIX_FORMATS = {
    ".nxml": "pmc",
    ".xml": "xml",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pubtator": "pubtator",
    ".bioc": "unknown",
}
HIDDEN_PREFIXES = (".", "~", "_")
#: The number a browser adds to the name of a file saved again where one of that name exists, before the extension:
#: Chrome and Edge " (1)" (up to " (100)"), Firefox "(1)" ("page(1).html", "file(1).xml.gz").  A "-1" is not one of
#: them (Firefox's last resort only) and is common in real names ("ehp-116-1694.nxml").
_BROWSER_COPY = re.compile(r" ?\(\d{1,3}\)$")


def expand_inputs(inputs: list[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """Files named by ``inputs`` (files, folders walked recursively, or glob patterns).

    Returns the files (sorted, unique) and the inputs that matched nothing.
    """
    files: set[Path] = set()
    missing: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(HIDDEN_PREFIXES))
                for name in names:
                    if not name.startswith(HIDDEN_PREFIXES):
                        files.add(Path(root) / name)
        else:
            matches = [Path(m) for m in glob.glob(str(item), recursive=True)]
            matched_files = [m for m in matches if m.is_file()]
            for m in matches:
                if m.is_dir():
                    sub, _ = expand_inputs([m])
                    matched_files.extend(sub)
            if matched_files:
                files.update(matched_files)
            else:
                missing.append(str(item))
    return sorted(files, key=lambda p: str(p)), missing


def browser_copy(path: Path) -> bool:
    """Whether the name of ``path`` ends like a browser's second download of a file, before its extension (both
    parts of ``.xml.gz``): "page (1).html", "page(2).txt", "pubmed24n0001 (1).xml.gz"."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return bool(_BROWSER_COPY.search(name.rsplit(".", 1)[0]))


def originals_first(files: list[Path], digests: dict[Path, str]) -> list[Path]:
    """``files`` in their order, except that of byte-identical files (same ``digests`` value) the ones whose names
    are not browser copies (``browser_copy``) take the first places: the batch keeps the first document it reads of
    identical ones, and "page.html" is the one to keep, not "page (1).html" that sorts before it.  The others follow
    in their order; files of different content do not move."""
    slots: dict[str, list[int]] = {}
    for i, path in enumerate(files):
        if path in digests:
            slots.setdefault(digests[path], []).append(i)
    out = list(files)
    for places in slots.values():
        if len(places) > 1:
            members = sorted(places, key=lambda i: browser_copy(files[i]))  # stable: the order is kept otherwise
            for place, i in zip(places, members):
                out[place] = files[i]
    return out


def base_suffix(path: Path) -> tuple[str, bool]:
    """The format-bearing suffix and whether the file is gzip-compressed by name."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    suffix = Path(name).suffix
    return suffix, gz


_DECL = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s+([^\s>\[]+)[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I)
_ELEMENT = re.compile(rb"\s*<([A-Za-z_][\w:.-]*)")
_HTML_ROOTS = frozenset({"html", "head", "body", "title", "meta"})


def root_name(sample: bytes) -> tuple[str | None, str | None]:
    """The DOCTYPE name and the root element's local name of an XML/HTML sample (lowercased)."""
    pos, doctype = 0, None
    while m := _DECL.match(sample, pos):
        if m.group(1):
            doctype = m.group(1).decode("latin-1").lower()
        if m.end() == pos:
            break
        pos = m.end()
    m = _ELEMENT.match(sample, pos)
    root = m.group(1).decode("latin-1").lower().rsplit(":", 1)[-1] if m else None
    return doctype, root


def sniff_format(head: bytes, suffix: str) -> str:
    """Format from the first bytes (after decompression) and the suffix.

    Markup is classified by its DOCTYPE and root element, not by substrings, so
    a JATS ``<body>`` is not taken for HTML and an HTML error page saved under
    an ``.xml`` name is recognised as HTML (the ingest stage rejects it).
    """
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:8192]
    if sample.startswith(b"<"):
        doctype, root = root_name(sample)
        names = {doctype, root}
        if names & {"pubmedarticleset", "medlinecitationset", "pubmedarticle", "pubmedbookarticle"}:
            return "medline"
        if names & {"article", "pmc-articleset"}:
            return "pmc"
        if names & _HTML_ROOTS:
            return "html"
        if suffix in (".html", ".htm"):
            return "html"
        if suffix == ".nxml":
            return "pmc"
        return "xml"
    first_line = sample.split(b"\n", 1)[0]
    if b"|t|" in first_line or b"|a|" in first_line:
        return "pubtator"
    if suffix in SUFFIX_FORMATS and SUFFIX_FORMATS[suffix] in ("text", "html", "pubtator"):
        return SUFFIX_FORMATS[suffix]
    if suffix in (".xml", ".nxml"):
        return "xml"
    return "unknown" if suffix not in ("", ".txt") else "text"


class TolerantReader:
    """A binary stream over a (possibly gzip-compressed) file that turns a cut-off gzip stream into EOF.

    ``gzip`` raises ``EOFError`` (or ``zlib.error`` / ``BadGzipFile`` for corrupt
    data) when a compressed file ends early, and a buffered ``read(n)`` then
    loses the bytes it had already decompressed.  This reader returns every byte
    that could be decompressed, then reports end of file and sets ``truncated``
    (with the error in ``error``), so a streaming XML parser keeps every complete
    document before the cut and the caller can still tell the file was damaged.
    """

    def __init__(self, path: Path, gz: bool):
        self._fh = gzip.open(path, "rb") if gz else open(path, "rb")
        self.truncated = False
        self.error = ""

    def read(self, size: int = -1) -> bytes:
        if self.truncated:
            return b""
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        out = bytearray()
        while len(out) < size:
            try:
                chunk = self._fh.read1(size - len(out))
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                self.truncated, self.error = True, str(exc) or type(exc).__name__
                break
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> TolerantReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_binary(path: Path, gz: bool) -> TolerantReader:
    """Open ``path`` for reading bytes, decompressing when ``gz``; see ``TolerantReader``."""
    return TolerantReader(path, gz)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
