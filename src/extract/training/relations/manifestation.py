"""Distant supervision of the ``disease_manifestation`` classifier.

:func:`train_manifestation` reads the *training* splits of BC5CDR, NCBI disease and BioRED (gold
mentions; no relation labels used) and labels every ordered disease pair of a sentence by two
labelling sources:

* **HPO knowledge base** (:mod:`extract.training.relations.phenotype_kb`) -- the head maps to
  OMIM/ORPHA diseases (concept id, CTD/DOID cross-references, or its name), the tail maps to HPO
  phenotype terms (its name or its MeSH concept's CTD synonyms), and one of the disease's
  annotated phenotypes is the tail term or a descendant of it;
* **precise patterns** (:func:`extract.relations.manifestation_patterns.precise_pattern`, the
  directed, non-weak ones): "T is a feature of H", "H presenting with T", "T in patients with H", ...

Every other pair is a negative.  A class-balanced logistic regression over the hashed pair
features learns from these labels; the decision threshold maximises out-of-fold F1 against the
distant labels (PMID folds).  The result is a :class:`ManifestationModel`.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.corpora.pubtator import PubtatorDocument, read_pubtator, unique_documents
from extract.nlp.sentences import split_sentences
from extract.relations.candidates import disease_pairs, sentence_index_of
from extract.relations.manifestation import N_FEATURES, ManifestationModel
from extract.relations.manifestation_features import pair_features
from extract.relations.manifestation_patterns import WEAK_PATTERNS, excluded_pair, precise_pattern
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.training.relations.documents import mesh_id
from extract.training.relations.phenotype_kb import PhenotypeKB, load_kb

log = logging.getLogger(__name__)

#: PubTator mention types read as DISEASE / CHEMICAL (BC5CDR, NCBI disease, BioRED).
TYPE_LABELS = {
    "disease": "DISEASE",
    "chemical": "CHEMICAL",
    "specificdisease": "DISEASE",
    "diseaseclass": "DISEASE",
    "modifier": "DISEASE",
    "compositemention": "DISEASE",
    "diseaseorphenotypicfeature": "DISEASE",
    "chemicalentity": "CHEMICAL",
}


@dataclass
class CorpusDoc:
    """A training abstract as a view, the MeSH ids of each mention, and its fold group (the PMID)."""

    view: DocumentView
    ids: dict[str, tuple[str, ...]]
    group: str


def corpus_view(doc: PubtatorDocument, source: str) -> CorpusDoc:
    """A PubTator abstract as a view: sentences by the pipeline's splitter, gold mentions (no overlaps)."""
    text = doc.title + " " + doc.abstract
    t_end = len(doc.title)
    sections = [("title", 0, t_end), ("abstract", t_end + 1, len(text))]
    sentences = [SentenceView(i, s, e, name) for i, (s, e, name) in enumerate(split_sentences(text, sections))]
    entities: list[EntityView] = []
    ids: dict[str, tuple[str, ...]] = {}
    last_end = -1
    for i, m in enumerate(sorted(doc.mentions, key=lambda m: (m.start, -m.end))):
        label = TYPE_LABELS.get(m.type.lower())
        if label is None or m.start < last_end or m.end > len(text):
            continue
        last_end = m.end
        eid = f"{source}:{doc.pmid}#e{i}"
        mids = tuple(mesh_id(x) for x in m.ids if x and x != "-1")
        entities.append(
            EntityView(
                eid,
                m.start,
                m.end,
                text[m.start : m.end],
                label,
                sentence_index_of(sentences, m.start),
                concept_id=mids[0] if mids else None,
            )
        )
        ids[eid] = mids
    view = DocumentView(
        f"{source}:{doc.pmid}",
        text,
        sentences,
        entities,
        title=doc.title,
        sections=[("title", 0, t_end), ("abstract", t_end + 1, len(text))],
    )
    return CorpusDoc(view, ids, doc.pmid)


def training_corpora(corpora_dir: Path) -> list[tuple[str, Path]]:
    """The training splits used for distant supervision (development splits are never read)."""
    return [
        ("bc5cdr", corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"),
        ("ncbi", corpora_dir / "ncbi_disease" / "NCBItrainset_corpus.txt"),
        ("biored", corpora_dir / "biored" / "Train.PubTator"),
    ]


@dataclass
class DistantPair:
    """The features and distant label of one ordered disease pair."""

    features: dict[str, float]
    label: int
    source: str  # "kb", "pattern", "kb+pattern" or "none"
    group: str


def distant_pairs(docs: list[CorpusDoc], kb: PhenotypeKB | None, lexicon: frozenset[str]) -> list[DistantPair]:
    """Every ordered same-sentence disease pair of ``docs`` with its distant label."""
    out: list[DistantPair] = []
    for d in docs:
        for h, t in disease_pairs(d.view):
            in_kb = bool(kb and kb.linked(h, d.ids.get(h.entity_id, ()), t, d.ids.get(t.entity_id, ())))
            pat = precise_pattern(d.view, h, t)
            feats = pair_features(d.view, h, t, lexicon)
            if excluded_pair(d.view, h, t):
                src = "excluded"
            elif pat and pat not in WEAK_PATTERNS and not feats.get("t:drug_event"):
                src = "kb+pattern" if in_kb else "pattern"
            else:
                src = "kb" if in_kb else "none"
            out.append(DistantPair(feats, int(src not in ("none", "excluded")), src, d.group))
    return out


def _fit(pairs: list[DistantPair], C: float, n_features: int) -> LogisticRegression:
    """Class-balanced logistic regression on the hashed features of ``pairs``."""
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    clf = LogisticRegression(C=C, max_iter=2000, solver="liblinear", class_weight="balanced", random_state=0)
    clf.fit(hasher.transform([p.features for p in pairs]), np.array([p.label for p in pairs]))
    return clf


def train_manifestation(
    corpora_dir: Path,
    vocab_dir: Path | None,
    C: float = 0.3,
    n_features: int = N_FEATURES,
    cv_folds: int = 3,
    limit: int | None = None,
    corpora: list[tuple[str, Path]] | None = None,
) -> ManifestationModel:
    """Distant labels on the training corpora -> logistic regression + out-of-fold threshold."""
    started = time.time()
    kb = load_kb(vocab_dir) if vocab_dir is not None and (vocab_dir / "hpo" / "hp.obo").exists() else None
    lexicon = kb.lexicon if kb else frozenset()
    docs: list[CorpusDoc] = []
    for source, path in corpora or training_corpora(corpora_dir):
        if not Path(path).exists():
            log.warning("training corpus %s missing", path)
            continue
        for i, doc in enumerate(unique_documents(read_pubtator(Path(path)))):
            if limit is not None and i >= limit:
                break
            docs.append(corpus_view(doc, source))
    pairs = distant_pairs(docs, kb, lexicon)
    labels = np.array([p.label for p in pairs])
    if len(pairs) < 2 or labels.min() == labels.max():
        raise ValueError("manifestation training needs pairs of both labels")
    counts: dict[str, int] = defaultdict(int)
    for p in pairs:
        counts[p.source] += 1
    # Out-of-fold probabilities (folds by PMID) to choose the threshold on distant labels.
    uniq = sorted({p.group for p in pairs})
    fold_of = {g: i % cv_folds for i, g in enumerate(uniq)}
    oof = np.zeros(len(pairs))
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    for k in range(cv_folds):
        tr = [p for p in pairs if fold_of[p.group] != k]
        te = [i for i, p in enumerate(pairs) if fold_of[p.group] == k]
        if not te or len({p.label for p in tr}) < 2:
            continue
        clf = _fit(tr, C, n_features)
        oof[te] = clf.predict_proba(hasher.transform([pairs[i].features for i in te]))[:, 1]
    best = (0.5, -1.0, {})
    n_pos = int(labels.sum())
    for t in np.arange(0.3, 0.96, 0.025):
        hit = oof >= t
        tp = int((hit & (labels == 1)).sum())
        p = tp / hit.sum() if hit.sum() else 0.0
        r = tp / n_pos if n_pos else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[1]:
            best = (round(float(t), 3), f, {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)})
    clf = _fit(pairs, C, n_features)
    stats = {
        "n_docs": len(docs),
        "n_pairs": len(pairs),
        "n_positive": n_pos,
        "label_sources": dict(counts),
        "cv_distant_labels": best[2],
        "cv_folds": cv_folds,
        "threshold_source": "out-of-fold F1 against the distant labels (training corpora)",
        "C": C,
        "n_features": n_features,
        "kb": bool(kb),
        "train_seconds": round(time.time() - started, 1),
    }
    log.info("manifestation model: %s", stats)
    model = ManifestationModel(
        clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0]), best[0], lexicon, n_features, stats
    )
    if kb is not None:
        model.disease_lexicon = kb.disease_lexicon
        model.disease_mesh = kb.disease_mesh
        model.phenotype_mesh = kb.phenotype_mesh
    return model
