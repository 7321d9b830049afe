"""The hand-annotated disease -> manifestation sets: well-formed records, and held-out sets kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.corpora.pubtator import read_pubtator
from extract.settings import get_settings
from extract.training.relations.manifestation import training_corpora

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold"
SETS = [
    GOLD / "disease_manifestation_dev.jsonl",
    GOLD / "disease_manifestation_heldout.jsonl",
    GOLD / "disease_manifestation_heldout2.jsonl",
]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_records_are_well_formed(path: Path) -> None:
    records = _records(path)
    assert records
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        mentions = r["mentions"]
        for m in mentions:
            assert r["text"][m["start"] : m["end"]] == m["text"], r["id"]
        for rel in r["relations"]:
            head, tail = rel["head"], rel["tail"]
            assert 0 <= head < len(mentions) and 0 <= tail < len(mentions) and head != tail, r["id"]
            assert (rel["head_text"], rel["tail_text"]) == (mentions[head]["text"], mentions[tail]["text"]), r["id"]
        for short, long in (r.get("aliases") or {}).items():
            assert 0 <= int(short) < len(mentions) and 0 <= long < len(mentions) and int(short) != long, r["id"]


def test_second_heldout_set_shares_no_abstract_with_what_the_models_or_the_other_sets_saw() -> None:
    heldout2 = {r["pmid"] for r in _records(SETS[2])}
    others = {r["pmid"] for path in SETS[:2] for r in _records(path)}
    train_labels = {
        r["pmid"] for path in (GOLD / "manifestation_train").glob("annotated_*.jsonl") for r in _records(path)
    }
    audit = set((GOLD / "relation_audit" / "audit_ids.txt").read_text().split())
    training_splits = {d.pmid for _, path in training_corpora(get_settings().corpora_dir) for d in read_pubtator(path)}
    assert heldout2
    assert not heldout2 & others
    assert not heldout2 & train_labels
    assert not heldout2 & audit
    assert not heldout2 & training_splits
