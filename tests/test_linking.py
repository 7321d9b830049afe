"""Entity linking: knowledge base, index, linker component, abbreviations, evaluation.

Most tests build a small index from the fixture vocabulary in tests/fixtures/linking
(seconds); the last ones use the shipped models/linker-* folder when present.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import extract.ner.postprocess  # noqa: F401  (registers the components)
from extract.linking.index import build_index_files, load_linker_resources
from extract.linking.knowledge_base import KnowledgeBaseBuilder, read_pmids
from extract.linking.linker import EntityLinker
from extract.linking.normalize import lookup_variants, normalize
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings, resolve_model_dir

FIXTURES = Path(__file__).parent / "fixtures" / "linking"
SAMPLES = get_settings().shared_dir / "samples" / "pages"


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    builder = KnowledgeBaseBuilder()
    builder.add_ctd(FIXTURES / "ctd_diseases.tsv")
    umls_to_mesh = builder.add_doid(FIXTURES / "doid.obo")
    builder.add_hpo(FIXTURES / "hp.obo", umls_to_mesh)
    builder.add_corpus("train", FIXTURES / "train.pubtator", read_pmids(FIXTURES / "dev_pmids.pubtator"))
    builder.add_drugbank(FIXTURES / "drugbank.csv")
    folder = tmp_path_factory.mktemp("linker") / "linker-test"
    build_index_files(builder.result(), folder, threads=1)
    return folder


@pytest.fixture(scope="module")
def linker(fixture_index: Path) -> EntityLinker:
    return EntityLinker(fixture_index)


def _link(linker: EntityLinker, text: str, label: str):
    return linker.link_texts([(text, label)])[0]


def test_normalize_and_variants() -> None:
    assert normalize("Diabetes Mellitus, Type-2") == "diabetes mellitus type 2"
    assert normalize("β-carotene") == "beta carotene"
    assert "seizure" in lookup_variants("seizures")


def test_knowledge_base_sources(fixture_index: Path) -> None:
    resources = load_linker_resources(fixture_index)
    concepts = resources.data.concepts
    assert "MESH:C" not in concepts  # CTD tree root is not a concept
    # Chemical MeSH ids come from the training corpus; DrugBank names merge into them.
    assert concepts["MESH:D014859"].label == "CHEMICAL"
    assert "DRUGBANK:DB00682" in concepts["MESH:D014859"].xrefs
    # The excluded (dev) PMID contributed nothing.
    assert "MESH:D009270" not in concepts
    # HPO term mapped to MeSH through UMLS (via the Disease Ontology) joins the MeSH concept.
    assert "MESH:D012595" in resources.alias_to_ids["hardened skin fixture"]
    assert "HP:0100324" in concepts["MESH:D012595"].xrefs
    # Non-phenotype HPO branches are left out; DOID terms without MeSH stay DOID.
    assert "HP:0000005" not in concepts
    assert concepts["DOID:0050910"].ontology == "DOID"


def test_exact_and_synonym(linker: EntityLinker) -> None:
    assert _link(linker, "hypercalcemia", "DISEASE").concept_id == "MESH:D006934"
    assert _link(linker, "Hypercalcaemia", "DISEASE").concept_id == "MESH:D006934"
    result = _link(linker, "systemic sclerosis", "DISEASE")
    assert result.concept_id == "MESH:D012595" and result.method == "exact"
    assert _link(linker, "Coumadin", "CHEMICAL").concept_id == "MESH:D014859"
    assert _link(linker, "teriparatide", "CHEMICAL").concept_id == "DRUGBANK:DB06285"


def test_prefers_mesh_over_hpo(linker: EntityLinker) -> None:
    # "Calcinosis" is both MeSH D002114 and HP:0003761: MeSH wins.
    assert _link(linker, "calcinosis", "DISEASE").concept_id == "MESH:D002114"
    assert _link(linker, "calcinosis cutis", "DISEASE").concept_id == "HP:0025520"


def test_misspelling_links_through_ann(linker: EntityLinker) -> None:
    result = _link(linker, "minocylcine", "CHEMICAL")
    assert result is not None and result.concept_name == "Minocycline"
    assert result.method == "ann" and 0 < result.score < 1


def test_label_restricts_candidates(linker: EntityLinker) -> None:
    assert _link(linker, "minocycline", "DISEASE") is None
    assert _link(linker, "completely unrelated words", "DISEASE") is None


def _nlp_with_ruler(fixture_index: Path, patterns: list[dict]) -> Language:
    nlp = make_blank_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(patterns)
    nlp.add_pipe("extract_abbreviations")
    nlp.add_pipe("extract_linker", config={"linker_path": str(fixture_index)})
    nlp.add_pipe("extract_context")
    return nlp


ABBREVIATION_TEXT = (
    "Calcinosis is common in systemic sclerosis (SSc). "
    "In SSc, warfarin was tried. Patients with SSc were followed."
)


def test_abbreviation_propagation(fixture_index: Path) -> None:
    nlp = _nlp_with_ruler(
        fixture_index,
        [
            {"label": "DISEASE", "pattern": "systemic sclerosis"},
            {"label": "DISEASE", "pattern": "calcinosis"},
            {"label": "CHEMICAL", "pattern": "warfarin"},
            {"label": "CHEMICAL", "pattern": [{"ORTH": "SSc"}], "id": "wrong-label"},
        ],
    )
    doc = nlp(ABBREVIATION_TEXT)
    short = [e for e in doc.ents if e.text == "SSc"]
    assert len(short) == 3
    for ent in short:
        # The NER (here: a ruler) called the short form CHEMICAL; the long form decides.
        assert ent.label_ == "DISEASE"
        assert ent._.abbreviation_of == "systemic sclerosis"
        assert ent._.concept_id == "MESH:D012595"
    long_form = next(e for e in doc.ents if e.text == "systemic sclerosis")
    assert long_form._.abbreviation_of is None
    assert next(e for e in doc.ents if e.text == "warfarin")._.concept_id == "MESH:D014859"


def test_abbreviation_adds_missed_short_forms(fixture_index: Path) -> None:
    nlp = _nlp_with_ruler(fixture_index, [{"label": "DISEASE", "pattern": "systemic sclerosis"}])
    doc = nlp(ABBREVIATION_TEXT)
    added = [e for e in doc.ents if e.text == "SSc"]
    assert len(added) == 3
    assert all(e._.method == "abbreviation" and e.label_ == "DISEASE" for e in added)
    assert all(e._.concept_id == "MESH:D012595" for e in added)


def test_pipe_with_several_processes(fixture_index: Path) -> None:
    nlp = _nlp_with_ruler(fixture_index, [{"label": "CHEMICAL", "pattern": "minocylcine"}])
    texts = [f"Case {i}: treated with minocylcine." for i in range(6)]
    docs = list(nlp.pipe(texts, n_process=2, batch_size=2))
    assert [d.ents[0]._.concept_name for d in docs] == ["Minocycline"] * 6


def test_add_postprocessing_without_index(tmp_path: Path) -> None:
    nlp = make_blank_nlp()
    # resolve_model_dir reads get_settings(): point the linker at a missing folder.
    settings = get_settings().model_copy(update={"linker_index": str(tmp_path / "linker-missing")})
    extract.ner.postprocess.add_postprocessing(nlp, settings)
    assert nlp.pipe_names == ["extract_drug_classes", "extract_abbreviations", "extract_context"]


def test_add_postprocessing_with_index(fixture_index: Path) -> None:
    settings = get_settings().model_copy(update={"linker_index": str(fixture_index)})
    nlp = extract.ner.postprocess.add_postprocessing(make_blank_nlp(), settings)
    assert nlp.pipe_names == ["extract_drug_classes", "extract_abbreviations", "extract_linker", "extract_context"]
    extract.ner.postprocess.add_postprocessing(nlp, settings)  # idempotent
    assert len(nlp.pipe_names) == 4


# ---------------------------------------------------------------- shipped index

SHIPPED = resolve_model_dir(get_settings().linker_index, "linker")
needs_shipped = pytest.mark.skipif(
    SHIPPED is None, reason="no models/linker-* folder: build it with `biomed-extract build-linker`"
)


@needs_shipped
def test_shipped_index_on_calcinosis_sample() -> None:
    text = (SAMPLES / "abstract_calcinosis_cutis.txt").read_text()
    terms = {
        "systemic sclerosis": "DISEASE",
        "dermatomyositis": "DISEASE",
        "calcinosis cutis": "DISEASE",
        "minocylcine": "CHEMICAL",
    }
    nlp = make_blank_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": label, "pattern": term} for term, label in terms.items()])
    nlp.add_pipe("extract_abbreviations")
    nlp.add_pipe("extract_linker", config={"linker_path": str(SHIPPED)})
    doc = nlp(text)
    found = {e.text.lower(): e for e in doc.ents}
    assert set(terms) <= set(found)
    for term in ("systemic sclerosis", "dermatomyositis", "calcinosis cutis"):
        assert found[term]._.ontology in ("MESH", "HPO"), term
    assert found["minocylcine"]._.concept_name.lower() == "minocycline"
    assert found["systemic sclerosis"]._.concept_id == "MESH:D012595"


@needs_shipped
def test_shipped_index_gold_mention_evaluation() -> None:
    from extract.evaluation.link import evaluate_link

    corpus = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    result = evaluate_link(corpus, gold_entities=True, limit=20, linker=SHIPPED)
    assert result["task"] == "link" and result["n_docs"] == 20 and result["gold_entities"]
    assert set(result["per_label"]) == {"CHEMICAL", "DISEASE"}
    assert result["per_label"]["DISEASE"]["f1"] > 0.7
    assert result["per_label"]["CHEMICAL"]["precision"] > 0.8
