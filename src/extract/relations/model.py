"""The trained relation model: hashed sparse features + logistic regression, and its extractor.

Artifact layout (``models/relations-<version>/``): ``model.joblib`` (a dict: two scikit-learn
``LogisticRegression`` classifiers, ``intra`` for pairs sharing a sentence and ``inter`` for
concept pairs that never do, the hashing size and decision thresholds), ``meta.json`` and
``MODEL_CARD.md``.  ``drug_treats_disease`` comes from the rule set; the model decides
``drug_adverse_event`` and overrides the rules' treatment reading when it is confident the pair is
an adverse event.  ``disease_manifestation`` comes from the distantly supervised classifier of
:mod:`extract.relations.manifestation` when the folder holds ``manifestation.joblib``
(relations-0.2.0 and later), else from the rule set.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.relations.candidates import concept_key
from extract.relations.event_phrase import EventPhrase
from extract.relations.instances import Instance, drug_disease_instances
from extract.relations.manifestation import ARTIFACT as MANIFESTATION_ARTIFACT
from extract.relations.manifestation import ManifestationModel
from extract.relations.rules import (
    COMPOSITION,
    RuleExtractor,
    disease_prefix_cues,
    disease_qualifier,
    drug_disease_signals,
)
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    RelationCandidate,
)
from extract.vocab.ctd import ctd_tree_numbers

N_FEATURES = 2**18
# An adverse-event score above this overrides a rule "treats" reading of the same pair.
ADE_OVER_TREAT = 0.85


AGG_FEATURES = (
    "max_intra",
    "mean_intra",
    "n_intra",
    "n_sent_together",
    "inter",
    "has_intra",
    "min_sent_dist",
    "chem_in_title",
    "dis_in_title",
    "chem_top",
    "dis_top",
    "chem_n",
    "dis_n",
    "chem_rank",
    "dis_rank",
    "n_chem_concepts",
    "n_dis_concepts",
    "max_rule_ade",
    "max_rule_treat",
    "any_neg",
    "any_background",
    "first_chem",
    "first_dis",
    "n_sentences",
)
# Stage-2 columns added in relations-0.3.0 (a model stores the columns it was trained on in
# ``PairModel.agg_features``; older pickles use ``AGG_FEATURES_V1``).
AGG_FEATURES_V1 = AGG_FEATURES
AGG_FEATURES = AGG_FEATURES_V1 + (
    "title_chem_only",
    "n_title_dis",
    "pair_last_sents",
    "chem_last_sents",
    "dis_last_sents",
    "chem_partners",
    "dis_partners",
    "first_chem_pos",
    "first_dis_pos",
    "dis_n_sents",
    "chem_n_sents",
    "frac_intra_hi",
    "max_qualifier",
    "any_composition",
    "all_treat",
    "dis_before_chem",
    "chem_dose",
    "chem_admin",
    "chem_protect",
    "chem_any_treat",
    "dis_other_chem_ade",
    "dis_outcome_cue",
    "dis_other_chem_compound",
)
# Cues of the sentences a concept is mentioned in (stage-2 columns).
_DOSE = re.compile(
    r"^\W{0,3}(?:\(\s*)?\d[\d.,]*\s*(?:-\s*\d[\d.,]*\s*)?(?:mg|g|mcg|ug|\u00b5g|ng|mmol|mol|ml|iu|units?|%)\b", re.I
)
_ADMIN = re.compile(
    r"\b(?:administ\w*|inject\w*|infus\w*|given|receiv\w*|treated with|dose[sd]?|dosing|intake|ingest\w*|exposure|exposed|overdose|therapy|regimen)\b",
    re.I,
)
_PROTECT = re.compile(
    r"\b(?:protect\w*|attenuat\w*|prevent\w*|antagoni\w*|revers\w*|ameliorat\w*|inhibit\w*|block\w*|reduc\w*|suppress\w*|abolish\w*)\b",
    re.I,
)
_OUTCOME = re.compile(
    r"\b(?:develop\w*|induc\w*|occur\w*|incidence|caus\w*|toxicit\w*|adverse|side[- ]effects?|complication\w*|onset|after|following)\b",
    re.I,
)


def aggregate(
    doc: DocumentView, instances: list[Instance], scores: np.ndarray
) -> tuple[list[tuple[str, str]], np.ndarray, list[int]]:
    """Concept-pair rows: aggregated mention-pair scores and document features.

    Returns the concept keys, the feature matrix (columns ``AGG_FEATURES``) and, per row, the
    index of its best instance (the evidence).
    """
    chem_counts = Counter(concept_key(e) for e in doc.entities if e.label == "CHEMICAL")
    dis_counts = Counter(concept_key(e) for e in doc.entities if e.label == "DISEASE")
    chem_rank = {k: r for r, (k, _) in enumerate(chem_counts.most_common())}
    dis_rank = {k: r for r, (k, _) in enumerate(dis_counts.most_common())}
    first_chem = next((concept_key(e) for e in doc.entities if e.label == "CHEMICAL"), None)
    first_dis = next((concept_key(e) for e in doc.entities if e.label == "DISEASE"), None)
    n_sent = max(1, len(doc.sentences))
    last = {s.index for s in doc.sentences[-2:]}
    sents_of: dict[str, set[int]] = {}
    first_pos: dict[str, int] = {}
    for e in doc.entities:
        k = concept_key(e)
        sents_of.setdefault(k, set()).add(e.sentence_index)
        first_pos[k] = min(first_pos.get(k, e.start), e.start)
    title_chems = {concept_key(e) for e in doc.entities if e.label == "CHEMICAL" and _in_title(doc, e)}
    title_dis = {concept_key(e) for e in doc.entities if e.label == "DISEASE" and _in_title(doc, e)}
    partners: dict[str, set[str]] = {}
    chem_treat: dict[str, float] = {}
    ade_by: dict[str, dict[str, float]] = {}  # disease -> chemical -> best rule adverse score
    compound_by: dict[str, set[str]] = {}  # disease -> chemicals with an "X-induced Y" reading
    for inst in instances:
        if inst.intra:
            ck, dk = concept_key(inst.chem), concept_key(inst.dis)
            partners.setdefault("c:" + ck, set()).add(dk)
            partners.setdefault("d:" + dk, set()).add(ck)
            chem_treat[ck] = max(chem_treat.get(ck, 0.0), inst.features.get("rule_treat", 0.0))
            ade_by.setdefault(dk, {})[ck] = max(ade_by.get(dk, {}).get(ck, 0.0), inst.features.get("rule_ade", 0.0))
            if inst.features.get("rule_ade_compound"):
                compound_by.setdefault(dk, set()).add(ck)
    cue: dict[str, set[str]] = {}
    sent_cues: dict[int, tuple[bool, bool]] = {}  # sentence -> (admin, protect), for chemicals
    sent_outcome: dict[int, bool] = {}  # sentence -> outcome cue, for diseases
    n_doc_sents = len(doc.sentences)
    for e in doc.entities:
        k = concept_key(e)
        si = e.sentence_index
        flags = cue.setdefault(k, set())
        if e.label == "CHEMICAL":
            if _DOSE.match(doc.text[e.end : e.end + 25]):
                flags.add("dose")
            sc = sent_cues.get(si)
            if sc is None:
                sent = doc.sentence_text(si) if si < n_doc_sents else ""
                sc = sent_cues[si] = (bool(_ADMIN.search(sent)), bool(_PROTECT.search(sent)))
            if sc[0]:
                flags.add("admin")
            if sc[1]:
                flags.add("protect")
        else:
            outcome = sent_outcome.get(si)
            if outcome is None:
                sent = doc.sentence_text(si) if si < n_doc_sents else ""
                outcome = sent_outcome[si] = bool(_OUTCOME.search(sent))
            if outcome:
                flags.add("outcome")
    groups: dict[tuple[str, str], list[int]] = {}
    for i, inst in enumerate(instances):
        groups.setdefault((concept_key(inst.chem), concept_key(inst.dis)), []).append(i)
    # Per-instance values read by the group columns (one pass per group below; max/min keep the
    # first extreme value like the built-ins).
    feats = [inst.features for inst in instances]
    is_intra = [inst.intra for inst in instances]
    c_sent = [inst.chem.sentence_index for inst in instances]
    d_sent = [inst.dis.sentence_index for inst in instances]
    f_ade = [f.get("rule_ade", 0.0) for f in feats]
    f_treat = [f.get("rule_treat", 0.0) for f in feats]
    f_neg = [f.get("neg", 0.0) for f in feats]
    f_bg = [f.get("background", 0.0) for f in feats]
    f_comp = [f.get("composition", 0.0) for f in feats]
    # ``disease_qualifier`` gives the only "qual=" features: "qual=at_risk" / "qual=subgroup".
    f_qual = ["qual=at_risk" in f or "qual=subgroup" in f for f in feats]
    score_f = scores.tolist()
    n_doc_sentences = len(doc.sentences)
    n_chem_concepts, n_dis_concepts = len(chem_counts), len(dis_counts)
    n_title_dis = len(title_dis)
    empty: set = set()
    keys, rows, best = [], [], []
    for key, idx in groups.items():
        ck, dk = key
        s_intra: list[float] = []
        intra_sents: set[int] = set()
        inter_max = min_dist = None
        i0 = idx[0]
        ade_max, treat_max, neg_max, bg_min, comp_max = f_ade[i0], f_treat[i0], f_neg[i0], f_bg[i0], f_comp[i0]
        any_qual = intra_last = False
        all_treat = True
        best_i = None
        for i in idx:
            if is_intra[i]:
                s_intra.append(score_f[i])
                intra_sents.add(c_sent[i])
                if c_sent[i] in last:
                    intra_last = True
                if not f_treat[i] > 0:
                    all_treat = False
            else:
                v = score_f[i]
                if inter_max is None or v > inter_max:
                    inter_max = v
            d = abs(c_sent[i] - d_sent[i])
            if min_dist is None or d < min_dist:
                min_dist = d
            if f_ade[i] > ade_max:
                ade_max = f_ade[i]
            if f_treat[i] > treat_max:
                treat_max = f_treat[i]
            if f_neg[i] > neg_max:
                neg_max = f_neg[i]
            if f_bg[i] < bg_min:
                bg_min = f_bg[i]
            if f_comp[i] > comp_max:
                comp_max = f_comp[i]
            if f_qual[i]:
                any_qual = True
            if best_i is None or (is_intra[i], scores[i]) > (is_intra[best_i], scores[best_i]):
                best_i = i
        n_intra = len(s_intra)
        if n_intra == 0:
            mean_intra = 0.0
        elif n_intra <= 2:
            mean_intra = sum(s_intra) / n_intra  # same as np.mean for one or two values
        else:
            mean_intra = float(np.mean(s_intra))
        f0 = feats[i0]
        chem_sents = sents_of.get(ck, empty)
        dis_sents = sents_of.get(dk, empty)
        chem_cue = cue.get(ck, ())
        rows.append(
            [
                max(s_intra) if s_intra else 0.0,
                mean_intra,
                n_intra,
                len(intra_sents),
                0.0 if inter_max is None else inter_max,
                1.0 if n_intra else 0.0,
                min_dist,
                f0.get("chem_in_title", 0.0),
                f0.get("dis_in_title", 0.0),
                f0.get("chem_top", 0.0),
                f0.get("dis_top", 0.0),
                chem_counts[ck],
                dis_counts[dk],
                chem_rank.get(ck, 99),
                dis_rank.get(dk, 99),
                n_chem_concepts,
                n_dis_concepts,
                ade_max,
                treat_max,
                neg_max,
                bg_min,
                1.0 if ck == first_chem else 0.0,
                1.0 if dk == first_dis else 0.0,
                n_doc_sentences,
                # relations-0.3.0 columns
                1.0 if title_chems == {ck} else 0.0,
                n_title_dis,
                1.0 if intra_last else 0.0,
                1.0 if chem_sents & last else 0.0,
                1.0 if dis_sents & last else 0.0,
                len(partners.get("c:" + ck, ())),
                len(partners.get("d:" + dk, ())),
                min(sents_of.get(ck, {0})) / n_sent,
                min(sents_of.get(dk, {0})) / n_sent,
                len(dis_sents),
                len(chem_sents),
                sum(v >= 0.5 for v in s_intra) / n_intra if n_intra else 0.0,
                1.0 if any_qual else 0.0,
                comp_max,
                1.0 if n_intra and all_treat else 0.0,
                1.0 if first_pos.get(dk, 0) < first_pos.get(ck, 0) else 0.0,
                1.0 if "dose" in chem_cue else 0.0,
                1.0 if "admin" in chem_cue else 0.0,
                1.0 if "protect" in chem_cue else 0.0,
                chem_treat.get(ck, 0.0),
                max((v for c, v in ade_by.get(dk, {}).items() if c != ck), default=0.0),
                1.0 if "outcome" in cue.get(dk, ()) else 0.0,
                1.0 if compound_by.get(dk, empty) - {ck} else 0.0,
            ]
        )
        keys.append(key)
        best.append(best_i)
    return keys, np.array(rows, dtype=np.float64).reshape(len(rows), len(AGG_FEATURES)), best


def _in_title(doc: DocumentView, e) -> bool:
    if e.sentence_index < len(doc.sentences) and doc.sentences[e.sentence_index].section == "title":
        return True
    return e.sentence_index == 0 and bool(doc.title)


def agg_columns(model: PairModel) -> list[int]:
    """Column indexes of ``AGG_FEATURES`` the model's stage 2 was trained on."""
    names = getattr(model, "agg_features", None) or AGG_FEATURES_V1
    return [AGG_FEATURES.index(n) for n in names]


def fit_concept_model(X: np.ndarray, y: np.ndarray) -> HistGradientBoostingClassifier | None:
    """Stage-2 classifier; None when the rows hold a single class (tiny data)."""
    if len(y) < 2 or len(set(int(v) for v in y)) < 2:
        return None
    # No early stopping (relations <= 0.4.0 used scikit-learn's default "auto", which above 10,000 rows holds
    # out a random tenth as its validation set, never trained on, even when all 200 iterations run anyway).
    clf = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0, early_stopping=False
    )
    clf.fit(X, y)
    return clf


@dataclass
class PairModel:
    """Two logistic regressions over hashed features and their thresholds."""

    intra: LogisticRegression
    inter: LogisticRegression | None
    thresholds: dict[str, float] = field(default_factory=lambda: {"intra": 0.5, "inter": 0.5, "concept": 0.5})
    n_features: int = N_FEATURES
    # Second stage over concept pairs (see ``aggregate``); None: threshold the mention scores.
    concept: HistGradientBoostingClassifier | None = None
    # MeSH tree numbers per disease id (CTD MEDIC) for the most-specific-disease filter.
    trees: dict[str, tuple[str, ...]] | None = None
    # Stage-2 columns (names from ``AGG_FEATURES``); None: ``AGG_FEATURES_V1`` (relations <= 0.2.0).
    agg_features: tuple[str, ...] | None = None
    # Trained with the mention-neighbour features (relations >= 0.4.0); older pickles read the default.
    neighbour_features: bool = False
    # Adverse-event phrase widening learnt from the ADE corpus (relations >= 0.5.0); older pickles: None.
    event_phrase: EventPhrase | None = None

    def hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)

    def score(self, instances: list[Instance]) -> np.ndarray:
        """Probability of an adverse-event relation per instance."""
        out = np.zeros(len(instances), dtype=np.float64)
        hasher = self.hasher()
        for flag, clf in ((True, self.intra), (False, self.inter)):
            idx = [i for i, inst in enumerate(instances) if inst.intra == flag]
            if not idx or clf is None:
                continue
            X = hasher.transform([instances[i].features for i in idx])
            # Same as clf.predict_proba(X)[:, 1] without sklearn's per-call validation cost.
            z = X @ clf.coef_.ravel() + clf.intercept_[0]
            out[idx] = 1.0 / (1.0 + np.exp(-z))
        return out

    def accepts(self, inst: Instance, score: float) -> bool:
        return score >= self.thresholds["intra" if inst.intra else "inter"]


def fit_pair_model(
    instances: list[Instance], C: float = 0.5, n_features: int = N_FEATURES, thresholds: dict[str, float] | None = None
) -> PairModel:
    """Fit the intra- and inter-sentence classifiers (class-balanced logistic regression)."""
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    models: dict[bool, LogisticRegression | None] = {}
    for flag in (True, False):
        part = [i for i in instances if i.intra == flag]
        labels = np.array([i.label for i in part])
        if len(part) < 2 or labels.min() == labels.max():
            models[flag] = None
            continue
        clf = LogisticRegression(C=C, max_iter=3000, solver="liblinear", class_weight="balanced")
        clf.fit(hasher.transform([i.features for i in part]), labels)
        models[flag] = clf
    if models[True] is None:
        raise ValueError("no intra-sentence training pairs with both labels")
    return PairModel(models[True], models[False], thresholds or {"intra": 0.5, "inter": 0.5}, n_features)


# Rule readings at least this strong ("X-induced Y" 0.9, "X causes / results in Y" 0.85, other
# trigger readings 0.8) are kept below the model threshold when the stage-2 probability of their
# concept pair is at least RULE_FLOOR (selected with the threshold on BC5CDR dev, end to end).
STRONG_RULE = 0.8
RULE_FLOOR = 0.15


def _background(doc: DocumentView, dis) -> bool:
    """The disease is a background condition or names a population ("patients with Y",
    "patients at high risk of Y", "especially in cases with Y")."""
    if disease_prefix_cues(doc, dis)[0]:  # BACKGROUND before the disease
        return True
    return bool(disease_qualifier(doc, dis))


def _composition(doc: DocumentView, chem, dis) -> bool:
    """Same-sentence pair whose text between is a composition ("Y deposits are formed from X")."""
    first_end = min(chem.end, dis.end)
    second_start = max(chem.start, dis.start)
    return second_start > first_end and bool(COMPOSITION.search(doc.text[first_end:second_start]))


def most_specific(
    ade: dict[tuple[str, str], RelationCandidate], trees: dict[str, tuple[str, ...]]
) -> dict[tuple[str, str], RelationCandidate]:
    """Drop a drug's disease concept when a descendant concept is also predicted for that drug.

    BC5CDR annotates the most specific disease; MeSH tree numbers (CTD MEDIC) give ancestry.
    """
    by_drug: dict[str, set[str]] = {}
    for c in ade.values():
        if not c.negated and c.tail.concept_id:
            by_drug.setdefault(concept_key(c.head), set()).add(c.tail.concept_id)
    drop: set[tuple[str, str]] = set()
    for drug, diseases in by_drug.items():
        for d1 in diseases:
            t1 = trees.get(d1, ())
            if not t1:
                continue
            for d2 in diseases:
                if d2 != d1 and any(t2.startswith(a + ".") for t2 in trees.get(d2, ()) for a in t1):
                    drop.add((drug, d1))
                    break
    return {k: c for k, c in ade.items() if (concept_key(c.head), c.tail.concept_id) not in drop}


def load_mesh_trees(path: Path) -> dict[str, tuple[str, ...]]:
    """MeSH disease id -> tree numbers (dotted) from CTD_diseases.tsv(.gz)."""
    return ctd_tree_numbers(path)


@dataclass
class _DocState:
    """One document's work before the stage-2 probabilities (see ``ModelExtractor.extract_many``)."""

    doc: DocumentView
    rule_cands: list[RelationCandidate]
    instances: list[Instance]
    scores: np.ndarray
    keys: list[tuple[str, str]] = field(default_factory=list)
    X: np.ndarray | None = None  # stage-2 rows (the model's columns), None without stage 2
    best: list[int] = field(default_factory=list)
    negated: dict[int, bool] = field(default_factory=dict)
    manifestation: list[RelationCandidate] = field(default_factory=list)


def _attempt(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:
        return exc


def with_event_phrase(doc: DocumentView, c: RelationCandidate, phrase: EventPhrase) -> RelationCandidate:
    """``c`` with the adverse event as stated around its tail (see :mod:`extract.relations.event_phrase`)."""
    sent = doc.sentences[c.tail.sentence_index]
    drug = c.head if c.head.sentence_index == c.tail.sentence_index else None
    start, end = phrase.widen(doc.text, (sent.start, sent.end), c.tail, drug)
    return replace(c, phrase_start=start, phrase_end=end)


class ModelExtractor:
    """Relation extractor backed by a :class:`PairModel` plus the rule set."""

    method = "model"

    def __init__(self, model: PairModel, version: str, manifestation: ManifestationModel | None = None):
        self.model = model
        self.version = version
        self.rules = RuleExtractor()
        self.manifestation = manifestation

    @classmethod
    def load(cls, model_dir: Path) -> ModelExtractor:
        model_dir = Path(model_dir)
        payload = joblib.load(model_dir / "model.joblib")
        meta = json.loads((model_dir / "meta.json").read_text()) if (model_dir / "meta.json").exists() else {}
        version = meta.get("version") or model_dir.name
        manifestation = None
        if (model_dir / MANIFESTATION_ARTIFACT).exists():
            manifestation = ManifestationModel.load(model_dir / MANIFESTATION_ARTIFACT)
        return cls(payload["model"], version, manifestation)

    def save(self, model_dir: Path, meta: dict) -> None:
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        joblib.dump({"model": self.model}, model_dir / "model.joblib", compress=3)
        if self.manifestation is not None:
            self.manifestation.save(model_dir / MANIFESTATION_ARTIFACT)
        (model_dir / "meta.json").write_text(json.dumps({"version": self.version, **meta}, indent=2) + "\n")

    def extract(self, doc: DocumentView) -> list[RelationCandidate]:
        state = self._prepare(doc)
        self._score_instances([state])
        self._aggregate(state)
        return self._finish(state, self._concept_probs([state])[0])

    def extract_many(self, docs: list[DocumentView], batch: int = 256) -> list[list[RelationCandidate] | Exception]:
        """``extract`` for each document, with the mention-pair and stage-2 classifiers called once per
        ``batch`` documents (on one document's few rows their per-call cost dominates).  Results are those
        of ``extract``: each row is scored independently.  A document that fails gets its exception in
        place of its candidates."""
        out: list[list[RelationCandidate] | Exception] = []
        for lo in range(0, len(docs), batch):
            states: list[_DocState | Exception] = [_attempt(self._prepare, doc) for doc in docs[lo : lo + batch]]
            self._batched(states, self._score_instances)
            states = [s if isinstance(s, Exception) else _attempt(self._aggregate, s) for s in states]
            probs = self._batched(states, self._concept_probs)
            for s, p in zip(states, probs):
                out.append(
                    s if isinstance(s, Exception) else p if isinstance(p, Exception) else _attempt(self._finish, s, p)
                )
        return out

    @staticmethod
    def _batched(states: list, step) -> list:
        """``step`` over the states that are not exceptions, all at once; per state if the batch fails
        (the failing state's result becomes its exception, and so does the state)."""
        ok = [i for i, s in enumerate(states) if not isinstance(s, Exception)]
        results: list = [None] * len(states)
        try:
            for i, r in zip(ok, step([states[i] for i in ok]) or [None] * len(ok)):
                results[i] = r
        except Exception:
            for i in ok:
                try:
                    results[i] = (step([states[i]]) or [None])[0]
                except Exception as exc:
                    results[i] = states[i] = exc
        for i, s in enumerate(states):
            if isinstance(s, Exception):
                results[i] = s
        return results

    def _prepare(self, doc: DocumentView) -> _DocState:
        """Rules, candidate instances and manifestation candidates of one document."""
        rule_cands = self.rules.extract(doc)
        instances = drug_disease_instances(doc, neighbours=self.model.neighbour_features)
        state = _DocState(doc, rule_cands, instances, np.zeros(0))
        # Negation of the intra pairs' rule readings (used for the accepted ones).
        state.negated = {
            id(inst): any(sig.negated for sig in drug_disease_signals(doc, inst.chem, inst.dis))
            for inst in instances
            if inst.intra
        }
        if self.manifestation is not None:
            state.manifestation = self.manifestation.candidates(doc, method=self.method)
        return state

    def _score_instances(self, states: list[_DocState]) -> None:
        """Mention-pair probabilities of all states' instances, one classifier call per kind."""
        everything = [inst for s in states for inst in s.instances]
        scores = self.model.score(everything) if everything else np.zeros(0)
        at = 0
        for s in states:
            n = len(s.instances)
            s.scores = scores[at : at + n] if n else np.zeros(0)
            at += n

    def _aggregate(self, state: _DocState) -> _DocState:
        if self.model.concept is not None and state.instances:
            state.keys, X, state.best = aggregate(state.doc, state.instances, state.scores)
            state.X = X[:, agg_columns(self.model)]
        return state

    def _concept_probs(self, states: list[_DocState]) -> list[np.ndarray | None]:
        """Stage-2 probabilities per document (None without a stage-2 model or instances), one
        ``predict_proba`` call for all documents."""
        with_rows = [s for s in states if s.X is not None]
        out: dict[int, np.ndarray] = {}
        if with_rows:
            X = np.concatenate([s.X for s in with_rows], axis=0) if len(with_rows) > 1 else with_rows[0].X
            probs = self.model.concept.predict_proba(X)[:, 1]
            at = 0
            for s in with_rows:
                n = s.X.shape[0]
                out[id(s)] = probs[at : at + n]
                at += n
        return [out.get(id(s)) for s in states]

    def _finish(self, state: _DocState, probs: np.ndarray | None) -> list[RelationCandidate]:
        doc, rule_cands, instances, scores = state.doc, state.rule_cands, state.instances, state.scores
        ade: dict[tuple[str, str], RelationCandidate] = {}
        chosen: list[tuple[Instance, float]] = []
        concept_prob: dict[tuple[str, str], float] = {}
        if probs is not None:
            _keys, best = state.keys, state.best
            concept_prob = {k: float(p) for k, p in zip(_keys, probs)}
            thr = self.model.thresholds.get("concept", 0.5)
            chosen = [(instances[b], float(p)) for b, p in zip(best, probs) if p >= thr]
            # Every other same-sentence mention pair of an accepted concept pair is evidence too.
            accepted = {(concept_key(i.chem), concept_key(i.dis)): p for i, p in chosen}
            chosen += [
                (inst, accepted[(concept_key(inst.chem), concept_key(inst.dis))] * 0.999)
                for inst in instances
                if inst.intra
                and (concept_key(inst.chem), concept_key(inst.dis)) in accepted
                and all(inst is not c for c, _ in chosen)
            ]
        else:
            chosen = [(i, float(s)) for i, s in zip(instances, scores) if self.model.accepts(i, float(s))]
        for inst, score in chosen:
            negated = False
            if inst.intra:
                negated = state.negated[id(inst)]
            ade[(inst.chem.entity_id, inst.dis.entity_id)] = RelationCandidate(
                type=DRUG_ADVERSE_EVENT,
                head=inst.chem,
                tail=inst.dis,
                sentence_index=inst.chem.sentence_index if inst.intra else inst.dis.sentence_index,
                score=score,
                negated=negated,
                method=self.method,
            )
        # Strong rule readings ("X-induced Y", "X ... results in Y") are kept even below threshold;
        # a model reading whose disease is a background condition ("patients with Y") is dropped.
        for c in rule_cands:
            key = (c.head.entity_id, c.tail.entity_id)
            if c.type == DRUG_ADVERSE_EVENT and c.score >= STRONG_RULE and key not in ade:
                if concept_prob.get((concept_key(c.head), concept_key(c.tail)), 1.0) >= RULE_FLOOR:
                    ade[key] = c
        for key, c in list(ade.items()):
            if (
                c.method == self.method
                and c.head.sentence_index == c.tail.sentence_index
                and (_background(doc, c.tail) or _composition(doc, c.head, c.tail))
            ):
                del ade[key]
        if self.model.trees:
            ade = most_specific(ade, self.model.trees)
        phrase = getattr(self.model, "event_phrase", None)
        if phrase is not None:
            ade = {key: with_event_phrase(doc, c, phrase) for key, c in ade.items()}
        out: list[RelationCandidate] = []
        for c in rule_cands:
            key = (c.head.entity_id, c.tail.entity_id)
            if c.type == DRUG_TREATS_DISEASE and key in ade:
                if ade[key].score >= ADE_OVER_TREAT:
                    continue  # the model is confident it is an adverse event
                del ade[key]
            if c.type == DRUG_ADVERSE_EVENT:
                continue  # the model decides adverse events
            if c.type == DISEASE_MANIFESTATION and self.manifestation is not None:
                continue  # the manifestation classifier decides disease -> manifestation pairs
            out.append(c)
        out.extend(ade.values())
        if self.manifestation is not None:
            # A drug's adverse event is not a manifestation of a co-mentioned disease
            # ("dystrophic calcification in patients with autoimmune disorders following teriparatide").
            # The drug must follow the disease head ("T in patients with H following DRUG"): a drug
            # named before it ("DRUG-induced H ... presented with T") does not own T.
            ade_drugs: dict[str, list[int]] = {}
            for c in ade.values():
                if not c.negated and c.head.sentence_index == c.tail.sentence_index:
                    ade_drugs.setdefault(c.tail.entity_id, []).append(c.head.start)
            out.extend(
                m
                for m in state.manifestation
                if not any(start > m.head.end for start in ade_drugs.get(m.tail.entity_id, ()))
            )
        return out
