"""Relation model: a tiny real training run on fixture documents, and the shipped model on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.corpora.ade import read_ade
from extract.relations.model import ModelExtractor
from extract.relations.types import DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE, RELATION_TYPES
from extract.settings import resolve_model_dir
from extract.training.relations.documents import labelled_instances
from extract.training.relations.trainer import bc5cdr_views, save_model, train_model
from helpers import CALCINOSIS_TERMS, PAGES, TERIPARATIDE_TERMS, build_view, relation_pairs

FIXTURES = Path(__file__).parent / "fixtures" / "relations"


def test_ade_reader_locates_mentions_by_string_search():
    sents = read_ade(FIXTURES / "ade")
    positives = [s for s in sents if s.pairs]
    assert len(positives) == 7  # the two lithium rows share one sentence
    lithium = next(s for s in positives if s.text.startswith("Lithium"))
    assert {(d.text, e.text) for d, e in lithium.pairs} == {("Lithium", "tremor"), ("Lithium", "confusion")}
    for s in positives:
        for d, e in s.pairs:
            assert s.text[d.start : d.end] == d.text and s.text[e.start : e.end] == e.text
    assert sum(1 for s in sents if s.negative) == 6


def test_cid_labels_from_fixture():
    views = bc5cdr_views(FIXTURES / "cdr_tiny.PubTator.txt")
    inst = labelled_instances(views)
    pos = {(i.chem.text.lower(), i.dis.text.lower()) for i in inst if i.label}
    assert ("haloperidol", "catalepsy") in pos
    assert ("lisinopril", "hypertension") not in pos
    assert any(not i.intra for i in inst)  # cross-sentence candidates exist


def test_tiny_training_run(tmp_path):
    model, stats = train_model(FIXTURES / "cdr_tiny.PubTator.txt", FIXTURES / "ade", cv_folds=2)
    assert stats["n_bc5cdr_docs"] == 4 and stats["instances"]["intra_pos"] > 0
    out = save_model(model, stats, tmp_path, version="test")
    extractor = ModelExtractor.load(out)
    assert extractor.version == "relations-test"
    view = bc5cdr_views(FIXTURES / "cdr_tiny.PubTator.txt")[0].view
    cands = extractor.extract(view)
    assert all(c.type in RELATION_TYPES and 0.0 <= c.score <= 1.0 for c in cands)
    # The training pair "Haloperidol caused catalepsy" is learnt.
    inst = labelled_instances(bc5cdr_views(FIXTURES / "cdr_tiny.PubTator.txt"))
    scores = extractor.model.score(inst)
    pos = [s for i, s in zip(inst, scores) if i.label and i.intra]
    neg = [s for i, s in zip(inst, scores) if not i.label and i.intra]
    assert sum(pos) / len(pos) > sum(neg) / len(neg)


shipped = pytest.mark.skipif(resolve_model_dir("", "relations") is None, reason="no models/relations-* folder")


@shipped
def test_shipped_model_on_teriparatide_seed(extractor):  # the stage's load_extractor(), once per session
    assert isinstance(getattr(extractor, "inner", extractor), ModelExtractor)  # may be wrapped (coordination)
    text = (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8")
    cands = extractor.extract(build_view("seed1", text, TERIPARATIDE_TERMS))
    ade = relation_pairs(cands, DRUG_ADVERSE_EVENT)
    assert ("teriparatide", "hypercalcemia") in ade
    assert ("teriparatide", "dystrophic calcification") in ade
    # Background conditions and the disease treated in the same sentence are not adverse events.
    # (Known false positive: the keyword line "Dystrophic calcification Osteoporosis Teriparatide"
    # gives teriparatide -> Osteoporosis at a low score.)
    assert not {
        (c.head.text, c.tail.text)
        for c in cands
        if c.type == DRUG_ADVERSE_EVENT and c.tail.text.startswith("autoimmune")
    }
    view = build_view("seed1", text, TERIPARATIDE_TERMS)
    indication = next(
        s.index for s in view.sentences if text[s.start : s.end].startswith("Teriparatide, used for treatment")
    )
    in_indication = [c for c in cands if c.sentence_index == indication and c.tail.text == "osteoporosis"]
    assert in_indication and all(c.type == DRUG_TREATS_DISEASE for c in in_indication)


@shipped
def test_shipped_model_on_calcinosis_seed(extractor):
    text = (PAGES / "abstract_calcinosis_cutis.txt").read_text(encoding="utf-8")
    cands = extractor.extract(build_view("seed2", text, CALCINOSIS_TERMS))
    treats = {(h, t.split()[0]) for h, t in relation_pairs(cands, DRUG_TREATS_DISEASE)}
    for drug in ("minocylcine", "warfarin", "calcium channel blockers", "bisphosphonates", "methotrexate"):
        assert (drug, "calcinosis") in treats
    assert not relation_pairs(cands, DRUG_ADVERSE_EVENT)


@pytest.fixture(scope="module")
def seed_pipeline():
    """The real pipeline (ingest, clean, NER + linking, relations) over the seed pages, in memory."""
    from extract.clean.stage import clean_documents
    from extract.ingest.stage import ingest_paths
    from extract.ner.stage import extract_entities
    from extract.relations.stage import extract_relations

    raw = ingest_paths([str(PAGES)], batch_id="seed-test").documents
    cleaned = clean_documents(raw)
    entities = extract_entities(cleaned.documents, cleaned.sentences).entities
    result = extract_relations(cleaned.documents, cleaned.sentences, entities)
    sources = {r["doc_id"]: Path(r["source"]).name for r in cleaned.documents.to_pylist()}
    rows = result.relations.to_pylist()
    for r in rows:
        r["source"] = sources[r["doc_id"]]
    # Document-level rows too (a pair stated across sentences exists only there), marked as such.
    for r in result.document_relations.to_pylist():
        rows.append({**r, "source": sources[r["doc_id"]], "document_level": True})
    return rows


def _rows(rows, source, rel_type):
    return {
        (r["head_text"].lower(), r["tail_text"].lower())
        for r in rows
        if r["source"] == source and r["type"] == rel_type and not r["negated"]
    }


@shipped
def test_pipeline_teriparatide_seed_drug_relations(seed_pipeline):
    ade = _rows(seed_pipeline, "case_report_teriparatide.txt", DRUG_ADVERSE_EVENT)
    assert ("teriparatide", "hypercalcemia") in ade
    assert ("teriparatide", "dystrophic calcification") in ade
    # "used for treatment of osteoporosis in patients at high risk of fracture": indication, not an event.
    assert not {p for p in ade if "fracture" in p[1] or "osteopor" in p[1] or "autoimmune" in p[1]}
    treats = _rows(seed_pipeline, "case_report_teriparatide.txt", DRUG_TREATS_DISEASE)
    assert not {p for p in treats if "calcification" in p[1]}


@shipped
def test_pipeline_calcinosis_seed_drug_relations(seed_pipeline):
    src = "abstract_calcinosis_cutis.txt"
    assert not _rows(seed_pipeline, src, DRUG_ADVERSE_EVENT)
    treats = _rows(seed_pipeline, src, DRUG_TREATS_DISEASE)
    # The treatments are listed in a sentence that does not name calcinosis: document-level pairs
    # (cross_sentence), never relations rows whose evidence would lack the disease.
    heads = {h for h, t in treats if t == "calcinosis cutis"}
    # the NER stage widens BC5CDR-style "calcium" to the drug class (extract_drug_classes)
    for drug in ("minocylcine", "warfarin", "calcium channel blockers", "bisphosphonates", "methotrexate"):
        assert drug in heads, drug
    assert not {t for h, t in treats if h == "methotrexate" and t != "calcinosis cutis"}


def _cand_keys(cands):
    return [(c.type, c.head.entity_id, c.tail.entity_id, c.sentence_index, c.score, c.negated, c.method) for c in cands]


@shipped
def test_extract_many_equals_extract_and_isolates_failures(extractor):
    """Batched extraction (one classifier call for many documents) gives each document's ``extract``
    result exactly; a failing document gets its exception and does not fail the others."""
    views = [
        build_view("seed1", (PAGES / "case_report_teriparatide.txt").read_text(encoding="utf-8"), TERIPARATIDE_TERMS),
        build_view("seed2", (PAGES / "abstract_calcinosis_cutis.txt").read_text(encoding="utf-8"), CALCINOSIS_TERMS),
    ]
    broken = build_view("broken", "Lithium caused tremor.", {"lithium": "CHEMICAL", "tremor": "DISEASE"})
    broken.sentences = []  # entities point at a sentence that does not exist
    many = extractor.extract_many([views[0], broken, views[1]])
    assert isinstance(many[1], Exception)
    assert _cand_keys(many[0]) == _cand_keys(extractor.extract(views[0]))
    assert _cand_keys(many[2]) == _cand_keys(extractor.extract(views[1]))
    assert relation_pairs(many[0], DRUG_ADVERSE_EVENT)


def test_document_memo_follows_view_changes():
    """Cached pair contexts and rule signals are dropped when a view's entities change."""
    from extract.relations.candidates import pair_context
    from extract.relations.rules import drug_disease_signals
    from extract.relations.types import EntityView

    view = build_view("memo", "Lithium caused tremor.", {"lithium": "CHEMICAL", "tremor": "DISEASE"})
    chem, dis = view.entities
    before = pair_context(view, chem, dis)
    assert before is pair_context(view, chem, dis) and before.region == " caused "
    assert drug_disease_signals(view, chem, dis)
    # A disease mention on "caused", coordinated with "tremor": the pair's list now starts there.
    view.entities = [chem, EntityView("memo#e9", 8, 14, "caused", "DISEASE", 0), dis]
    assert pair_context(view, chem, dis).region == " "
    other = build_view("memo2", "Lithium caused tremor.", {"lithium": "CHEMICAL", "tremor": "DISEASE"})
    assert pair_context(other, *other.entities).first is other.entities[0]


def test_mention_neighbour_features():
    """relations-0.4.0: the word right before / after each mention of a same-sentence pair."""
    from extract.relations.features import doc_stats, drug_disease_features

    view = build_view(
        "nb",
        "Serum dopamine levels were higher in hypertensive patients than in controls.",
        {"dopamine": "CHEMICAL", "hypertensive": "DISEASE"},
    )
    chem = next(e for e in view.entities if e.label == "CHEMICAL")
    dis = next(e for e in view.entities if e.label == "DISEASE")
    f = drug_disease_features(view, chem, dis, doc_stats(view), neighbours=True)
    assert {"chem_prev=serum", "chem_next=levels", "dis_prev=in", "dis_next=patients"} <= set(f)
    # Models trained without the family (relations <= 0.3.0) must see exactly their old features.
    old = drug_disease_features(view, chem, dis, doc_stats(view))
    assert not any(k.startswith(("chem_prev=", "chem_next=", "dis_prev=", "dis_next=")) for k in old)
    assert set(f) - set(old) == {"chem_prev=serum", "chem_next=levels", "dis_prev=in", "dis_next=patients"}
