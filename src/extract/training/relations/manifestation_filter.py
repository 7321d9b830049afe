"""Training of the manifestation row filter (:mod:`extract.relations.manifestation_filter`) from hand-judged
``disease_manifestation`` rows (``data/gold/relation_annotations/manifestation_rows*.jsonl``: rows
relations-0.7.0 and 0.8.0 wrote on trial and review abstracts disjoint from the relation audit, and rows on
case reports and disease abstracts of the BC5CDR and NCBI-disease training splits, labelled ``manifestation``
or an error kind), and optionally every candidate pair of hand-labelled training-split sentences drawn like the
gold sets (``data/gold/manifestation_train/annotated_*.jsonl``, :func:`hand_examples`), which weigh ``hand_weight``
rows each.
The threshold is chosen by PMID-grouped cross-validation over those rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from extract.metrics import prf
from extract.relations.manifestation_filter import ManifestationFilter, filter_features, fit_filter
from extract.relations.manifestation_patterns import excluded_pair
from extract.settings import PROJECT_ROOT
from extract.training.relations.joint import sentence_view

POSITIVE = "manifestation"
#: Hand-labelled sentences of the BC5CDR / NCBI disease / BioRED training splits (gold-set guideline,
#: ``benchmarks/make_manifestation_sample.py``), and the weight of each of their pairs (the shipped filter
#: does not use them: ``extract.training.relations.trainer.MANIFESTATION_HAND_LABELS``).
HAND_LABELS = tuple(PROJECT_ROOT / "data" / "gold" / "manifestation_train" / f"annotated_{i}.jsonl" for i in (0, 1))
HAND_WEIGHT = 5.0


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


def _alias_roots(alias: dict[int, int], n: int) -> list[int]:
    """Each mention's representative: follow ``aliases`` (mention -> the mention it repeats) to its end."""
    roots = []
    for k in range(n):
        seen = {k}
        while k in alias and alias[k] not in seen:
            k = alias[k]
            seen.add(k)
        roots.append(k)
    return roots


def hand_examples(paths: list[Path], lexicon: frozenset[str]) -> tuple[list[dict], np.ndarray, list[str]]:
    """Features, labels and PMID groups of every ordered pair of two different (not aliased) disease mentions of
    the hand-labelled sentences that the extractor would consider (not :func:`excluded_pair`); a pair is right
    when its mentions, up to ``aliases``, are a labelled relation's head and tail."""
    feats, labels, groups = [], [], []
    for rec in _records(paths):
        alias = {int(j): int(i) for j, i in (rec.get("aliases") or {}).items()}
        root = _alias_roots(alias, len(rec["mentions"])).__getitem__
        right = {(root(r["head"]), root(r["tail"])) for r in rec["relations"]}
        entities = [dict(m, label="DISEASE") for m in rec["mentions"]]
        entities += [dict(c, label="CHEMICAL") for c in rec.get("chemicals", ())]
        view, ents = sentence_view(
            {"doc_id": f"PMID:{rec['pmid']}", "sentence_start": 1, "sentence": rec["text"], "entities": entities}
        )
        mentions = [ents[(m["start"], m["end"], "DISEASE")] for m in rec["mentions"]]
        for a, head in enumerate(mentions):
            for b, tail in enumerate(mentions):
                if root(a) == root(b) or excluded_pair(view, head, tail):
                    continue
                feats.append(filter_features(view, head, tail, lexicon))
                labels.append(int((root(a), root(b)) in right))
                groups.append(f"PMID:{rec['pmid']}")
    return feats, np.array(labels, dtype=int), groups


def cross_validated(
    feats: list[dict],
    labels: np.ndarray,
    groups: list[str],
    folds: int = 5,
    C: float = 0.5,
    weights: np.ndarray | None = None,
):
    order = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(order)}
    probs = np.zeros(len(labels))
    for k in range(folds):
        test = np.array([fold_of[g] == k for g in groups])
        if test.any() and len(set(labels[~test])) == 2:
            w = None if weights is None else weights[~test]
            model = fit_filter([f for f, t in zip(feats, test) if not t], labels[~test], C, sample_weight=w)
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
    paths: Path | list[Path],
    lexicon: frozenset[str],
    threshold: float,
    C: float = 0.5,
    hand: list[Path] | None = None,
    hand_weight: float = HAND_WEIGHT,
) -> tuple[ManifestationFilter, dict]:
    """The filter from judged rows (``paths``) and hand-labelled sentences (``hand``, :func:`hand_examples`);
    the cross-validated report covers the judged rows."""
    feats, labels, groups = row_examples(paths, lexicon)
    n_rows = len(labels)
    hand_files = [p for p in hand or () if Path(p).exists()]
    h_feats, h_labels, h_groups = hand_examples(hand_files, lexicon)
    feats, groups = feats + h_feats, groups + h_groups
    labels = np.concatenate([labels, h_labels]).astype(int)
    weights = np.concatenate([np.ones(n_rows), np.full(len(h_labels), hand_weight)])
    probs = cross_validated(feats, labels, groups, C=C, weights=weights)
    model = fit_filter(feats, labels, C, sample_weight=weights)
    model.threshold = threshold
    labels, probs = labels[:n_rows], probs[:n_rows]
    stats = {
        "rows": n_rows,
        "right": int(labels.sum()),
        "hand_pairs": len(h_labels),
        "hand_right": int(h_labels.sum()),
        "hand_weight": hand_weight if hand_files else None,
        "hand_files": [str(p) for p in hand_files],
        "C": C,
        "threshold": threshold,
        "cv_by_threshold": threshold_report(probs, labels),
    }
    return model, stats
