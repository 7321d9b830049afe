"""Treatment rows whose disease is the population the drug was given to, not what it treats.

"Ondansetron was effective in preventing postoperative vomiting in children with strabismus", "olanzapine in the
levodopa-induced psychosis in patients with Parkinson's disease": the sentence names what the drug treats (vomiting,
psychosis) and then the people it treated, by their disease.  The joint model reads both diseases as treated, and an
analyst counting a drug's indications finds ondansetron -> strabismus (the relation audit's commonest treatment error,
``study_population``).

:func:`population_treatments` finds such rows among a document's candidates: a same-sentence treatment whose disease
is the object of a population phrase ("in / among / for <people> with <disease>") while the same drug mention has
another treatment row, ending before that phrase, that is a known indication of the drug (the relation model's
indication table, :mod:`extract.relations.indications`), and the population's disease is not one.  In trial
literature the population is most often the indication itself ("sorafenib in preventing and treating tumor recurrence
after liver transplantation in patients with primary hepatic carcinoma", "azithromycin reduces pulmonary inflammation
and exacerbations in patients with COPD"): on the judged treatment rows of the seventh draw the phrase alone dropped
ten right rows for one wrong one; the other row's being a known indication is what tells the two apart.  A sentence
whose only treated disease is the population's keeps its row, and so does every row where no table is at hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extract.relations.candidates import concept_key
from extract.relations.cues import POPULATION
from extract.relations.indications import side_key
from extract.relations.types import DRUG_TREATS_DISEASE, DocumentView, RelationCandidate

#: The population phrase right before a disease: "in children with", "among high-risk patients, including those
#: with", "for adults diagnosed with", "in 90 ASA I or II children undergoing" (up to four words of the people's
#: description, none of them a preposition the phrase could start at, and up to three of the disease's own modifiers
#: after the cue).
POPULATION_BEFORE = re.compile(
    r"\b(?:in|among|for|of)\s+(?:(?:a|an|the|all|\d+)\s+)?(?:(?!(?:in|among|for|of)\s)[\w,()-]+\s+){0,4}?"
    rf"(?:{POPULATION}|participants|volunteers|populations?)\s+"
    r"(?:with|having|suffering\s+from|who\s+(?:have|had)|diagnosed\s+with|undergoing)\s+(?:[\w'-]+\s+){0,3}$",
    re.I,
)
#: How far before a disease the phrase may start.
_WINDOW = 90


def population_start(doc: DocumentView, tail) -> int | None:
    """Document offset where the population phrase before ``tail`` begins, or None when none stands right before it."""
    sent = doc.sentences[tail.sentence_index]
    lo = max(sent.start, tail.start - _WINDOW)
    m = POPULATION_BEFORE.search(doc.text, lo, tail.start)
    return None if m is None else m.start()


def population_treatments(
    doc: DocumentView, candidates: list[RelationCandidate], is_indication: Callable[[str, str], bool] | None
) -> set[int]:
    """``id`` of each same-sentence ``drug_treats_disease`` candidate whose disease is the population of another
    treatment of the same drug mention (see the module docstring); ``is_indication(drug key, disease key)`` (keys of
    :func:`extract.relations.indications.side_key`) says which pairs are known indications.  None: no row."""
    if is_indication is None:
        return set()
    treats = [
        c
        for c in candidates
        if c.type == DRUG_TREATS_DISEASE and not c.negated and c.head.sentence_index == c.tail.sentence_index
    ]
    out: set[int] = set()
    for c in treats:
        drug = side_key(c.head.concept_id, c.head.text)
        others = [o for o in treats if o is not c and o.head.entity_id == c.head.entity_id]
        if not others or is_indication(drug, side_key(c.tail.concept_id, c.tail.text)):
            continue
        start = population_start(doc, c.tail)
        if start is None:
            continue
        own = concept_key(c.tail)
        if any(
            o.tail.end <= start
            and concept_key(o.tail) != own
            and is_indication(drug, side_key(o.tail.concept_id, o.tail.text))
            for o in others
        ):
            out.add(id(c))
    return out
