"""Small helpers over lxml elements shared by the XML readers."""

from __future__ import annotations

import re

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
