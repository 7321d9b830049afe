"""Raw text and HTML of journal web pages.

A scraped page is one document.  HTML goes through a real parser
(BeautifulSoup over lxml) with scripts, styles and navigation removed, and block
elements turned into lines; the boilerplate of the page text (reference lists,
copyright, affiliations...) is removed by the clean stage, which sees the same
line structure for ``.txt`` and ``.html`` input.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from extract.ingest.records import RawDocument

_BLOCKS = (
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "title",
    "dt",
    "dd",
    "blockquote",
    "figcaption",
    "td",
    "th",
)
_DROP = ("script", "style", "noscript", "template", "svg", "nav", "form", "button", "iframe", "head meta")


def read_text_page(text: str, source: str) -> RawDocument:
    return RawDocument(source=source, source_index=0, format="webpage", text=text)


def html_to_text(html: str) -> tuple[str | None, str]:
    soup = BeautifulSoup(html, "lxml")
    title = None
    meta_title = soup.find("meta", attrs={"name": re.compile(r"^(citation_title|dc\.title)$", re.I)})
    if meta_title and meta_title.get("content"):
        title = meta_title["content"].strip()
    for tag in soup(["script", "style", "noscript", "template", "svg", "nav", "form", "button", "iframe"]):
        tag.decompose()
    if title is None:
        # the article's own heading before the browser tab's text ("Teriparatide and calcinosis – Osteoporos Int");
        # a one- or two-word <h1> is more often the site's name than the article's title
        heading = soup.body.find("h1") if soup.body is not None else None
        words = heading.get_text(" ", strip=True) if heading is not None else ""
        if len(words.split()) >= 3:
            title = re.sub(r"\s+", " ", words)
    if soup.head is not None:
        if title is None and soup.title and soup.title.string:
            title = soup.title.string.strip()
        soup.head.decompose()
    for tag in soup.find_all(_BLOCKS):
        # inside the tag, first and last: the same text as around it, but without
        # bs4's search of the parent's children, quadratic for a long table
        tag.insert(0, "\n")
        tag.append("\n")
    text = soup.get_text()
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return title, text


_ERROR_TITLE = re.compile(
    r"\b(?:[45]\d\d\b|not found|forbidden|access denied|unauthori[sz]ed|internal server error|bad gateway|"
    r"service unavailable|gateway time-?out|too many requests|page (?:cannot|could not) be (?:found|displayed)|"
    r"captcha|are you a robot|just a moment|attention required|sign in|log ?in required|session expired)",
    re.I,
)
ERROR_PAGE_MAX_CHARS = 2000


def error_page_reason(title: str | None, text: str) -> str | None:
    """Why a page looks like an HTTP error, login or captcha page rather than content (None if it does not).

    Only short pages qualify: an article page whose title happens to contain
    "404" or "not found" still has thousands of characters of text.
    """
    if len(text) > ERROR_PAGE_MAX_CHARS:
        return None
    first_line = text.strip().split("\n", 1)[0][:200] if text.strip() else ""
    for candidate in (title or "", first_line):
        m = _ERROR_TITLE.search(candidate)
        if m:
            return f"short page ({len(text)} characters) whose title or heading {candidate.strip()!r} reads like an error page"
    return None


def read_html_page(html: str, source: str) -> RawDocument:
    title, text = html_to_text(html)
    return RawDocument(source=source, source_index=0, format="html", text=text, title=title)
