"""Training of the manifestation row filter (:mod:`extract.relations.manifestation_filter`) from hand-judged
``disease_manifestation`` rows (``data/gold/relation_annotations/manifestation_rows*.jsonl``: rows
relations-0.7.0 and 0.8.0 wrote on trial and review abstracts disjoint from the relation audit, and rows on
case reports and disease abstracts of the BC5CDR and NCBI-disease training splits, labelled ``manifestation``
or an error kind).  The threshold is chosen by PMID-grouped cross-validation over those rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from extract.metrics import prf
from extract.relations.manifestation_filter import ManifestationFilter, filter_features, fit_filter
from extract.training.relations.joint import sentence_view

POSITIVE = "manifestation"


def _records(paths: list[Path]):
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def row_examples(paths: Path | list[Path], lexicon: frozenset[str]) -> tuple[list[dict], np.ndarray, list[str]]:
    """Features, labels (1: the row is right) and PMID groups of the judged rows of one or more files."""
    feats, labels, groups = [], [], []
    for rec in _records([paths] if isinstance(paths, Path) else list(paths)):
        if not rec.get("label"):
            continue
        view, ents = sentence_view(rec)
        head = ents.get((rec["head"]["start"], rec["head"]["end"], "DISEASE"))
        tail = ents.get((rec["tail"]["start"], rec["tail"]["end"], "DISEASE"))
        if head is None or tail is None:
            continue
        feats.append(filter_features(view, head, tail, lexicon))
        labels.append(int(rec["label"] == POSITIVE))
        groups.append(rec["doc_id"])
    return feats, np.array(labels), groups


def cross_validated(feats: list[dict], labels: np.ndarray, groups: list[str], folds: int = 5, C: float = 0.5):
    order = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(order)}
    probs = np.zeros(len(labels))
    for k in range(folds):
        test = np.array([fold_of[g] == k for g in groups])
        if test.any() and len(set(labels[~test])) == 2:
            model = fit_filter([f for f, t in zip(feats, test) if not t], labels[~test], C)
            probs[test] = model.probs([f for f, t in zip(feats, test) if t])
    return probs


def threshold_report(probs: np.ndarray, labels: np.ndarray) -> list[dict]:
    out = []
    for t in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7):
        kept = probs >= t
        tp = int((kept & (labels == 1)).sum())
        out.append({"threshold": t, **prf(tp, int(kept.sum()) - tp, int((labels == 1).sum()) - tp)})
    return out


def train_filter(
    paths: Path | list[Path], lexicon: frozenset[str], threshold: float, C: float = 0.5
) -> tuple[ManifestationFilter, dict]:
    feats, labels, groups = row_examples(paths, lexicon)
    probs = cross_validated(feats, labels, groups, C=C)
    model = fit_filter(feats, labels, C)
    model.threshold = threshold
    stats = {
        "rows": len(labels),
        "right": int(labels.sum()),
        "C": C,
        "threshold": threshold,
        "cv_by_threshold": threshold_report(probs, labels),
    }
    return model, stats
