"""Candidate instances (chemical, disease mention pairs) with features and, when known, labels.

Within a sentence every chemical–disease mention pair is an instance (``intra``).  Concept
pairs that never share a sentence get one cross-sentence instance (``inter``): their closest
mention pair.  Training and inference use :func:`drug_disease_instances`, so the candidate
set the model is trained on is the one it scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.relations.candidates import concept_key
from extract.relations.features import doc_stats, drug_disease_features
from extract.relations.rules import in_keywords
from extract.relations.types import DocumentView, EntityView


@dataclass
class Instance:
    doc_id: str
    group: str
    chem: EntityView
    dis: EntityView
    intra: bool
    features: dict[str, float]
    label: int | None = None


def drug_disease_instances(
    doc: DocumentView, max_inter_sentences: int = 100, neighbours: bool = False
) -> list[Instance]:
    """All intra-sentence pairs plus one closest pair per concept pair not sharing a sentence
    (``neighbours``: see :func:`extract.relations.features.drug_disease_features`)."""
    stats = doc_stats(doc)
    # Mentions of a keyword line are not paired: the line has no syntax to relate them.
    chems = [e for e in doc.entities if e.label == "CHEMICAL" and not in_keywords(doc, e)]
    diseases = [e for e in doc.entities if e.label == "DISEASE" and not in_keywords(doc, e)]
    out: list[Instance] = []
    together: set[tuple[str, str]] = set()
    dis_keys = [concept_key(d) for d in diseases]
    by_sentence: dict[int, list[EntityView]] = {}
    for d in diseases:
        by_sentence.setdefault(d.sentence_index, []).append(d)
    for c in chems:
        for d in by_sentence.get(c.sentence_index, ()):
            if not (c.start < d.end and d.start < c.end):
                together.add((concept_key(c), concept_key(d)))
                out.append(Instance(doc.doc_id, "", c, d, True, drug_disease_features(doc, c, d, stats, neighbours)))
    closest: dict[tuple[str, str], tuple[int, int, EntityView, EntityView]] = {}
    for c in chems:
        ck = concept_key(c)
        for d, dk in zip(diseases, dis_keys):
            if ck == dk:
                continue
            key = (ck, dk)
            if key in together:
                continue
            dist = abs(c.sentence_index - d.sentence_index)
            if dist > max_inter_sentences:
                continue
            start = min(c.start, d.start)
            best = closest.get(key)
            if best is None or (dist, start) < (best[0], best[1]):
                closest[key] = (dist, start, c, d)
    for _dist, _start, c, d in closest.values():
        out.append(Instance(doc.doc_id, "", c, d, False, drug_disease_features(doc, c, d, stats, neighbours)))
    return out
