"""Known indications (issue 14): the table built from a real pipeline output, and the shipped relation model
dropping a cross-sentence adverse-event reading of a known indication while sentence-stated rows stay."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from extract.relations.indications import ARTIFACT, IndicationTable
from extract.relations.model import ModelExtractor
from extract.relations.types import DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE
from extract.settings import resolve_model_dir
from extract.training.relations.indications import build_table, count_documents
from helpers import build_view

CASE = (
    "Rhabdomyolysis after simvastatin and clarithromycin co-administration. "
    "We report rhabdomyolysis in a patient taking simvastatin who was prescribed clarithromycin for pneumonia. "
    "Statins are generally well tolerated, but myopathy is a known adverse effect. "
    "A 66-year-old woman on simvastatin developed severe muscle pain and dark urine three days after starting "
    "clarithromycin. Creatine kinase was markedly elevated and acute kidney injury developed. "
    "Clarithromycin inhibits CYP3A4 and raises simvastatin exposure, which explains the rhabdomyolysis in this case."
)
TERMS = {
    "simvastatin": "CHEMICAL",
    "clarithromycin": "CHEMICAL",
    "rhabdomyolysis": "DISEASE",
    "pneumonia": "DISEASE",
    "myopathy": "DISEASE",
    "muscle pain": "DISEASE",
    "acute kidney injury": "DISEASE",
}
IDS = {
    "simvastatin": "MESH:D019821",
    "clarithromycin": "MESH:D017291",
    "rhabdomyolysis": "MESH:D012206",
    "pneumonia": "MESH:D011014",
    "myopathy": "MESH:D009135",
    "muscle pain": "MESH:D063806",
    "acute kidney injury": "MESH:D058186",
}


def _view():
    view = build_view("PMID:90000004", CASE, TERMS, title=CASE.split(". ")[0] + ".")
    view.entities = [dataclasses.replace(e, concept_id=IDS[e.text.lower()]) for e in view.entities]
    return view


def _rows(cands):
    return {(c.type, c.head.entity_id, c.tail.entity_id, c.head.sentence_index == c.tail.sentence_index) for c in cands}


@pytest.fixture(scope="module")
def model_dir():
    path = resolve_model_dir("", "relations")
    if path is None:
        pytest.skip("no models/relations-* shipped")
    return path


def test_cross_sentence_adverse_event_of_a_known_indication_is_dropped(model_dir):
    extractor = ModelExtractor.load(model_dir)
    extractor.indications = None
    before = _rows(extractor.extract(_view()))
    cross = {(h, t) for kind, h, t, same in before if kind == DRUG_ADVERSE_EVENT and not same}
    assert cross, "the model reads no cross-sentence adverse event in the case report"
    ids = {e.entity_id: e.concept_id for e in _view().entities}
    pairs = {(ids[h], ids[t]) for h, t in cross}
    # the same pairs as rarely-treated (not indications): nothing changes
    extractor.indications = IndicationTable({p: (5, 2) for p in pairs})
    assert _rows(extractor.extract(_view())) == before
    # as known indications: the cross-sentence readings go, every sentence-stated row stays
    extractor.indications = IndicationTable({p: (5, 1) for p in pairs})
    after = _rows(extractor.extract(_view()))
    assert not {(h, t) for kind, h, t, same in after if kind == DRUG_ADVERSE_EVENT and not same}
    assert {r for r in before if r[3]} == {r for r in after if r[3]}


def test_shipped_table_loads_with_the_model(model_dir):
    if not (model_dir / ARTIFACT).exists():
        pytest.skip(f"{model_dir.name} ships no {ARTIFACT}")
    extractor = ModelExtractor.load(model_dir)
    table = extractor.indications
    assert table is not None and len(table) > 0
    # every stored pair reaches the table's minimum of treatment documents (smaller ones are not stored)
    assert all(n_t >= table.min_documents for n_t, _ in table.counts.values())


def test_table_counts_documents_of_a_real_output(sample_run, tmp_path):
    out = sample_run["out"]
    counts = count_documents([out])
    expected: dict[tuple[str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for path in sorted((out / "relations").glob("batch_id=*/*.parquet")):
        for r in pq.read_table(path).to_pylist():
            key = (r["head_concept_id"] or r["head_text"].lower(), r["tail_concept_id"] or r["tail_text"].lower())
            if r["negated"]:
                continue
            if r["type"] == DRUG_TREATS_DISEASE:
                expected[key][0].add(r["doc_id"])
            elif r["type"] == DRUG_ADVERSE_EVENT:
                expected[key][1].add(r["doc_id"])
    assert counts == {k: (len(t), len(a)) for k, (t, a) in expected.items()}
    assert any(n_t for n_t, _ in counts.values()), "the sample run has no treatment row"
    table = build_table([out], min_documents=1, ratio=2.0, source="sample")
    assert set(table.counts) == {k for k, (n_t, _) in counts.items() if n_t >= 1}
    table.save(tmp_path / ARTIFACT)
    again = IndicationTable.load(tmp_path / ARTIFACT)
    assert again == table
    (tmp_path / "copy").mkdir()
    again.save(tmp_path / "copy" / ARTIFACT)  # a re-run writes the same bytes
    assert (tmp_path / "copy" / ARTIFACT).read_bytes() == (tmp_path / ARTIFACT).read_bytes()
    assert [again.is_indication(*k) for k in sorted(counts)] == [
        counts[k][0] >= 1 and counts[k][0] >= 2.0 * counts[k][1] for k in sorted(counts)
    ]
