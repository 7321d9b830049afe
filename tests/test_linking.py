"""Entity linking: knowledge base, index, linker component, abbreviations, evaluation.

Most tests build a small index from the fixture vocabulary in tests/fixtures/linking
(seconds); the last ones use the shipped models/linker-* folder when present.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

import extract.ner.postprocess  # noqa: F401  (registers the components)
from extract.linking.index import build_index_files, load_linker_resources
from extract.linking.knowledge_base import Concept, KnowledgeBaseBuilder, read_pmids
from extract.linking.linker import EntityLinker
from extract.linking.normalize import lookup_variants, normalize
from extract.ner.pipeline import build_ner_nlp
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings, resolve_model_dir
from helpers import POSTPROCESSING

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
    # a hyphen between letters may also be no word break ("thrombo-embolism" is "thromboembolism")
    assert lookup_variants("venous thrombo-embolism") == ["venous thrombo embolism", "venous thromboembolism"]
    assert lookup_variants("5-FU") == ["5 fu"]


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
    "Calcinosis is common in systemic sclerosis (SSc). In SSc, warfarin was tried. Patients with SSc were followed."
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


def test_stage_pipeline_without_index(tmp_path: Path) -> None:
    # resolve_model_dir reads get_settings(): point the linker at a missing folder.
    settings = get_settings().model_copy(update={"linker_index": str(tmp_path / "linker-missing")})
    nlp = build_ner_nlp(settings, only=POSTPROCESSING)
    assert nlp.pipe_names == [
        "extract_span_edges",
        "extract_mention_noise",
        "extract_place_names",  # reads MeSH from the shared vocabulary, no linker index needed
        "extract_genus_initials",
        "extract_product_codes",
        "extract_annotation_rates",  # a data file of its own, no linker index needed
        "extract_label_consistency",
        "extract_drug_classes",  # after the repeated drug names: "angiotensin" repeated before "II receptor blockers"
        "extract_abbreviations",
        "extract_context",
    ]
    assert nlp.meta["extract"]["linker"] is None


def test_stage_pipeline_with_index(fixture_index: Path) -> None:
    settings = get_settings().model_copy(update={"linker_index": str(fixture_index)})
    nlp = build_ner_nlp(settings, only=POSTPROCESSING)
    assert nlp.pipe_names == POSTPROCESSING
    assert nlp.get_pipe("extract_linker").folder == fixture_index
    assert nlp.meta["extract"]["linker"] == "linker-test"


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
def test_shipped_index_links_a_hyphen_split_name() -> None:
    linker = EntityLinker(SHIPPED)
    assert _link(linker, "venous thrombo-embolism", "DISEASE").concept_id == "MESH:D054556"


@needs_shipped
def test_shipped_index_gold_mention_evaluation() -> None:
    from extract.evaluation.link import evaluate_link

    corpus = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    result = evaluate_link(corpus, gold_entities=True, limit=20, linker=SHIPPED)
    assert result["task"] == "link" and result["n_docs"] == 20 and result["gold_entities"]
    assert set(result["per_label"]) == {"CHEMICAL", "DISEASE"}
    assert result["per_label"]["DISEASE"]["f1"] > 0.7
    assert result["per_label"]["CHEMICAL"]["precision"] > 0.8


# ------------------------------------------------- ranking, variants, back-offs
# A small hand-made knowledge base (no fixture files): each test names the behaviour.


def _concept(cid: str, name: str, aliases: list[str], label: str = "DISEASE") -> Concept:
    ontology = "MESH" if cid.startswith("MESH:") else {"HP": "HPO"}.get(cid.split(":")[0], cid.split(":")[0])
    return Concept(cid, name, label, ontology, {normalize(a) for a in [name, *aliases]})


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from extract.linking.knowledge_base import KnowledgeBaseData

    concepts = [
        _concept("MESH:D012852", "Sinusitis", []),
        _concept("MESH:D010254", "Paranasal Sinus Diseases", ["sinusitis"]),
        _concept("MESH:D007035", "Hypothermia", []),
        _concept("MESH:D007036", "Hypothermia, Induced", ["hypothermia"]),
        _concept("MESH:D007674", "Kidney Diseases", ["renal disease"]),
        _concept("MESH:D008107", "Liver Diseases", ["hepatic dysfunction"]),
        _concept("MESH:D056486", "Drug-Induced Liver Injury", ["hepatic injury", "hepatic damage"]),
        _concept("MESH:D010051", "Ovarian Neoplasms", ["ovarian carcinoma"]),
        _concept("MESH:D001943", "Breast Neoplasms", ["breast carcinoma"]),
        _concept("MESH:D003693", "Delirium", []),
        _concept("MESH:D004194", "Disease", []),
        _concept("MESH:D013494", "Supranuclear Palsy, Progressive", []),
        _concept("MESH:C566795", "Pneumothorax, Primary Spontaneous", ["PSP"]),
        _concept("MESH:D004409", "Dyskinesia, Drug-Induced", ["LID"]),
        _concept("MESH:D006471", "Gastrointestinal Hemorrhage", []),
        _concept("HP:0002239", "Gastrointestinal haemorrhage", []),
        _concept("MESH:D004317", "Doxorubicin", [], label="CHEMICAL"),
    ]
    priors = {
        "hypothermia": {"MESH:D007035": 3, "MESH:D007036": 5},  # all training corpora
        "hepatic injury": {"MESH:D056486": 4},
        "hepatic damage": {"MESH:D056486": 1},
        "hepatic dysfunction": {"MESH:D008107": 2},
    }
    primary = {"hypothermia": {"MESH:D007035": 3}}  # BC5CDR alone
    data = KnowledgeBaseData({c.concept_id: c for c in concepts}, priors, {}, primary)
    folder = tmp_path_factory.mktemp("linker") / "linker-small"
    build_index_files(data, folder, threads=1)
    return folder


@pytest.fixture(scope="module")
def small(small_index: Path) -> EntityLinker:
    return EntityLinker(small_index)


def test_preferred_name_breaks_ties(small: EntityLinker) -> None:
    # No prior; both MeSH concepts carry the alias: the one it names wins, not the lower id.
    assert _link(small, "sinusitis", "DISEASE").concept_id == "MESH:D012852"


def test_primary_corpus_prior_decides_first(small: EntityLinker) -> None:
    # 5 mentions over all corpora mean D007036, but BC5CDR's own 3 say D007035.
    assert _link(small, "hypothermia", "DISEASE").concept_id == "MESH:D007035"


def test_primary_priors_saved_and_optional(small_index: Path, tmp_path: Path) -> None:
    from extract.linking.knowledge_base import KnowledgeBaseData

    data = KnowledgeBaseData.load(small_index)
    assert data.primary_priors == {"hypothermia": {"MESH:D007035": 3}}
    (tmp_path / "old").mkdir()
    data.save(tmp_path / "old")
    (tmp_path / "old" / "priors_primary.json.gz").unlink()  # a linker folder before 0.2.0
    assert KnowledgeBaseData.load(tmp_path / "old").primary_priors == {}


def test_american_spelling_and_plurals() -> None:
    assert normalize("Gastrointestinal haemorrhage") == "gastrointestinal hemorrhage"
    assert normalize("anaemia, oedema, diarrhoea, tumour") == "anemia edema diarrhea tumor"
    assert normalize("leucocytosis") == "leukocytosis" and normalize("leucine") == "leucine"
    assert normalize("sulphate") == "sulfate"
    assert "renal disease" in lookup_variants("renal diseases")
    assert "headache" in lookup_variants("headaches")
    assert "abscess" in lookup_variants("abscesses")


def test_british_spelling_links_to_mesh(small: EntityLinker) -> None:
    result = _link(small, "gastrointestinal haemorrhage", "DISEASE")
    assert result.concept_id == "MESH:D006471" and result.method == "exact"


def test_generic_head_backoff(small: EntityLinker) -> None:
    from extract.linking.normalize import generic_head_variants

    assert "renal disease" in generic_head_variants("renal toxicity")
    assert generic_head_variants("toxicity") == [] and generic_head_variants("renal failure") == []
    result = _link(small, "renal toxicity", "DISEASE")
    assert result.concept_id == "MESH:D007674" and result.method == "head"
    # Votes over the variants: hepatic injury (4) + damage (1) beat hepatic dysfunction (2).
    assert _link(small, "hepatic toxicity", "DISEASE").concept_id == "MESH:D056486"


def test_conjuncts() -> None:
    from extract.linking.normalize import conjuncts

    assert conjuncts("renal or hepatic toxicity") == ["renal toxicity", "hepatic toxicity"]
    assert conjuncts("haematological, renal and hepatic toxicities") == [
        "haematological toxicities",
        "renal toxicities",
        "hepatic toxicities",
    ]
    assert conjuncts("impairments of learning and memory") == ["impairments of learning", "impairments of memory"]
    assert conjuncts("hepatitis and renal failure", lambda item: item == "hepatitis") == ["hepatitis", "renal failure"]
    assert conjuncts("nausea and vomiting") == []
    assert conjuncts("renal failure") == []


def test_coordinated_mention_links_each_conjunct(small: EntityLinker) -> None:
    result = _link(small, "ovarian and breast carcinoma", "DISEASE")
    assert result.method == "coordination" and result.concept_id == "MESH:D010051"
    assert [p.concept_id for p in result.parts] == ["MESH:D010051", "MESH:D001943"]
    result = _link(small, "renal or hepatic toxicity", "DISEASE")
    assert [p.concept_id for p in result.parts] == ["MESH:D007674", "MESH:D056486"]
    assert _link(small, "breast carcinoma", "DISEASE").parts == ()


def test_head_backoff_last_resort(small: EntityLinker, small_index: Path) -> None:
    from extract.linking.normalize import head_backoffs

    assert head_backoffs("postoperative cerebral sinus thrombosis") == [
        "cerebral sinus thrombosis",
        "sinus thrombosis",
        "thrombosis",
    ]
    assert head_backoffs("adenovirus disease") == []  # a bare head names nothing
    assert head_backoffs("elevated ICP") == []  # nor does a lone short form
    assert head_backoffs("venous thrombo-embolism") == ["thrombo embolism"]  # no split inside a word
    result = _link(small, "postoperative delirium", "DISEASE")
    assert result.concept_id == "MESH:D003693" and result.method == "backoff" and result.score == 0.8
    assert _link(small, "adenovirus disease", "DISEASE") is None
    assert _link(small, "pegylated doxorubicin", "CHEMICAL") is None  # diseases only
    assert _link(EntityLinker(small_index, backoff=False), "postoperative delirium", "DISEASE") is None


def test_short_form_link_must_fit_long_form(small: EntityLinker) -> None:
    # Long form unlinked; the short form's own link shares no word with it: dropped.
    assert small.link_mentions([("PSP", "DISEASE", "supranuclear palsy")]) == [None]
    # Shares "dyskinesia(s)": kept.
    (result,) = small.link_mentions([("LID", "DISEASE", "levodopa-induced dyskinesias")])
    assert result is not None and result.concept_id == "MESH:D004409"


def test_coordination_links_every_conjunct_into_concept_ids(small_index: Path) -> None:
    nlp = make_blank_nlp()
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [{"label": "DISEASE", "pattern": "ovarian and breast carcinoma"}, {"label": "DISEASE", "pattern": "sinusitis"}]
    )
    nlp.add_pipe("extract_linker", config={"linker_path": str(small_index)})
    doc = nlp("Sinusitis and ovarian and breast carcinoma were seen; sinusitis resolved.")
    ents = {e.text.lower(): e for e in doc.ents}
    coordinated = ents["ovarian and breast carcinoma"]
    assert coordinated._.concept_ids == ["MESH:D010051", "MESH:D001943"]
    assert coordinated._.concept_id == "MESH:D010051"  # the first conjunct is the entity's concept
    assert ents["sinusitis"]._.concept_ids == ["MESH:D012852"]


def test_doid_terms_join_ctd_concept_by_alt_id(tmp_path: Path) -> None:
    header = (
        "# DiseaseName\tDiseaseID\tAltDiseaseIDs\tDefinition\tParentIDs\tTreeNumbers\tParentTreeNumbers\tSynonyms\n"
    )
    (tmp_path / "ctd.tsv").write_text(header + "Pterygium\tMESH:D011625\tDO:DOID:0002116\t\t\t\t\tSurfer's Eye\n")
    (tmp_path / "doid.obo").write_text(
        "format-version: 1.2\n\n[Term]\nid: DOID:0002116\nname: pterygium\n"
        'synonym: "conjunctival pterygium" EXACT []\n\n'
        "[Term]\nid: DOID:0000001\nname: unmapped fixture disease\n"
    )
    builder = KnowledgeBaseBuilder()
    builder.add_ctd(tmp_path / "ctd.tsv")
    builder.add_doid(tmp_path / "doid.obo")
    concepts = builder.result().concepts
    assert "DOID:0002116" not in concepts
    assert "conjunctival pterygium" in concepts["MESH:D011625"].aliases
    assert "DOID:0002116" in concepts["MESH:D011625"].xrefs
    assert concepts["DOID:0000001"].ontology == "DOID"
    assert builder.sources["disease_ontology"]["merged_via_ctd_alt_ids"] == 1


def test_opposite_words_are_not_the_same_word() -> None:
    from extract.linking.linker import _words_match

    assert not _words_match("agonist", "antagonists")
    assert not _words_match("coagulant", "anticoagulant")
    assert not _words_match("hypertension", "hypotension")
    assert _words_match("tumour", "tumor") and _words_match("agonist", "agonists")
