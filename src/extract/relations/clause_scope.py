"""Keep a ``disease_manifestation`` row inside the clause that states it.

"Heliotrope rash and Gottron papules are hallmark manifestations of dermatomyositis, and calcinosis cutis occurs in
many patients with juvenile dermatomyositis" is two clauses joined by ", and" + a clause with its own subject and
finite verb.  The rash is stated of dermatomyositis, in its own clause; nothing in the sentence says it of juvenile
dermatomyositis, whose clause names calcinosis cutis.  The pair classifier scores mention pairs across the whole
sentence and reads juvenile dermatomyositis -> Heliotrope rash too.

:func:`within_clauses` drops a row whose head and tail lie in different clauses of one sentence when the tail's own
clause holds a disease the same rows already read as the tail's head (its claim partner): the tail is then claimed
in its clause, and the other clause's disease only shares the sentence.  A tail without a claim partner in its clause
("H is characterised by A, and B is also frequent in these patients") keeps its cross-clause row.

A clause starts after ", and" / ", but" / ";" when a subject of a few words and a finite verb follow (the verbs of
:mod:`extract.relations.coordination`), unless the words before ", and" / ", but" end a list ("A, B, and C are
common features of H" is one clause).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from extract.relations.coordination import CLAUSE_VERB
from extract.relations.types import DISEASE_MANIFESTATION, DocumentView, EntityView, RelationCandidate

_JOINER = re.compile(r",\s*(?:and|but)\s+|;\s*(?:(?:and|but)\s+)?", re.I)
_WORD = re.compile(r"[\w'()/-]+")
_LIST_COMMA = re.compile(r",\s")
_ADVERBS = frozenset(
    "also often frequently commonly usually still thus then therefore hence so later subsequently only".split()
)
#: Most words before the next clause's verb: its subject and an adverb ("calcinosis cutis also occurs").
_SUBJECT_WORDS = 6


def clause_starts(doc: DocumentView, sentence_index: int) -> list[int]:
    """Offsets where the sentence's second, third ... clause starts (after the joiner)."""
    sent = doc.sentences[sentence_index]
    starts: list[int] = []
    for m in _JOINER.finditer(doc.text, sent.start, sent.end):
        if not _subject_and_verb(doc.text, m.end(), sent.end):
            continue
        if m.group().startswith(",") and _ends_list(doc.text, starts[-1] if starts else sent.start, m.start()):
            continue  # "A, B, and C are ...": the last member of a list
        starts.append(m.end())
    return starts


def _ends_list(text: str, start: int, at: int) -> bool:
    """The words before ", and" at ``at`` are the last member of a list: a comma earlier in the clause, and no
    finite verb after it ("the number of tumor foci, and manifestation of nonocular tumors was observed")."""
    commas = [c.end() for c in _LIST_COMMA.finditer(text, start, at)]
    return bool(commas) and not any(CLAUSE_VERB.match(text, w.start()) for w in _WORD.finditer(text, commas[-1], at))


def _subject_and_verb(text: str, at: int, end: int) -> bool:
    """Words without punctuation from ``at``, the first finite verb among them after one to six others, not all of
    them adverbs ("and thus may deserve" goes on with the same subject)."""
    pos = at
    subject = []
    for n, w in enumerate(_WORD.finditer(text, at, end)):
        if n > _SUBJECT_WORDS or text[pos : w.start()].strip():
            return False  # too far, or punctuation: no plain subject
        verb = CLAUSE_VERB.match(text, w.start())
        if verb is not None and verb.end() == w.end():
            return any(x.lower() not in _ADVERBS for x in subject)
        subject.append(w.group())
        pos = w.end()
    return False


def within_clauses(doc: DocumentView, cands: list[RelationCandidate]) -> list[RelationCandidate]:
    """``cands`` without the manifestation rows read across a clause boundary when the tail's clause holds its
    claim partner."""
    rows = [
        c
        for c in cands
        if c.type == DISEASE_MANIFESTATION and not c.negated and c.head.sentence_index == c.tail.sentence_index
    ]
    if len(rows) < 2:
        return cands
    starts: dict[int, list[int]] = {}
    partners: dict[str, list[EntityView]] = {}
    for c in rows:
        partners.setdefault(c.tail.entity_id, []).append(c.head)

    def clause(e: EntityView) -> int:
        if e.sentence_index not in starts:
            starts[e.sentence_index] = clause_starts(doc, e.sentence_index)
        return bisect_right(starts[e.sentence_index], e.start)

    drop = set()
    for c in rows:
        if len(partners[c.tail.entity_id]) < 2 or clause(c.head) == clause(c.tail):
            continue
        if any(h.entity_id != c.head.entity_id and clause(h) == clause(c.tail) for h in partners[c.tail.entity_id]):
            drop.add(id(c))
    return [c for c in cands if id(c) not in drop]
