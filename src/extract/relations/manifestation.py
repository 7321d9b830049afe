"""``disease_manifestation`` classifier: the model that scores and accepts disease pairs.

DISEASE -> DISEASE/phenotype pairs of one sentence (head = the disease, tail = its sign, symptom,
finding, manifestation or complication; see ``data/gold/README.md``).  A class-balanced logistic
regression over hashed pair features (:mod:`extract.relations.manifestation_features`) gives the
relation score; a pair is accepted at the decision threshold or when a precise pattern
(:mod:`extract.relations.manifestation_patterns`) links it.

The model is trained by distant supervision (HPO annotations and the precise patterns as labels)
in :mod:`extract.training.relations.manifestation`.  The artifact (``manifestation.joblib``, a
pickled :class:`ManifestationModel`: keep the class here so shipped artifacts load) holds the
coefficients, the threshold and the HPO phenotype lexicon (normalised names/synonyms, for the
``tail_hpo`` feature) -- no KB pairs, so the model scores text, not memorised disease/phenotype pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction import FeatureHasher

from extract.relations.candidates import disease_pairs, pair_context, sentence_groups
from extract.relations.manifestation_features import norm, pair_features
from extract.relations.manifestation_patterns import (
    UNDIRECTED_PATTERNS,
    contradicted_reading,
    excluded_pair,
    precise_pattern,
    tail_drug_event,
)
from extract.relations.memo import sentence_entities
from extract.relations.rules import has_negation
from extract.relations.types import DISEASE_MANIFESTATION, DocumentView, EntityView, RelationCandidate

#: A list separator between two mentions ("A, B", "A and B"; not "Hypersensitivity myocarditis").
_LIST_SEPARATOR = re.compile(r"[,/;]|\b(?:and|or)\b")
#: Hashing size of the pair features.
N_FEATURES = 2**16
#: File name of the classifier in a ``models/relations-<version>/`` folder.
ARTIFACT = "manifestation.joblib"


@dataclass
class PairReadings:
    """A document's ordered disease pairs (not excluded), their precise patterns, their pair features and whether
    their tail is a drug's event (:meth:`ManifestationModel.readings`)."""

    pairs: list[tuple[EntityView, EntityView]]
    patterns: list[str | None]
    features: list[dict[str, float]]
    drug_events: list[bool]

    def features_of(self) -> dict[tuple[str, str], dict[str, float]]:
        """Pair features by (head entity_id, tail entity_id)."""
        return {(h.entity_id, t.entity_id): f for (h, t), f in zip(self.pairs, self.features)}

    def patterns_of(self) -> dict[tuple[str, str], str]:
        """Precise pattern names by (head entity_id, tail entity_id), readings without one left out."""
        return {(h.entity_id, t.entity_id): p for (h, t), p in zip(self.pairs, self.patterns) if p}


@dataclass
class ManifestationModel:
    """Logistic regression over hashed pair features, threshold and the HPO phenotype lexicon."""

    coef: np.ndarray
    intercept: float
    threshold: float
    lexicon: frozenset[str]
    n_features: int = N_FEATURES
    stats: dict = field(default_factory=dict)
    #: Normalised names of diseases (HPO-annotated OMIM/ORPHA diseases, Disease Ontology terms) and the
    #: MeSH ids of diseases / of phenotypes, to tell the disease (head) from its manifestation (tail).
    disease_lexicon: frozenset[str] = frozenset()
    disease_mesh: frozenset[str] = frozenset()
    phenotype_mesh: frozenset[str] = frozenset()

    def entity_kind(self, e: EntityView) -> int:
        """+1 disease-like, -1 phenotype-like, 0 both or unknown: linked concept id first, then the name."""
        dis = phen = False
        cid = e.concept_id or ""
        if cid.startswith("HP:"):
            phen = True
        elif cid.startswith(("OMIM:", "ORPHA:", "DOID:")):
            dis = True
        elif cid:
            dis = cid in self.disease_mesh
            phen = cid in self.phenotype_mesh
        n = norm(e.abbreviation_of or e.text)
        dis = dis or n in self.disease_lexicon
        phen = phen or n in self.lexicon
        if (
            not dis
            and not phen
            and n.split()
            and n.split()[-1] in {"syndrome", "disease", "carcinoma", "cancer", "leukemia", "lymphoma"}
        ):
            dis = True
        return int(dis) - int(phen)

    def hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)

    def score_features(self, feats: list[dict[str, float]]) -> np.ndarray:
        if not feats:
            return np.zeros(0)
        z = self.hasher().transform(feats) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def candidates(self, doc: DocumentView, method: str = "model") -> list[RelationCandidate]:
        """Accepted ``disease_manifestation`` candidates of a document (score = probability).

        A mention pair is accepted when one of its two readings scores at least the threshold or is
        matched by a precise pattern (accepted at the threshold), and the tail of that reading is not a
        drug's event.  One reading per mention pair: a directed pattern decides, else the entity kinds
        (disease vs phenotype, :meth:`entity_kind`), else the higher score.  An accepted relation is then
        copied to the tails coordinated with its tail ("CKD with hyperuricemia and anemia").
        """
        readings = self.readings(doc)
        return self.decide(doc, readings, self.score_features(readings.features), method)

    def readings(self, doc: DocumentView) -> PairReadings:
        """The document's candidate readings with their features, before scoring (:meth:`candidates` in two
        steps, so that a caller can score the readings of many documents in one call).  Excluded pairs and readings
        the words contradict (a risk, a reversed cause: :func:`contradicted_reading`) are left out."""
        pairs = [
            (h, t)
            for h, t in disease_pairs(doc)
            if not excluded_pair(doc, h, t) and not contradicted_reading(doc, h, t)
        ]
        patterns = [precise_pattern(doc, h, t) for h, t in pairs]
        return PairReadings(
            pairs,
            patterns,
            [pair_features(doc, h, t, self.lexicon) for h, t in pairs],
            [tail_drug_event(doc, h, t, pat) for (h, t), pat in zip(pairs, patterns)],
        )

    def decide(
        self, doc: DocumentView, pairs: PairReadings, scores: np.ndarray, method: str = "model"
    ) -> list[RelationCandidate]:
        """The accepted candidates of ``pairs`` (:meth:`readings`) given their ``scores``."""
        if not pairs.pairs:
            return []
        readings: dict[tuple[str, str], tuple[EntityView, EntityView, float, str | None, bool]] = {}
        for (h, t), pat, drug_event, s in zip(pairs.pairs, pairs.patterns, pairs.drug_events, scores):
            if drug_event:
                continue
            readings[(h.entity_id, t.entity_id)] = (h, t, float(s), pat, s >= self.threshold or pat is not None)
        chosen: dict[tuple[str, str], tuple[EntityView, EntityView, float, str | None]] = {}
        for key, (h, t, s, pat, ok) in readings.items():
            rev = readings.get((t.entity_id, h.entity_id))
            if not ok and not (rev and rev[4]):
                continue
            if rev is not None and not self._prefer((h, t, s, pat, ok), rev):
                continue
            score = max(s, rev[2] if rev and rev[4] else 0.0, self.threshold if pat or (rev and rev[3]) else 0.0)
            chosen[key] = (h, t, score, pat)
        # Distribute over the tail's coordinated list.
        for h, t, score, pat in list(chosen.values()):
            sent = sentence_entities(doc, t.sentence_index)
            groups = sentence_groups(doc, t.sentence_index)
            for m in sent:
                if m is t or m is h or m.label != "DISEASE" or groups.get(m.entity_id) != groups.get(t.entity_id):
                    continue
                if groups.get(m.entity_id) == groups.get(h.entity_id):
                    continue
                lo, hi = (t, m) if t.start < m.start else (m, t)
                if not _LIST_SEPARATOR.search(doc.text[lo.end : hi.start]):
                    continue  # "Hypersensitivity myocarditis": adjacent words, not a list
                if (h.entity_id, m.entity_id) in chosen or (m.entity_id, h.entity_id) in chosen:
                    continue
                if excluded_pair(doc, h, m) or contradicted_reading(doc, h, m) or tail_drug_event(doc, h, m, pat):
                    continue
                chosen[(h.entity_id, m.entity_id)] = (h, m, score * 0.999, pat)
        out = []
        for h, t, score, _pat in chosen.values():
            ctx = pair_context(doc, h, t)
            neg = has_negation(ctx.between) or h.negated or t.negated
            out.append(
                RelationCandidate(
                    type=DISEASE_MANIFESTATION,
                    head=h,
                    tail=t,
                    sentence_index=h.sentence_index,
                    score=float(min(score, 1.0)),
                    negated=neg,
                    method=method,
                )
            )
        return out

    def _prefer(self, a: tuple, b: tuple) -> bool:
        """Reading ``a`` = (head, tail, score, pattern, accepted) wins over its reverse ``b``."""
        a_dir = a[3] is not None and a[3] not in UNDIRECTED_PATTERNS
        b_dir = b[3] is not None and b[3] not in UNDIRECTED_PATTERNS
        if a_dir != b_dir:
            return a_dir
        ka = self.entity_kind(a[0]) - self.entity_kind(a[1])
        # The kinds decide between two accepted readings, or alone when they are clear-cut
        # (a disease-only mention and a phenotype-only one).
        if ka != 0 and (a[4] and b[4] or abs(ka) >= 2):
            return ka > 0
        if a[4] != b[4]:
            return a[4]
        return (a[2], a[0].start) > (b[2], b[0].start)

    def save(self, path: Path) -> None:
        joblib.dump(self, path, compress=3)

    @staticmethod
    def load(path: Path) -> ManifestationModel:
        return joblib.load(path)
