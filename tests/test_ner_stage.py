"""The NER stage over real BC5CDR abstracts: worker processes, matrix backends, failing documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from extract.clean.stage import clean_documents
from extract.corpora.pubtator import raw_document_rows
from extract.evaluation.ner import load_corpus
from extract.ner.pipeline import build_pipeline, get_pipeline
from extract.ner.stage import extract_entities
from extract.runner import raw_table
from extract.settings import get_settings, resolve_model_dir

pytestmark = pytest.mark.skipif(resolve_model_dir(get_settings().ner_model, "ner") is None,
                                reason="no models/ner-* shipped yet")

#: More documents than one batch (64), so ner_processes=2 really forks workers.
N_DOCS = 90


@pytest.fixture(scope="module")
def cleaned(shared_dir: Path):
    docs = load_corpus(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", "pubtator", N_DOCS)
    return clean_documents(raw_table(raw_document_rows(docs)))


def _entities(cleaned, **overrides):
    # Pin the linker folder so both runs of a comparison use the same one.
    linker = resolve_model_dir(get_settings().linker_index, "linker")
    settings = get_settings().model_copy(update={"linker_index": str(linker or ""), **overrides})
    return extract_entities(cleaned.documents, cleaned.sentences, settings, pipeline=get_pipeline(settings))


def test_worker_processes_give_the_same_entities(cleaned, caplog) -> None:
    one = _entities(cleaned, ner_processes=1)
    two = _entities(cleaned, ner_processes=2)
    assert "redoing the chunk in one process" not in caplog.text  # the workers really ran
    assert one.entities.num_rows > 10 * N_DOCS  # ~18 mentions per abstract
    assert not one.rejects and not two.rejects
    assert one.entities.equals(two.entities)
    linked = [c for c in two.entities.column("concept_id").to_pylist() if c]
    assert len(linked) > 0.8 * two.entities.num_rows  # linking ran inside the workers too


def test_numpy_and_blis_matrix_products_give_the_same_entities(cleaned) -> None:
    numpy_gemm = _entities(cleaned, ner_processes=1, ner_gemm="numpy")
    blis_gemm = _entities(cleaned, ner_processes=1, ner_gemm="blis")
    assert numpy_gemm.entities.equals(blis_gemm.entities)


@Language.component("test_fail_on_marker")
def _fail_on_marker(doc):
    if "XYZZY" in doc.text:
        raise ValueError("marker document")
    return doc


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_document_becomes_a_reject_in_workers_and_alone(cleaned, processes, caplog) -> None:
    rows = [{"doc_id": f"T:{i}", "format": "text", "title": "Lithium toxicity",
             "text": "Lithium caused nephrogenic diabetes insipidus." + (" XYZZY" if i == 70 else "")}
            for i in range(N_DOCS)]
    table = clean_documents(raw_table(rows))
    settings = get_settings().model_copy(update={"ner_processes": processes})
    pipeline = build_pipeline(settings)  # a private copy: the cached one must stay unmodified
    pipeline.nlp.add_pipe("test_fail_on_marker")
    result = extract_entities(table.documents, table.sentences, settings, pipeline=pipeline)
    assert "redoing the chunk in one process" not in caplog.text
    failed = sorted(r.doc_id for r in result.rejects)
    ids = table.documents.column("doc_id").to_pylist()
    assert failed == [ids[70]]
    assert result.rejects[0].reason == "processing_error" and "marker document" in result.rejects[0].detail
    with_entities = set(result.entities.column("doc_id").to_pylist())
    assert with_entities == set(ids) - {ids[70]}


def test_concept_ids_hold_every_conjunct_and_start_with_concept_id(cleaned) -> None:
    rows = _entities(cleaned, ner_processes=1).entities.select(["concept_id", "concept_ids"]).to_pylist()
    for row in rows:
        if row["concept_id"] is None:
            assert row["concept_ids"] is None
        else:
            assert row["concept_ids"][0] == row["concept_id"]
    # A coordination from BC5CDR dev (PMID 18674790) names two concepts.
    text = ("A LD(10) dose of doxorubicin led to higher cardiotoxicity and 80% mortality in the obese rats "
            "in the absence of any significant renal or hepatic toxicity.")
    table = clean_documents(raw_table([{"doc_id": "T:coord", "format": "text", "title": "Doxorubicin", "text": text}]))
    entities = _entities(table, ner_processes=1).entities.to_pylist()
    coordinated = [e for e in entities if e["text"] == "renal or hepatic toxicity"]
    assert coordinated and len(coordinated[0]["concept_ids"]) == 2
    assert coordinated[0]["concept_ids"][0] == "MESH:D007674"  # Kidney Diseases


def test_biologic_drugs_the_model_leaves_out_become_chemicals() -> None:
    text = ("Agranulocytosis developed during treatment with infliximab. Serum interleukin-6 rose. "
            "Three days after intravitreal injection of bevacizumab, acute ocular ischemic syndrome occurred.")
    table = clean_documents(raw_table([{"doc_id": "T:bio", "format": "text", "title": "Biologics", "text": text}]))
    found = {e["text"]: e for e in _entities(table, ner_processes=1).entities.to_pylist()}
    assert found["infliximab"]["label"] == "CHEMICAL" and found["infliximab"]["method"] == "drug_lexicon"
    assert found["infliximab"]["concept_id"] == "DRUGBANK:DB00065"
    assert found["bevacizumab"]["label"] == "CHEMICAL"  # no trailing comma in the span
    assert not any(e["method"] == "drug_lexicon" and "interleukin" in t.lower() for t, e in found.items())
    without = {e["text"] for e in _entities(table, ner_processes=1, biologic_drugs=False).entities.to_pylist()}
    assert "infliximab" not in without  # the model alone follows BC5CDR, which leaves proteins out


def test_interferon_and_csf_spellings_of_the_literature_are_drugs() -> None:
    """The vocabulary names INN forms ("interferon alfa-2b", "filgrastim"); case reports write
    "IFN-alpha", "alpha interferon", "G-CSF", "granulocyte colony-stimulating factor"."""
    text = ("Thyroiditis developed during IFN-alpha therapy. Another patient on recombinant alpha interferon had "
            "retinopathy. Capillary leak syndrome followed granulocyte colony-stimulating factor. "
            "Sweet syndrome after G-CSF was reported. Interferons are cytokines.")
    table = clean_documents(raw_table([{"doc_id": "T:ifn", "format": "text", "title": "Interferons", "text": text}]))
    chems = {e["text"]: e for e in _entities(table, ner_processes=1).entities.to_pylist() if e["label"] == "CHEMICAL"}
    for name in ("IFN-alpha", "alpha interferon", "granulocyte colony-stimulating factor", "G-CSF", "Interferons"):
        assert any(name in t for t in chems), (name, sorted(chems))
    assert chems["G-CSF"]["concept_id"] == chems["granulocyte colony-stimulating factor"]["concept_id"]


def test_drug_words_with_a_small_molecule_stem_the_model_misses() -> None:
    """Single words with an INN stem are added only when they are DrugBank drug names."""
    text = ("Uveitis developed during rifabutin therapy. Linezolid was stopped after lactic acidosis. "
            "The routine examination of urine was normal.")
    table = clean_documents(raw_table([{"doc_id": "T:inn", "format": "text", "title": "Stems", "text": text}]))
    found = {e["text"].lower(): e for e in _entities(table, ner_processes=1).entities.to_pylist()}
    for drug in ("rifabutin", "linezolid"):  # the model alone leaves both out here
        assert found[drug]["label"] == "CHEMICAL" and found[drug]["method"] == "drug_lexicon"
    assert not {"routine", "examination", "urine"} & set(found)  # -ine words that are no drug names
