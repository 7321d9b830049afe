"""The NER stage over real BC5CDR abstracts: its pipeline built from configs/ner_stage.cfg, worker
processes, matrix backends, failing documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from extract.clean.stage import clean_documents
from extract.corpora.pubtator import raw_document_rows
from extract.evaluation.ner import load_corpus
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp, model_version
from extract.ner.stage import extract_entities
from extract.runner import raw_table
from extract.schemas import ENTITY_LABELS
from extract.settings import get_settings, resolve_model_dir
from helpers import POSTPROCESSING

pytestmark = pytest.mark.skipif(
    resolve_model_dir(get_settings().ner_model, "ner") is None, reason="no models/ner-* shipped yet"
)

#: More documents than one batch (64), so ner_processes=2 really forks workers.
N_DOCS = 90


@pytest.fixture(scope="module")
def cleaned(shared_dir: Path):
    docs = load_corpus(shared_dir / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt", "pubtator", N_DOCS)
    return clean_documents(raw_table(raw_document_rows(docs)))


def _pinned_settings(**overrides):
    """The session's settings with ``overrides``.  Without overrides the cache key of ``get_ner_nlp`` is the
    one every other test module uses, so the shipped pipeline is built once per session; the linker
    folder it resolved is asserted in ``test_pipeline_comes_from_the_config_with_versions_in_meta``."""
    return get_settings().model_copy(update=overrides)


def _entities(cleaned, **overrides):
    settings = _pinned_settings(**overrides)
    return extract_entities(cleaned.documents, cleaned.sentences, settings, nlp=get_ner_nlp(settings))


@pytest.fixture(scope="module")
def one_process(cleaned):
    """The stage's entities of the ``N_DOCS`` abstracts in this process (``ner_processes=1``), read by several tests."""
    return _entities(cleaned, ner_processes=1)


def test_pipeline_comes_from_the_config_with_versions_in_meta(one_process) -> None:
    model_dir = resolve_model_dir(get_settings().ner_model, "ner")
    linker_dir = resolve_model_dir(get_settings().linker_index, "linker")
    if linker_dir is None:
        pytest.skip("no models/linker-* folder")
    nlp = get_ner_nlp(_pinned_settings())
    assert nlp.pipe_names == ["lexicon_features", "ner", *POSTPROCESSING]
    version = json.loads((model_dir / "meta.json").read_text())["version"]
    expected = f"{model_dir.name}@{version}+{linker_dir.name}"
    assert nlp.meta["extract"] == {
        "ner": f"{model_dir.name}@{version}",
        "linker": linker_dir.name,
        "postprocessing": POSTPROCESSING,
        "model_version": expected,
    }
    assert model_version(nlp) == expected
    # component settings come from the config, the linker folder from the settings
    assert nlp.get_pipe("extract_linker").folder == linker_dir
    assert nlp.get_pipe("extract_linker").threshold == 0.65
    assert nlp.get_pipe("extract_context").max_before == 8
    assert nlp.config["components"]["extract_biologic_drugs"]["linker_path"] == str(linker_dir)
    assert set(one_process.entities.column("model_version").to_pylist()) == {expected}


def test_sourced_model_pipes_predict_as_the_model_folder_does(cleaned, shipped_ner_model) -> None:
    """The sourced ``ner`` needs the model's static vectors: they come with the config's callback.

    The stage pipeline's own sourced pipes (the session's, built once) run alone; building a subset of the
    config's pipes (``only=``) is tested in ``test_settings_and_only_exclude_pipes_of_the_same_config``."""
    model_dir = resolve_model_dir(get_settings().ner_model, "ner")
    sourced = get_ner_nlp(_pinned_settings())
    assert sourced.vocab.vectors.shape == spacy.load(model_dir, exclude=["lexicon_features", "ner"]).vocab.vectors.shape
    loaded = shipped_ner_model  # spacy.load(model_dir), shared with test_ner_training
    texts = cleaned.documents.column("text").to_pylist()[:20]
    with sourced.select_pipes(enable=["lexicon_features", "ner"]):
        assert sourced.pipe_names == ["lexicon_features", "ner"]
        ents = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in sourced.pipe(texts)]
    assert ents == [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in loaded.pipe(texts)]
    assert sum(map(len, ents)) > 100


def test_settings_and_only_exclude_pipes_of_the_same_config() -> None:
    if resolve_model_dir(get_settings().linker_index, "linker") is None:
        pytest.skip("no models/linker-* folder")
    settings = _pinned_settings(drug_classes=False, biologic_drugs=False)
    nlp = build_ner_nlp(settings, only=POSTPROCESSING)
    assert "ner" not in nlp.pipe_names and "extract_drug_classes" not in nlp.pipe_names
    assert "extract_biologic_drugs" not in nlp.pipe_names and "extract_context" in nlp.pipe_names
    gold_mentions = build_ner_nlp(
        _pinned_settings(),
        only=["extract_abbreviations", "extract_linker"],
        overrides={"components.extract_linker.threshold": 0.8},
    )
    assert gold_mentions.pipe_names == ["extract_abbreviations", "extract_linker"]
    assert gold_mentions.get_pipe("extract_linker").threshold == 0.8
    assert gold_mentions.meta["extract"]["ner"] is None and gold_mentions.meta["extract"]["model_version"] is None


def test_worker_processes_give_the_same_entities(cleaned, one_process, caplog) -> None:
    one = one_process
    two = _entities(cleaned, ner_processes=2)
    assert "redoing the chunk in one process" not in caplog.text  # the workers really ran
    assert one.entities.num_rows > 10 * N_DOCS  # ~18 mentions per abstract
    assert not one.rejects and not two.rejects
    assert one.entities.equals(two.entities)
    mentions = [r["concept_id"] for r in two.entities.to_pylist() if r["label"] in ENTITY_LABELS]
    assert len([c for c in mentions if c]) > 0.8 * len(mentions)  # linking ran inside the workers too


def test_numpy_and_blis_matrix_products_give_the_same_entities(cleaned, one_process) -> None:
    # the session's pipeline computes on numpy by default: its entities are ``one_process``'s
    if get_settings().ner_gemm == "numpy":
        numpy_gemm = one_process
    else:
        numpy_gemm = _entities(cleaned, ner_processes=1, ner_gemm="numpy")
    blis_gemm = _entities(cleaned, ner_processes=1, ner_gemm="blis")
    assert numpy_gemm.entities.num_rows > 10 * N_DOCS
    assert numpy_gemm.entities.equals(blis_gemm.entities)


@Language.component("test_fail_on_marker")
def _fail_on_marker(doc):
    if "XYZZY" in doc.text:
        raise ValueError("marker document")
    return doc


@pytest.fixture
def failing_nlp():
    """The stage pipeline (the session's, built once) with a last pipe that fails on a marker; the pipe is
    removed after the test, so the cached pipeline the other tests use is unchanged."""
    nlp = get_ner_nlp(_pinned_settings())
    nlp.add_pipe("test_fail_on_marker")
    try:
        yield nlp
    finally:
        nlp.remove_pipe("test_fail_on_marker")


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_document_becomes_a_reject_in_workers_and_alone(failing_nlp, processes, caplog) -> None:
    rows = [
        {
            "doc_id": f"T:{i}",
            "format": "text",
            "title": "Lithium toxicity",
            "text": "Lithium caused nephrogenic diabetes insipidus." + (" XYZZY" if i == 70 else ""),
        }
        for i in range(N_DOCS)
    ]
    table = clean_documents(raw_table(rows))
    settings = get_settings().model_copy(update={"ner_processes": processes})
    result = extract_entities(table.documents, table.sentences, settings, nlp=failing_nlp)
    assert "redoing the chunk in one process" not in caplog.text
    failed = sorted(r.doc_id for r in result.rejects)
    ids = table.documents.column("doc_id").to_pylist()
    assert failed == [ids[70]]
    assert result.rejects[0].reason == "processing_error" and "marker document" in result.rejects[0].detail
    with_entities = set(result.entities.column("doc_id").to_pylist())
    assert with_entities == set(ids) - {ids[70]}


def test_concept_ids_hold_every_conjunct_and_start_with_concept_id(one_process) -> None:
    rows = one_process.entities.select(["concept_id", "concept_ids"]).to_pylist()
    for row in rows:
        if row["concept_id"] is None:
            assert row["concept_ids"] is None
        else:
            assert row["concept_ids"][0] == row["concept_id"]
    # A coordination from BC5CDR dev (PMID 18674790) names two concepts.
    text = (
        "A LD(10) dose of doxorubicin led to higher cardiotoxicity and 80% mortality in the obese rats "
        "in the absence of any significant renal or hepatic toxicity."
    )
    table = clean_documents(raw_table([{"doc_id": "T:coord", "format": "text", "title": "Doxorubicin", "text": text}]))
    entities = _entities(table, ner_processes=1).entities.to_pylist()
    coordinated = [e for e in entities if e["text"] == "renal or hepatic toxicity"]
    assert coordinated and len(coordinated[0]["concept_ids"]) == 2
    assert coordinated[0]["concept_ids"][0] == "MESH:D007674"  # Kidney Diseases


def test_biologic_drugs_the_model_leaves_out_become_chemicals() -> None:
    text = (
        "Agranulocytosis developed during treatment with infliximab. Serum interleukin-6 rose. "
        "Three days after intravitreal injection of bevacizumab, acute ocular ischemic syndrome occurred."
    )
    table = clean_documents(raw_table([{"doc_id": "T:bio", "format": "text", "title": "Biologics", "text": text}]))
    found = {e["text"]: e for e in _entities(table, ner_processes=1).entities.to_pylist()}
    assert found["infliximab"]["label"] == "CHEMICAL" and found["infliximab"]["method"] == "drug_lexicon"
    assert found["infliximab"]["concept_id"] == "MESH:D000069285"  # DrugBank DB00065 joins the MeSH descriptor
    assert found["bevacizumab"]["label"] == "CHEMICAL"  # no trailing comma in the span
    assert not any(e["method"] == "drug_lexicon" and "interleukin" in t.lower() for t, e in found.items())
    # biologic_drugs=False leaves the pipe out (test_settings_and_only_exclude_pipes_of_the_same_config);
    # here the same pipeline with the pipe switched off, not a second one built for it
    settings = _pinned_settings(ner_processes=1)
    with get_ner_nlp(settings).select_pipes(disable=["extract_biologic_drugs"]):
        without = extract_entities(table.documents, table.sentences, settings, nlp=get_ner_nlp(settings))
    assert "infliximab" not in {e["text"] for e in without.entities.to_pylist()}  # the model alone follows BC5CDR


def test_interferon_and_csf_spellings_of_the_literature_are_drugs() -> None:
    """The vocabulary names INN forms ("interferon alfa-2b", "filgrastim"); case reports write
    "IFN-alpha", "alpha interferon", "G-CSF", "granulocyte colony-stimulating factor"."""
    text = (
        "Thyroiditis developed during IFN-alpha therapy. Another patient on recombinant alpha interferon had "
        "retinopathy. Capillary leak syndrome followed granulocyte colony-stimulating factor. "
        "Sweet syndrome after G-CSF was reported. Interferons are cytokines."
    )
    table = clean_documents(raw_table([{"doc_id": "T:ifn", "format": "text", "title": "Interferons", "text": text}]))
    chems = {e["text"]: e for e in _entities(table, ner_processes=1).entities.to_pylist() if e["label"] == "CHEMICAL"}
    for name in ("IFN-alpha", "alpha interferon", "granulocyte colony-stimulating factor", "G-CSF", "Interferons"):
        assert any(name in t for t in chems), (name, sorted(chems))
    assert chems["G-CSF"]["concept_id"] == chems["granulocyte colony-stimulating factor"]["concept_id"]


def test_a_drug_name_at_the_title_break_keeps_no_whitespace() -> None:
    """A biologic named last in the title or first in the abstract stays its own word: the stage joins the two with a
    blank line, and the name must not take it in ("interferon.\\n\\n", "\\n\\nSiltuximab" on trial abstracts)."""
    rows = [
        {
            "doc_id": "T:t1",
            "format": "text",
            "title": "Retinopathy is not prevented by interferon.",
            "text": "We studied it.",
        },
        {
            "doc_id": "T:t2",
            "format": "text",
            "title": "IL-6 in renal cell carcinoma.",
            "text": "Siltuximab, a mAb, was given.",
        },
    ]
    table = clean_documents(raw_table(rows))
    chems = [e for e in _entities(table, ner_processes=1).entities.to_pylist() if e["label"] == "CHEMICAL"]
    assert {e["text"] for e in chems} >= {"interferon", "Siltuximab"}, chems
    assert not [e for e in chems if e["text"] != e["text"].strip() or "." in e["text"]], chems


def test_drug_words_with_a_small_molecule_stem_the_model_misses() -> None:
    """Single words with an INN stem are added only when they are DrugBank drug names, or one swap of two adjacent
    letters away from one ("minocylcine", as a seed page spells minocycline).  The stage's own component runs on a
    doc where the model found nothing, whatever the shipped model would have found."""
    from helpers import doc_with_entities

    text = (
        "Uveitis developed during rifabutin therapy. Linezolid was stopped after lactic acidosis. "
        "Benefit from minocylcine. The routine examination of urine was normal; amphetamine-like stimulants."
    )
    component = get_ner_nlp(_pinned_settings()).get_pipe("extract_biologic_drugs")
    doc = component(doc_with_entities(text, [("Uveitis", "DISEASE"), ("lactic acidosis", "DISEASE")]))
    found = {e.text.lower(): (e.label_, e._.method) for e in doc.ents}
    for drug in ("rifabutin", "linezolid", "minocylcine", "amphetamine"):
        assert found[drug] == ("CHEMICAL", "drug_lexicon"), drug
    assert not {"routine", "examination", "urine"} & set(found)  # -ine words that are no drug names
    assert found["uveitis"] == ("DISEASE", "model")


def test_a_disease_mention_that_names_a_drug_becomes_a_chemical() -> None:
    """Trial reports: the model tags "abatacept", "insulin aspart" as diseases; the stage's component makes the
    DrugBank drug names CHEMICAL and leaves disease names ("hyperglycemia") and upper-case short forms alone."""
    from helpers import doc_with_entities

    text = "Patients on abatacept had ITP; insulin aspart was given for hyperglycemia. PAF recurred in one patient."
    component = get_ner_nlp(_pinned_settings()).get_pipe("extract_biologic_drugs")
    mentions = [
        ("abatacept", "DISEASE"),
        ("ITP", "DISEASE"),
        ("insulin aspart", "DISEASE"),
        ("hyperglycemia", "DISEASE"),
        ("PAF", "DISEASE"),  # paroxysmal atrial fibrillation here, platelet-activating factor elsewhere
    ]
    doc = component(doc_with_entities(text, mentions))
    found = {e.text: (e.label_, e._.method) for e in doc.ents}
    assert found["abatacept"] == ("CHEMICAL", "drug_lexicon")
    assert found["insulin aspart"] == ("CHEMICAL", "drug_lexicon")
    assert found["hyperglycemia"] == ("DISEASE", "model") and found["ITP"] == ("DISEASE", "model")
    assert found["PAF"] == ("DISEASE", "model")


def test_release_frees_the_pipeline_and_the_next_call_builds_it_again(tmp_path) -> None:
    """``run`` frees the NER pipeline once its NER stage is done (``extract.stages.release_models``): nothing
    else keeps it alive, and a later call builds it again."""
    import gc
    import weakref

    from extract import stages
    from helpers import tiny_ner_model

    settings = _pinned_settings(ner_model=str(tiny_ner_model(tmp_path)))
    nlp = get_ner_nlp(settings)
    table = clean_documents(raw_table([{"text": "Aspirin caused a headache.", "format": "text"}]))
    assert extract_entities(table.documents, table.sentences, settings, nlp=nlp).entities.num_rows
    pipeline = weakref.ref(nlp)
    del nlp
    stages.release_models("ner")
    gc.collect()
    assert pipeline() is None
    again = get_ner_nlp(settings)
    assert again is get_ner_nlp(settings) and again.pipe_names
