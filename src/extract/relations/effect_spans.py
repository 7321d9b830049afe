"""Adverse-effect spans (``ADVERSE_EFFECT`` entities) in the relation stage: phrases and adverse-event-only tails.

The NER stage's adverse-effect tagger (:mod:`extract.ner.adverse_effects`) writes, beside the BC5CDR-style CHEMICAL /
DISEASE mentions, the effects as the ADE corpus annotates them, as entities labelled :data:`ADVERSE_EFFECT`.  The
relation extractors never see those rows as they are: the stage's wrapper
(:class:`extract.relations.extractor.CoordinationAware`, ``effect_phrases`` / ``effect_tails``) hands the inner
extractor the document of :func:`prepare` and passes its candidates through :func:`finish`, which uses the spans in
two ways:

* **phrases** (a): a ``drug_adverse_event`` candidate whose tail DISEASE mention overlaps an effect span of its
  sentence takes that span, widened to hold the whole mention where it covers only part of it, as its adverse-event
  phrase (``phrase_start`` / ``phrase_end``, the ``tail_phrase`` column), in place of
  :mod:`extract.relations.event_phrase`'s widening;
* **tails** (b): an effect span that overlaps no DISEASE mention becomes an unlinked DISEASE-like tail entity for the
  inner extractor (an effect span starting or ending with a CHEMICAL mention, "lithium intoxication", is cut to the
  rest, "intoxication", and keeps the whole span as its phrase; one with a CHEMICAL mention inside, "decreased
  oxygen saturation", stays whole).  Such a tail can only become a same-sentence
  ``drug_adverse_event`` row of a drug outside it ("oxygen" of "decreased oxygen saturation" is not its drug): every
  other candidate that involves it (treats, manifestation, cross-sentence pairs) is dropped.
"""

from __future__ import annotations

from dataclasses import replace

from extract.relations.types import ADVERSE_EFFECT, DRUG_ADVERSE_EVENT, DocumentView, EntityView, RelationCandidate

_TRIM = " \t\n-\u2010\u2011\u2013/,;:("


def _overlap(a, b) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _tail_for(doc: DocumentView, effect: EntityView, chemicals: list[EntityView]) -> EntityView | None:
    """The DISEASE-like tail of an effect span that overlaps no DISEASE mention (None: nothing left of it)."""
    start, end = effect.start, effect.end
    for c in chemicals:
        if c.sentence_index != effect.sentence_index or not _overlap(c, effect):
            continue
        if c.start <= start and c.end >= end:
            return None  # the chemical covers the span
        if c.start <= start:
            start = c.end
        elif c.end >= end:
            end = c.start
        # a chemical inside the span ("decreased oxygen saturation") stays in it
    while start < end and doc.text[start] in _TRIM:
        start += 1
    while end > start and doc.text[end - 1] in _TRIM:
        end -= 1
    if end - start < 2:
        return None
    return replace(effect, start=start, end=end, text=doc.text[start:end], label="DISEASE", concept_id=None)


def prepare(doc: DocumentView, tails: bool = True) -> tuple[DocumentView, list[EntityView], dict[str, EntityView]]:
    """``(view, effects, added)``: the document as the inner extractor sees it (no ``ADVERSE_EFFECT`` entity; with
    ``tails``, the DISEASE-like tails of the effect spans that overlap no DISEASE mention), its effect spans, and
    the added tails' entity ids with their effect spans.  A document without effect spans is returned as it is."""
    effects = [e for e in doc.entities if e.label == ADVERSE_EFFECT]
    if not effects:
        return doc, [], {}
    base = [e for e in doc.entities if e.label != ADVERSE_EFFECT]
    added: dict[str, EntityView] = {}
    if tails:
        diseases = [e for e in base if e.label == "DISEASE"]
        chemicals = [e for e in base if e.label == "CHEMICAL"]
        for eff in effects:
            if any(d.sentence_index == eff.sentence_index and _overlap(d, eff) for d in diseases):
                continue
            tail = _tail_for(doc, eff, chemicals)
            if tail is not None:
                added[tail.entity_id] = eff
                base.append(tail)
        base.sort(key=lambda e: (e.start, e.end))
    return replace(doc, entities=base), effects, added


def finish(
    cands: list[RelationCandidate],
    effects: list[EntityView],
    added: dict[str, EntityView],
    phrases: bool = True,
) -> list[RelationCandidate]:
    """The inner extractor's candidates with the effect spans as phrases (``phrases``) and without every candidate
    of an added tail but its same-sentence adverse events."""
    if not effects:
        return cands
    out = []
    for c in cands:
        if c.head.entity_id in added:
            continue
        span = added.get(c.tail.entity_id)
        if span is not None and (
            c.type != DRUG_ADVERSE_EVENT or c.head.sentence_index != c.tail.sentence_index or _overlap(c.head, c.tail)
        ):
            continue  # an effect-span tail is only ever a same-sentence adverse event of a drug outside it
        if c.type == DRUG_ADVERSE_EVENT and span is None and phrases:
            overlapping = [e for e in effects if e.sentence_index == c.tail.sentence_index and _overlap(e, c.tail) > 0]
            if overlapping:
                best = max(overlapping, key=lambda e: (_overlap(e, c.tail), -(e.end - e.start)))
                # the phrase always holds the tail mention: "focal nodular hyperplasia" of "... of the liver" widens
                c = replace(c, phrase_start=min(best.start, c.tail.start), phrase_end=max(best.end, c.tail.end))
        if span is not None:
            c = replace(c, phrase_start=span.start, phrase_end=span.end)
        out.append(c)
    return out
