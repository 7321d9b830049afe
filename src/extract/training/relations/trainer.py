"""Training of the relation model (library code; the Prefect flow in ``pipelines/`` is thin).

Data: BC5CDR training abstracts (gold mentions, CID concept pairs as labels for every
mention pair of a positive concept pair) and ADE corpus sentences (gold drug/effect pairs as
positives; other drug/effect combinations of a sentence and dictionary-matched mentions of
ADE-NEG sentences as negatives), plus the same documents as the pipeline's NER sees them
(:mod:`extract.training.relations.predicted_mentions`), from which the adverse-event phrase is learnt too.
Thresholds are chosen by PMID-grouped cross-validation on the
training data (document-level CID F1 for BC5CDR, pair F1 for ADE).  :func:`train_relations` (the
shipped models) then replaces the stage-2 threshold by :data:`CONCEPT_THRESHOLD`, selected on the
BC5CDR *development* split end to end (see models/relations-0.3.0/MODEL_CARD.md); the
out-of-fold training threshold stays in the stats.  No test split is used.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import joblib
import numpy as np

from extract.corpora.ade import AdeSentence, read_ade
from extract.corpora.pubtator import read_pubtator, unique_documents
from extract.metrics import prf
from extract.relations.candidates import concept_key
from extract.relations.concept_features import AGG_FEATURES, aggregate
from extract.relations.concept_priors import PRIOR_FEATURES, ConceptPriors, out_of_fold_columns
from extract.relations.indications import IndicationTable
from extract.relations.instances import Instance
from extract.relations.joint import JointModel
from extract.relations.manifestation import ARTIFACT as MANIFESTATION_ARTIFACT
from extract.relations.manifestation import ManifestationModel
from extract.relations.manifestation_filter import ARTIFACT as FILTER_ARTIFACT
from extract.relations.model import (
    N_FEATURES,
    ModelExtractor,
    PairModel,
    fit_concept_model,
    fit_pair_model,
    load_mesh_trees,
)
from extract.relations.sentence_model import SentenceModel
from extract.settings import PROJECT_ROOT, get_settings, resolve_model_dir
from extract.training.relations import predicted_mentions as predicted
from extract.training.relations.documents import (
    LabelledView,
    MentionLexicon,
    ade_view,
    labelled_instances,
    pubtator_view,
)
from extract.training.relations.joint import train_joint, without_ade_pmids
from extract.training.relations.joint import training_examples as joint_training_examples
from extract.training.relations.manifestation_filter import train_filter
from extract.training.relations.sentence_model import train_sentence_model
from extract.vocab.files import vocab_files

log = logging.getLogger(__name__)

# Stage-2 (concept pair) threshold of the shipped model, selected on BC5CDR dev document-level CID
# F1 (MeSH-keyed pairs), end to end and with gold entities (the sweeps: models/EXPERIMENTS.md).
CONCEPT_THRESHOLD = 0.35
# Mention-neighbour features (``chem_prev=`` ...) for models trained from now on (relations >= 0.4.0).
NEIGHBOUR_FEATURES = True
# Train on the pipeline's own NER output too, and learn the adverse-event phrase (relations >= 0.5.0).
PREDICTED_MENTIONS = True
# Hand-annotated trial/review sentence pairs for the joint adverse-event / treatment model (relations >= 0.7.0),
# the judged adverse-event rows of relations-0.7.0 (relations >= 0.8.0), the judged adverse-event and
# treatment rows of relations-0.8.0 (third draw, relations >= 0.9.0), the judged adverse-event rows of
# relations-0.9.0 (fourth draw, relations >= 0.10.0) and the judged adverse-event and treatment rows of
# relations-0.10.0 on evidence_inference trial abstracts (fifth draw, relations >= 0.11.0).  The judged rows of
# relations-0.11.0 on the bodies of those reports (adverse_event_rows_6.jsonl) are not used: with them CID dev fell
# 0.509 -> 0.496 for +0.02 audit precision (models/EXPERIMENTS.md).
_ANNOTATED = PROJECT_ROOT / "data" / "gold" / "relation_annotations"
ANNOTATIONS = (
    _ANNOTATED / "pairs.jsonl",
    _ANNOTATED / "adverse_event_rows.jsonl",
    _ANNOTATED / "adverse_event_rows_3.jsonl",
    _ANNOTATED / "treats_rows_3.jsonl",
    _ANNOTATED / "adverse_event_rows_4.jsonl",
    _ANNOTATED / "adverse_event_rows_5.jsonl",
    _ANNOTATED / "treats_rows_5.jsonl",
)
# Judged disease_manifestation rows for the manifestation row filter (relations >= 0.8.0: rows of 0.7.0;
# >= 0.9.0: also rows of 0.8.0 and rows on case reports; >= 0.10.0: rows of 0.9.0; >= 0.11.0: rows of 0.10.0)
# and its threshold (cross-validation over those rows;
# models/EXPERIMENTS.md).
MANIFESTATION_ROWS = (
    _ANNOTATED / "manifestation_rows.jsonl",
    _ANNOTATED / "manifestation_rows_3.jsonl",
    _ANNOTATED / "manifestation_rows_case_reports.jsonl",
    _ANNOTATED / "manifestation_rows_4.jsonl",
    _ANNOTATED / "manifestation_rows_5.jsonl",
)
FILTER_THRESHOLD = 0.5
# Hand-labelled training-split sentences for the filter (``HAND_LABELS``): not used.  With them the dev gold set's
# recall rose (0.306 -> 0.469 at weight 5) but the held-out set's did not move (4 of 23) and the audit's
# manifestation precision fell (0.83 -> 0.74; 0.78 at weight 1): their guideline accepts "T in patients with H",
# the audit's calls it listed together (models/EXPERIMENTS.md, seventh session).
MANIFESTATION_HAND_LABELS: tuple[Path, ...] = ()
# Joint model decisions (see extract.relations.joint.JointModel), selected by cross-validation over the
# annotated pairs and on BC5CDR dev (models/EXPERIMENTS.md).
JOINT_TREATS = 0.7
JOINT_AE_VETO = 0.0
JOINT_NONE_VETO = 0.5
JOINT_AE_MIN = 0.6
# Strong causal rule readings exempt from the joint vetoes (0.7.0-0.8.0); off from 0.9.0: on the judged
# adverse-event rows of 0.8.0 the rule-made rows were right 60 times in 173 (models/EXPERIMENTS.md).
JOINT_RULE_EXEMPTION = False
# A document's adverse-event rows of a concept pair it reports as a treatment in at least as many sentences are
# dropped (relations >= 0.10.0; on the judged rows of 0.8.0 / 0.9.0 such rows were right 13 / 17 times in 129 / 61).
JOINT_DOCUMENT_CONSISTENCY = True
# Same-sentence adverse-event rows whose sentence gives the drug less of the effect than a comparator are dropped
# (relations >= 0.13.0; on the judged rows of the training draws it drops 9 right rows and 53 wrong ones, 40 of them
# "less than a comparator"; models/EXPERIMENTS.md).
JOINT_LESS_VETO = True
# Known indications (extract.relations.indications): built by ``biomed-extract train indications`` from the
# pipeline's output on the training draws (data/indications/README.md), copied into relations >= 0.11.0.
INDICATIONS = PROJECT_ROOT / "data" / "indications" / "indications.json.gz"
# The sentence text classifier (extract.relations.sentence_model, relations >= 0.11.0): passes over its training
# pool, and the joint model's share of the averaged probabilities; epochs chosen on held-out judged rows
# (models/EXPERIMENTS.md).  0 epochs: no sentence model.
SENTENCE_EPOCHS = 1.5
SENTENCE_WEIGHT = 0.5
SENTENCE_READ_BELOW = 0.9


def bc5cdr_views(path: Path, limit: int | None = None) -> list[LabelledView]:
    views = []
    for i, doc in enumerate(unique_documents(read_pubtator(path))):
        if limit is not None and i >= limit:
            break
        views.append(pubtator_view(doc))
    return views


def ade_views(sentences: list[AdeSentence], lexicon_from: list[AdeSentence] | None = None) -> list[LabelledView]:
    """Views of ADE sentences; negatives get mentions from a lexicon of ``lexicon_from`` positives."""
    lexicon = MentionLexicon.from_ade(lexicon_from if lexicon_from is not None else sentences)
    return [ade_view(s, i, lexicon) for i, s in enumerate(sentences)]


def predicted_bc5cdr_views(path: Path, limit: int | None = None) -> list[LabelledView]:
    """The pipeline's NER output of the BC5CDR abstracts at ``path`` as labelled training views."""
    docs = [d for i, d in enumerate(unique_documents(read_pubtator(path))) if limit is None or i < limit]
    return predicted.bc5cdr_views(docs)


def group_folds(groups: Iterable[str], k: int) -> dict[str, int]:
    uniq = sorted(set(groups), key=lambda p: (len(p), p))
    return {g: i % k for i, g in enumerate(uniq)}


def doc_level_pairs(instances: list[Instance], scores: np.ndarray, thr_intra: float, thr_inter: float) -> set:
    """Predicted (doc, chemical concept, disease concept) triples from instance scores."""
    out = set()
    for inst, s in zip(instances, scores):
        if s >= (thr_intra if inst.intra else thr_inter) and inst.chem.concept_id and inst.dis.concept_id:
            out.add((inst.doc_id, inst.chem.concept_id, inst.dis.concept_id))
    return out


def cid_gold(views: list[LabelledView]) -> set:
    return {(lv.view.doc_id, a, b) for lv in views for a, b in lv.positive_concepts}


def _view_instances(views: list[LabelledView]) -> list[list[Instance]]:
    return [labelled_instances([lv], neighbours=NEIGHBOUR_FEATURES) for lv in views]


def oof_mention_scores(
    per_view: list[list[Instance]], groups: list[str], k: int, C: float, n_features: int
) -> list[np.ndarray]:
    """Out-of-fold stage-1 scores (folds by PMID) for every view's instances."""
    folds = group_folds(groups, k)
    out = [np.zeros(len(v)) for v in per_view]
    for fold in range(k):
        train = [i for v, g in zip(per_view, groups) if folds[g] != fold for i in v]
        labels = {i.label for i in train if i.intra}
        if len(labels) < 2:
            continue  # tiny data: this fold keeps zero scores
        model = fit_pair_model(train, C=C, n_features=n_features)
        for j, (v, g) in enumerate(zip(per_view, groups)):
            if folds[g] == fold and v:
                out[j] = model.score(v)
    return out


def concept_table(
    views: list[LabelledView], per_view: list[list[Instance]], scores: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str, str]], list[str]]:
    """Stage-2 rows of all views: features, labels, (doc, chem key, dis key), group."""
    X_parts, y, keys, groups = [], [], [], []
    for lv, inst, sc in zip(views, per_view, scores):
        if not inst:
            continue
        ks, X, _best = aggregate(lv.view, inst, sc)
        by_key: dict[tuple[str, str], int] = {}
        for i in inst:
            kk = (concept_key(i.chem), concept_key(i.dis))
            by_key[kk] = max(by_key.get(kk, 0), int(i.label or 0))
        X_parts.append(X)
        y.extend(by_key[kk] for kk in ks)
        keys.extend((lv.view.doc_id, a, b) for a, b in ks)
        groups.extend(lv.group for _ in ks)
    X_all = np.vstack(X_parts) if X_parts else np.zeros((0, len(AGG_FEATURES)))
    return X_all, np.array(y), keys, groups


#: Where concept priors are counted (``train_model(concept_priors=...)``): the stage-2 rows of the BC5CDR training
#: abstracts (document-level CID labels) or of the ADE corpus sentences (drug -> effect pair labels).
PRIOR_SOURCES = ("cid", "ade")


def _prior_masks(is_cdr: np.ndarray, sources: tuple[str, ...]) -> list[np.ndarray]:
    unknown = set(sources) - set(PRIOR_SOURCES)
    if unknown:
        raise ValueError(f"unknown concept-prior source(s) {sorted(unknown)}; known: {', '.join(PRIOR_SOURCES)}")
    return [is_cdr if source == "cid" else ~is_cdr for source in sources]


def _with_prior_columns(
    X: np.ndarray, keys: list, y: np.ndarray, groups: list[str], masks: list[np.ndarray], train: np.ndarray
) -> np.ndarray:
    """Stage-2 rows with the concept-prior columns of each source (``masks``: its rows) for one cross-validation
    fold: a training row's from the other folds of the training part, a held-out row's from the whole training part
    (never from held-out labels)."""
    idx, held = np.where(train)[0], np.where(~train)[0]
    parts = [X]
    for counted in masks:
        cols = np.zeros((len(y), len(PRIOR_FEATURES)))
        cols[idx] = out_of_fold_columns(
            [keys[i] for i in idx], y[idx], [groups[i] for i in idx], counted[idx], group_folds
        )
        priors = ConceptPriors.count([keys[i] for i in idx if counted[i]], y[idx][counted[idx]])
        cols[held] = priors.columns([keys[i][1:] for i in held])
        parts.append(cols)
    return np.hstack(parts)


def best_threshold(probs: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[float, dict]:
    """Threshold maximising F1 of rows in ``mask`` (grid 0.10..0.90)."""
    best = (-1.0, 0.5, {})
    n_pos = int(y[mask].sum())
    for t in np.arange(0.1, 0.91, 0.025):
        hit = (probs >= t) & mask
        tp = int((hit & (y == 1)).sum())
        m = prf(tp, int(hit.sum()) - tp, n_pos - tp)
        if m["f1"] > best[0]:
            best = (m["f1"], round(float(t), 3), m)
    return best[1], best[2]


def train_model(
    bc5cdr_train: Path,
    ade_dir: Path | None,
    C: float = 0.1,
    n_features: int = N_FEATURES,
    cv_folds: int = 3,
    limit: int | None = None,
    exclude_ade_pmids: set[str] | None = None,
    predicted_mentions: bool = PREDICTED_MENTIONS,
    ade_predicted: list[predicted.PredictedAde] | None = None,
    cdr_predicted: list[LabelledView] | None = None,
    concept_priors: tuple[str, ...] = ("cid",),
) -> tuple[PairModel, dict]:
    """Fit stage 1 (mention pairs) and stage 2 (concept pairs) on all training data.

    Stage 2 learns from out-of-fold stage-1 scores; its threshold maximises out-of-fold
    document-level CID F1 on the BC5CDR training abstracts (ADE-only data: pair F1).
    ``predicted_mentions``: also train on the pipeline's own NER output of the same documents
    (:mod:`extract.training.relations.predicted_mentions`) and learn the adverse-event phrase from it;
    ``ade_predicted`` / ``cdr_predicted`` pass that NER output of the ADE sentences / the BC5CDR
    views when it was computed already (cross-validation); sentences of excluded PMIDs are dropped
    from ``ade_predicted`` here.  ``concept_priors``: stage 2 also reads, per source of ``PRIOR_SOURCES``,
    how often each chemical and disease concept was in a positive pair of the other training abstracts /
    sentences (:mod:`extract.relations.concept_priors`); ``()``: none.
    """
    started = time.time()
    cdr = bc5cdr_views(bc5cdr_train, limit=limit)
    ade: list[LabelledView] = []
    sentences: list[AdeSentence] = []
    if ade_dir is not None:
        sentences = [s for s in read_ade(ade_dir) if not exclude_ade_pmids or s.pmid not in exclude_ade_pmids]
        if limit is not None:
            sentences = sentences[: limit * 10]
        ade = ade_views(sentences)
    views = cdr + ade
    stats: dict = {"n_bc5cdr_docs": len(cdr), "n_ade_sentences": len(ade)}
    phrase = None
    if predicted_mentions:
        cdr_pred = cdr_predicted if cdr_predicted is not None else predicted_bc5cdr_views(bc5cdr_train, limit)
        if ade_predicted is None:
            ade_predicted = predicted.predict_ade(sentences)
        else:
            keep = {(s.pmid, s.text) for s in sentences}
            ade_predicted = [p for p in ade_predicted if (p.sentence.pmid, p.sentence.text) in keep]
        ade_pred = predicted.ade_views(ade_predicted)
        phrase = predicted.fit_event_phrase(ade_predicted)
        views = views + cdr_pred + ade_pred
        ner_dir = resolve_model_dir(get_settings().ner_model, "ner")
        stats["predicted_mention_views"] = {
            "bc5cdr_docs": len(cdr_pred),
            "ade_sentences": len(ade_pred),
            "ner_model": ner_dir.name if ner_dir else None,
        }
    per_view = _view_instances(views)
    groups = [lv.group for lv in views]
    counts: dict[str, int] = defaultdict(int)
    for v in per_view:
        for i in v:
            counts[f"{'intra' if i.intra else 'inter'}_{'pos' if i.label else 'neg'}"] += 1
    stats["instances"] = dict(counts)
    all_inst = [i for v in per_view for i in v]
    k = max(2, cv_folds)
    oof = oof_mention_scores(per_view, groups, k, C, n_features)
    X, y, keys, row_groups = concept_table(views, per_view, oof)
    is_cdr = np.array([not key[0].startswith("ADE:") for key in keys])
    masks = _prior_masks(is_cdr, tuple(concept_priors))
    folds = group_folds(row_groups, k)
    oof2 = np.zeros(len(y))
    for fold in range(k):
        tr = np.array([folds[g] != fold for g in row_groups])
        # with priors, the held-out fold's labels stay out of every prior its model reads
        X_fold = _with_prior_columns(X, keys, y, row_groups, masks, tr)
        clf = fit_concept_model(X_fold[tr], y[tr])
        if clf is not None and (~tr).any():
            oof2[~tr] = clf.predict_proba(X_fold[~tr])[:, 1]
    mask = is_cdr if is_cdr.any() else np.ones(len(y), dtype=bool)
    thr, cv_cdr = best_threshold(oof2, y, mask)
    stats["cv_concept_pairs_bc5cdr"] = cv_cdr
    if (~is_cdr).any():
        hit = (oof2 >= thr) & ~is_cdr
        tp = int((hit & (y == 1)).sum())
        stats["cv_concept_pairs_ade_gold_mentions"] = prf(tp, int(hit.sum()) - tp, int(y[~is_cdr].sum()) - tp)
    stats["cv_folds"] = k
    model = fit_pair_model(
        all_inst, C=C, n_features=n_features, thresholds={"intra": 0.5, "inter": 0.5, "concept": thr}
    )
    if masks:
        X = np.hstack([X, *(out_of_fold_columns(keys, y, row_groups, m, group_folds) for m in masks)])
        counted = [ConceptPriors.count([key for key, c in zip(keys, m) if c], y[m]) for m in masks]
        model.priors = counted[0] if len(counted) == 1 else tuple(counted)
        stats["concept_priors"] = {
            source: {"chemicals": len(p.chemicals), "diseases": len(p.diseases)}
            for source, p in zip(concept_priors, counted)
        }
    model.concept = fit_concept_model(X, y)
    model.agg_features = tuple(AGG_FEATURES)
    model.neighbour_features = NEIGHBOUR_FEATURES
    model.event_phrase = phrase
    if phrase is not None:
        stats["event_phrase"] = {side: phrase.vocabulary(side)[:25] for side in ("left", "right")}
    stats["thresholds"] = model.thresholds
    stats["train_seconds"] = round(time.time() - started, 1)
    stats["C"] = C
    stats["n_features"] = n_features
    return model, stats


def new_version() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y.%m.%d-%H%M")


def save_model(
    model: PairModel,
    stats: dict,
    models_dir: Path,
    version: str | None = None,
    joint: JointModel | None = None,
    indications: IndicationTable | None = None,
    sentence: SentenceModel | None = None,
) -> Path:
    """Write ``models_dir/relations-<version>/`` (model.joblib, meta.json, joint.joblib with a joint model,
    indications.json.gz with a known-indication table, sentence_textcat/ with a sentence text classifier)."""
    version = version or new_version()
    out = Path(models_dir) / f"relations-{version}"
    extractor = ModelExtractor(model, f"relations-{version}", joint=joint, indications=indications, sentence=sentence)
    extractor.save(out, {"training": stats})
    return out


def joint_examples(annotations: tuple[Path, ...] = ANNOTATIONS, ade_dir: Path | None = None) -> tuple:
    """The joint model's training examples (annotated pairs, other sources, counts) from the settings' corpora
    and linker; ``ade_dir``: another ADE corpus than the settings' (an evaluation corpus)."""
    settings = get_settings()
    linker_dir = resolve_model_dir(settings.linker_index, "linker")
    return joint_training_examples(annotations, settings.corpora_dir, linker_dir, ade_dir=ade_dir)


def joint_decisions() -> dict:
    """The shipped joint model's decision settings (the constants above), as ``train_joint`` keywords."""
    return {
        "treats": JOINT_TREATS,
        "ae_veto": JOINT_AE_VETO,
        "none_veto": JOINT_NONE_VETO,
        "ae_min": JOINT_AE_MIN,
        "rule_exemption": JOINT_RULE_EXEMPTION,
        "document_consistency": JOINT_DOCUMENT_CONSISTENCY,
        "less_veto": JOINT_LESS_VETO,
    }


def joint_for_fold(examples: tuple, exclude_ade_pmids: set[str]) -> JointModel:
    """The shipped joint model's recipe (decision constants above) without the ADE sentences of
    ``exclude_ade_pmids``: the joint model of an ADE evaluation fold (``evaluate --task ade``)."""
    settings = get_settings()
    joint, _stats = train_joint(
        None,
        settings.corpora_dir,
        None,
        examples=without_ade_pmids(examples, exclude_ade_pmids),
        folds=0,
        **joint_decisions(),
    )
    return joint


def shipped_sentence_model(examples: tuple) -> tuple[SentenceModel, dict]:
    """The sentence text classifier of the shipped recipe (constants above) on the joint model's ``examples``
    (:func:`joint_examples`), reading the static vectors of the settings' NER model."""
    annotated, others, _counts = examples
    ner_dir = resolve_model_dir(get_settings().ner_model, "ner")
    vectors = ner_dir / "vocab" if ner_dir is not None and (ner_dir / "vocab" / "vectors").exists() else None
    return train_sentence_model(
        annotated + others,
        epochs=SENTENCE_EPOCHS,
        weight=SENTENCE_WEIGHT,
        read_below=SENTENCE_READ_BELOW,
        vectors=vectors,
    )


def sentence_for_fold(examples: tuple, exclude_ade_pmids: set[str]) -> SentenceModel | None:
    """The shipped sentence classifier's recipe without the ADE sentences of ``exclude_ade_pmids``: the sentence
    classifier of an ADE evaluation fold (``evaluate --task ade``); None when the recipe has none."""
    if not SENTENCE_EPOCHS:
        return None
    return shipped_sentence_model(without_ade_pmids(examples, exclude_ade_pmids))[0]


def train_relations(
    models_dir: Path,
    version: str | None = None,
    bc5cdr_train: Path | None = None,
    ade_dir: Path | None = None,
    C: float = 0.1,
    cv_folds: int = 3,
    limit: int | None = None,
    concept_threshold: float | None = CONCEPT_THRESHOLD,
    manifestation_from: Path | None = None,
    annotations: tuple[Path, ...] | None = ANNOTATIONS,
    manifestation_rows: tuple[Path, ...] | None = MANIFESTATION_ROWS,
    indications: Path | None = INDICATIONS,
) -> Path:
    """Train on the shared corpora (defaults from settings) and write ``relations-<version>/``.

    ``concept_threshold`` replaces the out-of-fold stage-2 threshold (None keeps it).
    ``manifestation_from``: a ``relations-*`` folder whose ``disease_manifestation`` classifier
    (``manifestation.joblib``) is copied unchanged into the new folder.  ``annotations``: the
    hand-annotated sentence pairs the joint adverse-event / treatment model learns from with BioRED,
    BC5CDR and ADE (:mod:`extract.training.relations.joint`); None trains no joint model.  ``indications``: a
    known-indication table (:mod:`extract.relations.indications`) the new model ships; None or absent: none.
    """

    settings = get_settings()
    bc5cdr_train = bc5cdr_train or settings.corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"
    if ade_dir is None:
        candidate = settings.corpora_dir / "ade_corpus_v2"
        ade_dir = candidate if candidate.exists() else None
    model, stats = train_model(bc5cdr_train, ade_dir, C=C, cv_folds=cv_folds, limit=limit)
    stats["threshold_oof_train"] = model.thresholds.get("concept")
    if concept_threshold is not None:
        model.thresholds["concept"] = concept_threshold
        stats["thresholds"] = dict(model.thresholds)
        stats["threshold_source"] = (
            "BC5CDR development split, CID F1 end to end and with gold entities (training.CONCEPT_THRESHOLD)"
        )
    trees_path = vocab_files(settings.vocab_dir).ctd_diseases
    if trees_path.exists():
        model.trees = load_mesh_trees(trees_path)  # most-specific-disease filter
    stats["data"] = {
        "bc5cdr_train": str(bc5cdr_train),
        "ade": str(ade_dir) if ade_dir else None,
        "mesh_trees": str(trees_path) if model.trees else None,
    }
    joint = None
    if annotations is not None:
        linker_dir = resolve_model_dir(settings.linker_index, "linker")
        # The joint model's examples, shared with the sentence classifier below.
        examples = joint_training_examples(annotations, settings.corpora_dir, linker_dir)
        joint, stats["joint"] = train_joint(
            annotations,
            settings.corpora_dir,
            linker_dir,
            examples=examples,
            **joint_decisions(),
        )
        stats["data"]["annotations"] = [str(p) for p in annotations]
    sentence = None
    if joint is not None and SENTENCE_EPOCHS:
        sentence, stats["sentence_model"] = shipped_sentence_model(examples)
    table = None
    if indications is not None and Path(indications).exists():
        table = IndicationTable.load(Path(indications))
        stats["indications"] = {
            "pairs": len(table),
            "known_indications": sum(table.is_indication(d, t) for d, t in table.counts),
            "min_documents": table.min_documents,
            "ratio": table.ratio,
            "source": table.source,
        }
        stats["data"]["indications"] = str(indications)
    out = save_model(model, stats, models_dir, version, joint=joint, indications=table, sentence=sentence)
    manifestation = None
    if manifestation_from is not None:
        manifestation = copy_manifestation(Path(manifestation_from), out)
    row_files = [p for p in manifestation_rows or () if p.exists()]
    if row_files and (out / MANIFESTATION_ARTIFACT).exists():
        lexicon = ManifestationModel.load(out / MANIFESTATION_ARTIFACT).lexicon
        mfilter, stats["manifestation_filter"] = train_filter(
            row_files, lexicon, FILTER_THRESHOLD, hand=list(MANIFESTATION_HAND_LABELS) or None
        )
        joblib.dump(mfilter, out / FILTER_ARTIFACT, compress=3)
        meta_path = out / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["training"] = stats
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    write_model_card(out, stats, manifestation=manifestation)
    log.info("relation model written to %s", out)
    return out


def copy_manifestation(source: Path, out: Path) -> dict | None:
    """Copy ``source``'s disease_manifestation classifier into ``out`` (and its stats into meta.json)."""
    import shutil

    from extract.relations.manifestation import ARTIFACT

    if not (source / ARTIFACT).exists():
        log.warning("%s has no %s; disease_manifestation will come from the rules", source, ARTIFACT)
        return None
    shutil.copy2(source / ARTIFACT, out / ARTIFACT)
    src_meta = json.loads((source / "meta.json").read_text()) if (source / "meta.json").exists() else {}
    manif = dict(src_meta.get("manifestation") or {})
    manif["copied_from"] = source.name
    meta = json.loads((out / "meta.json").read_text())
    meta["manifestation"] = manif
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return manif


def latest_manifestation_source(models_dir: Path, exclude: str | None = None) -> Path | None:
    """The newest ``relations-*`` folder of ``models_dir`` (other than ``exclude``) holding a
    disease_manifestation classifier."""
    from extract.relations.manifestation import ARTIFACT
    from extract.settings import _version_key

    found = [p for p in Path(models_dir).glob("relations-*") if (p / ARTIFACT).exists() and p.name != exclude]
    return max(found, key=lambda p: _version_key(p.name[len("relations-") :])) if found else None


#: disease_manifestation decision threshold, chosen on ``data/gold/disease_manifestation_dev.jsonl``
#: (sweep 0.60-0.80; 0.65 gave P 0.857 / R 0.612 there, a dev figure).
MANIFESTATION_THRESHOLD = 0.65


def train_manifestation_release(
    models_dir: Path,
    version: str,
    base_model: Path | None = None,
    corpora_dir: Path | None = None,
    vocab_dir: Path | None = None,
    C: float = 0.3,
    cv_folds: int = 3,
    limit: int | None = None,
    threshold: float | None = MANIFESTATION_THRESHOLD,
) -> Path:
    """Write ``relations-<version>/``: the drug model of ``base_model`` (copied; retrained when
    None) plus a newly trained ``disease_manifestation`` classifier (``manifestation.joblib``).

    ``threshold``: decision threshold of the classifier (default: chosen on the dev gold set
    ``data/gold/disease_manifestation_dev.jsonl``; None keeps the out-of-fold threshold
    against the distant labels)."""
    import shutil

    from extract.relations.manifestation import ARTIFACT
    from extract.settings import get_settings
    from extract.training.relations.manifestation import train_manifestation

    settings = get_settings()
    corpora_dir = corpora_dir or settings.corpora_dir
    vocab_dir = vocab_dir or settings.vocab_dir
    out = Path(models_dir) / f"relations-{version}"
    if base_model is None:
        train_relations(models_dir, version=version, C=0.1, cv_folds=cv_folds, limit=limit)
        meta = json.loads((out / "meta.json").read_text())
    else:
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(base_model) / "model.joblib", out / "model.joblib")
        meta = json.loads((Path(base_model) / "meta.json").read_text())
        meta["drug_model_from"] = Path(base_model).name
    manif = train_manifestation(corpora_dir, vocab_dir, C=C, cv_folds=cv_folds, limit=limit)
    if threshold is not None:
        manif.threshold = threshold
        manif.stats["threshold_source"] = "chosen on the dev gold set data/gold/disease_manifestation_dev.jsonl"
    manif.save(out / ARTIFACT)
    meta["version"] = f"relations-{version}"
    meta["manifestation"] = manif.stats | {"threshold": manif.threshold, "artifact": ARTIFACT}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    write_model_card(out, meta.get("training", {}), manifestation=meta["manifestation"])
    return out


def _priors_card_text(priors: dict | None) -> str:
    """The model card's sentence on the stage-2 concept priors (``stats["concept_priors"]``: source -> key counts)."""
    if not priors:
        return ""
    what = {
        "cid": "the share of the BC5CDR training abstracts holding it in which it is in a CID pair",
        "ade": "the share of the ADE corpus sentences holding it in which it is in a drug -> effect pair",
    }
    return (
        f"  Plus {len(PRIOR_FEATURES)} concept-prior columns per source (relations >= 0.14.0; "
        "`extract.relations.concept_priors`): per chemical and per disease concept, "
        + "; then ".join(what[source] for source in priors)
        + " (smoothed towards the base rate), and their number; each training row reads the priors of the other "
        "PMID folds, the shipped model those of all its training data ("
        + "; ".join(
            f"{source}: {n['chemicals']} chemical and {n['diseases']} disease keys" for source, n in priors.items()
        )
        + ")."
    )


def write_model_card(
    model_dir: Path, stats: dict, evaluation: dict | None = None, manifestation: dict | None = None
) -> None:
    """MODEL_CARD.md: data, features, cross-validated training figures, dev figures when given."""
    lines = [
        f"# Relation model `{model_dir.name}`",
        "",
        "Decides `drug_adverse_event` (chemical -> disease it caused or worsened).  "
        "Without a joint model (below), `drug_treats_disease` comes from the rule set (`extract.relations.rules`) "
        f"and a rule 'treats' reading of a pair wins over the model unless its adverse-event score is >= {0.85}.  "
        "`disease_manifestation` comes from `manifestation.joblib` when the folder has one, else from the rules.",
        "",
        "## Data",
        f"- BC5CDR training split: {stats.get('n_bc5cdr_docs')} abstracts, gold mentions, CID concept pairs "
        "(every mention pair of a CID concept pair is a positive).",
        f"- ADE corpus v2: {stats.get('n_ade_sentences')} sentences (DRUG-AE pairs positive; other drug/effect "
        "combinations and dictionary-matched mentions of ADE-NEG sentences negative).",
    ]
    if stats.get("predicted_mention_views"):
        pv = stats["predicted_mention_views"]
        lines.append(
            f"- The same documents as the pipeline's NER ({pv.get('ner_model') or 'default model'}, with linking) "
            f"sees them: {pv.get('bc5cdr_docs')} BC5CDR "
            f"abstracts and {pv.get('ade_sentences')} ADE sentences, labels carried over from the gold mentions "
            "they overlap (`extract.training.relations.predicted_mentions`; relations >= 0.5.0)."
        )
    lines += [
        f"- Instances: {json.dumps(stats.get('instances'))}",
        "",
        "## Model",
        "Stage 1: two class-balanced logistic regressions (liblinear, C="
        f"{stats.get('C')}) over hashed sparse features ({stats.get('n_features')} buckets): one for mention pairs "
        "sharing a sentence, one for the closest mention pair of concept pairs that never share a sentence.  "
        "Features: words/bigrams between the mentions (cue region), two words before/after, rule decisions, "
        "trigger and negation cues, treatment cues, distance and order, title/section flags, mention counts and "
        "topic flags, entity texts and suffixes, 'with'-background flag, population qualifiers ('patients at "
        "high risk of Y', 'especially in cases with Y'), composition cues ('formed from X'), the word right before / after "
        "each mention of a same-sentence pair ('dopamine levels', 'Y patients'; relations-0.4.0).",
        "Stage 2: gradient-boosted trees (200 iterations, learning rate 0.05, 15 leaves) over concept pairs: "
        f"{len(AGG_FEATURES)} columns (`extract.relations.model.AGG_FEATURES`): aggregated stage-1 scores, "
        "title / topic / position / last-sentence flags, co-mention partner counts, dose / administration / "
        "protection cues of the chemical's sentences, outcome cues of the disease's sentences, adverse rule "
        "readings of the disease with *other* chemicals, treat readings of the chemical; trained on out-of-fold "
        "stage-1 scores." + _priors_card_text(stats.get("concept_priors")),
        f"Threshold: {json.dumps(stats.get('thresholds'))}; out-of-fold training threshold "
        f"{stats.get('threshold_oof_train', stats.get('thresholds', {}).get('concept'))}"
        + (f"; shipped threshold from the {stats['threshold_source']}." if stats.get("threshold_source") else "."),
        "Post-rules: a model reading whose disease is a background condition or population qualifier, or whose "
        "sentence states a composition, is dropped; keyword-line mentions are never paired; rule readings are "
        "kept below the threshold only for compound 'X-induced Y' (score 0.9); a disease is dropped for a drug "
        "when a MeSH descendant of it is also predicted for that drug (CTD MEDIC tree numbers): from the "
        "document-level pairs, while a sentence stating it keeps its relations row (twenty-second session).",
    ]
    if stats.get("event_phrase"):
        ep = stats["event_phrase"]
        lines += [
            "Adverse-event phrase (`tail_phrase`, `extract.relations.event_phrase`): the tail of a "
            "`drug_adverse_event` widened over the neighbouring words the ADE corpus counts as part of the effect, "
            "learnt from the ADE training sentences' predicted disease mentions that overlap a gold effect (a word is "
            "taken when it was inside the gold span at least twice and at least half the times it was met).  Most "
            f"frequent left words: {', '.join(ep.get('left', [])[:15])}; right words: "
            f"{', '.join(ep.get('right', [])[:10])}.",
        ]
    lines += [
        "",
        "## Cross-validated figures on the training data (gold mentions)",
        f"- BC5CDR train, concept pairs ({stats.get('cv_folds')} folds by PMID, out-of-fold threshold): "
        f"{json.dumps(stats.get('cv_concept_pairs_bc5cdr'))}",
        f"- ADE train, concept pairs per sentence: {json.dumps(stats.get('cv_concept_pairs_ade_gold_mentions'))}",
        f"- training time {stats.get('train_seconds')} s",
    ]
    if stats.get("joint"):
        js = stats["joint"]
        cv = js.get("cv_annotations", {})
        lines += [
            "",
            "## Joint adverse-event / treatment model (`joint.joblib`, relations >= 0.7.0)",
            "Every same-sentence drug–disease mention pair is scored as none / adverse_event / treats by one "
            f"multinomial logistic regression (lbfgs, C={js.get('C')}) over hashed sentence-local features, the "
            "sentence's words, title matches, the drug's MeSH pharmacological actions and (relations >= 0.9.0) the "
            "words right around each mention (`extract.relations.joint`).  An adverse-event reading is dropped when "
            "the pair reads as a treatment (P(treats) - P(adverse_event) > ae_veto), as no relation (none most "
            "likely and >= none_veto) or not clearly as an adverse event (P(adverse_event) < ae_min); strong "
            "causal rule readings are exempt from these vetoes only when `rule_exemption` is true (0.7.0-0.8.0); "
            "with `document_consistency` (>= 0.10.0) a document's adverse-event rows of a concept pair it reports "
            "as a treatment in at least as many sentences are dropped; with `less_veto` (>= 0.13.0) a same-sentence "
            "adverse-event row whose sentence gives the drug less of the effect than a comparator is dropped "
            "(`extract.relations.comparatives`); "
            "same-sentence `drug_treats_disease` rows are the pairs whose most likely class is treats with "
            "P(treats) >= treats (the rules still give the cross-sentence topic treatments).",
            f"- Thresholds: {json.dumps(js.get('thresholds'))}, rule_exemption {js.get('rule_exemption')}, "
            f"document_consistency {js.get('document_consistency')}, less_veto {js.get('less_veto')}; chosen on the "
            "annotated pairs' cross-validation and judged rows (treats, ae_min, rule_exemption, document_consistency, "
            "less_veto) and BC5CDR dev "
            "(veto, ae_min); see models/EXPERIMENTS.md.",
            f"- Examples per source and class (source weights {json.dumps(js.get('weights'))}): "
            f"{json.dumps(js.get('examples'))}.  Annotated pairs: `data/gold/relation_annotations/` (trial and "
            "review sentences, PMIDs disjoint from the relation audit); BioRED train+dev chemical–disease pairs "
            "(Negative_Correlation -> treats, Positive_Correlation -> adverse event; abstracts of BC5CDR dev/test "
            "left out); BC5CDR train CID and ADE drug–effect pairs -> adverse event.",
            f"- Annotated pairs, {cv.get('folds')}-fold PMID-grouped cross-validation (other sources in every "
            f"training fold): treats {json.dumps(cv.get('treats'))}; judged adverse-event rows of earlier "
            f"versions kept by the vetoes: {json.dumps(cv.get('adverse_event_rows'))}.",
        ]
    if stats.get("sentence_model"):
        sm = stats["sentence_model"]
        lines += [
            "",
            "## Sentence text classifier (`sentence_textcat/`, relations >= 0.11.0)",
            "A spaCy `textcat` (TextCatEnsemble: bag of words and bigrams + CNN over hashed NORM/PREFIX/SUFFIX/SHAPE "
            f"embeddings of width {sm.get('width')} and the static floret vectors of the NER model) over the sentence "
            "with the drug in `[[ ]]` and the disease in `{{ }}`, classes none / adverse_event / treats, trained from "
            "scratch on the joint model's examples (annotated pairs seen 3 times per epoch, BioRED once, BC5CDR and "
            f"ADE sampled at 0.3: {sm.get('pool')} examples, {sm.get('epochs')} epochs, {sm.get('train_seconds')} s; "
            "`extract.training.relations.sentence_model`).  A same-sentence adverse-event row the joint model keeps "
            f"with P(adverse_event) below {sm.get('read_below')} is kept only if the average of the two models' "
            f"probabilities (joint weight {sm.get('weight_of_joint_model')}) passes the joint model's vetoes too "
            "(`extract.relations.sentence_model`).",
        ]
    if stats.get("indications"):
        ind = stats["indications"]
        lines += [
            "",
            "## Known indications (`indications.json.gz`, relations >= 0.11.0)",
            "A drug and a disease that never share a sentence are reported as an adverse event only from the document "
            "as a whole; in trial abstracts such topical pairs are mostly the drug's indication (fentanyl and pain in "
            "an analgesia trial).  The table counts, per (drug, disease) concept pair, the documents of the training "
            f"draws ({ind.get('source')}; `data/indications/README.md`) whose same-sentence rows state it as a "
            "treatment and as an adverse event; a cross-sentence adverse-event reading of a pair with at least "
            f"{ind.get('min_documents')} treatment documents and at least {ind.get('ratio')} times as many treatment "
            "as adverse-event documents is dropped (`extract.relations.indications`).  Rows whose sentence states the "
            "adverse event are decided by the sentence models alone.",
            f"- {ind.get('pairs')} concept pairs stored, {ind.get('known_indications')} of them known indications.",
        ]
    if stats.get("manifestation_filter"):
        mf = stats["manifestation_filter"]
        lines += [
            "",
            "## Manifestation row filter (`manifestation_filter.joblib`, relations >= 0.8.0)",
            "A class-balanced logistic regression (liblinear, C="
            f"{mf.get('C')}) over the manifestation classifier's pair features plus the sentence's words and the two "
            "mention texts, trained on "
            f"{mf.get('rows')} `disease_manifestation` rows judged by hand ({mf.get('right')} right; "
            "`data/gold/relation_annotations/manifestation_rows*.jsonl`: rows relations-0.7.0 to 0.9.0 wrote on "
            "trial and review abstracts disjoint from the relation audit, and rows on BC5CDR / NCBI-disease training "
            "abstracts).  A row is kept when its probability of "
            f"being right is >= {mf.get('threshold')} (`extract.relations.manifestation_filter`).",
            "- 5-fold PMID-grouped cross-validation over the judged rows (precision/recall of the right rows kept): "
            + "; ".join(
                f"{r['threshold']}: P {r['precision']:.3f} R {r['recall']:.3f}" for r in mf.get("cv_by_threshold", [])
            ),
        ]
    if manifestation:
        lines += [
            "",
            "## disease_manifestation classifier (`manifestation.joblib`)",
            "Class-balanced logistic regression (liblinear, C="
            f"{manifestation.get('C')}) over hashed pair features ({manifestation.get('n_features')} buckets; "
            "words/bigrams between, 3 words before/after, order, distance, trigger cues, precise-pattern and rule "
            "flags, generic-mention and suffix shapes, HPO phenotype-lexicon flags, drug-event flags), trained by "
            "distant supervision on same-sentence disease pairs of the TRAINING splits of BC5CDR, NCBI disease and "
            "BioRED (gold mentions, no relation labels): positive when the HPO annotations (phenotype.hpoa) link "
            "the head disease (OMIM/ORPHA via concept id, CTD/DOID cross-references or name) to the tail phenotype "
            "(or a descendant) or when a precise pattern fires; pairs the guideline excludes (abbreviation/synonym, "
            "hypernym, coordinated, gene mentions) are negatives and are never predicted.",
            f"- pairs {manifestation.get('n_pairs')}, positives {manifestation.get('n_positive')}, label sources "
            f"{json.dumps(manifestation.get('label_sources'))}",
            f"- out-of-fold figures against the distant labels: {json.dumps(manifestation.get('cv_distant_labels'))}; "
            f"threshold {manifestation.get('threshold')} ({manifestation.get('threshold_source')})",
        ]
        if manifestation.get("copied_from"):
            lines.append(f"- copied unchanged from `{manifestation['copied_from']}` (not retrained with this folder)")
    if evaluation:
        lines += ["", "## Development figures", ""]
        for name, res in evaluation.items():
            keep = {
                k: res[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn", "n_docs", "n_sentences") if k in res
            }
            lines.append(f"- {name}: {json.dumps(keep)}")
    lines += [
        "",
        "Reproduce: `biomed-extract train relations --version <v>`; "
        "`biomed-extract evaluate --task cid --corpus ../shared/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt "
        "[--gold-entities]`.",
        "",
    ]
    (Path(model_dir) / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
