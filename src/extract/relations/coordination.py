"""Distribute a relation over coordinated mentions: "T ... in dermatomyositis and systemic sclerosis".

When a relation holds with one member of a coordination ("H1 and H2", "H1, H2 or H3") the same
relation holds with the other members; classifiers that score pairs one at a time often miss the
member farther from the trigger.  The copy keeps the original's score and evidence sentence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from extract.relations.types import DocumentView, EntityView, RelationCandidate

_COORDINATOR = re.compile(r"^\s*(,\s*)?(and|or|as well as)?\s*$|^\s*,\s*$")


def _coordinated(doc: DocumentView, a: EntityView, b: EntityView) -> bool:
    first, second = (a, b) if a.start < b.start else (b, a)
    between = doc.text[first.end : second.start]
    return bool(between.strip()) and bool(_COORDINATOR.match(between))


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


def distribute_over_coordination(doc: DocumentView, candidates: list[RelationCandidate]) -> list[RelationCandidate]:
    seen = {(c.type, c.head.entity_id, c.tail.entity_id) for c in candidates}
    extra: list[RelationCandidate] = []
    for c in candidates:
        if c.negated or c.head.sentence_index != c.tail.sentence_index:
            continue
        for member in _members(doc, c.head):
            if member.entity_id == c.tail.entity_id:
                continue
            key = (c.type, member.entity_id, c.tail.entity_id)
            if key not in seen:
                seen.add(key)
                copy = replace(c, head=member)
                if c.phrase_start is not None and c.phrase_start < c.head.end and c.head.start < c.phrase_end:
                    copy = replace(copy, phrase_start=c.tail.start, phrase_end=c.tail.end)  # it named the other drug
                extra.append(copy)
    return candidates + extra
