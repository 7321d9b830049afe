"""Sentences whose mentions state no relation with each other: the relation stage writes no row of them.

Three kinds, found by cue patterns kept as data (``data/withheld_sentences/cues.json``, described in its README):

* ``eligibility``: a sentence that says who was included in or excluded from a study ("Individuals ... currently
  using ergotamine or MAO-inhibitors, or suffering from headaches ... were excluded", "Exclusion criteria were: ...").
  Its drugs and conditions are listed side by side as criteria, not related to each other: MAO-inhibitors ->
  headaches was read as an adverse event (issue 14).  A sentence of a body section headed as criteria
  ("Methods / Inclusion and exclusion criteria") is one too.  A veto keeps sentences where "excluded" is about a
  possibility or a cause ("a role of the drug cannot be excluded", "after other causes were excluded").  Only the
  drug rows are withheld: a criterion may still describe one condition by another ("diarrhea caused by carcinoid").
* ``caption``: a figure or table caption.  PMC full text keeps captions as sections of their own
  (``figure: <label>``, ``table: <label>``, :mod:`extract.ingest.pmc`); in plain text a caption is recognised by its
  opening ("Fig. 2Patient disposition.", "A: Defecation frequency, B: Fecal incontinence ..."), and where such a
  caption runs on into the prose that followed a dropped table ("Table IPatient characteristics of randomized patients
  Improvements in FEV1 were ..."), only the part before the prose is withheld (``ends_before``).  A caption names what
  was measured in which arm (mineral oil -> fecal incontinence), not a relation.
* ``glossary``: a list of abbreviations ("Abbreviations: ...", "ACR = American College of Rheumatology; MTX =
  methotrexate; RA = rheumatoid arthritis; ...", or a body section headed "Abbreviations").  PMC full texts end with
  one; it sets a drug next to a disease it has nothing to do with (MTX -> RA read as a treatment).  A pair inside one
  item (between the same ";") keeps its row: the item defines a term that states it ("INH-DILI, drug-induced liver
  injury associated with isoniazid").

The sentences are found before the extractor runs (:func:`withheld_spans`); the extractor still reads the whole
document (its document-level features count every mention), and :func:`drop_withheld` leaves out each candidate of a
withheld type with a mention inside a withheld span, within a sentence or across sentences.  Withholding the mentions
from the extractor instead changed rows elsewhere in the document through those features (on 120 full texts 5 rows
appeared and 19 changed score outside any withheld sentence)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.relations.casefold import found
from extract.relations.types import RELATION_TYPES, DocumentView, EntityView, RelationCandidate
from extract.settings import PROJECT_ROOT

CUES = PROJECT_ROOT / "data" / "withheld_sentences" / "cues.json"
KINDS = ("eligibility", "caption", "glossary")


@dataclass(frozen=True)
class KindCues:
    """The compiled cues of one kind: the relation ``types`` its sentences hold none of, a cheap ``trigger`` a sentence
    must match before its ``sentence`` cues are tried, the ``veto`` cues, the ``section`` cues (on a section's name) and
    where a caption ends (``ends_before``)."""

    types: frozenset[str]
    trigger: re.Pattern
    sentence: tuple[tuple[str, re.Pattern], ...]
    veto: tuple[tuple[str, re.Pattern], ...]
    section: tuple[tuple[str, re.Pattern], ...]
    ends_before: re.Pattern | None


def _compile(pattern: str, terms: dict[str, list[str]], flags: int) -> re.Pattern:
    for name, words in terms.items():
        pattern = pattern.replace("{" + name + "}", "|".join(words))
    return re.compile(pattern, flags)


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES) -> dict[str, KindCues]:
    """The cue file's patterns by kind, compiled (read once)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    terms = data.get("terms", {})
    out = {}
    for kind in KINDS:
        spec = data[kind]
        flags = re.I if "i" in spec.get("flags", "") else 0

        def cues(key: str, spec=spec, flags=flags) -> tuple[tuple[str, re.Pattern], ...]:
            return tuple((c["name"], _compile(c["pattern"], terms, flags)) for c in spec.get(key, []))

        ends = spec.get("ends_before")
        types = frozenset(spec["types"])
        if not types <= set(RELATION_TYPES):
            raise ValueError(f"{path}: {kind} names unknown relation types {sorted(types - set(RELATION_TYPES))}")
        out[kind] = KindCues(
            types=types,
            trigger=_compile(spec["trigger"], terms, flags),
            sentence=cues("sentence"),
            veto=cues("veto"),
            section=cues("section"),
            ends_before=_compile(ends, terms, flags) if ends else None,
        )
    return out


def _heading(section: str | None) -> str:
    """The last heading of a body section ("Methods / Exclusion criteria" -> "Exclusion criteria"); "" for the
    title and the abstract (whose parts are named "abstract" or "abstract / <label>")."""
    if not section or section == "title" or section.lower().startswith("abstract"):
        return ""
    return section.rsplit(" / ", 1)[-1]


def sentence_kind(text: str, section: str | None, cues: dict[str, KindCues] | None = None) -> tuple[str, int] | None:
    """``(kind, end)`` when the sentence ``text`` (in section ``section``) is withheld: its kind and how many of
    its characters are (all but the prose a plain-text caption runs on into); None when it is not."""
    cues = cues or load_cues()
    for kind in KINDS:  # a caption section is a caption whatever its words
        if cues[kind].section and _section_cue(kind, section, cues[kind]):
            return kind, len(text)
    for kind in KINDS:
        c = cues[kind]
        if not found(c.trigger, text) or not any(found(p, text) for _n, p in c.sentence):
            continue
        if any(found(p, text) for _n, p in c.veto):
            continue
        prose = c.ends_before.search(text) if c.ends_before is not None else None
        return kind, prose.start() if prose else len(text)
    return None


def _section_cue(kind: str, section: str | None, c: KindCues) -> bool:
    name = (section or "") if kind == "caption" else _heading(section)
    return bool(name) and any(p.search(name) for _n, p in c.section)


@dataclass(frozen=True)
class Withheld:
    """A withheld sentence (or the caption part of one): document offsets, kind and the relation types it holds
    none of."""

    start: int
    end: int
    kind: str
    types: frozenset[str]
    #: A glossary's items (document offsets between its ";"): a pair inside one item is not withheld.
    items: tuple[tuple[int, int], ...] = ()

    def holds(self, c: RelationCandidate) -> bool:
        """The candidate ``c`` of a withheld type has a mention inside this span and is not a pair of one item."""
        if c.type not in self.types or not (_inside(c.head, self) or _inside(c.tail, self)):
            return False
        return not any(a <= min(c.head.start, c.tail.start) and max(c.head.end, c.tail.end) <= b for a, b in self.items)


def withheld_spans(view: DocumentView, cues: dict[str, KindCues] | None = None) -> list[Withheld]:
    """The withheld sentences of ``view``, in text order."""
    cues = cues or load_cues()
    out = []
    for s in view.sentences:
        found = sentence_kind(view.text[s.start : s.end], s.section, cues)
        if found is not None:
            kind, length = found
            items = _items(view.text, s.start, s.start + length) if kind == "glossary" else ()
            out.append(Withheld(s.start, s.start + length, kind, cues[kind].types, items))
    return out


def _items(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The ";"-separated parts of ``text[start:end]``, as document offsets."""
    bounds = [start, *(start + i + 1 for i, ch in enumerate(text[start:end]) if ch == ";"), end]
    return tuple(zip(bounds[:-1], bounds[1:]))


def drop_withheld(
    candidates: list[RelationCandidate], spans: list[Withheld], counts: Counter | None = None
) -> list[RelationCandidate]:
    """``candidates`` without those of a withheld type whose head or tail lies inside a withheld span (a pair inside
    one item of a glossary excepted: :meth:`Withheld.holds`).  ``counts``
    (when given) adds the spans per kind (``<kind>_sentences``) and the candidates left out (``<kind>_rows``)."""
    if counts is not None:
        counts.update(f"{w.kind}_sentences" for w in spans)
    if not spans:
        return candidates
    kept = []
    for c in candidates:
        hit = next((w for w in spans if w.holds(c)), None)
        if hit is None:
            kept.append(c)
        elif counts is not None:
            counts[f"{hit.kind}_rows"] += 1
    return kept


def _inside(entity: EntityView, w: Withheld) -> bool:
    return w.start <= entity.start and entity.end <= w.end
