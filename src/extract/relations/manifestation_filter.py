"""A second look at each ``disease_manifestation`` row, learnt from hand-judged rows.

The manifestation classifier (:mod:`extract.relations.manifestation`) is trained by distant supervision:
HPO says which phenotypes a disease has, not whether a sentence states it, so it accepts conditions that
are only listed together ("depression in patients with heart disease"), risks and trial outcomes.
:class:`ManifestationFilter` is a logistic regression over the classifier's own pair features plus the
sentence's words, trained on rows the pipeline reported and a person judged
(``data/gold/relation_annotations/manifestation_rows.jsonl``); a row is kept when its probability of being
right reaches the threshold (the trained one, or the setting ``manifestation_filter_threshold``), or when its
sentence writes it in a form the guideline defines as a manifestation: "T is a common complication of H", "the main
features of H are T", "H with T" (:func:`explicit_claims`).  Training: :mod:`extract.training.relations.manifestation_filter`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.relations.candidates import sentence_groups
from extract.relations.features import sentence_words
from extract.relations.manifestation_features import pair_features
from extract.relations.manifestation_patterns import explicit_feature_claim
from extract.relations.types import DocumentView, EntityView, RelationCandidate

#: The precise pattern "H with T" (:mod:`extract.relations.manifestation_patterns`).
HEAD_WITH_PATTERN = "p_head_with"
_JOINED_WITH = re.compile(r"^\s*,?\s*(?:and|but|or)\b", re.I)
#: The head is the first term of a relation or comparison: "the relationship of H with T", "compared H with T".
_COMPARED_BEFORE = re.compile(
    r"\b(?:relationships?|relations?|associations?|correlations?|comparisons?|compar(?:e|ed|ing)|co-?existence|"
    r"interactions?|links?|overlap|combinations?|contrast(?:ed|ing)?)\s+(?:(?:of|between)\s+)?(?:(?:the|a|an)\s+)?"
    r"(?:[\w-]+\s+)?$",
    re.I,
)
#: A tail named as a disease of its own ("... with type II diabetes mellitus", "... with panic disorder").
_DISEASE_NAME = re.compile(
    r"\b(?:diseases?|disorders?|syndromes?|mellitus|diabetes|cancers?|carcinomas?|leuk(?:a)?emias?|lymphomas?)$", re.I
)
ARTIFACT = "manifestation_filter.joblib"
N_FEATURES = 2**17


def filter_features(
    doc: DocumentView, head: EntityView, tail: EntityView, lexicon: frozenset[str], base: dict | None = None
) -> dict:
    """The row's features; ``base``: its :func:`pair_features` when the caller has them (they are copied)."""
    f = pair_features(doc, head, tail, lexicon) if base is None else dict(base)
    sent = doc.sentences[head.sentence_index]
    for key in sentence_words(doc.text[sent.start : sent.end]):
        f[key] = 1.0
    f["h=" + head.text.lower()] = 1.0
    f["t=" + tail.text.lower()] = 1.0
    return f


@dataclass
class ManifestationFilter:
    clf: LogisticRegression
    threshold: float = 0.5
    n_features: int = N_FEATURES

    def probs(self, features: list[dict]) -> np.ndarray:
        if not features:
            return np.zeros(0)
        X = FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False).transform(features)
        z = X @ self.clf.coef_.ravel() + self.clf.intercept_[0]
        return 1.0 / (1.0 + np.exp(-z))

    def keep(
        self, doc: DocumentView, rows: list[RelationCandidate], lexicon: frozenset[str]
    ) -> list[RelationCandidate]:
        """The rows whose probability of being right reaches the threshold."""
        if not rows:
            return rows
        p = self.probs([filter_features(doc, c.head, c.tail, lexicon) for c in rows])
        return [c for c, pi in zip(rows, p) if pi >= self.threshold]

    def select(
        self,
        doc: DocumentView,
        rows: list[RelationCandidate],
        probs: np.ndarray,
        patterns: dict[tuple[str, str], str],
        kind: Callable[[EntityView], int] | None = None,
    ) -> list[RelationCandidate]:
        """The rows kept given their probabilities ``probs``: at the threshold, or written in a form the guideline
        defines as a manifestation (:func:`explicit_claims`; ``patterns``: the precise pattern of each (head, tail)
        entity-id reading, ``kind``: the classifier's disease (+1) / phenotype (-1) reading of a mention)."""
        claimed = explicit_claims(doc, rows, patterns, kind)
        return [c for c, p, claim in zip(rows, probs, claimed) if p >= self.threshold or claim]


def explicit_claims(
    doc: DocumentView,
    rows: list[RelationCandidate],
    patterns: dict[tuple[str, str], str],
    kind: Callable[[EntityView], int] | None = None,
) -> list[bool]:
    """Per row: its sentence writes the relation in a form the guideline defines as a manifestation, which the filter
    (trained on drug literature, where "T in patients with H" is mostly wrong) is not asked about:

    * the tail named a feature of the head in so many words ("T is a common complication of H", "the main features
      of H are T": :func:`~extract.relations.manifestation_patterns.explicit_feature_claim`);
    * "H with T" (``p_head_with``: "severe malaria with jaundice", "SLE with renal involvement") when the tail is no
      more a disease than the head by ``kind`` and not named as a disease ("schizoaffective disorder with
      non-insulin-dependent diabetes mellitus" is two diseases), and the words are no relation or comparison of two
      terms ("the relationship of H with T", "compared H with T", "with H and with T");
    * a row copied to a tail coordinated with such a tail ("the main features of H are T1 and T2").
    """
    claimed = []
    for c in rows:
        pattern = patterns.get((c.head.entity_id, c.tail.entity_id))
        if pattern == HEAD_WITH_PATTERN and kind is not None:
            # "the relationship of gastritis with H and with T": two objects of one "with", not H having T.
            joined = _JOINED_WITH.match(doc.text[c.head.end : c.tail.start])
            named_disease = _DISEASE_NAME.search(c.tail.text.strip())
            sent = doc.sentences[c.head.sentence_index]
            compared = _COMPARED_BEFORE.search(doc.text[max(sent.start, c.head.start - 60) : c.head.start])
            claimed.append(not (joined or named_disease or compared) and kind(c.head) >= kind(c.tail))
        else:
            claimed.append(explicit_feature_claim(doc, c.head, c.tail, pattern))
    for i, c in enumerate(rows):
        if claimed[i]:
            continue
        groups = sentence_groups(doc, c.tail.sentence_index)
        group = groups.get(c.tail.entity_id)
        claimed[i] = group is not None and any(
            ok and o.head is c.head and o.tail is not c.tail and groups.get(o.tail.entity_id) == group
            for o, ok in zip(rows, claimed)
        )
    return claimed


def fit_filter(
    features: list[dict],
    labels: np.ndarray,
    C: float = 0.5,
    n_features: int = N_FEATURES,
    sample_weight: np.ndarray | None = None,
):
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    clf = LogisticRegression(C=C, max_iter=3000, solver="liblinear", class_weight="balanced", random_state=0)
    clf.fit(hasher.transform(features), labels, sample_weight=sample_weight)
    return ManifestationFilter(clf, n_features=n_features)
