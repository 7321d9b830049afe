"""Stage 2 of the drug -> adverse event model: one feature row per (chemical, disease) concept pair.

:func:`aggregate` turns the stage-1 mention-pair scores of a document into concept-pair rows
(aggregated scores, title/topic/position flags, co-mention counts, dose/administration/protection
cues of the chemical's sentences, outcome cues of the disease's sentences, rule readings); the
gradient-boosted trees of :class:`extract.relations.model.PairModel` score them.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from extract.relations.candidates import concept_key
from extract.relations.casefold import found
from extract.relations.instances import Instance
from extract.relations.types import (
    DocumentView,
)

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
    entities = doc.entities
    ent_keys = [concept_key(e) for e in entities]
    chem_counts = Counter(k for e, k in zip(entities, ent_keys) if e.label == "CHEMICAL")
    dis_counts = Counter(k for e, k in zip(entities, ent_keys) if e.label == "DISEASE")
    chem_rank = {k: r for r, (k, _) in enumerate(chem_counts.most_common())}
    dis_rank = {k: r for r, (k, _) in enumerate(dis_counts.most_common())}
    first_chem = next((k for e, k in zip(entities, ent_keys) if e.label == "CHEMICAL"), None)
    first_dis = next((k for e, k in zip(entities, ent_keys) if e.label == "DISEASE"), None)
    n_sent = max(1, len(doc.sentences))
    last = {s.index for s in doc.sentences[-2:]}
    sents_of: dict[str, set[int]] = {}
    first_pos: dict[str, int] = {}
    for e, k in zip(entities, ent_keys):
        sents_of.setdefault(k, set()).add(e.sentence_index)
        first_pos[k] = min(first_pos.get(k, e.start), e.start)
    title_chems = {k for e, k in zip(entities, ent_keys) if e.label == "CHEMICAL" and _in_title(doc, e)}
    title_dis = {k for e, k in zip(entities, ent_keys) if e.label == "DISEASE" and _in_title(doc, e)}
    inst_keys = [(concept_key(inst.chem), concept_key(inst.dis)) for inst in instances]
    partners: dict[str, set[str]] = {}
    chem_treat: dict[str, float] = {}
    ade_by: dict[str, dict[str, float]] = {}  # disease -> chemical -> best rule adverse score
    compound_by: dict[str, set[str]] = {}  # disease -> chemicals with an "X-induced Y" reading
    for inst, (ck, dk) in zip(instances, inst_keys):
        if inst.intra:
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
    for e, k in zip(entities, ent_keys):
        si = e.sentence_index
        flags = cue.setdefault(k, set())
        if e.label == "CHEMICAL":
            if _DOSE.match(doc.text[e.end : e.end + 25]):
                flags.add("dose")
            sc = sent_cues.get(si)
            if sc is None:
                sent = doc.sentence_text(si) if si < n_doc_sents else ""
                sc = sent_cues[si] = (found(_ADMIN, sent), found(_PROTECT, sent))
            if sc[0]:
                flags.add("admin")
            if sc[1]:
                flags.add("protect")
        else:
            outcome = sent_outcome.get(si)
            if outcome is None:
                sent = doc.sentence_text(si) if si < n_doc_sents else ""
                outcome = sent_outcome[si] = found(_OUTCOME, sent)
            if outcome:
                flags.add("outcome")
    groups: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(inst_keys):
        groups.setdefault(key, []).append(i)
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
        best_i = i0
        for i in idx:
            intra = is_intra[i]
            if intra:
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
            if intra > is_intra[best_i] or intra == is_intra[best_i] and score_f[i] > score_f[best_i]:
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
