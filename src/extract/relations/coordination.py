"""Distribute a relation over coordinated mentions: "T ... in dermatomyositis and systemic sclerosis".

When a relation holds with one member of a coordination ("H1 and H2", "H1, H2 or H3") the same
relation holds with the other members; classifiers that score pairs one at a time often miss the
member farther from the trigger.  The copy keeps the original's score and evidence sentence.

:func:`distribute_over_coordination` copies a finished row onto the other members of its head's coordination.
Tails are distributed earlier, by the model extractor (``extract.relations.model._coordinated_tails``), with
:func:`coordinated_members`: a disease coordinated with one whose adverse event the model accepts in the same
sentence at a probability of at least one half ("cisplatin ..., but nephrotoxicity and hearing loss limit its use")
is accepted with it and then passes the same row filters (background, comparisons, the joint and sentence models'
vetoes) as any accepted pair.  Copying finished rows onto
tails instead would let those filters be skipped, and treatment tails are not distributed: "patients with
hypertension and diabetes" names a population, not two indications.

", and" / ", or" before a mention that a verb follows joins two clauses, not two mentions: in "hallmark
manifestations of dermatomyositis, and calcinosis cutis occurs in many patients" calcinosis cutis is the next
clause's subject, so nothing said of dermatomyositis is copied to it.  A list of three or more ("A, B, and C are
common") stays one coordination.  A manifestation read from "C with T" is not copied back onto A and B ("cardiac
arrest, sepsis with faecal peritonitis": the peritonitis is the sepsis's).
"""

from __future__ import annotations

import re
from dataclasses import replace

from extract.relations.types import DISEASE_MANIFESTATION, DocumentView, EntityView, RelationCandidate

_COORDINATOR = re.compile(r"^\s*(,\s*)?(and|or|as well as)?\s*$|^\s*,\s*$")
_COMMA_COORDINATOR = re.compile(r"^\s*,\s*(and|or)\s*$")
_COMMA = re.compile(r"^\s*,\s*$")
# Finite verbs and auxiliaries that open a clause after its subject.
CLAUSE_VERB = re.compile(
    r"\s*(is|are|was|were|has|have|had|may|can|could|might|should|will|would|does|did|occurs?|occurred|develops?|"
    r"developed|appears?|appeared|remains?|remained|results?|resulted|leads?|led|causes?|caused|affects?|affected)\b",
    re.IGNORECASE,
)


def _coordinated(doc: DocumentView, a: EntityView, b: EntityView) -> bool:
    first, second = (a, b) if a.start < b.start else (b, a)
    between = doc.text[first.end : second.start]
    return bool(between.strip()) and bool(_COORDINATOR.match(between)) and not _clause_break(doc, first, second)


def _clause_break(doc: DocumentView, first: EntityView, second: EntityView) -> bool:
    """ ", and" / ", or" with a verb after ``second`` and no list member before ``first``: two clauses."""
    if not _COMMA_COORDINATOR.match(doc.text[first.end : second.start]) or not CLAUSE_VERB.match(doc.text, second.end):
        return False
    return not any(
        e.label == first.label and e.end <= first.start and _COMMA.match(doc.text[e.end : first.start])
        for e in doc.entities
        if e.sentence_index == first.sentence_index
    )


def _members(doc: DocumentView, entity: EntityView) -> list[EntityView]:
    """Mentions of the same label chained to ``entity`` by coordinators within its sentence."""
    same = sorted(
        (e for e in doc.entities if e.sentence_index == entity.sentence_index and e.label == entity.label),
        key=lambda e: e.start,
    )
    group = [entity]
    changed = True
    while changed:
        changed = False
        for e in same:
            if e not in group and any(_coordinated(doc, e, g) for g in group):
                group.append(e)
                changed = True
    return [e for e in group if e is not entity]


def coordinated_members(doc: DocumentView, entity: EntityView) -> list[EntityView]:
    """The other mentions of ``entity``'s label coordinated with it in its sentence ("A, B and C"), in text order."""
    return sorted(_members(doc, entity), key=lambda e: e.start)


#: "with" right after a disease, opening the phrase that holds the tail: "..., sepsis, sepsis with faecal peritonitis".
_WITH_AFTER = re.compile(r"\s*with\b", re.I)


def _attached_to_last(doc: DocumentView, c: RelationCandidate, member: EntityView) -> bool:
    """A manifestation read from "H with T" belongs to H alone, not to the list members before it: in "multiple organ
    failure, cardiac arrest, sepsis, sepsis with faecal peritonitis and renal failure", the peritonitis is said of the
    last sepsis only (twelfth judged draw: 12 rows copied so, all wrong)."""
    return (
        c.type == DISEASE_MANIFESTATION
        and member.start < c.head.start
        and c.head.end <= c.tail.start
        and _WITH_AFTER.match(doc.text, c.head.end) is not None
    )


def distribute_over_coordination(doc: DocumentView, candidates: list[RelationCandidate]) -> list[RelationCandidate]:
    seen = {(c.type, c.head.entity_id, c.tail.entity_id) for c in candidates}
    extra: list[RelationCandidate] = []
    for c in candidates:
        if c.negated or c.head.sentence_index != c.tail.sentence_index:
            continue
        for member in _members(doc, c.head):
            if member.entity_id == c.tail.entity_id or _attached_to_last(doc, c, member):
                continue
            key = (c.type, member.entity_id, c.tail.entity_id)
            if key not in seen:
                seen.add(key)
                copy = replace(c, head=member)
                if c.phrase_start is not None and c.phrase_start < c.head.end and c.head.start < c.phrase_end:
                    copy = replace(copy, phrase_start=c.tail.start, phrase_end=c.tail.end)  # it named the other drug
                extra.append(copy)
    return candidates + extra
