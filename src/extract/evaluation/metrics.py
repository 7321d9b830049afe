"""Strict precision/recall/F1 over sets of (doc, start, end, label) tuples."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from extract.metrics import precision_recall_f1

__all__ = ["strict_scores"]


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
        pp, rr, ff = precision_recall_f1(tp, fp, fn)
        per_label[label] = {"precision": pp, "recall": rr, "f1": ff, "tp": tp, "fp": fp, "fn": fn}
    tp = len(gold_set & pred_set)
    fp, fn = len(pred_set - gold_set), len(gold_set - pred_set)
    p, r, f = precision_recall_f1(tp, fp, fn)
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn, "per_label": per_label}
