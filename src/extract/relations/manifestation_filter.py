"""A second look at each ``disease_manifestation`` row, learnt from hand-judged rows.

The manifestation classifier (:mod:`extract.relations.manifestation`) is trained by distant supervision:
HPO says which phenotypes a disease has, not whether a sentence states it, so it accepts conditions that
are only listed together ("depression in patients with heart disease"), risks and trial outcomes.
:class:`ManifestationFilter` is a logistic regression over the classifier's own pair features plus the
sentence's words, trained on rows the pipeline reported and a person judged
(``data/gold/relation_annotations/manifestation_rows.jsonl``); a row is kept when its probability of being
right reaches the threshold.  Training: :mod:`extract.training.relations.manifestation_filter`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.relations.features import sentence_words
from extract.relations.manifestation_features import pair_features
from extract.relations.types import DocumentView, EntityView, RelationCandidate

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
