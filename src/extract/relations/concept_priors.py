"""How often a chemical or a disease concept was a drug -> adverse event pair in the training abstracts.

Stage 2 of the adverse-event model (:mod:`extract.relations.concept_features`) reads one document at a time; what it
cannot see is that some concepts are induced far more often than others across the literature (nephrotoxicity,
seizures, hypotension; cisplatin, cocaine, haloperidol).  :class:`ConceptPriors` keeps, per chemical key and per disease
key, the number of BC5CDR training documents whose concept pairs hold it and how many of those have it in a gold
chemical-induced-disease pair; :meth:`ConceptPriors.columns` turns them into four stage-2 columns per concept pair: the
smoothed rate and the document count, for the chemical and for the disease.  A concept never seen gets the base rate
and a count of 0.

Training rows must not read their own labels: the trainer gives each of its rows the columns of priors counted on the
other PMID folds (:func:`out_of_fold_columns`), and the shipped model keeps the priors of all training documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Stage-2 column names, in :meth:`ConceptPriors.columns` order.
PRIOR_FEATURES = ("chem_prior", "chem_prior_docs", "dis_prior", "dis_prior_docs")
#: Pseudo-count of the smoothing towards the base rate (1 was best of 1 / 3 / 10 by out-of-fold F1 on BC5CDR train).
SMOOTHING = 1.0


@dataclass
class ConceptPriors:
    """Per concept key: [documents with a positive pair holding it, documents holding it]."""

    chemicals: dict[str, tuple[int, int]] = field(default_factory=dict)
    diseases: dict[str, tuple[int, int]] = field(default_factory=dict)
    base: float = 0.0
    smoothing: float = SMOOTHING

    @classmethod
    def count(cls, keys: Sequence[tuple[str, str, str]], labels: Sequence[int]) -> ConceptPriors:
        """Priors from stage-2 rows ``(document, chemical key, disease key)`` and their labels.  A key counts once
        per document id (a BC5CDR abstract's gold and predicted-mention views share theirs); it is positive there
        when any of its rows is."""
        per_doc: dict[tuple[int, str, str], int] = {}
        for (doc, chem, dis), label in zip(keys, labels):
            for side, key in ((0, chem), (1, dis)):
                k = (side, doc, key)
                per_doc[k] = max(per_doc.get(k, 0), int(label))
        tables: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})
        for (side, _doc, key), positive in per_doc.items():
            entry = tables[side].setdefault(key, [0, 0])
            entry[0] += positive
            entry[1] += 1
        base = float(np.mean(labels)) if len(labels) else 0.0
        return cls(
            chemicals={k: (p, n) for k, (p, n) in tables[0].items()},
            diseases={k: (p, n) for k, (p, n) in tables[1].items()},
            base=base,
        )

    def columns(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """``PRIOR_FEATURES`` of (chemical key, disease key) pairs."""
        out = np.empty((len(pairs), len(PRIOR_FEATURES)), dtype=np.float64)
        a, base = self.smoothing, self.base
        for row, (chem, dis) in enumerate(pairs):
            pc, nc = self.chemicals.get(chem, (0, 0))
            pd, nd = self.diseases.get(dis, (0, 0))
            out[row] = ((pc + a * base) / (nc + a), nc, (pd + a * base) / (nd + a), nd)
        return out


def out_of_fold_columns(
    keys: Sequence[tuple[str, str, str]],
    labels: np.ndarray,
    groups: Sequence[str],
    counted: np.ndarray,
    fold_of: Callable[[Sequence[str]], dict[str, int]],
    k: int = 4,
) -> np.ndarray:
    """``PRIOR_FEATURES`` of every row from priors of the rows of the other ``k`` group folds (rows in ``counted``
    only: BC5CDR's, whose labels are document-level CID pairs)."""
    folds = fold_of(groups, k)
    fold = np.array([folds[g] for g in groups])
    out = np.zeros((len(keys), len(PRIOR_FEATURES)))
    for f in range(k):
        here = np.where(fold == f)[0]
        if not len(here):
            continue
        source = np.where((fold != f) & counted)[0]
        priors = ConceptPriors.count([keys[i] for i in source], labels[source])
        out[here] = priors.columns([keys[i][1:] for i in here])
    return out
