"""Small helpers over lxml elements shared by the XML readers, and ``RecordSplitter``, which cuts a large XML file
into its top-level records so that each is parsed on its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

_WS = re.compile(r"\s+")


def text_of(elem: etree._Element | None, skip_tags: frozenset[str] = frozenset()) -> str:
    """All text inside ``elem`` with whitespace collapsed; subtrees in ``skip_tags`` left out."""
    if elem is None:
        return ""
    if not skip_tags:
        return _WS.sub(" ", "".join(elem.itertext())).strip()
    out: list[str] = []

    def walk(e: etree._Element) -> None:
        if isinstance(e.tag, str) and etree.QName(e).localname in skip_tags:
            if e.tail:
                out.append(e.tail)
            return
        if e.text:
            out.append(e.text)
        for child in e:
            walk(child)
        if e.tail and e is not elem:
            out.append(e.tail)

    walk(elem)
    return _WS.sub(" ", "".join(out)).strip()


def parse_year(text: str | None) -> int | None:
    if not text:
        return None
    m = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text)
    return int(m.group(1)) if m else None


def safe_parser_kwargs() -> dict:
    """iterparse options: no DTD loading, no network, no entity expansion bombs."""
    return {"load_dtd": False, "no_network": True, "resolve_entities": False, "huge_tree": True, "recover": False}


# ---------------------------------------------------------------- top-level records of a large XML file

_PROLOG_ITEM = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>)", re.S)
_FIRST_ELEMENT = re.compile(rb"(?:\xef\xbb\xbf)?\s*<([A-Za-z_][\w.:-]*)")
_START_TAG_REST = re.compile(rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_BLANK = re.compile(rb"(?:\s|<!--.*?-->|<\?.*?\?>)*", re.S)  # \s, not \s+: no backtracking blow-up
_BLOCK = 1 << 20
_MAX_PROLOG = 16 << 20  # XML declaration, DOCTYPE and the root's start tag (a real one is well under 1 kB)
_OVERLAP = 256  # longer than any tag the splitter searches for


class XmlCutShort(Exception):
    """The stream ends inside a record (``data`` holds its bytes so far) or before the root element's end tag."""

    def __init__(self, message: str, data: bytes = b""):
        super().__init__(message)
        self.data = data


@dataclass(frozen=True)
class XmlPiece:
    """A top-level part of an XML file: a record (``tag`` set) or bytes between records that are neither
    whitespace nor comments (``tag`` None).  ``closed`` is False for a record cut off by the next record's start."""

    offset: int
    data: bytes
    tag: str | None
    closed: bool = True


class RecordSplitter:
    """Cuts a streamed XML file into its top-level records (e.g. ``PubmedArticle``) by their tags, at the byte level.

    Each record can then be parsed on its own (``header`` + the record's bytes: the file's XML declaration and
    DOCTYPE apply), so damage inside one record (an invalid byte, a broken tag) costs that record only: the next
    record starts at its own start tag.  A record whose end tag is missing ends where the next record starts
    (``closed`` False); bytes between records that are not whitespace or comments come out as pieces without a tag.
    ``nested`` names, per record tag, the record tags that occur inside it (``MedlineCitation`` in
    ``PubmedArticle``).  Memory holds one record (at most ``max_piece`` bytes) and one block of the stream.
    """

    def __init__(self, stream, tags: tuple[str, ...], nested: dict[str, tuple[str, ...]], max_piece: int = 256 << 20):
        self._stream, self._buf, self._base, self._eof = stream, b"", 0, False
        self._tags, self._nested, self._max_piece = tags, nested, max_piece
        self.header, self.root, self._pos = self._read_prolog()
        self._any_start = _start_pattern(tags)
        self._ends = {tag: self._end_pattern(tag) for tag in tags}

    def _read_prolog(self) -> tuple[bytes, str | None, int]:
        """The bytes before the root element, the root's name (None when the root is itself a record) and the
        position after its start tag."""
        while True:
            pos = 0
            while (m := _PROLOG_ITEM.match(self._buf, pos)) and m.end() > pos:
                pos = m.end()
            root = _FIRST_ELEMENT.match(self._buf, pos)
            rest = root and _START_TAG_REST.match(self._buf, root.end())
            if rest or self._eof or len(self._buf) > _MAX_PROLOG:
                break
            self._read_more()
        if not root:
            raise XmlCutShort("no root element" + ("" if self._eof else f" in the first {len(self._buf)} bytes"))
        name = root.group(1).decode("latin-1")
        start = root.end() - len(root.group(1)) - 1
        if name in self._tags:
            return self._buf[:start], None, start
        if not rest:
            raise XmlCutShort(f"the file ends inside the start tag of its root element <{name}>")
        return self._buf[:start], None if rest.group(1) else name, rest.end()  # <PubmedArticleSet/> has no end tag

    def _end_pattern(self, tag: str) -> re.Pattern:
        """What ends a ``tag`` record: its end tag, else the start of another record or the root's end tag."""
        others = b"|".join(re.escape(t.encode()) for t in self._tags if t not in self._nested.get(tag, ()))
        root_end = rb"|/" + re.escape(self.root.encode()) + rb"\s*>" if self.root else b""
        # one literal "<" in front of the alternatives lets the regex engine skip to each "<" at C speed
        return re.compile(rb"<(?:(/" + re.escape(tag.encode()) + rb"\s*>)|(?:" + others + rb")[\s/>]" + root_end + b")")

    def _read_more(self) -> None:
        block = self._stream.read(_BLOCK)
        if block:
            self._buf += block
        else:
            self._eof = True

    def _search(self, pattern: re.Pattern, pos: int) -> re.Match | None:
        """The first match of ``pattern`` from ``pos``, reading on as needed; None at the end of the stream."""
        start = pos
        while True:
            m = pattern.search(self._buf, start)
            if m or self._eof:
                return m
            if len(self._buf) - pos > self._max_piece:
                raise XmlCutShort(f"no citation boundary in {self._max_piece} bytes after offset {self._base + pos}")
            start = max(pos, len(self._buf) - _OVERLAP)
            self._read_more()

    def _drop_before(self, pos: int) -> int:
        """Forget the buffered bytes before ``pos``; returns ``pos`` in the shortened buffer."""
        if pos > _BLOCK:
            self._buf, self._base = self._buf[pos:], self._base + pos
            return 0
        return pos

    def __iter__(self) -> Iterator[XmlPiece]:
        pos = self._pos
        while True:
            pos = self._drop_before(pos)
            m = self._search(self._any_start, pos)
            if m is None:
                yield from self._tail(pos)
                return
            if not _BLANK.fullmatch(self._buf, pos, m.start()):
                yield XmlPiece(self._base + pos, self._buf[pos : m.start()], None)
            piece, pos = self._record(m.start(), m.group(1).decode("latin-1"))
            yield piece

    def _record(self, start: int, tag: str) -> tuple[XmlPiece, int]:
        """The record whose start tag begins at ``start``, and the position after it."""
        name_end = start + 1 + len(tag)
        while not (rest := _START_TAG_REST.match(self._buf, name_end)) and len(self._buf) - name_end < _OVERLAP:
            if self._eof:
                break
            self._read_more()
        if rest and rest.group(1):  # <DeleteCitation/>
            return XmlPiece(self._base + start, self._buf[start : rest.end()], tag), rest.end()
        m = self._search(self._ends[tag], name_end)
        if m is None:
            raise XmlCutShort(f"the file ends inside a <{tag}> at offset {self._base + start}", self._buf[start:])
        if m.group(1):
            return XmlPiece(self._base + start, self._buf[start : m.end()], tag), m.end()
        return XmlPiece(self._base + start, self._buf[start : m.start()], tag, closed=False), m.start()

    def _tail(self, pos: int) -> Iterator[XmlPiece]:
        """What follows the last record: the root's end tag (required when there is a root) and nothing else."""
        tail = self._buf[pos:]
        end = re.search(rb"</" + re.escape(self.root.encode()) + rb"\s*>", tail) if self.root else None
        if self.root and end is None:
            raise XmlCutShort(f"the file ends before the end tag </{self.root}>", tail)
        before, after = (tail[: end.start()], tail[end.end() :]) if end else (tail, b"")
        if not _BLANK.fullmatch(before):
            yield XmlPiece(self._base + pos, before, None)
        if not _BLANK.fullmatch(after):
            yield XmlPiece(self._base + pos + end.end(), after, None)


def _start_pattern(tags) -> re.Pattern:
    """A start tag of one of ``tags`` (group 1: its name)."""
    names = b"|".join(re.escape(t.encode()) for t in tags)
    return re.compile(rb"<(" + names + rb")[\s/>]")
