"""Effects a sentence gives to the other arm: "megestrol acetate was associated with a higher frequency of weight gain,
whereas fadrozole was associated with a higher frequency of nausea", "constipation ... more often among
clozapine-treated patients, whereas only dry mouth was reported more often among olanzapine-treated patients".

Such a sentence is split by a contrast (:data:`extract.relations.cues.ARM_CONTRAST`, or ", and" before a drug's own
clause: :data:`extract.relations.cues.ARM_AND_CLAUSE`) into one clause per arm, each with its drug and its effects; a
drug -> effect row across the turn reads another drug's effect as this one's.
:func:`other_arm_effect` says so when the effect's clause names another drug, the drug's own clause names effects of
its own, and the effect is not among them (the same effect on both sides, "diarrhea (40%) ...; those on capecitabine
were ... diarrhea (34%)", is stated for both drugs).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from extract.relations.candidates import concept_key
from extract.relations.cues import ARM_AND_CLAUSE, ARM_CONTRAST
from extract.relations.memo import per_document, sentence_entities
from extract.relations.types import DocumentView, EntityView, SentenceView

_CONTRAST = re.compile(ARM_CONTRAST, re.I)
_AND_CLAUSE = re.compile(ARM_AND_CLAUSE, re.I)


def other_arm_effect(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """The same-sentence pair's effect belongs to another drug's clause of the sentence."""
    cuts = contrast_cuts(doc, doc.sentences[dis.sentence_index])
    if not cuts:
        return False
    chem_clause, dis_clause = bisect_right(cuts, chem.start), bisect_right(cuts, dis.start)
    if chem_clause == dis_clause:
        return False
    mentions = sentence_entities(doc, dis.sentence_index)
    drug = concept_key(chem)
    if not any(
        e.label == "CHEMICAL" and bisect_right(cuts, e.start) == dis_clause and concept_key(e) != drug for e in mentions
    ):
        return False
    own = {concept_key(e) for e in mentions if e.label == "DISEASE" and bisect_right(cuts, e.start) == chem_clause}
    return bool(own) and concept_key(dis) not in own


@per_document
def contrast_cuts(doc: DocumentView, sent: SentenceView) -> list[int]:
    """Where the sentence's clauses after a contrast begin (document offsets, in order; once per sentence: its pairs
    share them).  ", and" turns to another clause when a drug is the subject after it (:data:`ARM_AND_CLAUSE`)."""
    cuts = [m.end() for m in _CONTRAST.finditer(doc.text, sent.start, sent.end)]
    chemicals = [e.start for e in sentence_entities(doc, sent.index) if e.label == "CHEMICAL"]
    if chemicals:
        cuts += [
            m.start("subject")  # the drug's clause begins with its subject
            for m in _AND_CLAUSE.finditer(doc.text, sent.start, sent.end)
            if any(m.start("subject") <= c < m.end("subject") for c in chemicals)
        ]
    return sorted(cuts)
