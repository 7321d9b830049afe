"""Training data and fit of the joint adverse-event / treatment model (:mod:`extract.relations.joint`).

Sources, each a list of :class:`JointExample` (a same-sentence mention pair, its class, a weight):

* the hand-annotated sentences of ``data/gold/relation_annotations/`` (drawn from trial and review
  abstracts disjoint from the relation audit: all pairs of drawn sentences, and judged rows of earlier
  versions; ``adverse_event`` and ``ae_negated`` are the adverse-event class — negation is the context
  component's decision —, ``treats``, ``neither`` and ``ae_less`` — less of a side effect than a
  comparator — the none class);
* BioRED train and dev chemical–disease pairs sharing a sentence: ``Negative_Correlation`` → treats,
  ``Positive_Correlation`` → adverse event, other or no relation → none (document-level labels read
  onto every sentence where the two concepts meet, so weighted lower); abstracts that are also in the
  BC5CDR development or test split are left out;
* BC5CDR training CID pairs sharing a sentence → adverse event, and ADE corpus drug–effect pairs →
  adverse event (low weight: they anchor the adverse-event class on the writing of case reports).

Thresholds come from PMID-grouped cross-validation over the annotated pairs only (the other sources
stay in every training fold).
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extract.corpora.ade import read_ade
from extract.corpora.pubtator import read_pubtator, unique_documents
from extract.metrics import prf
from extract.relations.joint import (
    ADVERSE_EVENT,
    CLASSES,
    NONE,
    TREATS,
    JointModel,
    fit_joint_model,
    joint_features,
)
from extract.relations.sentence_model import marked_sentence
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.training.relations.documents import ade_view, gold_document_view, mesh_id

log = logging.getLogger(__name__)

# ``ae_less``: the drug had less of a side effect than a comparator, or reduced it -- not this drug's adverse event.
ANNOTATION_CLASSES = {
    "adverse_event": ADVERSE_EVENT,
    "ae_negated": ADVERSE_EVENT,
    "ae_less": NONE,
    "treats": TREATS,
    "neither": NONE,
}
BIORED_TYPES = {"chemicalentity": "CHEMICAL", "diseaseorphenotypicfeature": "DISEASE"}
NO_ID = frozenset({"-"})  # PubTator's "no concept id"
BIORED_CLASSES = {"Positive_Correlation": ADVERSE_EVENT, "Negative_Correlation": TREATS}
WEIGHTS = {"annotations": 3.0, "biored": 1.0, "bc5cdr": 0.3, "ade": 0.3, "bc5cdr_none": 0.3}
# The word-window feature family of ``joint_features`` (relations >= 0.9.0; see models/EXPERIMENTS.md).
WINDOW = True


@dataclass
class JointExample:
    features: dict
    label: int
    weight: float
    source: str
    group: str  # PMID, for folds
    source_file: str = ""  # the annotation file's name, for annotated examples
    text: str = ""  # the marked sentence (drug in [[ ]], disease in {{ }}), for the sentence text classifier


class DrugClasses:
    """MeSH concept id -> pharmacological action names, from a linker folder's ``mesh_annotations.json.gz``."""

    def __init__(self, linker_dir: Path | None):
        self.by_id: dict[str, tuple[str, ...]] = {}
        path = Path(linker_dir) / "mesh_annotations.json.gz" if linker_dir else None
        if path is not None and path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for cid, ann in json.load(fh).items():
                    if ann.get("drug_classes"):
                        self.by_id[cid] = tuple(ann["drug_classes"])

    def __call__(self, concept_id: str | None) -> tuple[str, ...]:
        return self.by_id.get(concept_id or "", ())


def _examples(view: DocumentView, labelled: list[tuple[EntityView, EntityView, int]], source: str, group: str, classes):
    return [
        JointExample(
            joint_features(view, c, d, classes(c.concept_id), window=WINDOW),
            label,
            WEIGHTS[source],
            source,
            group,
            text=marked_sentence(view, c, d),
        )
        for c, d, label in labelled
    ]


def sentence_view(record: dict) -> tuple[DocumentView, dict[tuple[int, int, str], EntityView]]:
    """A one-sentence view of an annotated record (``doc_id``, ``sentence_start``, ``sentence``, ``title``,
    ``entities`` with sentence offsets) and its mentions by ``(start, end, label)``."""
    doc_id, start, sentence = record["doc_id"], record["sentence_start"], record["sentence"]
    title = record.get("title") or ""
    section = "title" if start == 0 and title.startswith(sentence[:20]) else "abstract"
    ents: dict[tuple[int, int, str], EntityView] = {}
    for i, e in enumerate(sorted(record["entities"], key=lambda e: (e["start"], e["end"]))):
        ents[(e["start"], e["end"], e["label"])] = EntityView(
            f"{doc_id}@{start}#{i}", e["start"], e["end"], e["text"], e["label"], 0, concept_id=e.get("concept_id")
        )
    view = DocumentView(
        doc_id=doc_id,
        text=sentence,
        sentences=[SentenceView(0, 0, len(sentence), section)],
        entities=list(ents.values()),
        title=title,
    )
    return view, ents


def annotation_examples(path: Path, classes: DrugClasses) -> list[JointExample]:
    """One view per annotated sentence (all its mentions), one example per judged pair."""
    by_sentence: dict[tuple[str, int], list[dict]] = defaultdict(list)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                if rec.get("label") in ANNOTATION_CLASSES:
                    by_sentence[(rec["doc_id"], rec["sentence_start"])].append(rec)
    out: list[JointExample] = []
    for (doc_id, _start), recs in sorted(by_sentence.items()):
        view, ents = sentence_view(recs[0])
        labelled = []
        for rec in recs:
            c = ents.get((rec["drug"]["start"], rec["drug"]["end"], "CHEMICAL"))
            d = ents.get((rec["disease"]["start"], rec["disease"]["end"], "DISEASE"))
            if c is not None and d is not None:
                labelled.append((c, d, ANNOTATION_CLASSES[rec["label"]]))
        for e in _examples(view, labelled, "annotations", doc_id, classes):
            e.source_file = path.name
            out.append(e)
    return out


def _same_sentence_pairs(view: DocumentView):
    chems = [e for e in view.entities if e.label == "CHEMICAL"]
    diss = [e for e in view.entities if e.label == "DISEASE"]
    for c in chems:
        for d in diss:
            if c.sentence_index == d.sentence_index and not (c.start < d.end and d.start < c.end):
                yield c, d


def biored_examples(paths: list[Path], exclude_pmids: set[str], classes: DrugClasses) -> list[JointExample]:
    out: list[JointExample] = []
    for path in paths:
        for doc in unique_documents(read_pubtator(path)):
            if doc.pmid in exclude_pmids:
                continue
            view, ids = gold_document_view(doc, BIORED_TYPES, NO_ID)
            rel: dict[frozenset, int] = {}
            for rtype, a, b in doc.relations:
                cls = BIORED_CLASSES.get(rtype.split("|")[0], NONE)
                rel[frozenset((mesh_id(a), mesh_id(b)))] = cls
            labelled = []
            for c, d in _same_sentence_pairs(view):
                label = NONE
                for ci in ids[c.entity_id]:
                    for di in ids[d.entity_id]:
                        label = max(label, rel.get(frozenset((ci, di)), NONE), key=lambda x: x != NONE)
                labelled.append((c, d, label))
            out += _examples(view, labelled, "biored", doc.pmid, classes)
    return out


def bc5cdr_examples(path: Path, classes: DrugClasses, negatives: bool = False) -> list[JointExample]:
    """CID pairs of the BC5CDR training split that share a sentence → adverse event; with ``negatives`` also the
    other same-sentence pairs → none (source ``bc5cdr_none``: CID is annotated exhaustively per abstract, so such
    a sentence does not state that the drug induced the disease; the joint model does not use them)."""
    out: list[JointExample] = []
    for doc in unique_documents(read_pubtator(path)):
        view, ids = gold_document_view(doc, {"chemical": "CHEMICAL", "disease": "DISEASE"}, NO_ID)
        cid = {(mesh_id(a), mesh_id(b)) for t, a, b in doc.relations if t.split("|")[0] == "CID"}
        positive, negative = [], []
        for c, d in _same_sentence_pairs(view):
            if any((ci, di) in cid for ci in ids[c.entity_id] for di in ids[d.entity_id]):
                positive.append((c, d, ADVERSE_EVENT))
            elif negatives:
                negative.append((c, d, NONE))
        out += _examples(view, positive, "bc5cdr", doc.pmid, classes)
        out += _examples(view, negative, "bc5cdr_none", doc.pmid, classes)
    return out


def ade_examples(ade_dir: Path, classes: DrugClasses) -> list[JointExample]:
    out: list[JointExample] = []
    for i, sent in enumerate(s for s in read_ade(ade_dir) if s.pairs):
        lv = ade_view(sent, i)
        by_id = {e.entity_id: e for e in lv.view.entities}
        labelled = [(by_id[c], by_id[d], ADVERSE_EVENT) for c, d in sorted(lv.positive_mentions)]
        out += _examples(lv.view, labelled, "ade", sent.pmid, classes)
    return out


def _fit(examples: list[JointExample], C: float) -> JointModel:
    return fit_joint_model(
        [e.features for e in examples],
        np.array([e.label for e in examples]),
        np.array([e.weight for e in examples]),
        C=C,
        window=WINDOW,
    )


def without_ade_pmids(
    examples: tuple[list[JointExample], list[JointExample], dict], pmids: set[str]
) -> tuple[list[JointExample], list[JointExample], dict]:
    """``examples`` (as :func:`training_examples` returns them) without the ADE sentences of ``pmids``: the
    training data of an ADE evaluation fold."""
    annotated, others, counts = examples
    return annotated, [e for e in others if not (e.source == "ade" and e.group in pmids)], counts


def cross_validated_probs(
    annotated: list[JointExample], others: list[JointExample], folds: int = 5, C: float = 0.5
) -> np.ndarray:
    """Out-of-fold probabilities of the annotated examples (PMID-grouped folds; ``others`` always train)."""
    groups = sorted({e.group for e in annotated})
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    probs = np.zeros((len(annotated), len(CLASSES)))
    for k in range(folds):
        train = [e for e in annotated if fold_of[e.group] != k] + others
        test = [i for i, e in enumerate(annotated) if fold_of[e.group] == k]
        if test:
            probs[test] = _fit(train, C).probs([annotated[i].features for i in test])
    return probs


def rows_kept_report(probs: np.ndarray, labels: np.ndarray, model: JointModel) -> dict:
    """Judged adverse-event rows (all reported as adverse events by an earlier version): how many the vetoes
    keep, and the precision and recall of the kept ones."""
    kept = np.array([not model.vetoes_adverse_event(p) for p in probs], dtype=bool)
    right = labels == ADVERSE_EVENT
    tp = int((kept & right).sum())
    return {
        "rows": len(labels),
        "right": int(right.sum()),
        "kept": int(kept.sum()),
        **prf(tp, int(kept.sum()) - tp, int(right.sum()) - tp),
    }


def decision_report(probs: np.ndarray, labels: np.ndarray, treats: float, ae_veto: float) -> dict:
    """Precision/recall of the treats decision and of the adverse-event veto on annotated pairs."""
    is_treat = (probs.argmax(axis=1) == TREATS) & (probs[:, TREATS] >= treats)
    tp = int((is_treat & (labels == TREATS)).sum())
    treat = prf(tp, int(is_treat.sum()) - tp, int((labels == TREATS).sum()) - tp)
    kept_ae = (probs.argmax(axis=1) == ADVERSE_EVENT) & ~((probs[:, TREATS] - probs[:, ADVERSE_EVENT]) > ae_veto)
    tp = int((kept_ae & (labels == ADVERSE_EVENT)).sum())
    ae = prf(tp, int(kept_ae.sum()) - tp, int((labels == ADVERSE_EVENT).sum()) - tp)
    return {"treats": treat, "adverse_event_argmax": ae}


def training_examples(
    annotations: Path | Sequence[Path] | None,
    corpora_dir: Path,
    linker_dir: Path | None,
    bc5cdr_negatives: bool = False,
    ade_dir: Path | None = None,
) -> tuple[list[JointExample], list[JointExample], dict]:
    """``(annotated, other sources, counts)``; ``annotations``: one or more annotated pair files (absent ones
    are skipped); ``ade_dir``: the ADE corpus (default ``corpora_dir / "ade_corpus_v2"``)."""
    classes = DrugClasses(linker_dir)
    paths = [annotations] if isinstance(annotations, Path) else list(annotations or ())
    annotated = [e for p in paths if p.exists() for e in annotation_examples(p, classes)]
    exclude: set[str] = set()
    for split in ("CDR_DevelopmentSet.PubTator.txt", "CDR_TestSet.PubTator.txt"):
        path = corpora_dir / "bc5cdr" / split
        if path.exists():
            exclude |= {d.pmid for d in read_pubtator(path)}
    others: list[JointExample] = []
    biored = [corpora_dir / "biored" / n for n in ("Train.PubTator", "Dev.PubTator")]
    others += biored_examples([p for p in biored if p.exists()], exclude, classes)
    cdr_train = corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"
    if cdr_train.exists():
        others += bc5cdr_examples(cdr_train, classes, negatives=bc5cdr_negatives)
    ade_dir = ade_dir or corpora_dir / "ade_corpus_v2"
    if ade_dir.exists():
        others += ade_examples(ade_dir, classes)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in annotated + others:
        counts[e.source][CLASSES[e.label]] += 1
    return annotated, others, {k: dict(v) for k, v in counts.items()}


def train_joint(
    annotations: Path | Sequence[Path] | None,
    corpora_dir: Path,
    linker_dir: Path | None,
    C: float = 0.5,
    treats: float = 0.5,
    ae_veto: float = 0.0,
    none_veto: float = 1.0,
    ae_min: float = 0.0,
    rule_exemption: bool = True,
    document_consistency: bool = False,
    less_veto: bool = False,
    folds: int = 5,
    examples: tuple[list[JointExample], list[JointExample], dict] | None = None,
) -> tuple[JointModel, dict]:
    """``examples``: what :func:`training_examples` returns for these arguments, when the caller has it already;
    ``folds`` 0 skips the cross-validation report."""
    annotated, others, counts = examples or training_examples(annotations, corpora_dir, linker_dir)
    stats: dict = {"examples": counts, "C": C, "weights": WEIGHTS, "window_features": WINDOW}
    model = _fit(annotated + others, C)
    model.thresholds = {"treats": treats, "ae_veto": ae_veto, "none_veto": none_veto, "ae_min": ae_min}
    model.rule_exemption = rule_exemption
    model.document_consistency = document_consistency
    model.less_veto = less_veto
    stats["rule_exemption"] = rule_exemption
    stats["less_veto"] = less_veto
    stats["document_consistency"] = document_consistency
    if annotated and folds:
        labels = np.array([e.label for e in annotated])
        probs = cross_validated_probs(annotated, others, folds, C)
        stats["cv_annotations"] = {"folds": folds, **decision_report(probs, labels, treats, ae_veto)}
        rows = np.array([e.source_file.startswith("adverse_event_rows") for e in annotated], dtype=bool)
        if rows.any():
            stats["cv_annotations"]["adverse_event_rows"] = rows_kept_report(probs[rows], labels[rows], model)
    stats["thresholds"] = dict(model.thresholds)
    return model, stats
