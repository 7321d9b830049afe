"""Candidate entity pairs and their textual context.

Sentences come from one splitter everywhere (:mod:`extract.nlp.sentences`).
Used by both the rule set (`rules.py`) and the trained model (`features.py`):

* :func:`pair_context` — the text around an ordered pair of mentions in one
  sentence (before, between, after), with the "cue region" between them cut at
  mentions that would own a trigger word instead of the pair;
* :func:`candidate_pairs` — all (head, tail) pairs of a document for one relation type,
  within a sentence and (for drug–disease) across sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extract.relations.memo import per_document, sentence_entities
from extract.relations.types import DocumentView, EntityView, SentenceView

# Text between two coordinated mentions ("A, B and C", "A or B", "A/B").
_COORD = re.compile(r"^\s*(?:,\s*(?:and|or)?|and|or|and/or|/|as well as|,?\s*but not)?\s*$", re.I)
# A mention preceded by these words is the object of a preposition (background
# condition or population), not the subject of a trigger: "in patients with X".
_PP_OBJECT = re.compile(r"\b(?:with|without|in|among|of|for|from|having|had|has)\s+(?:[\w-]+\s+){0,3}$", re.I)


def sentence_index_of(sentences: list[SentenceView], start: int) -> int:
    """Index of the sentence containing offset ``start`` (the closest preceding one)."""
    best = 0
    for s in sentences:
        if s.start <= start:
            best = s.index
        else:
            break
    return best


@dataclass(frozen=True)
class PairContext:
    """Text around two mentions of one sentence, ``first`` before ``second`` in the text."""

    first: EntityView
    second: EntityView
    sentence: str
    before: str  # sentence text before ``first``
    between: str  # full text between the two mentions
    after: str  # sentence text after ``second``
    region: str  # between-text a trigger must lie in to belong to this pair
    region_pp: str  # the same, ignoring intervening mentions that are prepositional objects
    region_cut: bool  # the region was cut by an intervening mention
    n_between_same_first: int  # intervening mentions with first's label
    n_between_same_second: int
    coordinated: bool  # the two mentions are in one coordinated list


def coordination_groups(mentions: list[EntityView], text: str) -> dict[str, int]:
    """Group id per entity_id: consecutive same-label mentions joined by ',', 'and', 'or'."""
    ordered = sorted(mentions, key=lambda e: (e.start, e.end))
    groups: dict[str, int] = {}
    gid = -1
    prev: EntityView | None = None
    for e in ordered:
        if (
            prev is not None
            and prev.label == e.label
            and e.start >= prev.end
            and _COORD.match(text[prev.end : e.start])
        ):
            groups[e.entity_id] = gid
        else:
            gid += 1
            groups[e.entity_id] = gid
        prev = e
    return groups


@per_document
def is_pp_object(doc: DocumentView, entity: EntityView, sent: SentenceView) -> bool:
    """The mention follows a preposition such as 'with' / 'in patients with' in its sentence."""
    return bool(_PP_OBJECT.search(doc.text[max(sent.start, entity.start - 60) : entity.start]))


def pair_context(doc: DocumentView, a: EntityView, b: EntityView) -> PairContext:
    """Context of two mentions of the same sentence (order taken from the text)."""
    if (a.start, a.end) <= (b.start, b.end):
        return _pair_context(doc, a, b)
    return _pair_context(doc, b, a)  # (a, b) and (b, a) share one memo entry


@per_document
def _pair_context(doc: DocumentView, first: EntityView, second: EntityView) -> PairContext:
    index = first.sentence_index
    sent = doc.sentences[index]
    text = doc.text
    members, distinct = _sentence_layout(doc, index)
    if distinct and first is not second and id(first) in members and id(second) in members:
        # Same mentions, and distinct spans sort them the same way: the sentence's groups (distinct entity ids
        # too, so the other mentions are the ones that are neither of the two objects).
        groups = sentence_groups(doc, index)
        mentions = [e for e in sentence_entities(doc, index) if e is not first and e is not second]
    else:
        ids = (first.entity_id, second.entity_id)
        mentions = [e for e in sentence_entities(doc, index) if e.entity_id not in ids]
        groups = coordination_groups(mentions + [first, second], text)
    g_first, g_second = groups[first.entity_id], groups[second.entity_id]
    # Extend the pair's mentions over their coordinated lists.
    left, right = first.end, second.start
    for e in mentions:
        g = groups[e.entity_id]
        if g == g_first and e.start < second.start and e.end > left:
            left = e.end
        if g == g_second and e.end > first.end and e.start < right:
            right = e.start
    # A trigger binds to the nearest mention on each side: it belongs to this pair only if it
    # lies after every intervening mention of the second's label and before every intervening
    # mention of the first's label.  ``region`` applies this to all intervening mentions;
    # ``region_pp`` ignores mentions that are objects of a preposition ("in patients with Z").
    same_first = same_second = 0
    end = max(left, right)
    strict_start = pp_start = left
    strict_end = pp_end = end
    one_label = first.label == second.label
    for e in mentions:
        if e.start < left or e.end > right:
            continue
        g = groups[e.entity_id]
        if g == g_first or g == g_second:
            continue
        same_first += e.label == first.label
        same_second += e.label == second.label
        if one_label:
            continue
        if e.label == second.label:
            if e.end > strict_start:
                strict_start = e.end
            if e.end > pp_start and not is_pp_object(doc, e, sent):
                pp_start = e.end
        elif e.label == first.label:
            if e.start < strict_end:
                strict_end = e.start
            if e.start < pp_end and not is_pp_object(doc, e, sent):
                pp_end = e.start
    return PairContext(
        first=first,
        second=second,
        sentence=text[sent.start : sent.end],
        before=text[sent.start : first.start],
        between=text[first.end : second.start] if second.start >= first.end else "",
        after=text[second.end : sent.end],
        region=text[strict_start:strict_end] if strict_end > strict_start else "",
        region_pp=text[pp_start:pp_end] if pp_end > pp_start else "",
        region_cut=strict_start != left or strict_end != end,
        n_between_same_first=same_first,
        n_between_same_second=same_second,
        coordinated=g_first == g_second,
    )


@per_document
def _sentence_layout(doc: DocumentView, index: int) -> tuple[frozenset[int], bool]:
    """Ids of the sentence's mention objects, and whether their spans and entity ids are distinct."""
    ents = sentence_entities(doc, index)
    n = len(ents)
    distinct = len({(e.start, e.end) for e in ents}) == n and len({e.entity_id for e in ents}) == n
    return frozenset(map(id, ents)), distinct


@per_document
def sentence_groups(doc: DocumentView, index: int) -> dict[str, int]:
    """:func:`coordination_groups` of all mentions of sentence ``index``."""
    return coordination_groups(list(sentence_entities(doc, index)), doc.text)


def concept_key(entity: EntityView) -> str:
    """Concept id when linked, else the lower-cased mention text (or its long form)."""
    if entity.concept_id:
        return entity.concept_id
    return (entity.abbreviation_of or entity.text).lower().strip()


def drug_disease_pairs(doc: DocumentView, cross_sentence: bool = True) -> Iterator[tuple[EntityView, EntityView]]:
    """(chemical, disease) mention pairs: same sentence, and across sentences when asked."""
    chems = [e for e in doc.entities if e.label == "CHEMICAL"]
    diseases = [e for e in doc.entities if e.label == "DISEASE"]
    for c in chems:
        for d in diseases:
            if c.sentence_index == d.sentence_index or cross_sentence:
                if c.start < d.end and d.start < c.end:
                    continue  # overlapping mentions
                yield c, d


def disease_pairs(doc: DocumentView) -> Iterator[tuple[EntityView, EntityView]]:
    """Ordered (head, tail) pairs of distinct disease mentions within one sentence."""
    diseases = [e for e in doc.entities if e.label == "DISEASE"]
    for h in diseases:
        for t in diseases:
            if h is t or h.sentence_index != t.sentence_index:
                continue
            if h.start < t.end and t.start < h.end:
                continue
            if concept_key(h) == concept_key(t):
                continue
            yield h, t
