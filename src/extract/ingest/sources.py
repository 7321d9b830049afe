"""Input discovery (files, folders, globs) and format detection."""

from __future__ import annotations

import glob
import gzip
import hashlib
import os
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


def base_suffix(path: Path) -> tuple[str, bool]:
    """The format-bearing suffix and whether the file is gzip-compressed by name."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    suffix = Path(name).suffix
    return suffix, gz


def sniff_format(head: bytes, suffix: str) -> str:
    """Format from the first bytes (after decompression) and the suffix."""
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    lowered = sample.lower()
    if suffix == ".nxml":
        return "pmc"
    if sample.startswith(b"<?xml") or sample.startswith(b"<!DOCTYPE") or sample.startswith(b"<"):
        if b"<html" in lowered or b"<!doctype html" in lowered or b"<body" in lowered:
            return "html"
        if b"pubmedarticleset" in lowered or b"medlinecitationset" in lowered or b"<pubmedarticle" in lowered:
            return "medline"
        if b"<article" in lowered or b"jats" in lowered:
            return "pmc"
        if suffix in (".html", ".htm"):
            return "html"
        return "xml"
    first_line = sample.split(b"\n", 1)[0]
    if b"|t|" in first_line or b"|a|" in first_line:
        return "pubtator"
    if suffix in SUFFIX_FORMATS and SUFFIX_FORMATS[suffix] in ("text", "html", "pubtator"):
        return SUFFIX_FORMATS[suffix]
    if suffix in (".xml",):
        return "xml"
    return "unknown" if suffix not in ("", ".txt") else "text"


def open_binary(path: Path, gz: bool):
    if gz:
        return gzip.open(path, "rb")
    return open(path, "rb")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
