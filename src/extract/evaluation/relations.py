"""Relation extraction evaluation: BC5CDR CID, ADE corpus pairs, hand-made manifestation set.

* :func:`evaluate_cid` — document-level (PMID, chemical MeSH, disease MeSH) P/R/F1.  End to end
  (default): raw title + abstract go through ``extract.runner.run_texts`` (clean, ner,
  relations) and the non-negated ``drug_adverse_event`` rows of ``document_relations`` are the
  predictions.  ``gold_entities=True``: only the relation extractor runs, on the gold
  mentions, which isolates the relation model from NER and linking.

  MeSH only: a BC5CDR CID answer is a pair of MeSH descriptor/supplementary ids, so only
  ``document_relations`` rows whose head *and* tail concept ids are ``MESH:`` ids are scored
  as predictions.  A row keyed by a DrugBank / HPO / DOID / OMIM id or by unlinked mention
  text can never equal a gold pair; counting it would score the linker's vocabulary choice,
  not the relation.  The pipeline still writes those rows (they are real relations for other
  uses); they are only left out of this metric.  ``mesh_only=False`` keeps every row (the
  figure reported before this rule; the result carries ``n_non_mesh_predictions`` either way).
  This filter does not recover gold pairs whose chemical the linker could not map to MeSH:
  those stay false negatives.  Old ids (BC5CDR is from 2015) count only through the linker's
  equivalence table (:mod:`extract.linking.equivalence`): gold and predicted pairs are compared
  on current ids; ``equivalences`` in the result says how many gold ids the table touches.
  End to end, ``false_negatives`` splits the missed gold pairs by whether the NER stage linked a mention of
  both concepts in the abstract (the relation decision missed the pair) or not of the chemical, the disease or
  either (the candidates bound it).
* :func:`evaluate_ade` — sentence-level drug -> adverse-effect pairs.  On a corpus the shipped
  model was not trained on (no PMID in common with its ADE training corpus, e.g. a reserved test
  part) the shipped model is scored as it is; on the corpus it learnt from, PMID folds are held
  out in turn and the model of each fold is trained (BC5CDR train + ADE without that fold's
  PMIDs) by the real training code, with the shipped stage-2 threshold (``training.CONCEPT_THRESHOLD``).  A pair
  counts when both predicted texts equal the gold ones (case-insensitive); end to end the effect
  text is the relation's adverse-event phrase (``tail_phrase``: the ADE corpus's effects include
  severity, course and site words that BC5CDR-style mentions leave out), and ``tail_mentions`` in
  the result scores the plain tail mentions instead.  The held-out sentences are the DRUG-AE ones *and* the ADE-NEG ones (a
  pipeline meets both); ``positive_sentences`` in the result scores the DRUG-AE sentences alone,
  the protocol of the published ADE benchmark (SpERT, 10-fold CV), for comparison.
  ``gold_entities=True`` scores the relation model on the gold mentions
  (ADE-NEG sentences get dictionary-matched mentions as distractors).
* :func:`evaluate_manifestation` — ``data/gold/disease_manifestation_dev.jsonl`` (hand
  annotated; see its README), gold disease mentions, pairs compared after mapping abbreviation
  aliases to their long forms.

All functions return JSON-able dicts with ``task``, ``precision``, ``recall``, ``f1``,
``n_docs`` / ``n_sentences``, the shipped ``threshold`` and ``by_threshold``: P/R/F1 at each
threshold, so the shipped one is a visible choice.  For ``cid`` and ``ade`` the curve is over the
stage-2 (concept pair) threshold at :data:`CURVE_THRESHOLDS`: the extractor runs once more with
that threshold at the lowest curve point and a pair counts at threshold *t* when its score is at
least *t* (a pair the shipped extractor predicts counts with at least its shipped score: the rule
readings the model keeps regardless carry their rule score), so the point at the shipped
threshold is close to, not always equal to, the headline figures.  ``ade``'s curve is
over all held-out sentences (the headline ``precision``/``recall``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from extract.corpora.ade import AdeSentence, pmid_folds, read_ade
from extract.corpora.pubtator import raw_document_rows, read_pubtator, unique_documents
from extract.linking.equivalence import EquivalenceTable, load_equivalences
from extract.metrics import prf
from extract.nlp.sentences import split_sentences
from extract.relations.extractor import CoordinationAware, RelationExtractor, load_extractor
from extract.relations.model import ModelExtractor
from extract.relations.types import (
    ADVERSE_EFFECT,
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DocumentView,
    EntityView,
    SentenceView,
)
from extract.settings import get_settings, resolve_model_dir
from extract.training.relations.documents import MentionLexicon, ade_view, pubtator_view
from extract.training.relations.joint import DrugClasses
from extract.training.relations.predicted_mentions import PredictedAde, predict_ade
from extract.training.relations.trainer import (
    ANNOTATIONS,
    CONCEPT_THRESHOLD,
    PREDICTED_MENTIONS,
    joint_examples,
    joint_for_fold,
    predicted_bc5cdr_views,
    sentence_for_fold,
    train_model,
)

ExtractorFactory = Callable[[], RelationExtractor]


def _result(task: str, tp: int, fp: int, fn: int, **extra: Any) -> dict:
    return {"task": task, **prf(tp, fp, fn), **extra}


def _norm_mesh(cid: str | None) -> str | None:
    if not cid:
        return None
    return cid if cid.startswith("MESH:") else f"MESH:{cid}" if cid[:1] in "DC" and cid[1:].isdigit() else cid


def _is_mesh(cid: str | None) -> bool:
    return bool(cid) and cid.startswith("MESH:")


# --------------------------------------------------------------------------- threshold curves
log = logging.getLogger(__name__)

#: Thresholds of the ``by_threshold`` curves of ``cid`` and ``ade``: the stage-2 (concept pair) threshold.
CURVE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def with_concept_threshold(extractor: RelationExtractor, threshold: float) -> RelationExtractor | None:
    """``extractor`` (wrapped as the stage wraps it) with its stage-2 threshold set to ``threshold``;
    None when it has no stage-2 model (the rules)."""
    inner = getattr(extractor, "inner", extractor)
    model = getattr(inner, "model", None)
    if not isinstance(inner, ModelExtractor) or model is None or model.concept is None:
        return None
    low = copy.copy(model)
    low.thresholds = {**model.thresholds, "concept": threshold}
    changed = copy.copy(inner)  # the same joint model, manifestation classifier and filter
    changed.model = low
    return CoordinationAware(changed)


def shipped_concept_threshold(extractor: RelationExtractor) -> float | None:
    model = getattr(getattr(extractor, "inner", extractor), "model", None)
    return None if model is None else model.thresholds.get("concept")


def threshold_curve(scored: dict, gold: set, thresholds: tuple[float, ...] = CURVE_THRESHOLDS) -> list[dict]:
    """P/R/F1 of the predictions whose score is at least each threshold (``scored``: prediction -> score)."""
    curve = []
    for t in thresholds:
        pred = {k for k, v in scored.items() if v >= t}
        tp = len(pred & gold)
        curve.append({"threshold": t, **prf(tp, len(pred) - tp, len(gold) - tp)})
    return curve


# --------------------------------------------------------------------------- CID
def _linker_equivalences() -> EquivalenceTable:
    """The equivalence table of the linker the settings choose (empty without a linker)."""
    from extract.settings import resolve_model_dir

    linker_dir = resolve_model_dir(get_settings().linker_index, "linker")
    return load_equivalences(linker_dir) if linker_dir is not None else EquivalenceTable()


def _current_pair(pair: tuple[str, str | None, str | None], table: EquivalenceTable) -> tuple:
    pmid, head, tail = pair
    return pmid, head and table.current_id(head), tail and table.current_id(tail)


def _current_scores(scores: dict[tuple, float], table: EquivalenceTable) -> dict[tuple, float]:
    """``scores`` keyed by current ids (two keys that become one keep the higher score)."""
    out: dict[tuple, float] = {}
    for key, value in scores.items():
        key = _current_pair(key, table)
        out[key] = max(out.get(key, 0.0), value)
    return out


def with_drug_classes(view: DocumentView, classes: DrugClasses) -> DocumentView:
    """The view with each gold chemical's MeSH pharmacological actions (by its first gold id), as the NER stage's
    linked chemicals carry them end to end (``entities.drug_classes``) and the trainer gives its gold views."""
    entities = [
        dataclasses.replace(e, drug_classes=classes(e.concept_id)) if e.label == "CHEMICAL" and e.concept_id else e
        for e in view.entities
    ]
    return dataclasses.replace(view, entities=entities)


def _cid_gold(docs) -> set[tuple[str, str, str]]:
    return {(d.pmid, _norm_mesh(a), _norm_mesh(b)) for d in docs for t, a, b in d.relations if t.split("|")[0] == "CID"}


def evaluate_cid(
    corpus: Path,
    fmt: str = "pubtator",
    gold_entities: bool = False,
    limit: int | None = None,
    extractor: RelationExtractor | None = None,
    mesh_only: bool = True,
) -> dict:
    """Document-level CID P/R/F1 on a BC5CDR PubTator file (MeSH-keyed predictions only,
    see the module docstring)."""
    if fmt != "pubtator":
        raise ValueError(f"unsupported format for CID: {fmt}")
    docs = list(unique_documents(read_pubtator(Path(corpus))))
    if limit is not None:
        docs = docs[:limit]
    raw_gold = _cid_gold(docs)
    table = _linker_equivalences()
    gold = {_current_pair(p, table) for p in raw_gold}
    touched = sorted({i for _, a, b in raw_gold for i in (a, b) if i in table})
    started = time.time()
    shipped: dict[tuple[str, str, str], float] = {}  # the predictions (with their scores)
    scored: dict[tuple[str, str, str], float] = {}  # the curve's predictions, at the lowest curve threshold
    linked: dict[tuple[str, str], set[str]] | None = None  # end to end: (pmid, label) -> concepts the NER stage found
    if gold_entities:
        extractor = extractor or load_extractor()
        low = with_concept_threshold(extractor, CURVE_THRESHOLDS[0])
        classes = DrugClasses(resolve_model_dir(get_settings().linker_index, "linker"))
        for d in docs:
            lv = pubtator_view(d)
            view = with_drug_classes(lv.view, classes)
            for target, ex in ((shipped, extractor), (scored, low)):
                if ex is None:
                    continue
                for c in ex.extract(view):
                    if c.type != DRUG_ADVERSE_EVENT or c.negated or c.subsumed:
                        continue  # document-level pairs, as ``document_relations`` keeps them
                    # Composite mentions carry several ids: predict every combination.
                    for a in lv.ids_by_entity.get(c.head.entity_id, ()):
                        for b in lv.ids_by_entity.get(c.tail.entity_id, ()):
                            target[(d.pmid, a, b)] = max(target.get((d.pmid, a, b), 0.0), float(c.score))
        version = extractor.version
    else:
        from extract.relations.stage import extract_relations, get_extractor
        from extract.runner import run_texts  # the pipeline's in-memory runner

        rows = raw_document_rows(docs)
        tables = run_texts(rows, stages=("clean", "ner"))
        extractor = extractor or get_extractor()
        low = with_concept_threshold(extractor, CURVE_THRESHOLDS[0])
        docs_t = tables["documents"].to_pylist()
        pmid_of = {r["doc_id"]: (r.get("pmid") or r["doc_id"].split(":")[-1]) for r in docs_t}
        linked = _linked_concepts(tables["entities"], pmid_of, table)
        version = None
        for target, ex in ((shipped, extractor), (scored, low)):
            if ex is None:
                continue
            result = extract_relations(tables["documents"], tables["sentences"], tables["entities"], extractor=ex)
            for r in result.document_relations.to_pylist():
                if r["type"] != DRUG_ADVERSE_EVENT or r["negated"]:
                    continue
                version = r.get("model_version")
                key = (
                    pmid_of.get(r["doc_id"], r["doc_id"].split(":")[-1]),
                    *map(_norm_mesh, (r["head_concept_id"], r["tail_concept_id"])),
                )
                target[key] = max(target.get(key, 0.0), float(r["score"]))
    shipped = _current_scores(shipped, table)
    scored = _current_scores(scored, table)
    pred = set(shipped)
    # A pair the shipped extractor keeps scores at least its shipped score on the curve: at a lower
    # stage-2 threshold a model reading can take the place of a rule reading the model keeps regardless.
    for key, value in shipped.items():
        scored[key] = max(scored.get(key, 0.0), value)
    non_mesh = {p for p in pred if not (_is_mesh(p[1]) and _is_mesh(p[2]))}
    if mesh_only:
        pred -= non_mesh
        scored = {k: v for k, v in scored.items() if _is_mesh(k[1]) and _is_mesh(k[2])}
    tp = len(pred & gold)
    return _result(
        "cid",
        tp,
        len(pred) - tp,
        len(gold) - tp,
        n_docs=len(docs),
        gold_entities=gold_entities,
        mesh_only=mesh_only,
        n_non_mesh_predictions=len(non_mesh),
        equivalences={
            "table_entries": len(table),
            "gold_ids_touched": len(touched),
            "gold_pairs_touched": sum(1 for _, a, b in raw_gold if a in table or b in table),
            "gold_ids": touched,
        },
        model_version=version,
        threshold=shipped_concept_threshold(extractor),
        by_threshold=threshold_curve(scored, gold) if low is not None else [],
        false_negatives=_missed_concepts(gold - pred, linked) if linked is not None else None,
        seconds=round(time.time() - started, 1),
    )


def _linked_concepts(entities, pmid_of: dict[str, str], table: EquivalenceTable) -> dict[tuple[str, str], set[str]]:
    """(pmid, CHEMICAL / DISEASE) -> every current MeSH-keyed concept the NER stage linked a mention of it to."""
    out: dict[tuple[str, str], set[str]] = {}
    columns = entities.select(["doc_id", "label", "concept_id", "concept_ids"]).to_pylist()
    for e in columns:
        for cid in e["concept_ids"] or ([e["concept_id"]] if e["concept_id"] else []):
            norm = _norm_mesh(cid)
            current = _current_pair(("", norm, norm), table)[1]
            out.setdefault((pmid_of.get(e["doc_id"], e["doc_id"]), e["label"]), set()).add(current)
    return out


def _missed_concepts(missed: set[tuple[str, str, str]], linked: dict[tuple[str, str], set[str]]) -> dict:
    """End-to-end false negatives by what the NER stage gave the relation model: both concepts (the relation
    decision missed the pair), or not the chemical / the disease / either (the mentions and their links did)."""
    names = {
        (True, True): "both_concepts_found",
        (False, True): "chemical_missing",
        (True, False): "disease_missing",
        (False, False): "both_missing",
    }
    counts = dict.fromkeys(names.values(), 0)
    for pmid, chem, dis in missed:
        counts[names[chem in linked.get((pmid, "CHEMICAL"), ()), dis in linked.get((pmid, "DISEASE"), ())]] += 1
    return counts


# --------------------------------------------------------------------------- ADE
def _ade_gold_pairs(sents: list[AdeSentence]) -> set[tuple[int, str, str]]:
    return {(i, d.text.lower(), e.text.lower()) for i, s in enumerate(sents) for d, e in s.pairs}


AdePairs = set[tuple[int, str, str]]


def _ade_pairs(i: int, view: DocumentView, candidates) -> tuple[AdePairs, AdePairs]:
    """(sentence, drug text, effect text) of the adverse-event candidates: the effect as the
    adverse-event phrase (``tail_phrase``) and as the plain tail mention."""
    phrase, plain = set(), set()
    for c in candidates:
        if c.type == DRUG_ADVERSE_EVENT and not c.negated:
            tail = c.tail.text if c.phrase_start is None else view.text[c.phrase_start : c.phrase_end]
            phrase.add((i, c.head.text.lower(), tail.lower()))
            plain.add((i, c.head.text.lower(), c.tail.text.lower()))
    return phrase, plain


def _ade_predict_gold_mentions(
    extractor: RelationExtractor, sents: list[AdeSentence], lexicon: MentionLexicon
) -> tuple[AdePairs, AdePairs]:
    """Gold mentions are already the corpus's effect spans: the plain tail is scored."""
    pred: AdePairs = set()
    for i, s in enumerate(sents):
        view = ade_view(s, i, lexicon).view
        pred |= _ade_pairs(i, view, extractor.extract(view))[1]
    return pred, pred


class AdeOverlap:
    """Pair counts with the boundaries relaxed: a predicted pair is right when its drug mention overlaps a gold pair's
    drug and its adverse-event phrase (or tail mention) that pair's effect; a gold pair is found when some predicted
    pair overlaps it so.  Beside the strict figure it tells the relation decisions from the span convention: the ADE
    corpus's effects carry modifiers ("marked irritability", "Carbamazepine toxicity") BC5CDR-style mentions leave
    out.  Predicted pairs are the strict figure's (sentence, drug text, phrase text) keys."""

    def __init__(self) -> None:
        self.pred = self.pred_matched = self.gold = self.gold_matched = 0
        self.pos_pred = self.pos_pred_matched = 0

    def add(self, sentence: AdeSentence, view: DocumentView, candidates) -> None:
        keys: dict[tuple[str, str], bool] = {}
        found: set[int] = set()
        for c in candidates:
            if c.type != DRUG_ADVERSE_EVENT or c.negated:
                continue
            start, end = (c.tail.start, c.tail.end) if c.phrase_start is None else (c.phrase_start, c.phrase_end)
            hits = {
                k
                for k, (d, e) in enumerate(sentence.pairs)
                if c.head.start < d.end and d.start < c.head.end and start < e.end and e.start < end
            }
            found |= hits
            key = (c.head.text.lower(), view.text[start:end].lower())
            keys[key] = keys.get(key, False) or bool(hits)
        gold: dict[tuple[str, str], bool] = {}
        for k, (d, e) in enumerate(sentence.pairs):
            key = (d.text.lower(), e.text.lower())
            gold[key] = gold.get(key, False) or k in found
        self.pred += len(keys)
        self.pred_matched += sum(keys.values())
        if sentence.pairs:
            self.pos_pred += len(keys)
            self.pos_pred_matched += sum(keys.values())
        self.gold += len(gold)
        self.gold_matched += sum(gold.values())

    def missed(self, sentence: AdeSentence) -> None:
        """A sentence the pipeline gave no view of: its gold pairs count as missed."""
        self.gold += len({(d.text.lower(), e.text.lower()) for d, e in sentence.pairs})

    @staticmethod
    def _prf(matched_pred: int, pred: int, matched_gold: int, gold: int) -> dict:
        p = matched_pred / pred if pred else 0.0
        r = matched_gold / gold if gold else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "pred": pred,
            "pred_matched": matched_pred,
            "gold": gold,
            "gold_matched": matched_gold,
        }

    def result(self) -> dict:
        return {
            **self._prf(self.pred_matched, self.pred, self.gold_matched, self.gold),
            "positive_sentences": self._prf(self.pos_pred_matched, self.pos_pred, self.gold_matched, self.gold),
        }


def _ade_predict_end_to_end(
    extractor: RelationExtractor,
    sents: list[AdeSentence],
    views: dict[int, DocumentView],
    overlap: AdeOverlap | None = None,
) -> tuple[AdePairs, AdePairs]:
    """This fold's extractor on the pipeline's entities of each sentence (``views``: clean + NER); ``overlap``
    also counts the pairs with relaxed boundaries."""
    phrase: AdePairs = set()
    plain: AdePairs = set()
    for i, sentence in enumerate(sents):
        view = views.get(i)
        if view is None:
            if overlap is not None:
                overlap.missed(sentence)
            continue
        candidates = extractor.extract(view)
        a, b = _ade_pairs(i, view, candidates)
        phrase |= a
        plain |= b
        if overlap is not None:
            overlap.add(sentence, view, candidates)
    return phrase, plain


ADE_MODES = ("auto", "folds", "shipped")


def shipped_ade_pmids(settings=None) -> set[str] | None:
    """PMIDs of the ADE corpus the shipped relation model was trained on (None: no model, or its
    training corpus is not at hand).  Read from the model's ``meta.json``, else the settings' corpus."""
    from extract.settings import resolve_model_dir

    settings = settings or get_settings()
    model_dir = resolve_model_dir(settings.relation_model, "relations")
    if model_dir is None:
        return None
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    recorded = ((meta.get("training") or {}).get("data") or {}).get("ade")
    for candidate in (recorded, settings.corpora_dir / "ade_corpus_v2"):
        if candidate and (Path(candidate) / "DRUG-AE.rel").exists():
            return {s.pmid for s in read_ade(Path(candidate))}
    return None


class _AdeScore:
    """Running counts over held-out sentences: all, DRUG-AE sentences only, plain tail mentions."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.pos_tp = self.pos_fp = self.pos_fn = 0
        self.plain_tp = self.plain_fp = 0
        self.n_sent = self.n_pos = 0
        self.overlap = AdeOverlap()  # filled by end-to-end predictions only

    def add(self, held: list[AdeSentence], pred: AdePairs, plain: AdePairs) -> dict:
        gold = _ade_gold_pairs(held)
        self.plain_tp += len(plain & gold)
        self.plain_fp += len(plain) - len(plain & gold)
        tp = len(pred & gold)
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + len(pred) - tp, self.fn + len(gold) - tp
        # The published ADE benchmark (SpERT and others) uses only the DRUG-AE sentences.
        positive = {i for i, s in enumerate(held) if s.pairs}
        pos_pred = {p for p in pred if p[0] in positive}
        ptp = len(pos_pred & gold)
        self.pos_tp, self.pos_fp, self.pos_fn = (
            self.pos_tp + ptp,
            self.pos_fp + len(pos_pred) - ptp,
            self.pos_fn + len(gold) - ptp,
        )
        self.n_pos += len(positive)
        self.n_sent += len(held)
        return {**prf(tp, len(pred) - tp, len(gold) - tp), "n_sentences": len(held)}

    def result(self, **extra: Any) -> dict:
        return _result(
            "ade",
            self.tp,
            self.fp,
            self.fn,
            n_sentences=self.n_sent,
            positive_sentences={**prf(self.pos_tp, self.pos_fp, self.pos_fn), "n_sentences": self.n_pos},
            tail_mentions=prf(self.plain_tp, self.plain_fp, self.tp + self.fn - self.plain_tp),
            **({"boundaries_relaxed": self.overlap.result()} if self.overlap.gold else {}),
            **extra,
        )


def _ade_predict(
    extractor: RelationExtractor,
    held: list[AdeSentence],
    gold_entities: bool,
    lexicon: MentionLexicon,
    predicted: list | None,
    overlap: AdeOverlap | None = None,
) -> tuple[AdePairs, AdePairs]:
    if gold_entities:
        return _ade_predict_gold_mentions(extractor, held, lexicon)
    assert predicted is not None
    by_sentence = {id(p.sentence): p.view for p in predicted}
    views = {i: by_sentence.get(id(s)) for i, s in enumerate(held)}
    return _ade_predict_end_to_end(extractor, held, {i: v for i, v in views.items() if v is not None}, overlap)


def _ade_scored(
    extractor: RelationExtractor | None,
    held: list[AdeSentence],
    gold_entities: bool,
    lexicon: MentionLexicon,
    predicted: list | None,
    fold: int = 0,
) -> dict[tuple, float]:
    """(fold, sentence, drug, effect) -> best score of the adverse-event pairs of ``extractor`` (the curve's
    predictions; effect as :func:`_ade_predict` scores it)."""
    if extractor is None:
        return {}
    if gold_entities:
        views = [(i, ade_view(s, i, lexicon).view) for i, s in enumerate(held)]
    else:
        assert predicted is not None
        by_sentence = {id(p.sentence): p.view for p in predicted if p.view is not None}  # None: rejected
        views = [(i, by_sentence[id(s)]) for i, s in enumerate(held) if id(s) in by_sentence]
    scored: dict[tuple, float] = {}
    for i, view in views:
        for c in extractor.extract(view):
            if c.type == DRUG_ADVERSE_EVENT and not c.negated:
                tail = (
                    c.tail.text
                    if (gold_entities or c.phrase_start is None)
                    else view.text[c.phrase_start : c.phrase_end]
                )
                key = (fold, i, c.head.text.lower(), tail.lower())
                scored[key] = max(scored.get(key, 0.0), float(c.score))
    return scored


def _ade_curve_scores(extractor: RelationExtractor, low: RelationExtractor | None, *args, **kwargs) -> dict:
    """The curve's predictions: ``low``'s pairs, a pair ``extractor`` keeps at least at its shipped score
    (as :func:`evaluate_cid`)."""
    if low is None:
        return {}
    scored = _ade_scored(low, *args, **kwargs)
    for key, value in _ade_scored(extractor, *args, **kwargs).items():
        scored[key] = max(scored.get(key, 0.0), value)
    return scored


def _ade_gold_by_fold(held: list[AdeSentence], fold: int = 0) -> set[tuple]:
    return {(fold, *g) for g in _ade_gold_pairs(held)}


#: The adverse-effect tagger's uses measured in ``folds`` mode: (phrases, tails) of the wrapper ``CoordinationAware``; the
#: headline is ``phrases+tails``, the composition the pipeline runs with the tagger.
EFFECT_VARIANTS = {"phrases": (True, False), "tails": (False, True), "phrases+tails": (True, True)}


def with_effect_spans(view: DocumentView, spans: list[tuple[int, int]]) -> DocumentView:
    """``view`` with the tagger's effect spans as ``ADVERSE_EFFECT`` entities (as the NER stage writes them)."""
    if not spans:
        return view
    starts = [s.start for s in view.sentences]
    extra = []
    for k, (a, b) in enumerate(spans):
        index = max(0, sum(1 for x in starts if x <= a) - 1)
        extra.append(
            EntityView(f"{view.doc_id}#ae{k}", a, b, view.text[a:b], ADVERSE_EFFECT, view.sentences[index].index)
        )
    return DocumentView(
        doc_id=view.doc_id,
        text=view.text,
        sentences=view.sentences,
        entities=sorted([*view.entities, *extra], key=lambda e: (e.start, e.end)),
        title=view.title,
        sections=view.sections,
    )


def _effect_span_scores(held: list[AdeSentence], spans: list[list[tuple[int, int]]]) -> dict:
    """The plain tagger on the held-out sentences: exact effect spans of the DRUG-AE sentences, spans per ADE-NEG one."""
    tp = fp = fn = neg = n_neg = 0
    for s, found in zip(held, spans, strict=True):
        if s.pairs:
            gold = {(e.start, e.end) for e in s.effects}
            tp, fp, fn = tp + len(gold & set(found)), fp + len(set(found) - gold), fn + len(gold - set(found))
        elif s.negative:
            n_neg += 1
            neg += len(found)
        else:
            continue
    return {**prf(tp, fp, fn), "spans_per_ade_neg_sentence": round(neg / max(n_neg, 1), 3)}


def _head_training_config(settings) -> Path | None:
    """The training config of the configured NER model when it has the adverse-effect head (else None)."""
    from extract.ner.effect_head import has_effect_head as model_has_head
    from extract.settings import PROJECT_ROOT, resolve_model_dir

    model_dir = resolve_model_dir(settings.ner_model, "ner")
    if not model_has_head(model_dir):
        return None
    recorded = json.loads((model_dir / "training.json").read_text()).get("config")
    return (PROJECT_ROOT / recorded) if recorded else model_dir / "config.cfg"


def has_effect_head(config: Path) -> bool:
    """Whether a spaCy training config is a NER model with the adverse-effect head."""
    from spacy.util import load_config

    return "effect_head" in load_config(Path(config), interpolate=False)["nlp"]["pipeline"]


def _trained_fold_model(folder: Path, config: Path, held_pmids: frozenset[str]) -> Path | None:
    """``folder`` when it holds a NER model trained with ``config`` without exactly ``held_pmids`` (a fold model of an
    earlier run, or one trained ahead, e.g. two folds at a time on two cores), else None: the fold is trained."""
    from extract.settings import PROJECT_ROOT
    from extract.training.ner import pmids_digest

    info_path = folder / "training.json"
    if not info_path.exists():
        return None
    info = json.loads(info_path.read_text())
    head = info.get("effect_head") or {}
    recorded = info.get("config")
    same_config = recorded is not None and (PROJECT_ROOT / recorded).resolve() == Path(config).resolve()
    if same_config and head.get("excluded_ade_pmids_sha256") == pmids_digest(held_pmids):
        log.info("ADE fold model reused: %s", folder)
        return folder
    return None


def _fold_tagger(
    train: list[AdeSentence],
    fold: int,
    negative_share: float,
    config: Path | None = None,
    held_pmids: frozenset[str] = frozenset(),
):
    """The fold's effect tagger: a tagger of its own (``configs/ade_effects*.cfg``), or, for a NER config with the
    effect head (``configs/ner-effects-multitask.cfg``), a whole NER model trained without the fold's ADE PMIDs (its
    head tags; ~17 min per fold on 2 cores), with the configured NER model's static vectors."""
    from extract.training.adverse_effects import DEFAULT_CONFIG, WORK_DIR, train_tagger

    if config is not None and has_effect_head(config):
        from extract.ner.effect_head import HeadTagger
        from extract.training.adverse_effects import vectors_pipeline
        from extract.training.ner import train_ner

        work = WORK_DIR / "ade-effects-eval" / f"head-fold{fold}"
        work.mkdir(parents=True, exist_ok=True)
        folder = _trained_fold_model(work / "models" / f"ner-fold{fold}", config, held_pmids)
        if folder is None:
            folder = train_ner(
                work / "models",
                config=config,
                version=f"fold{fold}",
                vectors=vectors_pipeline(work),
                work_dir=work / "train",
                exclude_ade_pmids=sorted(held_pmids),
            )
        info = json.loads((folder / "training.json").read_text())
        return HeadTagger(folder, training={"train_seconds": info.get("train_seconds"), "model_dir": str(folder)})
    work = WORK_DIR / "ade-effects-eval" / f"fold{fold}"
    return train_tagger(
        train, work / "tagger", config=config or DEFAULT_CONFIG, negative_share=negative_share, work_dir=work / "train"
    )


def evaluate_ade(
    corpus_dir: Path,
    fmt: str = "ade",
    folds: int = 5,
    gold_entities: bool = False,
    limit: int | None = None,
    n_eval_folds: int | None = None,
    bc5cdr_train: Path | None = None,
    mode: str = "auto",
    joint: bool = True,
    sentence: bool = True,
    effect_tagger: bool | None = None,
    tagger_negative_share: float = 0.0,
    tagger_config: Path | None = None,
) -> dict:
    """Sentence-level drug -> adverse-effect pair P/R/F1.

    ``mode``: ``shipped`` scores the shipped relation model on every sentence of the corpus (a
    corpus it was not trained on, such as a reserved test part); ``folds`` holds out PMID folds in
    turn and trains a model without each by the real training code (the corpus the shipped model
    learnt from); ``auto`` (default) picks ``folds`` when the corpus shares PMIDs with the shipped
    model's ADE training corpus, else ``shipped``.
    ``n_eval_folds`` evaluates only the first folds (each needs one training run);
    ``limit`` caps the sentences evaluated per fold (``shipped``: in all).  ``joint`` (``folds``): each fold's
    pair model gets a joint adverse-event / treatment model trained without the held-out fold, as the shipped model
    has one, and (``sentence``, with ``joint``) the sentence text classifier likewise.  ``effect_tagger``
    (``folds``, end to end; default: as the pipeline runs, the ``ade_effects`` setting): each fold also trains the
    adverse-effect span tagger (:mod:`extract.training.adverse_effects`) without the held-out fold and applies it to
    the held-out sentences, as the pipeline's NER stage does; the headline is the pair model with its spans as adverse-event phrases and tails
    (:mod:`extract.relations.effect_spans`, through the stage's wrapper ``CoordinationAware``), ``effect_tagger`` in the result lists each use alone,
    the figures without the tagger (``without``) and the plain tagger's effect-span P/R/F1, per fold and overall.
    End to end the result also has ``boundaries_relaxed`` (:class:`AdeOverlap`): the same pairs counted by span overlap.
    """
    if fmt != "ade":
        raise ValueError(f"unsupported format for ADE: {fmt}")
    if mode not in ADE_MODES:
        raise ValueError(f"unknown ADE evaluation mode {mode!r}; one of {', '.join(ADE_MODES)}")
    settings = get_settings()
    bc5cdr_train = bc5cdr_train or settings.corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"
    sents = read_ade(Path(corpus_dir))
    overlap = None
    if mode == "auto":
        trained_on = shipped_ade_pmids(settings)
        overlap = len({s.pmid for s in sents} & trained_on) if trained_on is not None else 0
        mode = "folds" if overlap else "shipped"
    started = time.time()
    score = _AdeScore()
    if mode == "shipped":
        if limit is not None:
            rng = np.random.default_rng(0)
            sents = [sents[i] for i in sorted(rng.choice(len(sents), size=min(limit, len(sents)), replace=False))]
        extractor = load_extractor()
        predicted = None if gold_entities else predict_ade(sents)
        lexicon = MentionLexicon.from_ade(sents)
        pred, plain = _ade_predict(extractor, sents, gold_entities, lexicon, predicted, score.overlap)
        score.add(sents, pred, plain)
        low = with_concept_threshold(extractor, CURVE_THRESHOLDS[0])
        scored = _ade_curve_scores(extractor, low, sents, gold_entities, lexicon, predicted)
        return score.result(
            mode="shipped",
            model_version=extractor.version,
            threshold=shipped_concept_threshold(extractor),
            by_threshold=threshold_curve(scored, _ade_gold_by_fold(sents)) if low is not None else [],
            shared_pmids_with_training=overlap,
            gold_entities=gold_entities,
            seconds=round(time.time() - started, 1),
        )
    fold_of = pmid_folds(sents, folds)
    # The pipeline's NER over every sentence once: the held-out fold is scored on it end to end and
    # the other folds' share is the predicted-mention training data of that fold's model.
    ade_predicted = predict_ade(sents) if (PREDICTED_MENTIONS or not gold_entities) else None
    cdr_predicted = predicted_bc5cdr_views(bc5cdr_train) if PREDICTED_MENTIONS else None  # the same for every fold
    # The shipped composition: each fold's pair model with a joint adverse-event / treatment model trained, like the
    # shipped one, on the annotated pairs, BioRED, BC5CDR and the ADE sentences of the other folds.
    joint_data = joint_examples(ade_dir=Path(corpus_dir)) if joint and any(p.exists() for p in ANNOTATIONS) else None
    per_fold = []
    curve_scored: dict[tuple, float] = {}
    curve_gold: set[tuple] = set()
    tagging = (settings.ade_effects if effect_tagger is None else effect_tagger) and not gold_entities
    if tagging and tagger_config is None:
        tagger_config = _head_training_config(settings)  # the NER model's own head: fold NER models tag
    variant_scores = {name: _AdeScore() for name in ("without", *EFFECT_VARIANTS)} if tagging else {}
    variant_folds: dict[str, list] = {name: [] for name in variant_scores}
    tagger_folds: list[dict] = []
    tagger_counts = [0, 0, 0]
    for fold in range(n_eval_folds or folds):
        held = [s for s in sents if fold_of[s.pmid] == fold]
        if limit is not None:
            rng = np.random.default_rng(fold)
            held = [held[i] for i in sorted(rng.choice(len(held), size=min(limit, len(held)), replace=False))]
        held_pmids = {p for p, f in fold_of.items() if f == fold}
        model, _stats = train_model(
            bc5cdr_train,
            Path(corpus_dir),
            exclude_ade_pmids=held_pmids,
            cv_folds=3,
            ade_predicted=ade_predicted,
            cdr_predicted=cdr_predicted,
        )
        model.thresholds["concept"] = CONCEPT_THRESHOLD  # the shipped models' stage-2 threshold
        fold_joint = joint_for_fold(joint_data, held_pmids) if joint_data is not None else None
        # the shipped composition also reads a same-sentence adverse event again with the sentence classifier
        fold_sentence = sentence_for_fold(joint_data, held_pmids) if joint_data is not None and sentence else None
        # wrapped as the stage wraps it
        extractor = CoordinationAware(
            ModelExtractor(model, f"ade-fold{fold}", joint=fold_joint, sentence=fold_sentence),
            effect_tails=settings.ade_effect_tails,
        )
        train_lexicon = MentionLexicon.from_ade([s for s in sents if fold_of[s.pmid] != fold])
        fold_predicted = ade_predicted
        low = with_concept_threshold(extractor, CURVE_THRESHOLDS[0])
        if tagging:
            assert ade_predicted is not None
            tagger = _fold_tagger(
                [s for s in sents if fold_of[s.pmid] != fold],
                fold,
                tagger_negative_share,
                tagger_config,
                frozenset(held_pmids),
            )
            if tagger.training.get("model_dir"):
                # A fold NER model (the shipped NER model's own effect head): its encoder never saw the held-out
                # sentences, so their CHEMICAL / DISEASE mentions come from it too, not from the shipped model.
                fold_settings = settings.model_copy(update={"ner_model": tagger.training["model_dir"]})
                fold_views = {id(p.sentence): p for p in predict_ade(held, fold_settings)}
                base = [fold_views.get(id(p.sentence), p) for p in ade_predicted]
            else:
                base = ade_predicted
            spans = tagger.tag_texts([s.text for s in held])
            span_scores = _effect_span_scores(held, spans)
            tagger_counts = [x + span_scores[k] for x, k in zip(tagger_counts, ("tp", "fp", "fn"))]
            tagger_folds.append({"fold": fold, **span_scores, "train_seconds": tagger.training.get("train_seconds")})
            by_id = {id(s): found for s, found in zip(held, spans)}
            fold_predicted = [
                PredictedAde(p.sentence, with_effect_spans(p.view, by_id[id(p.sentence)]))
                if p.view is not None and id(p.sentence) in by_id
                else p
                for p in base
            ]
            pred, plain = _ade_predict(
                extractor, held, gold_entities, train_lexicon, base, variant_scores["without"].overlap
            )
            variant_folds["without"].append({"fold": fold, **variant_scores["without"].add(held, pred, plain)})
            for name, (phrases, tails) in EFFECT_VARIANTS.items():
                wrapped = CoordinationAware(extractor.inner, effect_phrases=phrases, effect_tails=tails)
                pred, plain = _ade_predict(
                    wrapped, held, gold_entities, train_lexicon, fold_predicted, variant_scores[name].overlap
                )
                variant_folds[name].append({"fold": fold, **variant_scores[name].add(held, pred, plain)})
        pred, plain = _ade_predict(extractor, held, gold_entities, train_lexicon, fold_predicted, score.overlap)
        per_fold.append({"fold": fold, **score.add(held, pred, plain)})
        curve_scored.update(_ade_curve_scores(extractor, low, held, gold_entities, train_lexicon, fold_predicted, fold))
        curve_gold |= _ade_gold_by_fold(held, fold)
    return score.result(
        mode="folds",
        threshold=CONCEPT_THRESHOLD,
        by_threshold=threshold_curve(curve_scored, curve_gold),
        folds=folds,
        fold_models=(
            "pair model"
            if joint_data is None
            else "pair model + joint model" + (" + sentence classifier" if sentence else "")
        ),
        evaluated_folds=len(per_fold),
        per_fold=per_fold,
        effect_tagger=(
            {
                "negative_share": tagger_negative_share,
                "config": str(tagger_config or "configs/ade_effects.cfg"),
                "effect_spans": {**prf(*tagger_counts), "per_fold": tagger_folds},
                **{name: {**variant_scores[name].result(), "per_fold": variant_folds[name]} for name in variant_scores},
            }
            if tagging
            else None
        ),
        gold_entities=gold_entities,
        seconds=round(time.time() - started, 1),
    )


# --------------------------------------------------------------------------- tables -> views
def views_from_tables(documents, sentences, entities) -> dict[str, DocumentView]:
    """DocumentViews from pipeline tables (pyarrow), exactly as the relation stage builds them."""
    from extract.relations.stage import build_views

    return {view.doc_id: view for _, view in build_views(documents, sentences, entities)}


# --------------------------------------------------------------------------- manifestation
def manifestation_view(record: dict) -> DocumentView:
    """One gold sentence with its disease mentions as a one-sentence document."""
    text = record["text"]
    ents = [
        EntityView(f"{record['id']}#e{i}", m["start"], m["end"], m["text"], "DISEASE", 0)
        for i, m in enumerate(record["mentions"])
    ]
    # Gold chemical mentions of the source corpus (not scored; they let drug events be told apart).
    ents += [
        EntityView(f"{record['id']}#c{i}", m["start"], m["end"], m["text"], "CHEMICAL", 0)
        for i, m in enumerate(record.get("chemicals", []))
    ]
    return DocumentView(doc_id=record["id"], text=text, sentences=[SentenceView(0, 0, len(text))], entities=ents)


def evaluate_manifestation(gold_path: Path, threshold: float = 0.0, extractor: RelationExtractor | None = None) -> dict:
    """P/R/F1 of ``disease_manifestation`` pairs on the hand-annotated sentences.

    Predictions and gold are (sentence, head mention, tail mention) after mapping aliases
    (abbreviations, repeated mentions) to their canonical mention; negated predictions are
    dropped.  ``by_threshold`` lists the curve over the extractor's scores.
    """
    extractor = extractor or load_extractor()
    records = [json.loads(line) for line in Path(gold_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    gold: set[tuple[str, int, int]] = set()
    scored: dict[tuple[str, int, int], float] = {}
    for r in records:
        alias = {int(k): v for k, v in (r.get("aliases") or {}).items()}
        canon = lambda i, alias=alias: alias.get(i, i)
        for rel in r.get("relations", []):
            gold.add((r["id"], canon(rel["head"]), canon(rel["tail"])))
        view = manifestation_view(r)
        index = {e.entity_id: i for i, e in enumerate(view.entities) if e.label == "DISEASE"}
        for c in extractor.extract(view):
            if c.type != DISEASE_MANIFESTATION or c.negated or c.head.entity_id not in index:
                continue
            key = (r["id"], canon(index[c.head.entity_id]), canon(index[c.tail.entity_id]))
            if key[1] == key[2]:
                continue
            scored[key] = max(scored.get(key, 0.0), c.score)
    curve = []
    for t in sorted({0.0, *scored.values()}):
        pred = {k for k, s in scored.items() if s >= t}
        tp = len(pred & gold)
        curve.append({"threshold": t, **prf(tp, len(pred) - tp, len(gold) - tp)})
    pred = {k for k, s in scored.items() if s >= threshold}
    tp = len(pred & gold)
    return _result(
        "manifestation",
        tp,
        len(pred) - tp,
        len(gold) - tp,
        n_sentences=len(records),
        threshold=threshold,
        by_threshold=curve,
        model_version=extractor.version,
        errors={
            "false_positives": sorted(f"{k[0]}:{k[1]}->{k[2]}" for k in pred - gold),
            "false_negatives": sorted(f"{k[0]}:{k[1]}->{k[2]}" for k in gold - pred),
        },
    )


def split_text_sentences(text: str) -> list[tuple[int, int]]:
    """Exposed for benchmarks: sentence spans of a text without a sentences table (the pipeline's splitter)."""
    return [(s, e) for s, e, _ in split_sentences(text, [])]
