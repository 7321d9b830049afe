"""Strict precision/recall/F1 over sets of (doc, start, end, label) tuples."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

__all__ = ["prf", "strict_scores"]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (0.0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def strict_scores(
    gold: Iterable[tuple[Hashable, int, int, str]],
    predicted: Iterable[tuple[Hashable, int, int, str]],
    labels: Sequence[str],
) -> dict:
    """Exact-match scores: a prediction counts only if (doc, start, end, label) is in gold.

    Returns ``{"precision", "recall", "f1", "tp", "fp", "fn", "per_label": {label: {...}}}``
    (micro-averaged over ``labels``; tuples with other labels are ignored).
    """
    gold_set = {g for g in gold if g[3] in labels}
    pred_set = {p for p in predicted if p[3] in labels}
    per_label = {}
    for label in labels:
        g = {x for x in gold_set if x[3] == label}
        p = {x for x in pred_set if x[3] == label}
        tp, fp, fn = len(g & p), len(p - g), len(g - p)
        pp, rr, ff = prf(tp, fp, fn)
        per_label[label] = {"precision": pp, "recall": rr, "f1": ff, "tp": tp, "fp": fp, "fn": fn}
    tp = len(gold_set & pred_set)
    fp, fn = len(pred_set - gold_set), len(gold_set - pred_set)
    p, r, f = prf(tp, fp, fn)
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn, "per_label": per_label}
