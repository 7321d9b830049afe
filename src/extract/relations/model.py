"""The trained relation model: hashed sparse features + logistic regression, and its extractor.

Artifact layout (``models/relations-<version>/``): ``model.joblib`` (a dict: two scikit-learn
``LogisticRegression`` classifiers, ``intra`` for pairs sharing a sentence and ``inter`` for
concept pairs that never do, the hashing size and decision thresholds), ``meta.json`` and
``MODEL_CARD.md``.  ``drug_treats_disease`` comes from the rule set; the model decides
``drug_adverse_event`` and overrides the rules' treatment reading when it is confident the pair is
an adverse event.  ``manifestation_filter.joblib`` (relations-0.8.0 and later) keeps only the manifestation
rows a model trained on hand-judged rows takes for right (:mod:`extract.relations.manifestation_filter`).
When the folder holds ``joint.joblib`` (relations-0.7.0 and later), the joint model of
:mod:`extract.relations.joint` decides every same-sentence drug–disease pair as adverse event, treatment
or neither: an adverse-event reading it takes for a treatment is dropped, and the sentence's treatments
are its own, not the rules' (from relations-0.10.0 also a document's adverse-event rows of a concept pair the
document states as a treatment in at least as many sentences).  ``disease_manifestation`` comes from the distantly supervised classifier of
:mod:`extract.relations.manifestation` when the folder holds ``manifestation.joblib``
(relations-0.2.0 and later), else from the rule set.  From relations-0.11.0: ``sentence_textcat/`` (a spaCy
text classifier that reads each same-sentence adverse-event row again, :mod:`extract.relations.sentence_model`)
and ``indications.json.gz`` (known indications: a cross-sentence adverse-event reading of one is dropped,
:mod:`extract.relations.indications`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.nlp.inference_ops import one_thread
from extract.relations.candidates import concept_key
from extract.relations.clause_arms import other_arm_effect
from extract.relations.comparatives import less_with_drug, more_with_drug
from extract.relations.concept_features import AGG_FEATURES, AGG_FEATURES_V1, aggregate
from extract.relations.concept_priors import ConceptPriors
from extract.relations.coordination import coordinated_members
from extract.relations.cues import REDUCTION
from extract.relations.event_phrase import EventPhrase
from extract.relations.indications import ARTIFACT as INDICATIONS_ARTIFACT
from extract.relations.indications import IndicationTable, side_key
from extract.relations.instances import Instance, drug_disease_instances
from extract.relations.joint import ARTIFACT as JOINT_ARTIFACT
from extract.relations.joint import TREATS, JointModel, joint_features
from extract.relations.manifestation import ARTIFACT as MANIFESTATION_ARTIFACT
from extract.relations.manifestation import ManifestationModel, PairReadings
from extract.relations.manifestation_filter import ARTIFACT as FILTER_ARTIFACT
from extract.relations.manifestation_filter import ManifestationFilter, filter_features
from extract.relations.memo import release as release_memo
from extract.relations.passive_treatments import with_passive_treatments
from extract.relations.populations import population_treatments
from extract.relations.rules import (
    COMPOSITION,
    RuleExtractor,
    clause_negated,
    disease_prefix_cues,
    disease_qualifier,
    drug_disease_signals,
    region_negated,
)
from extract.relations.sentence_model import ARTIFACT as SENTENCE_ARTIFACT
from extract.relations.sentence_model import SentenceModel, marked_sentence
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    EntityView,
    RelationCandidate,
    SentenceView,
)
from extract.relations.zero_counts import zero_count
from extract.vocab.ctd import ctd_tree_numbers

log = logging.getLogger(__name__)

N_FEATURES = 2**18
# An adverse-event score above this overrides a rule "treats" reading of the same pair.
ADE_OVER_TREAT = 0.85


def agg_columns(model: PairModel) -> list[int]:
    """Column indexes of ``AGG_FEATURES`` the model's stage 2 was trained on."""
    return list(_column_indexes(tuple(getattr(model, "agg_features", None) or AGG_FEATURES_V1)))


@lru_cache(maxsize=16)
def _column_indexes(names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(AGG_FEATURES.index(n) for n in names)


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
    # Concept priors read by stage 2 after the ``agg_features`` columns, one set or several in column order
    # (relations >= 0.14.0); older pickles: None.
    priors: ConceptPriors | tuple[ConceptPriors, ...] | None = None

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
        clf = LogisticRegression(C=C, max_iter=3000, solver="liblinear", class_weight="balanced", random_state=0)
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
# An accepted same-sentence adverse event at least this probable is shared with the diseases coordinated with its
# disease (``_coordinated_tails``).
COORDINATION_FLOOR = 0.5


def _background(doc: DocumentView, dis) -> bool:
    """The disease is a background condition or names a population ("patients with Y",
    "patients at high risk of Y", "especially in cases with Y")."""
    if disease_prefix_cues(doc, dis)[0]:  # BACKGROUND before the disease
        return True
    return bool(disease_qualifier(doc, dis))


_REDUCED = re.compile(rf"\b(?:{REDUCTION})\b(?:\s+(?:in|of))?\s+(?:[\w-]+\s+){{0,3}}$", re.I)


def _reduced(doc: DocumentView, dis) -> bool:
    """A reduction word right before the disease ("a marked decrease in pain", "lower pain scores"): the
    sentence states a benefit, so a causal pattern around it is no reason to keep an adverse event."""
    sent = doc.sentences[dis.sentence_index]
    return bool(_REDUCED.search(doc.text[max(sent.start, dis.start - 60) : dis.start]))


def _composition(doc: DocumentView, chem, dis) -> bool:
    """Same-sentence pair whose text between is a composition ("Y deposits are formed from X")."""
    first_end = min(chem.end, dis.end)
    second_start = max(chem.start, dis.start)
    return second_start > first_end and bool(COMPOSITION.search(doc.text[first_end:second_start]))


def most_specific(
    ade: dict[tuple[str, str], RelationCandidate],
    trees: dict[str, tuple[str, ...]],
    weak: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> dict[tuple[str, str], RelationCandidate]:
    """Drop a drug's disease concept when a descendant concept is also predicted for that drug.

    BC5CDR annotates the most specific disease; MeSH tree numbers (CTD MEDIC) give ancestry.  A descendant predicted
    only by rows of ``weak`` (keys of ``ade``: the pairs accepted through a coordination, ``_coordinated_tails``)
    drops nothing: "hearing loss" coordinated with an accepted "nephrotoxicity" leaves "cisplatin-induced
    ototoxicity" (Hearing Disorders) standing.
    """
    by_drug: dict[str, set[str]] = {}
    strong: dict[str, set[str]] = {}
    for key, c in ade.items():
        if not c.negated and c.tail.concept_id:
            by_drug.setdefault(concept_key(c.head), set()).add(c.tail.concept_id)
            if key not in weak:
                strong.setdefault(concept_key(c.head), set()).add(c.tail.concept_id)
    drop: set[tuple[str, str]] = set()
    for drug, diseases in by_drug.items():
        for d1 in diseases:
            t1 = trees.get(d1, ())
            if not t1:
                continue
            for d2 in strong.get(drug, ()):
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
    ae_negated: dict[int, bool] = field(default_factory=dict)
    manifestation: list[RelationCandidate] = field(default_factory=list)
    # The manifestation classifier's readings, scored for all documents at once (``_manifestations``).
    manifestation_readings: PairReadings | None = None
    # Joint model: (chemical entity_id, disease entity_id) -> class probabilities of same-sentence pairs.
    joint_pairs: list[tuple[str, str]] = field(default_factory=list)
    joint_features: list[dict] = field(default_factory=list)
    joint_probs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    intra_pairs: dict[tuple[str, str], Instance] = field(default_factory=dict)
    # (chemical entity_id, disease entity_id) of the pairs accepted through a coordination (``_coordinated_tails``).
    coordinated: set[tuple[str, str]] = field(default_factory=set)
    # Stage-2 probabilities of ``keys`` (None without a stage-2 model), once computed.
    concept_probs: np.ndarray | None = None
    # Adverse-event rows after the joint model's vetoes, before the sentence classifier's (``_adverse_events``).
    ade: dict[tuple[str, str], RelationCandidate] = field(default_factory=dict)
    # Sentence text classifier: probabilities of the same-sentence pairs it reads (see ``_read_sentences``).
    sentence_probs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


#: The made-up abstract of :meth:`ModelExtractor.warm_up`: drug-disease pairs within and across sentences, a
#: treatment, a comparison and disease pairs; (text, label) of its mentions in order.
_WARM_UP_SENTENCES = (
    "Lithium-induced tremor and confusion in a patient with bipolar disorder treated with haloperidol.",
    "Nausea occurred less frequently with ondansetron than with placebo (12 of 50 patients, 24%).",
    "Hypertension is a common feature of chronic kidney disease.",
)
_WARM_UP_MENTIONS = (
    ("Lithium", "CHEMICAL"),
    ("tremor", "DISEASE"),
    ("confusion", "DISEASE"),
    ("bipolar disorder", "DISEASE"),
    ("haloperidol", "CHEMICAL"),
    ("Nausea", "DISEASE"),
    ("ondansetron", "CHEMICAL"),
    ("Hypertension", "DISEASE"),
    ("chronic kidney disease", "DISEASE"),
)


def _warm_up_document() -> DocumentView:
    text = " ".join(_WARM_UP_SENTENCES)
    sentences, start = [], 0
    for i, sentence in enumerate(_WARM_UP_SENTENCES):
        sentences.append(SentenceView(i, start, start + len(sentence), "abstract"))
        start += len(sentence) + 1
    entities, at = [], 0
    for i, (mention, label) in enumerate(_WARM_UP_MENTIONS):
        at = text.index(mention, at)
        index = next(s.index for s in sentences if s.start <= at < s.end)
        entities.append(EntityView(f"warm-up#e{i}", at, at + len(mention), mention, label, index))
        at += len(mention)
    return DocumentView("warm-up", text, sentences, entities, title=_WARM_UP_SENTENCES[0])


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

    def __init__(
        self,
        model: PairModel,
        version: str,
        manifestation: ManifestationModel | None = None,
        joint: JointModel | None = None,
        manifestation_filter: ManifestationFilter | None = None,
        indications: IndicationTable | None = None,
        sentence: SentenceModel | None = None,
    ):
        self.model = model
        self.version = version
        self.rules = RuleExtractor()
        self.manifestation = manifestation
        self.joint = joint
        self.manifestation_filter = manifestation_filter
        self.indications = indications
        self.sentence = sentence

    @classmethod
    def load(cls, model_dir: Path) -> ModelExtractor:
        model_dir = Path(model_dir)
        payload = joblib.load(model_dir / "model.joblib")
        meta = json.loads((model_dir / "meta.json").read_text()) if (model_dir / "meta.json").exists() else {}
        version = meta.get("version") or model_dir.name
        manifestation = None
        if (model_dir / MANIFESTATION_ARTIFACT).exists():
            manifestation = ManifestationModel.load(model_dir / MANIFESTATION_ARTIFACT)
        joint = joblib.load(model_dir / JOINT_ARTIFACT) if (model_dir / JOINT_ARTIFACT).exists() else None
        mfilter = joblib.load(model_dir / FILTER_ARTIFACT) if (model_dir / FILTER_ARTIFACT).exists() else None
        indications = None
        if (model_dir / INDICATIONS_ARTIFACT).exists():
            indications = IndicationTable.load(model_dir / INDICATIONS_ARTIFACT)
        sentence = (
            SentenceModel.load(model_dir / SENTENCE_ARTIFACT) if (model_dir / SENTENCE_ARTIFACT).exists() else None
        )
        return cls(payload["model"], version, manifestation, joint, mfilter, indications, sentence)

    def warm_up(self) -> None:
        """Extract from a made-up abstract once, so that the one-time work of a first batch (the case-folded cue
        patterns compiled, the classifiers' first calls, the sentence classifier's first tokens) is done here, in
        the process the stage's workers are forked from, rather than once in every worker (about 30 ms a worker
        on the reference machine).  Changes no result: only caches fill."""
        doc = _warm_up_document()
        try:
            with one_thread():
                self.extract_many([doc])
                if self.sentence is not None:  # whether or not the joint model asked for a second reading
                    self.sentence.probs([marked_sentence(doc, doc.entities[0], doc.entities[1])])
        except Exception:  # only a missed head start: the first batch does the same work
            log.debug("relation extractor warm-up failed", exc_info=True)
        finally:
            release_memo()

    def save(self, model_dir: Path, meta: dict) -> None:
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        joblib.dump({"model": self.model}, model_dir / "model.joblib", compress=3)
        if self.manifestation is not None:
            self.manifestation.save(model_dir / MANIFESTATION_ARTIFACT)
        if self.joint is not None:
            joblib.dump(self.joint, model_dir / JOINT_ARTIFACT, compress=3)
        if self.manifestation_filter is not None:
            joblib.dump(self.manifestation_filter, model_dir / FILTER_ARTIFACT, compress=3)
        if self.indications is not None:
            self.indications.save(model_dir / INDICATIONS_ARTIFACT)
        if self.sentence is not None:
            self.sentence.save(model_dir / SENTENCE_ARTIFACT)
        (model_dir / "meta.json").write_text(json.dumps({"version": self.version, **meta}, indent=2) + "\n")

    def extract(self, doc: DocumentView) -> list[RelationCandidate]:
        state = self._prepare(doc)
        self._score_instances([state])
        self._manifestations([state])
        self._aggregate(state)
        state.concept_probs = self._concept_probs([state])[0]
        state.ade = self._adverse_events(state)
        self._read_sentences([state])
        return self._finish(state)

    def extract_many(self, docs: list[DocumentView], batch: int = 256) -> list[list[RelationCandidate] | Exception]:
        """``extract`` for each document, with the mention-pair, joint, manifestation, stage-2 and sentence
        classifiers called once per ``batch`` documents (on one document's few rows their per-call cost
        dominates).  Results are those of ``extract``: each row is scored independently.  A document that fails
        gets its exception in place of its candidates."""
        out: list[list[RelationCandidate] | Exception] = []
        for lo in range(0, len(docs), batch):
            states: list[_DocState | Exception] = [_attempt(self._prepare, doc) for doc in docs[lo : lo + batch]]
            self._batched(states, self._score_instances)
            self._batched(states, self._manifestations)
            states = [s if isinstance(s, Exception) else _attempt(self._aggregate, s) for s in states]
            probs = self._batched(states, self._concept_probs)
            for i, (s, p) in enumerate(zip(states, probs)):
                if isinstance(p, Exception) and not isinstance(s, Exception):
                    states[i] = s = p
                if not isinstance(s, Exception):
                    s.concept_probs = p
                    ade = _attempt(self._adverse_events, s)
                    if isinstance(ade, Exception):
                        states[i] = ade
                    else:
                        s.ade = ade
            self._batched(states, self._read_sentences)
            out.extend(s if isinstance(s, Exception) else _attempt(self._finish, s) for s in states)
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
        """Rules, candidate instances and manifestation readings of one document."""
        # The manifestation classifier, when there is one, decides disease -> manifestation pairs (``_finish``).
        rule_cands = self.rules.extract(doc, manifestations=self.manifestation is None)
        instances = drug_disease_instances(doc, neighbours=self.model.neighbour_features)
        state = _DocState(doc, rule_cands, instances, np.zeros(0))
        # Negation of the intra pairs: of their rule readings (for the accepted treatments) and, for the accepted
        # adverse events, also a negation cue between the two mentions when no rule reads the pair
        # (``rules.region_negated``), computed here while the document's memo holds the pair contexts.
        for inst in instances:
            if inst.intra:
                rule = any(sig.negated for sig in drug_disease_signals(doc, inst.chem, inst.dis))
                state.negated[id(inst)] = rule
                state.ae_negated[id(inst)] = rule or region_negated(doc, inst.chem, inst.dis)
        if self.manifestation is not None:
            state.manifestation_readings = self.manifestation.readings(doc)
        for inst in instances:
            if inst.intra:
                key = (inst.chem.entity_id, inst.dis.entity_id)
                state.intra_pairs[key] = inst
                if self.joint is not None:
                    state.joint_pairs.append(key)
                    # The instances carry the neighbour family the joint model reads when the pair model was
                    # trained with it (relations >= 0.4.0); reuse them instead of computing them again.
                    base = inst.features if self.model.neighbour_features else None
                    state.joint_features.append(
                        joint_features(
                            doc,
                            inst.chem,
                            inst.dis,
                            inst.chem.drug_classes,
                            base=base,
                            window=self.joint.window_features,
                        )
                    )
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
        if self.joint is not None:
            probs = self.joint.probs([f for s in states for f in s.joint_features])
            at = 0
            for s in states:
                n = len(s.joint_pairs)
                s.joint_probs = dict(zip(s.joint_pairs, probs[at : at + n]))
                at += n

    def _manifestations(self, states: list[_DocState]) -> None:
        """``disease_manifestation`` rows of all states: the classifier's readings scored in one call, then the
        filter's second look at the accepted rows in one call (each row is scored on its own)."""
        if self.manifestation is None:
            return
        readings = [s.manifestation_readings for s in states]
        scores = self.manifestation.score_features([f for r in readings for f in r.features])
        at = 0
        for s, r in zip(states, readings):
            s.manifestation = self.manifestation.decide(s.doc, r, scores[at : at + len(r.features)], self.method)
            at += len(r.features)
        if self.manifestation_filter is None:
            return
        features = []
        for s, r in zip(states, readings):
            known = r.features_of()  # the filter reads the classifier's pair features and more
            for c in s.manifestation:
                base = known.get((c.head.entity_id, c.tail.entity_id))
                features.append(filter_features(s.doc, c.head, c.tail, self.manifestation.lexicon, base))
        probs = self.manifestation_filter.probs(features)
        at = 0
        for s, r in zip(states, readings):
            kept = probs[at : at + len(s.manifestation)]
            at += len(s.manifestation)
            s.manifestation = self.manifestation_filter.select(
                s.doc, s.manifestation, kept, r.patterns_of(), self.manifestation.entity_kind
            )

    def _read_sentences(self, states: list[_DocState]) -> None:
        """Sentence-classifier probabilities of exactly the rows ``_finish`` asks it about: the same-sentence
        adverse-event rows still standing after the joint model's vetoes (``_DocState.ade``) that the joint model
        keeps without being sure of them; all states' rows in one call."""
        if self.sentence is None or self.joint is None:
            return
        wanted = []
        for s in states:
            for key in s.ade:
                p = s.joint_probs.get(key)
                if p is not None and self.sentence.reads(p) and not self.joint.vetoes_adverse_event(p):
                    wanted.append((s, key))
        texts = [marked_sentence(s.doc, s.intra_pairs[k].chem, s.intra_pairs[k].dis) for s, k in wanted]
        for (s, key), p in zip(wanted, self.sentence.probs(texts)):
            s.sentence_probs[key] = p

    def _aggregate(self, state: _DocState) -> _DocState:
        if self.model.concept is not None and state.instances:
            state.keys, X, state.best = aggregate(state.doc, state.instances, state.scores)
            state.X = X[:, agg_columns(self.model)]
            if (priors := getattr(self.model, "priors", None)) is not None:
                sets = priors if isinstance(priors, tuple) else (priors,)
                state.X = np.hstack([state.X, *(p.columns(state.keys) for p in sets)])
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

    def _joint_treatments(self, state: _DocState, ade: dict) -> list[RelationCandidate]:
        """``drug_treats_disease`` for the same-sentence pairs the joint model reads as treatments."""
        out = []
        for key, p in state.joint_probs.items():
            if key in ade or not self.joint.is_treatment(p):
                continue
            inst = state.intra_pairs[key]
            out.append(
                RelationCandidate(
                    type=DRUG_TREATS_DISEASE,
                    head=inst.chem,
                    tail=inst.dis,
                    sentence_index=inst.chem.sentence_index,
                    score=float(p[TREATS]),
                    negated=state.negated[id(inst)],
                    method=self.method,
                )
            )
        return out

    def _adverse_events(self, state: _DocState) -> dict[tuple[str, str], RelationCandidate]:
        """The document's adverse-event rows, (chemical entity_id, disease entity_id) -> candidate: the stage-2
        model's (or the mention-pair model's) accepted pairs and the strong rule readings, without background and
        composition pairs and the same-sentence rows the joint model vetoes."""
        doc, rule_cands, instances, scores = state.doc, state.rule_cands, state.instances, state.scores
        probs = state.concept_probs
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
        coordinated = _coordinated_tails(state, chosen)
        state.coordinated = {(inst.chem.entity_id, inst.dis.entity_id) for inst, _ in coordinated}
        chosen += coordinated
        for inst, score in chosen:
            # An adverse-event reading is negated by a cue between the two mentions even when no rule reads the pair
            # ("X was not associated with Y"); a treatment stays one when the drug failed ("X did not improve Y").
            # A negation opening the clause of both mentions negates it too (``rules.clause_negated``; asked only of
            # the accepted pairs), and so does a count of zero for the drug ("0 after X": ``zero_counts``).
            negated = inst.intra and (
                state.ae_negated[id(inst)] or clause_negated(doc, inst.chem, inst.dis) or zero_count(doc, inst.chem)
            )
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
                    if not c.negated and c.head.sentence_index == c.tail.sentence_index:
                        # the rule reads the pair; a negation opening its clause, or one the model's rows take
                        # (``rules.region_negated``: "two serious AEs (A and Y) unrelated to study treatment"),
                        # still negates it
                        c = replace(
                            c,
                            negated=clause_negated(doc, c.head, c.tail)
                            or region_negated(doc, c.head, c.tail)
                            or zero_count(doc, c.head),
                        )
                    ade[key] = c
        for key, c in list(ade.items()):
            if (
                c.method == self.method
                and c.head.sentence_index == c.tail.sentence_index
                and (_background(doc, c.tail) or _composition(doc, c.head, c.tail))
            ):
                del ade[key]
        if self.joint is not None and getattr(self.joint, "less_veto", False):
            for key, c in list(ade.items()):
                if c.head.sentence_index == c.tail.sentence_index and (
                    less_with_drug(doc, c.head, c.tail) or other_arm_effect(doc, c.head, c.tail)
                ):
                    del ade[key]
        if self.joint is not None:
            # A same-sentence adverse-event reading the sentence gives as a treatment (or as no relation) is not
            # reported.  Models with ``rule_exemption`` (0.7.0-0.8.0) keep it when a strong causal pattern states
            # it for this very pair ("X-induced Y", "X ... results in Y"; "X, used for treatment of Z, sometimes
            # results in Y"); from 0.9.0 the joint model, which reads the rule as a feature, decides those too.
            causal = (
                {
                    (c.head.entity_id, c.tail.entity_id)
                    for c in rule_cands
                    if c.type == DRUG_ADVERSE_EVENT
                    and c.score >= STRONG_RULE
                    and not c.negated
                    and not _reduced(doc, c.tail)
                }
                if self.joint.rule_exemption
                else set()
            )
            ade = {
                key: c
                for key, c in ade.items()
                if key in causal
                or key not in state.joint_probs
                or not self.joint.vetoes_adverse_event(state.joint_probs[key])
            }
        return ade

    def _finish(self, state: _DocState) -> list[RelationCandidate]:
        """The document's candidates from its adverse-event rows (``_adverse_events``) and sentence readings."""
        doc, rule_cands, ade = state.doc, state.rule_cands, dict(state.ade)
        if self.sentence is not None and self.joint is not None:
            # A second reading of the same-sentence rows still standing (relations >= 0.11.0): the joint model's
            # probabilities averaged with the sentence text classifier's must pass the same vetoes.
            ade = {
                key: c
                for key, c in ade.items()
                if key not in state.sentence_probs
                or not self.sentence.vetoes_adverse_event(self.joint, state.joint_probs[key], state.sentence_probs[key])
            }
        if self.indications is not None:
            # A drug and its known indication that never share a sentence are the document's topic, not an
            # adverse event the text states (relations >= 0.11.0; ``extract.relations.indications``).
            ade = {
                key: c
                for key, c in ade.items()
                if c.head.sentence_index == c.tail.sentence_index
                or not self.indications.is_indication(
                    side_key(c.head.concept_id, c.head.text), side_key(c.tail.concept_id, c.tail.text)
                )
            }
        subsumed: dict[tuple[str, str], RelationCandidate] = {}
        if self.model.trees:
            kept = most_specific(ade, self.model.trees, state.coordinated)
            # A sentence that states the broader disease still states it ("myocarditis and cardiomyopathy associated
            # with clozapine"): its row stays, marked, and only the document-level pair goes to the specific one.
            subsumed = {
                key: replace(c, subsumed=True)
                for key, c in ade.items()
                if key not in kept and c.head.sentence_index == c.tail.sentence_index
            }
            ade = kept
        phrase = getattr(self.model, "event_phrase", None)
        if phrase is not None:
            ade = {key: with_event_phrase(doc, c, phrase) for key, c in ade.items()}
            subsumed = {key: with_event_phrase(doc, c, phrase) for key, c in subsumed.items()}
        out: list[RelationCandidate] = []
        if self.joint is not None:
            out.extend(self._joint_treatments(state, ade))
        for c in rule_cands:
            key = (c.head.entity_id, c.tail.entity_id)
            if c.type == DRUG_TREATS_DISEASE and self.joint is not None and key in state.joint_probs:
                continue  # the joint model decides same-sentence treatments
            if c.type == DRUG_TREATS_DISEASE and key in ade:
                if ade[key].score >= ADE_OVER_TREAT:
                    continue  # the model is confident it is an adverse event
                del ade[key]
            if c.type == DRUG_ADVERSE_EVENT:
                continue  # the model decides adverse events
            if c.type == DISEASE_MANIFESTATION and self.manifestation is not None:
                continue  # the manifestation classifier decides disease -> manifestation pairs
            out.append(c)
        if self.joint is not None and self.joint.document_consistency:
            ade = _consistent_with_treatments(ade, out)
        out.extend(ade.values())
        if subsumed:
            # the same decisions as the rows above: a pair the document states as a treatment keeps its treatment
            treated = {(c.head.entity_id, c.tail.entity_id) for c in out if c.type == DRUG_TREATS_DISEASE}
            subsumed = {key: c for key, c in subsumed.items() if key not in treated}
            if self.joint is not None and self.joint.document_consistency:
                subsumed = _consistent_with_treatments(subsumed, out)
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
        out.extend(subsumed.values())
        # "X for Z in patients with Y": Y is who was treated, not what X treats (``extract.relations.populations``).
        dropped = population_treatments(doc, out, self.indications.is_indication if self.indications else None)
        out = [c for c in out if id(c) not in dropped] if dropped else out
        # "More patients assigned X had Y than those assigned placebo" counts Y against X: no treatment.
        out = [c for c in out if c.type != DRUG_TREATS_DISEASE or not more_with_drug(doc, c.head, c.tail)]
        # "Hypotension was treated with ephedrine" (``extract.relations.passive_treatments``).
        return with_passive_treatments(doc, out)


def _coordinated_tails(state: _DocState, chosen: list[tuple[Instance, float]]) -> list[tuple[Instance, float]]:
    """The same-sentence pairs of an accepted, not negated pair's drug with the diseases coordinated with its
    disease ("X ..., but nephrotoxicity and hearing loss limit its use"), at the accepted pair's score when it is at
    least ``COORDINATION_FLOOR``; the row filters read them as they read the accepted pairs
    (:func:`extract.relations.coordination.coordinated_members`).  A pair a strong rule reading states is left to
    that reading (its score and method)."""
    taken = {id(inst) for inst, _ in chosen}
    ruled = {
        (c.head.entity_id, c.tail.entity_id)
        for c in state.rule_cands
        if c.type == DRUG_ADVERSE_EVENT and c.score >= STRONG_RULE
    }
    extra = []
    for inst, score in chosen:
        if not inst.intra or score < COORDINATION_FLOOR or state.ae_negated[id(inst)]:
            continue
        for member in coordinated_members(state.doc, inst.dis):
            partner = state.intra_pairs.get((inst.chem.entity_id, member.entity_id))
            if (
                partner is not None
                and id(partner) not in taken
                and (inst.chem.entity_id, member.entity_id) not in ruled
            ):
                taken.add(id(partner))
                extra.append((partner, score))
    return extra


def _consistent_with_treatments(
    ade: dict[tuple[str, str], RelationCandidate], others: list[RelationCandidate]
) -> dict[tuple[str, str], RelationCandidate]:
    """Drop the adverse-event rows of a concept pair the document states as a treatment in at least as many
    sentences: a trial's drug and its indication ("morphine ... postoperative pain" throughout a trial of
    morphine for postoperative pain) are read as an adverse event in the odd sentence, and an analyst counting
    documents per pair then sees the indication among the drug's adverse events."""

    def same_sentence_pairs(cands) -> dict[tuple[str, str], set[int]]:
        out: dict[tuple[str, str], set[int]] = {}
        for c in cands:
            if not c.negated and c.head.sentence_index == c.tail.sentence_index:
                out.setdefault((concept_key(c.head), concept_key(c.tail)), set()).add(c.head.sentence_index)
        return out

    treated = same_sentence_pairs([c for c in others if c.type == DRUG_TREATS_DISEASE])
    harmed = same_sentence_pairs(ade.values())
    return {
        key: c
        for key, c in ade.items()
        if len(treated.get((concept_key(c.head), concept_key(c.tail)), ()))
        < max(1, len(harmed.get((concept_key(c.head), concept_key(c.tail)), ())))
    }
