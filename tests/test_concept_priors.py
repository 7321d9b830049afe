"""Concept priors of stage 2: counted once per document, smoothed, and never read from a row's own fold."""

from __future__ import annotations

import numpy as np
import pytest

from extract.relations.concept_priors import PRIOR_FEATURES, ConceptPriors, out_of_fold_columns
from extract.training.relations.trainer import group_folds


def _rows():
    # (document, chemical, disease), label; doc 1 is seen twice (gold and predicted mentions)
    rows = [
        (("PMID:1", "MESH:D002945", "MESH:D007674"), 1),  # cisplatin -> kidney disease
        (("PMID:1", "MESH:D002945", "MESH:D007674"), 1),
        (("PMID:1", "MESH:D002945", "MESH:D009325"), 0),  # cisplatin, nausea: not a CID pair here
        (("PMID:2", "MESH:D002945", "MESH:D007674"), 0),
        (("PMID:3", "MESH:D003042", "MESH:D012640"), 1),  # cocaine -> seizures
        (("PMID:4", "MESH:D003042", "MESH:D007674"), 0),
    ]
    return [k for k, _ in rows], np.array([y for _, y in rows])


def test_a_concept_counts_once_per_document_and_is_positive_where_any_row_is():
    keys, y = _rows()
    priors = ConceptPriors.count(keys, y)
    assert priors.chemicals["MESH:D002945"] == (1, 2)  # documents 1 (positive) and 2 (negative)
    assert priors.diseases["MESH:D007674"] == (1, 3)  # documents 1, 2, 4
    assert priors.diseases["MESH:D009325"] == (0, 1)
    assert priors.base == pytest.approx(y.mean())


def test_columns_are_smoothed_rates_and_document_counts_unseen_concepts_get_the_base_rate():
    keys, y = _rows()
    priors = ConceptPriors.count(keys, y)
    cols = priors.columns([("MESH:D002945", "MESH:D012640"), ("unseen drug", "unseen disease")])
    assert cols.shape == (2, len(PRIOR_FEATURES))
    base = priors.base
    assert cols[0] == pytest.approx([(1 + base) / 3, 2, (1 + base) / 2, 1])
    assert cols[1] == pytest.approx([base, 0, base, 0])


def test_out_of_fold_columns_never_read_the_rows_own_labels():
    keys, y = _rows()
    groups = [k[0].split(":")[1] for k in keys]
    counted = np.ones(len(y), dtype=bool)
    before = out_of_fold_columns(keys, y, groups, counted, group_folds, k=2)
    folds = group_folds(groups, 2)
    # flip every label of fold 0: the columns of fold 0's rows stay, the other fold's change
    flipped = y.copy()
    in_fold0 = np.array([folds[g] == 0 for g in groups])
    flipped[in_fold0] = 1 - flipped[in_fold0]
    after = out_of_fold_columns(keys, flipped, groups, counted, group_folds, k=2)
    assert np.array_equal(before[in_fold0], after[in_fold0])
    assert not np.array_equal(before[~in_fold0], after[~in_fold0])


def test_rows_outside_counted_get_columns_but_lend_no_labels():
    keys, y = _rows()
    groups = [k[0].split(":")[1] for k in keys]
    counted = np.array([True, True, True, True, False, False])  # documents 3 and 4 (say, ADE sentences)
    cols = out_of_fold_columns(keys, y, groups, counted, group_folds, k=2)
    assert cols.shape == (len(y), len(PRIOR_FEATURES))
    # cocaine is mentioned only in documents 3 and 4, outside ``counted``: never counted, the base rate
    assert cols[4][1] == 0 and cols[5][1] == 0
    # while document 4's disease (kidney disease) is counted from the documents of the other fold that are counted
    folds = group_folds(groups, 2)
    other = {g for g, f in folds.items() if f != folds["4"] and g in {"1", "2"}}
    assert cols[5][3] == len(other)


def test_each_prior_source_adds_its_own_columns_and_an_unknown_source_is_refused():
    from extract.training.relations.trainer import _prior_masks, _with_prior_columns

    keys, y = _rows()
    keys = keys[:4] + [("ADE:3:0", *keys[4][1:]), ("ADE:4:0", *keys[5][1:])]  # documents 3 and 4 as ADE sentences
    groups = [k[0].split(":")[1] for k in keys]
    is_cdr = np.array([not k[0].startswith("ADE:") for k in keys])
    X = np.zeros((len(y), 2))
    train = np.array([True, True, True, False, True, False])
    one = _with_prior_columns(X, keys, y, groups, _prior_masks(is_cdr, ("cid",)), train)
    both = _with_prior_columns(X, keys, y, groups, _prior_masks(is_cdr, ("cid", "ade")), train)
    assert one.shape == (len(y), 2 + len(PRIOR_FEATURES))
    assert both.shape == (len(y), 2 + 2 * len(PRIOR_FEATURES))
    assert np.array_equal(both[:, : one.shape[1]], one)
    # the held-out ADE sentence of cocaine reads the ADE prior of the training ADE sentence (document 3, positive)
    assert both[5, 2 + len(PRIOR_FEATURES) + 1] == 1
    with pytest.raises(ValueError, match="unknown concept-prior source"):
        _prior_masks(is_cdr, ("ctd",))
