"""The relation stage over real BC5CDR abstracts: worker processes and failing documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import store
from extract.corpora.pubtator import raw_document_rows
from extract.evaluation.ner import load_corpus
from extract.relations.stage import MIN_DOCS_PER_PROCESS, extract_relations, get_extractor
from extract.reporting.concept_pairs import build_concept_pairs
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().relation_model, "relations") is None, reason="no models/relations-* shipped yet"
)

#: Enough documents for two worker processes.
N_DOCS = 2 * MIN_DOCS_PER_PROCESS + 10


@pytest.fixture(scope="module")
def tables(shared_dir: Path):
    docs = load_corpus(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", "pubtator", N_DOCS)
    return run_texts(raw_document_rows(docs), stages=("clean", "ner"))


def _relations(tables, processes: int, extractor=None):
    settings = get_settings().model_copy(update={"relation_processes": processes})
    return extract_relations(tables["documents"], tables["sentences"], tables["entities"], settings, extractor)


def test_worker_processes_give_the_same_relations(tables, caplog) -> None:
    one = _relations(tables, 1)
    two = _relations(tables, 2)
    assert "redoing the chunk in one process" not in caplog.text  # the workers really ran
    assert one.relations.num_rows > N_DOCS  # BC5CDR abstracts are about chemicals and diseases
    assert not one.rejects and not two.rejects
    assert one.relations.equals(two.relations)
    assert one.document_relations.equals(two.document_relations)


class _FailsOnOneDocument:
    """The shipped extractor, except that one document raises (stands in for a corrupt document)."""

    def __init__(self, inner, doc_id: str) -> None:
        self.inner, self.doc_id, self.version = inner, doc_id, inner.version

    def extract(self, view):
        if view.doc_id == self.doc_id:
            raise ValueError("corrupt document")
        return self.inner.extract(view)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_document_becomes_a_reject(tables, processes, caplog) -> None:
    ids = tables["documents"].column("doc_id").to_pylist()
    bad = ids[N_DOCS // 2]
    result = _relations(tables, processes, _FailsOnOneDocument(get_extractor(), bad))
    assert "redoing the chunk in one process" not in caplog.text
    assert [(r.doc_id, r.reason) for r in result.rejects] == [(bad, "processing_error")]
    assert "corrupt document" in result.rejects[0].detail
    with_relations = set(result.relations.column("doc_id").to_pylist())
    assert bad not in with_relations and len(with_relations) > N_DOCS // 2


def test_adverse_events_carry_their_phrase(tables) -> None:
    """Every drug_adverse_event row names the event as stated: a span of its evidence sentence that
    contains the tail mention; other types leave the phrase empty.  Some abstracts qualify an event."""
    result = _relations(tables, 1)
    rows = result.relations.to_pylist()
    texts = dict(zip(tables["documents"].column("doc_id").to_pylist(), tables["documents"].column("text").to_pylist()))
    ents = {r["entity_id"]: r for r in tables["entities"].to_pylist()}
    ade = [r for r in rows if r["type"] == "drug_adverse_event"]
    assert ade and all(r["tail_phrase"] is None for r in rows if r["type"] != "drug_adverse_event")
    widened = 0
    for r in ade:
        tail = ents[r["tail_entity_id"]]
        start, end = r["tail_phrase_start"], r["tail_phrase_end"]
        assert texts[r["doc_id"]][start:end] == r["tail_phrase"]
        assert start <= tail["start"] and tail["end"] <= end
        assert r["evidence_start"] <= start and end <= r["evidence_end"]  # evidence: the tail's sentence
        widened += r["tail_phrase"] != r["tail_text"]
    assert widened > 0
    by_best = {r["relation_id"]: r["tail_phrase"] for r in ade}
    for d in result.document_relations.to_pylist():
        if d["type"] == "drug_adverse_event" and not d["cross_sentence"]:
            assert d["tail_phrase"] == by_best[d["best_relation_id"]]


def test_a_mention_naming_two_concepts_gives_a_document_relation_for_each(shared_dir: Path, tmp_path: Path) -> None:
    """BC5CDR dev 8677458: "hemorrhagic cystitis" links to Hemorrhage and Cystitis (``entities.concept_ids``); its
    drug -> adverse event pair is a document relation with each concept, as BC5CDR's CID pairs count it."""
    docs = [
        d
        for d in load_corpus(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", "pubtator", None)
        if d.pmid == "8677458"
    ]
    tables = run_texts(raw_document_rows(docs), stages=("clean", "ner"))
    ids = [tuple(i) for i in tables["entities"].column("concept_ids").to_pylist() if i and len(i) > 1]
    assert ("MESH:D006470", "MESH:D003556") in ids  # the linker names both concepts
    result = extract_relations(tables["documents"], tables["sentences"], tables["entities"])
    rows = [r for r in result.document_relations.to_pylist() if r["type"] == "drug_adverse_event" and not r["negated"]]
    tails = {r["tail_concept_id"] for r in rows if "cystitis" in r["tail_text"].lower()}
    assert {"MESH:D006470", "MESH:D003556"} <= tails
    # one relations row per sentence still: the second concept shares the first one's evidence row
    by_tail = {r["tail_concept_id"]: r for r in rows}
    assert by_tail["MESH:D006470"]["best_relation_id"] == by_tail["MESH:D003556"]["best_relation_id"]
    # the pair table does not give the second concept the first one's name
    for name, table in (
        *tables.items(),
        ("relations", result.relations),
        ("document_relations", result.document_relations),
    ):
        store.write_partition(tmp_path, name, "b", table)
    names = {
        r["tail_concept_id"]: r["tail_name"]
        for r in build_concept_pairs(tmp_path).to_pylist()
        if r["type"] == "drug_adverse_event" and r["tail_concept_id"] in ("MESH:D006470", "MESH:D003556")
    }
    assert len(names) == 2 and names["MESH:D003556"] != names["MESH:D006470"]


def test_an_adverse_event_names_the_drug_induced_form_of_its_disease(shared_dir: Path, tmp_path: Path) -> None:
    """BC5CDR dev 20705401: "psychosis" links to Psychotic Disorders (``entities``); the methamphetamine adverse
    event names Psychoses, Substance-Induced, MeSH's heading for a psychosis a substance caused (BC5CDR's CID pair)."""
    docs = [
        d
        for d in load_corpus(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", "pubtator", None)
        if d.pmid == "20705401"
    ]
    tables = run_texts(raw_document_rows(docs), stages=("clean", "ner"))
    psychosis = [
        e for e in tables["entities"].to_pylist() if e["text"].lower() == "psychosis" and e["label"] == "DISEASE"
    ]
    assert psychosis and {e["concept_id"] for e in psychosis} == {"MESH:D011618"}
    result = extract_relations(tables["documents"], tables["sentences"], tables["entities"])
    ae = [
        r for r in result.relations.to_pylist() if r["type"] == "drug_adverse_event" and r["tail_text"] == "psychosis"
    ]
    assert ae and {r["tail_concept_id"] for r in ae} == {"MESH:D011605"}
    pairs = {
        (r["head_concept_id"], r["tail_concept_id"])
        for r in result.document_relations.to_pylist()
        if r["type"] == "drug_adverse_event" and not r["negated"]
    }
    assert ("MESH:D008694", "MESH:D011605") in pairs and ("MESH:D008694", "MESH:D011618") not in pairs
    # the analyst's pair table names the relation's concept, not the mention's
    for name, table in (
        *tables.items(),
        ("relations", result.relations),
        ("document_relations", result.document_relations),
    ):
        store.write_partition(tmp_path, name, "b", table)
    pair = [
        r
        for r in build_concept_pairs(tmp_path).to_pylist()
        if (r["type"], r["head_concept_id"], r["tail_concept_id"])
        == ("drug_adverse_event", "MESH:D008694", "MESH:D011605")
    ]
    assert len(pair) == 1 and pair[0]["tail_name"] == "Psychoses, Substance-Induced"
