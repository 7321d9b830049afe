"""Adverse event or treatment: one decision for a drug–disease pair stated in one sentence.

Trial and review abstracts mention most drugs with the disease they are given for; read alone, the
adverse-event model takes many of those pairs for adverse events ("morphine for postoperative pain").
:class:`JointModel` scores each same-sentence (chemical, disease) mention pair as ``none``,
``adverse_event`` or ``treats`` at once (multinomial logistic regression over hashed features), so the
extractor can keep an adverse-event reading only when the sentence does not read as a treatment, and
report the treatment instead.

Features are the sentence-local families of :func:`extract.relations.features.drug_disease_features`
(cue words between and around the mentions, rule readings, negation, mention texts and neighbours)
without its document counts, plus:

* ``sw=`` the sentence's words (lower-cased, numbers folded) — treatment context is often outside the
  span between the mentions ("In a trial of X in patients with Y, ...");
* ``title_chem`` / ``title_dis`` when the drug's / disease's text occurs in the title (a trial's drug and
  its indication are in the title);
* ``pa=`` the drug's MeSH pharmacological actions (``entities.drug_classes``), ``pa=<class>|dis=<head word>``
  and ``pa_overlap`` when a class name shares a word stem with the disease ("Antimigraine Agents" /
  "migraine") — a drug class is evidence for a reading, never a rule;
* with ``window`` (models of relations >= 0.9.0 say so in :attr:`JointModel.window_features`): ``dpre3=`` /
  ``cpre3=`` the three words before the disease / the drug and ``dpost2=`` the two after the disease, within
  the sentence — what the sentence does to the disease ("reduced the {incidence of} nausea", "{patients
  with} hypertension were given X", "less {frequent} with X") is often right next to it, whatever lies between
  the two mentions.

Training: :mod:`extract.training.relations.joint`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.relations.features import (
    DOCUMENT_FEATURES,
    doc_stats,
    drug_disease_features,
    sentence_words,
    token_tuple,
)
from extract.relations.types import DocumentView, EntityView

ARTIFACT = "joint.joblib"
NONE, ADVERSE_EVENT, TREATS = 0, 1, 2
CLASSES = ("none", "adverse_event", "treats")
N_FEATURES = 2**18

_STEM = re.compile(r"[a-z]{5,}")
_WORD = re.compile(r"[A-Za-z]+")
_CLASS_STOP = {"agents", "agent", "inhibitors", "antagonists", "agonists", "drugs", "blockers", "modulators"}


_ANTI = re.compile(r"\banti-?")


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in _STEM.findall(text.lower()) if w not in _CLASS_STOP)


@lru_cache(maxsize=4096)
def _class_stems(name: str) -> frozenset[str]:
    """Word stems of a class name with the "anti" prefix dropped ("Antimigraine Agents" -> "migrai")."""
    return _stems(_ANTI.sub("", name.lower()))


@lru_cache(maxsize=16384)
def _lower_words(text: str) -> tuple[str, ...]:
    if text.isascii():  # lower-casing ASCII text changes only A-Z: the same words, lower-cased at once
        return tuple(_WORD.findall(text.lower()))
    return tuple(w.lower() for w in _WORD.findall(text))


def joint_features(
    doc: DocumentView,
    chem: EntityView,
    dis: EntityView,
    drug_classes: tuple[str, ...] = (),
    base: dict | None = None,
    window: bool = False,
) -> dict:
    """Features of a same-sentence (chemical, disease) mention pair.  ``base``: the pair's
    ``drug_disease_features(..., neighbours=True)`` when the caller has them already (the extractor's
    instances), so they are not computed twice; ``window``: add the word-window family."""
    if base is None:
        base = drug_disease_features(doc, chem, dis, doc_stats(doc), neighbours=True)
    # The document-level features left out: the joint model reads the sentence.
    f = base.copy()
    for key in DOCUMENT_FEATURES.intersection(base):
        del f[key]
    sent = doc.sentences[chem.sentence_index]
    for key in sentence_words(doc.text[sent.start : sent.end]):
        f[key] = 1.0
    title = (doc.title or "").lower()
    if title and sent.section != "title":
        if chem.text.lower() in title:
            f["title_chem"] = 1.0
        if dis.text.lower() in title:
            f["title_dis"] = 1.0
    dis_words = token_tuple(dis.text)
    dis_head = dis_words[-1] if dis_words else ""
    dis_stems = _stems(dis.text)
    for name in drug_classes:
        low = name.lower()
        f["pa=" + low] = 1.0
        f["pa=" + low + "|dis=" + dis_head] = 1.0
        if dis_stems & _class_stems(name):
            f["pa_overlap"] = 1.0
    if window:
        _window(doc.text, sent.start, sent.end, chem, dis, f)
    return f


def _window(text: str, start: int, end: int, chem: EntityView, dis: EntityView, f: dict) -> None:
    for w in _lower_words(text[max(start, dis.start - 40) : dis.start])[-3:]:
        f["dpre3=" + w] = 1.0
    for w in _lower_words(text[max(start, chem.start - 40) : chem.start])[-3:]:
        f["cpre3=" + w] = 1.0
    for w in _lower_words(text[dis.end : min(end, dis.end + 30)])[:2]:
        f["dpost2=" + w] = 1.0


@dataclass
class JointModel:
    """Multinomial logistic regression over hashed pair features; ``classes_`` follow :data:`CLASSES`."""

    clf: LogisticRegression
    n_features: int = N_FEATURES
    # treats: a pair is reported as a treatment when P(treats) reaches it and is the largest;
    # ae_veto / none_veto / ae_min: see ``vetoes_adverse_event``.
    thresholds: dict[str, float] = field(default_factory=lambda: {"treats": 0.5, "ae_veto": 0.0, "none_veto": 1.0})
    # Trained with the word-window family of ``joint_features`` (relations >= 0.9.0); older pickles read False.
    window_features: bool = False
    # A strong causal rule reading ("X-induced Y", "X ... results in Y") is exempt from the vetoes
    # (relations 0.7.0-0.8.0); from 0.9.0 the rule readings are judged like the model's (models/EXPERIMENTS.md).
    rule_exemption: bool = True
    # Drop a document's adverse-event rows of a (drug, disease) concept pair the same document reports as a
    # treatment in at least as many sentences (relations >= 0.10.0; older pickles read False).
    document_consistency: bool = False
    # Drop a same-sentence adverse-event row whose sentence gives the drug *less* of the effect than a comparator
    # (:func:`extract.relations.comparatives.less_with_drug`) or whose effect is another arm's
    # (:func:`extract.relations.clause_arms.other_arm_effect`); relations >= 0.13.0, older pickles read False.
    less_veto: bool = False

    def _hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)

    def probs(self, features: list[dict]) -> np.ndarray:
        """``(n, 3)`` class probabilities in :data:`CLASSES` order."""
        if not features:
            return np.zeros((0, len(CLASSES)))
        X = self._hasher().transform(features)
        z = X @ self.clf.coef_.T + self.clf.intercept_
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        out = np.zeros((len(features), len(CLASSES)))
        out[:, [int(c) for c in self.clf.classes_]] = p
        return out

    def vetoes_adverse_event(self, p: np.ndarray, ae_min: float | None = None) -> bool:
        """The sentence reads as a treatment (P(treats) - P(adverse_event) above ``ae_veto``), as no relation
        (``none`` the most likely class, at least ``none_veto``; 1.0 or more switches that off), or not clearly
        as an adverse event (P(adverse_event) below ``ae_min``; 0 switches that off; a caller's ``ae_min``
        replaces the model's)."""
        if float(p[TREATS] - p[ADVERSE_EVENT]) > self.thresholds.get("ae_veto", 0.0):
            return True
        if float(p[ADVERSE_EVENT]) < (self.thresholds.get("ae_min", 0.0) if ae_min is None else ae_min):
            return True
        return int(np.argmax(p)) == NONE and float(p[NONE]) >= self.thresholds.get("none_veto", 1.0)

    def is_treatment(self, p: np.ndarray) -> bool:
        return int(np.argmax(p)) == TREATS and float(p[TREATS]) >= self.thresholds.get("treats", 0.5)


def fit_joint_model(
    features: list[dict],
    labels: np.ndarray,
    weights: np.ndarray,
    C: float = 0.5,
    n_features: int = N_FEATURES,
    window: bool = False,
) -> JointModel:
    """``window``: the features carry the word-window family (recorded on the model)."""
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    clf = LogisticRegression(C=C, max_iter=3000, solver="lbfgs")
    clf.fit(hasher.transform(features), labels, sample_weight=weights)
    return JointModel(clf, n_features, window_features=window)
