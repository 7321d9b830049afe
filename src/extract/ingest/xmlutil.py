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

#: A DOCTYPE with its internal subset: quoted strings (an entity value "[1]" or "a>b"), comments and processing
#: instructions are skipped whole, so a "]" or ">" inside them does not end it (possessive: no backtracking blow-up
#: when the subset never ends).  A DOCTYPE with a stray quote is then cut at its first "]" and ">": the records are read
#: and their rejects name them.
_DOCTYPE = (
    rb"<!DOCTYPE\b(?:[^\[>\"']+|\"[^\"]*\"|'[^']*')*+"
    rb"(?:\[(?>[^\]\"'<]+|\"[^\"]*\"|'[^']*'|<!--.*?-->|<\?.*?\?>|<)*+\]\s*)?>"
    rb"|<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>"
)
_PROLOG_ITEM = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>|<!--.*?-->|" + _DOCTYPE + rb")", re.S)
_FIRST_ELEMENT = re.compile(rb"(?:\xef\xbb\xbf)?\s*<([A-Za-z_][\w.:-]*)")
_START_TAG_REST = re.compile(rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_BLANK = re.compile(rb"(?:\s|<!--.*?-->|<\?.*?\?>)*", re.S)  # \s, not \s+: no backtracking blow-up
_BLOCK = 1 << 20
_MAX_PROLOG = 16 << 20  # XML declaration, DOCTYPE and the root's start tag (a real one is well under 1 kB)
_OVERLAP = 256  # longer than any tag the splitter searches for
#: After a "<": the opener of a comment, CDATA section or processing instruction, which record searches step over whole
#: (to ``_SKIP_END``): their text may hold record tags (an abstract quoting "<PubmedArticle>" in CDATA).
_SKIP = rb"(?P<skip>!--|!\[CDATA\[|\?)"
_SKIP_END = {b"!--": b"-->", b"![CDATA[": b"]]>", b"?": b"?>"}
#: A namespace prefix declaration among a start tag's attributes (not the default namespace, which records ignore).
_XMLNS_PREFIX = re.compile(rb"""(?<=\s)xmlns:[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')""")


class XmlCutShort(Exception):
    """The stream ends inside a record (``data`` holds its bytes so far) or before the root element's end tag
    (``truncated``), or holds no root element or no record boundary in ``max_piece`` bytes."""

    def __init__(self, message: str, data: bytes = b"", truncated: bool = False):
        super().__init__(message)
        self.data = data
        self.truncated = truncated


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

    Each record can then be parsed on its own (``parse``: the file's XML declaration and DOCTYPE apply, and the
    namespace prefixes its root declares), so damage inside one record (an invalid byte, a broken tag) costs that
    record only: the next record starts at its own start tag.  A record whose end tag is missing ends where the next
    record starts (``closed`` False); bytes between records that are not whitespace or comments come out as pieces
    without a tag.  Comments, CDATA sections and processing instructions are stepped over whole when looking for a
    record's start or end, so a ``<PubmedArticle>`` written inside them cuts nothing (one not closed before the stream
    ends, or inside a record before a boundary between two records, is damage: its opener is read as text).
    ``nested`` names, per record tag, the record tags that occur inside it (``MedlineCitation`` in ``PubmedArticle``).
    Memory holds one record (at most ``max_piece`` bytes) and one block of the stream.
    """

    def __init__(self, stream, tags: tuple[str, ...], nested: dict[str, tuple[str, ...]], max_piece: int = 256 << 20):
        self._stream, self._buf, self._base, self._eof = stream, b"", 0, False
        self._tags, self._nested, self._max_piece = tags, nested, max_piece
        self.header, self.root, self._pos, namespaces = self._read_prolog()
        # a root with a namespace prefix (<pm:PubmedArticleSet>): its records carry the prefix too (<pm:PubmedArticle>),
        # and are cut by their prefixed tags (a piece's ``tag`` keeps the prefix), one by one, not as one long gap
        prefix = self.root.rpartition(":")[0] if self.root else ""
        if prefix:
            tags = tuple(f"{prefix}:{t}" for t in tags)
            nested = {f"{prefix}:{k}": tuple(f"{prefix}:{t}" for t in v) for k, v in nested.items()}
            self._tags, self._nested = tags, nested
        # the root's namespace prefixes (xmlns:mml="..."), carried into each record's parse by a copy of its start tag
        self._wrap = None
        if namespaces and self.root:
            self._wrap = (b"<%s %s>" % (self.root.encode(), b" ".join(namespaces)), b"</%s>" % self.root.encode())
        self._any_start = _start_pattern(tags, skip=False), _start_pattern(tags, skip=True)
        # the end of a comment, CDATA section or processing instruction (group ``close``); inside a record, unless a
        # boundary between two records (an end tag, then a start tag) comes first: its opener is then damage (a stray
        # "<!--" whose "-->" is citations further on would swallow them unseen), read as text, and only the record
        # holding it is lost.  Between records a comment may hold whole records (commented out).
        names = b"|".join(re.escape(t.encode()) for t in tags)
        boundary = rb"|</(?:" + names + rb")\s*>\s*<(?:" + names + rb")[\s/>]"
        self._closes = {opener: re.compile(rb"(?P<close>" + re.escape(c) + b")") for opener, c in _SKIP_END.items()}
        self._closes_in_record = {
            opener: re.compile(rb"(?P<close>" + re.escape(c) + b")" + boundary) for opener, c in _SKIP_END.items()
        }
        self._ends = {tag: (self._end_pattern(tag, skip=False), self._end_pattern(tag, skip=True)) for tag in tags}
        root_end = rb"/" + re.escape(self.root.encode()) + rb"\s*>" if self.root else None
        self._root_end = (
            (re.compile(b"<" + root_end), re.compile(rb"<(?:" + root_end + b"|" + _SKIP + b")")) if root_end else None
        )

    def parse(self, piece: XmlPiece, parser: etree.XMLParser) -> etree._Element:
        """``piece``'s record parsed on its own, after the file's prolog and, when the root declares namespace
        prefixes, inside a copy of the root's start tag that declares them (raises ``etree.XMLSyntaxError``)."""
        if self._wrap is None:
            return etree.fromstring(self.header + piece.data, parser)
        return etree.fromstring(self.header + self._wrap[0] + piece.data + self._wrap[1], parser)[0]

    def _read_prolog(self) -> tuple[bytes, str | None, int, list[bytes]]:
        """The bytes before the root element, the root's name (None when the root is itself a record), the position
        after its start tag and the namespace prefixes that start tag declares (``xmlns:p="..."``)."""
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
            return self._buf[:start], None, start, []
        if not rest:
            raise XmlCutShort(f"the file ends inside the start tag of its root element <{name}>", truncated=True)
        namespaces = _XMLNS_PREFIX.findall(self._buf, root.end(), rest.end())
        # <PubmedArticleSet/> has no end tag
        return self._buf[:start], None if rest.group(1) else name, rest.end(), namespaces

    def _end_pattern(self, tag: str, skip: bool) -> re.Pattern:
        """What ends a ``tag`` record: its end tag (group ``end``), else the start of another record or the root's end
        tag; with ``skip``, also what the search steps over (group ``skip``)."""
        others = b"|".join(re.escape(t.encode()) for t in self._tags if t not in self._nested.get(tag, ()))
        root_end = rb"|/" + re.escape(self.root.encode()) + rb"\s*>" if self.root else b""
        # one literal "<" in front of the alternatives lets the regex engine skip to each "<" at C speed
        end = rb"(?P<end>/" + re.escape(tag.encode()) + rb"\s*>)"
        return re.compile(
            rb"<(?:" + end + rb"|(?:" + others + rb")[\s/>]" + root_end + (b"|" + _SKIP if skip else b"") + b")"
        )

    def _read_more(self) -> None:
        block = self._stream.read(_BLOCK)
        if block:
            self._buf += block
        else:
            self._eof = True

    def _search(self, pattern: re.Pattern, start: int, origin: int) -> re.Match | None:
        """The first match of ``pattern`` from ``start``, reading on as needed; None at the end of the stream.
        ``origin`` is where the piece being cut began (it may not grow beyond ``max_piece``)."""
        while True:
            m = pattern.search(self._buf, start)
            if m or self._eof:
                return m
            if len(self._buf) - origin > self._max_piece:
                raise XmlCutShort(f"no citation boundary in {self._max_piece} bytes after offset {self._base + origin}")
            start = max(start, len(self._buf) - _OVERLAP)
            self._read_more()

    def _find(self, patterns: tuple[re.Pattern, re.Pattern], pos: int, in_record: bool = False) -> re.Match | None:
        """The first match from ``pos`` outside comments, CDATA sections and processing instructions; None at the end
        of the stream.  ``patterns``: the pattern alone, and with a ``skip`` group that finds those, which this steps
        over (one not closed is read as text).  The first is searched first: when no "<!" or "<?" comes before its
        match (nearly always), that is the answer, at the speed of a search that steps over nothing."""
        m = self._search(patterns[0], pos, pos)
        if not self._may_open_markup(pos, m.start() if m is not None else len(self._buf)):
            return m
        closes = self._closes_in_record if in_record else self._closes
        start = pos
        while True:
            m = self._search(patterns[1], start, pos)
            if m is None or m.group("skip") is None:
                return m
            try:
                close = self._search(closes[m.group("skip")], m.end(), pos)
            except XmlCutShort:  # not closed in max_piece bytes
                close = None
            start = close.end() if close is not None and close.group("close") else m.end()

    def _may_open_markup(self, pos: int, stop: int) -> bool:
        """Whether a "<!" or "<?" starts in ``buf[pos:stop]``: a search for "!" and "?" alone (memchr, several times
        faster than for the two bytes), each found checked for a "<" before it."""
        buf = self._buf
        for mark in (b"!", b"?"):
            i = buf.find(mark, pos + 1, stop)
            while i >= 0:
                if buf[i - 1] == 0x3C:  # "<"
                    return True
                i = buf.find(mark, i + 1, stop)
        return False

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
            m = self._find(self._any_start, pos)
            if m is None:
                yield from self._tail(pos)
                return
            # a gap that is no whitespace or comment, or a comment holding whole records (commented out, or after a
            # stray "<!--" whose "-->" comes records later): bytes no record was read from, never dropped unseen
            if not _BLANK.fullmatch(self._buf, pos, m.start()) or self._holds_record(pos, m.start()):
                yield XmlPiece(self._base + pos, self._buf[pos : m.start()], None)
            piece, pos = self._record(m.start(), m.group("tag").decode("latin-1"))
            yield piece

    def _holds_record(self, start: int, stop: int) -> bool:
        """Whether ``buf[start:stop]`` holds a record's start tag and, after it, that record's end tag."""
        m = self._any_start[0].search(self._buf, start, stop)
        return m is not None and self._buf.find(b"</" + m.group("tag") + b">", m.end(), stop) >= 0

    def _record(self, start: int, tag: str) -> tuple[XmlPiece, int]:
        """The record whose start tag begins at ``start``, and the position after it."""
        name_end = start + 1 + len(tag)
        while not (rest := _START_TAG_REST.match(self._buf, name_end)) and len(self._buf) - name_end < _OVERLAP:
            if self._eof:
                break
            self._read_more()
        if rest and rest.group(1):  # <DeleteCitation/>
            return XmlPiece(self._base + start, self._buf[start : rest.end()], tag), rest.end()
        m = self._find(self._ends[tag], name_end, in_record=True)
        if m is None:
            raise XmlCutShort(
                f"the file ends inside a <{tag}> at offset {self._base + start}", self._buf[start:], truncated=True
            )
        if m.group("end"):
            return XmlPiece(self._base + start, self._buf[start : m.end()], tag), m.end()
        return XmlPiece(self._base + start, self._buf[start : m.start()], tag, closed=False), m.start()

    def _tail(self, pos: int) -> Iterator[XmlPiece]:
        """What follows the last record: the root's end tag (required when there is a root) and nothing else."""
        end = self._find(self._root_end, pos) if self.root else None  # the stream has ended: all of it is buffered
        if self.root and end is None:
            raise XmlCutShort(f"the file ends before the end tag </{self.root}>", self._buf[pos:], truncated=True)
        before, after = (self._buf[pos : end.start()], self._buf[end.end() :]) if end else (self._buf[pos:], b"")
        if not _BLANK.fullmatch(before):
            yield XmlPiece(self._base + pos, before, None)
        if not _BLANK.fullmatch(after):
            yield XmlPiece(self._base + end.end(), after, None)


def _start_pattern(tags, skip: bool) -> re.Pattern:
    """A start tag of one of ``tags`` (group ``tag``: its name); with ``skip``, also what the search steps over (group
    ``skip``)."""
    names = b"|".join(re.escape(t.encode()) for t in tags)
    return re.compile(rb"<(?:(?P<tag>" + names + rb")[\s/>]" + (b"|" + _SKIP if skip else b"") + b")")
