"""Structure of a scraped journal web page: title, abstract, keywords, body; the rest is boilerplate.

A page's text arrives as lines (paragraphs).  Each line is classified:
front matter (journal line, "Cite as", author bullets, article type,
affiliations), prose (the abstract and body paragraphs), headings, keywords,
and end matter that starts the tail to drop (reference list, "CrossRef PubMed
Google Scholar" link debris, copyright, "Authors and Affiliations", statistics,
"Request permissions", disclosures).  The first prose paragraph is the
abstract; the title is the best title-like front-matter line.  Boilerplate words count only
where a line looks like boilerplate (a heading, a label, a short non-prose line): a paragraph that
says "(copyright IBM Corp)" or starts "Notes from the clinic ..." is article text.  What is dropped
is counted (``dropped_lines``/``dropped_chars``); a page left with no sentence of prose has
``has_prose`` false (the clean stage rejects it as ``no_text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lines after which nothing is article content.  A marker counts only where it looks like a
# heading: the whole line, followed by ":" / "." or a run-together capitalised word, or a line that
# is not prose ("Statistics from Altmetric.com").  A paragraph that merely starts with the word
# ("Notes from the anticoagulation clinic were reviewed ...") is article text.
_END_MARKERS = re.compile(
    r"^(references|bibliography|literature cited|notes|copyright information|authors? and affiliations|"
    r"about this article|personalised recommendations|personalized recommendations|statistics from|"
    r"request permissions|rights and permissions|cite this article|footnotes|acknowledg(e)?ments?|"
    r"funding|competing interests|conflicts? of interest|compliance with ethical standards|"
    r"disclosure of interest|supplementary material|electronic supplementary material|"
    r"article metrics|related articles|share this article|permissions)\b",
    re.I,
)
_HEADING_RUN_ON = re.compile(r"^\s*($|[:.\u2013\u2014-]|[A-Z])")
_REFERENCE_DEBRIS = re.compile(r"(CrossRef|PubMed|Google Scholar|PubMed ?Central|Web of Science|Scopus)\s*$", re.I)
_LINK_DEBRIS = re.compile(r"\b(CrossRef\s*PubMed|PubMed\s*Google Scholar|CrossRef\s*Google Scholar)\b", re.I)
_NUMBERED_ITEM = re.compile(r"^\s*(\d+\.\s*)+$")
# Front matter and page furniture that is boilerplate wherever it appears: anchored at the start
# of the line, the whole line, or phrases no article sentence uses.
_FRONT_BOILERPLATE = re.compile(
    r"(Email author|^\s*,?\s*Volume \d+|^\s*doi:|^\s*https?://|"
    r"^article text$|^open access$|^download pdf$|^view article$|^abstract$|^summary$|^keywords?:?$|"
    r"^received:|^accepted:|^published:|^first online:|^©|^copyright\b|all rights reserved|"
    r"^(case report|original article|research article|review article|short communication|letter|editorial|"
    r"brief report|clinical image|review)$)",
    re.I,
)
# Words that mark a citation or copyright line, but that article prose also uses ("SPSS 22
# (copyright IBM Corp)", "issue 2 ... (p = 0.03)"): boilerplate only on a line that is not prose.
_FRONT_BOILERPLATE_SHORT = re.compile(r"(\|\s*Cite as|\bCite as\b|\bIssue \d+\b.*\bpp?\b|\bcopyright\b)", re.I)
_AFFILIATION = re.compile(
    r"\b(department|dept\.|centre|center|university|universit[àä]|hospital|institute|school of|faculty|"
    r"college|laborator(y|ies)|clinic|foundation|division)\b",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[•·▪◦*-]|\d+\.)\s+")
_AUTHOR_NAME = re.compile(r"^(?:[A-Z][a-z]*\.?\s?-?){1,3}\s*[A-Z][A-Za-z'’\-]+(?:\s*(Email author|\d|,|\*).*)?$")


@dataclass
class PageStructure:
    title: str | None
    parts: list[tuple[str, str]] = field(default_factory=list)  # (section name, text) in order
    dropped_lines: int = 0
    dropped_chars: int = 0  # characters of the dropped lines (and link debris cut out of kept lines)
    has_prose: bool = True  # False: what is left is headings / debris, no sentence of article text


def _is_prose(line: str) -> bool:
    line = _BULLET.sub("", line)
    words = line.split()
    if len(words) < 12:
        return False
    return bool(re.search(r"[.!?]\s*$", line)) or bool(re.search(r"[a-z]{2}[.!?] [A-Z]", line))


def _is_sentence(line: str) -> bool:
    """Article text rather than a heading, label or debris line: prose, a short sentence, or a long run of words."""
    words = line.split()
    return _is_prose(line) or (len(words) >= 3 and bool(re.search(r"[a-z]{2}[.!?]\s*$", line))) or len(words) >= 12


def is_front_boilerplate(line: str) -> bool:
    """Front matter / page furniture; the citation and copyright words count only on a line that is not prose."""
    return bool(_FRONT_BOILERPLATE.search(line)) or (
        bool(_FRONT_BOILERPLATE_SHORT.search(line)) and not _is_prose(line)
    )


def is_end_marker(line: str) -> bool:
    """A heading that starts the end matter ("References", "Funding:", "Statistics from Altmetric.com").

    A prose paragraph that only starts with such a word ("Notes from the clinic were ...",
    "Permissions aside, ...") is not one.
    """
    m = _END_MARKERS.match(line)
    if not m:
        return False
    return bool(_HEADING_RUN_ON.match(line[m.end() :])) or not _is_prose(line)


def _is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 8 and not re.search(r"[.;,]\s*$", line) and line[:1].isupper()


def _is_keywords(line: str) -> bool:
    words = line.split()
    if not (2 <= len(words) <= 25) or re.search(r"[.!?]\s*$", line):
        return False
    if line.lower().startswith(("keywords", "key words")):
        return True
    capitalized = sum(1 for w in words if w[:1].isupper())
    return capitalized / len(words) >= 0.3 and ", " not in line[:-1] or ";" in line


_KEYWORD_SEPARATOR = re.compile(r"\s*[;,·•|]\s*")
_LOWER_JOINERS = frozenset({"of", "and", "in", "the", "with", "for", "to", "on", "or", "by", "a", "an", "de"})


def split_keywords(line: str) -> str:
    """Keywords as ``"a; b; c"``.

    Explicit separators (``;``, ``,``, bullets) are kept.  Scraped pages often lose them and
    run the keywords together ("Dystrophic calcification Osteoporosis Teriparatide"); when the
    line is in sentence case (some word other than a joiner such as "of" starts lower-case),
    every capitalised word longer than one letter starts a new keyword.  Title-case lines ("Systemic Lupus
    Erythematosus") give no such cue and stay one item.
    """
    line = line.strip()
    if _KEYWORD_SEPARATOR.search(line):
        return "; ".join(part for part in _KEYWORD_SEPARATOR.split(line) if part)
    words = line.split()
    sentence_case = any(w[:1].islower() and w.lower() not in _LOWER_JOINERS for w in words[1:])
    if not sentence_case:
        return line
    items: list[list[str]] = []
    for word in words:
        starts_item = word[:1].isupper() and len(word.strip("()-")) > 1  # "vitamin D", "hepatitis B" stay whole
        if not items or starts_item:
            items.append([word])
        else:
            items[-1].append(word)
    return "; ".join(" ".join(item) for item in items)


def _title_score(line: str) -> float:
    if is_front_boilerplate(line) or _BULLET.match(line) or _AFFILIATION.search(line):
        return -1
    words = line.split()
    if len(words) < 3 or len(words) > 40:
        return -1
    return len(words)


def analyze_page(text: str, title: str | None = None) -> PageStructure:
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    structure = PageStructure(title=title)

    def drop(dropped: list[str]) -> None:
        structure.dropped_lines += len(dropped)
        structure.dropped_chars += sum(len(ln) for ln in dropped)

    # 1. Cut the tail: the first end marker or reference debris after the first prose paragraph.
    first_prose = next((i for i, ln in enumerate(lines) if _is_prose(ln) and not _REFERENCE_DEBRIS.search(ln)), None)
    if first_prose is None:
        # No prose at all: cut the end matter (a page that is only a reference list), keep the
        # non-boilerplate lines as one body part.
        end = next((i for i, ln in enumerate(lines) if i > 0 and is_end_marker(ln)), len(lines))
        drop(lines[end:])
        kept = []
        for ln in lines[:end]:
            if is_front_boilerplate(ln) or _REFERENCE_DEBRIS.search(ln) or _NUMBERED_ITEM.match(ln):
                drop([ln])
            else:
                kept.append(ln)
        if kept:
            if structure.title is None and len(kept) > 1:
                structure.title = kept[0]
                kept = kept[1:]
            structure.parts.append(("body", "\n".join(kept)))
        structure.has_prose = any(_is_sentence(ln) for ln in kept)
        return structure
    end = len(lines)
    for i in range(first_prose + 1, len(lines)):
        ln = lines[i]
        if is_end_marker(ln) or _REFERENCE_DEBRIS.search(ln) or _NUMBERED_ITEM.match(ln):
            end = i
            break
    front, content = lines[:first_prose], lines[first_prose:end]
    drop(lines[end:])
    # 2. Title from the front matter.
    if structure.title is None:
        scored = [(_title_score(ln), -i, ln) for i, ln in enumerate(front)]
        scored = [s for s in scored if s[0] > 0]
        if scored:
            structure.title = max(scored)[2]
    drop([ln for ln in front if ln != structure.title])
    # 3. Abstract, keywords, body sections.
    heading = "abstract"
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            structure.parts.append((heading, "\n".join(buffer)))
            buffer.clear()

    seen_abstract = False
    for ln in content:
        cleaned = _LINK_DEBRIS.sub("", ln).strip()
        structure.dropped_chars += len(ln) - len(cleaned)
        ln = cleaned
        if not ln:
            continue
        if is_front_boilerplate(ln):
            drop([ln])
            continue
        if _is_prose(ln):
            if heading == "abstract" and seen_abstract and not buffer:
                heading = "body"
            buffer.append(ln)
            seen_abstract = True
            continue
        if seen_abstract and heading == "abstract" and _is_keywords(ln):
            flush()
            structure.parts.append(("keywords", split_keywords(re.sub(r"^key ?words:?\s*", "", ln, flags=re.I))))
            heading = "body"
            continue
        if _is_heading(ln):
            flush()
            heading = ln.rstrip(":")
            continue
        buffer.append(ln)
    flush()
    structure.has_prose = any(_is_sentence(ln) for _, part in structure.parts for ln in part.split("\n"))
    return structure
