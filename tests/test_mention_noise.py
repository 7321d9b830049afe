"""``extract_mention_noise``: numbers, statistics, trial ids, pronouns, rating scales, Greek letters and chemical
prefixes the NER model tags are no entities.

The sentences are from trial abstracts where the shipped model tags them ("[394827" -> neuropathic pain, "N = 9" ->
schizophrenia were relation rows of a 300-abstract run; "HAM-D", "HAM-A", "HAM-D-17" CHEMICAL, "HDRS" DISEASE and
"Mu" CHEMICAL in shared/unlabeled abstracts)."""

import pytest

import extract
from extract.api import Pipeline
from extract.corpora.pubtator import read_pubtator
from extract.evaluation.ner import GOLD_LABEL_MAP
from extract.ner.noise import CONTEXT_CHARS, RULES, instrument_pattern, matching_rule
from extract.ner.pipeline import build_ner_nlp, get_ner_nlp
from extract.schemas import ENTITY_LABELS
from extract.settings import get_settings
from helpers import GOLD_CORPORA

CITATIONS = (
    "By January 2001, pregabalin was in phase II development in Japan for the potential treatment of neuropathic "
    "pain, with an anticipated approval date of 2005 [394827]."
)
STATISTICS = (
    "We examined the EEGs of patients with schizophrenia treated with either olanzapine (N = 9) or clozapine (N = 9) "
    "prior to medication and 3 to 7 weeks afterwards."
)
P_VALUES = (
    "Olanzapine was significantly more effective than conventional antipsychotics in lowering the total BPRS score "
    "(P=.0003), as well as each of the following BPRS subscales: positive symptoms (P=.0019), negative symptoms "
    "(P<.0001), depression (P=.018), and agitation (P=.007)."
)
COUNT = "This review involved 51 trials and 6057 patients."
REGISTRY = "TRIAL REGISTRATION ClinicalTrials.gov NCT01476631."
PRONOUN = (
    "It was also shown, that the endoscopist scored a higher degree of patient's pain during the examination than "
    "the patient did himself."
)

SCALES = (
    "Psychiatric evaluations, including the Hamilton Rating Scale for Depression (HAM-D), the Hamilton Rating Scale "
    "for Anxiety (HAM-A), the Clinical Global Impressions scale for Severity of Illness (CGI-S), and for Improvement "
    "(CGI-I) were completed, and adverse events were assessed in the clinic periodically throughout treatment."
)
ITEMS = "A 17-item Hamilton Rating Scale for Depression (HAM-D-17) score of > or = 20 was required for entry."
HDRS = (
    "Patients were assessed prospectively with a modified version of the Clinical Global Impression Scale for "
    "Bipolars (CGI-BP), the Young Scale for mania (YMRS) and the Hamilton Scale for Depression (HDRS)."
)
MU_RHYTHM = (
    "To fill this gap we assessed magnetoencephalographic Mu-modulations in Asperger's and typically developed "
    "children, while observing grasping movements."
)


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return extract.load()


def _entities(nlp: Pipeline, text: str) -> dict[str, str]:
    return {e["text"]: e["label"] for e in nlp.annotate(text).entities if e["label"] in ENTITY_LABELS}


def test_numbers_and_statistics_are_no_drugs_and_head_no_rows(nlp):
    result = nlp.annotate(CITATIONS)
    assert {e["text"] for e in result.entities} == {"pregabalin", "neuropathic pain"}
    assert [(r["head_text"], r["tail_text"]) for r in result.document_relations] == [("pregabalin", "neuropathic pain")]
    result = nlp.annotate(STATISTICS)
    assert "N = 9" not in {e["text"] for e in result.entities}
    heads = {r["head_text"] for r in result.document_relations}
    assert heads == {"olanzapine", "clozapine"}  # the drugs keep their rows
    ents = _entities(nlp, P_VALUES)
    assert "P<.0001" not in ents and ents["Olanzapine"] == "CHEMICAL" and ents["depression"] == "DISEASE"
    assert _entities(nlp, COUNT) == {}
    assert _entities(nlp, REGISTRY) == {}
    # the Lancet's decimal point (tenth draw, PMID 23078958: "p<0·0001" headed an adverse-event row of diarrhoea)
    for text in ["p<0·0001", "p=0·03", "(P = 0·2)"]:
        assert matching_rule(text, "CHEMICAL").name == "statistic", text


def test_a_pronoun_is_no_disease(nlp):
    assert _entities(nlp, PRONOUN) == {"pain": "DISEASE"}


def test_rating_scales_are_no_entities(nlp):
    """The scales' short forms go (the model tags "HAM-D" CHEMICAL, "HDRS" DISEASE); the disease words of their
    long forms are the model's and stay."""
    assert _entities(nlp, SCALES) == {"Psychiatric": "DISEASE", "Depression": "DISEASE", "Anxiety": "DISEASE"}
    assert _entities(nlp, ITEMS) == {"Depression": "DISEASE"}
    assert _entities(nlp, HDRS) == {"mania": "DISEASE", "Depression": "DISEASE"}


def test_a_greek_letter_is_no_drug(nlp):
    assert _entities(nlp, MU_RHYTHM) == {}
    assert matching_rule("alpha", "DISEASE").name == "greek_letter"
    for text in ["Pi", "MU", "mu-opioid", "alpha-tocopherol"]:  # phosphate, a short form, names with a letter
        assert matching_rule(text, "CHEMICAL") is None, text


def test_a_chemical_prefix_is_no_drug(nlp):
    """The "cyclo" of "cyclo-oxygenase" (an audit abstract) was tagged CHEMICAL and headed treatment rows; "Oxy", a short
    form the document defines for oxybutynin, stays."""
    text = (
        "Inhibition of constitutively expressed cyclo-oxygenase (COX-1) by NSAIDs is thought to play an important "
        "role in the gastrointestinal toxicity of NSAIDs."
    )
    assert "cyclo" not in _entities(nlp, text)
    assert matching_rule("cyclo", "CHEMICAL").name == "chemical_prefix"
    for text, label in [("Oxy", "CHEMICAL"), ("ISO", "CHEMICAL"), ("cyclo", "DISEASE"), ("cyclosporine", "CHEMICAL")]:
        assert matching_rule(text, label) is None, text


def test_a_toxicity_grade_is_no_drug(nlp):
    """ "G3-4" of a regimen's toxicity list (an eighth-draw trial report's body) was tagged CHEMICAL and headed the
    adverse-event rows of the toxicities beside it."""
    text = (
        "FOLFOX is characterised by neutropenia (G3-4: 41%), neurotoxicity (G3-4: 18%) and diarrhoea (G3-4: 12%), "
        "whereas FOLFIRI by neutropenia (G3-4: 46%) and diarrhoea (G3-4: 14%)."
    )
    result = nlp.annotate(text)
    assert "G3-4" not in {e["text"] for e in result.entities}
    assert "G3-4" not in {r["head_text"] for r in result.relations}
    for grade in ["G3-4", "G3/4", "G2", "G3 - 4"]:
        assert matching_rule(grade, "CHEMICAL").name == "toxicity_grade", grade
    for text in ["G-CSF", "GM1", "G6PD", "PGG2", "G7"]:  # a drug, a ganglioside, an enzyme, a prostaglandin
        assert matching_rule(text, "CHEMICAL") is None, text


def test_an_author_is_no_drug(nlp):
    """Authors' names before "et al." in trial-report bodies were tagged CHEMICAL and headed rows (eighth draw)."""
    text = (
        "Meanwhile, the study by Tamborlane et al. showed lispro had a decreased risk of hypoglycaemia. "
        "In their meta-analysis of topical NSAIDs, Mason et al. cited 5 placebo-controlled trials in osteoarthritis."
    )
    assert {"Tamborlane", "Mason"}.isdisjoint(_entities(nlp, text))
    assert matching_rule("Richardson", "CHEMICAL", after=" et al. looking at").name == "author"
    assert matching_rule("Erdem", "DISEASE", after=" and colleagues found") is not None
    for text, after in [("Aspirin", " and warfarin were"), ("lispro", " et al."), ("HIV", " et al.")]:
        assert matching_rule(text, "CHEMICAL", after=after) is None, text  # not a name, or not before et al.


def test_a_standard_error_is_no_disease(nlp):
    """ "mean ± SE", "(SE 1.85)" in trial reports: the model tagged "SE" as status epilepticus (36 mentions of the
    seventh draw's trial-report bodies).  The short form a document defines for status epilepticus stays."""
    stats = "Values are mean ± SE. Sucking time was 58.3 min (SE 1.85) with the drug, and weight gain 12 g (SD 3)."
    assert {"SE", "SD"}.isdisjoint(_entities(nlp, stats))
    defined = "Status epilepticus (SE) occurred in three patients given lidocaine; SE resolved with diazepam."
    assert [e["text"] for e in nlp.annotate(defined).entities].count("SE") == 2
    assert matching_rule("SE", "DISEASE", before="Values are mean ± ").name == "dispersion"
    assert matching_rule("SD", "DISEASE", after=" 1.2 mg") is not None
    assert matching_rule("SE", "DISEASE", before="status epilepticus (", after=") occurred") is None
    assert matching_rule("SE", "DISEASE") is None  # no context: no statistic


def test_instrument_names_are_data(tmp_path):
    """The names come from a file (name, item counts, instrument); an item count only where the file gives it."""
    path = tmp_path / "scales.tsv"
    path.write_text("# comment\nHAM-D\t17 21\tHamilton\nCGI\t\tClinical Global Impression\n", encoding="utf-8")
    pattern = instrument_pattern(path)
    for text in ["HAM-D", "HAM-D-17", "HAM-D17", "HAM-D 21", "CGI"]:
        assert pattern.fullmatch(text), text
    for text in ["HAM-D-5", "CGI-58", "ham-d", "HAM"]:
        assert not pattern.fullmatch(text), text
    assert matching_rule("HAM-D-17", "CHEMICAL").name == "instrument"
    assert matching_rule("HDRS", "DISEASE").name == "instrument"
    path.write_text("HAM-D 17\n", encoding="utf-8")
    with pytest.raises(ValueError, match="scales.tsv:1"):
        instrument_pattern(path)


def test_capitalised_short_forms_and_formulas_stay():
    """Only the lower-case or capitalised word is a pronoun or preposition: "ON" (optic neuritis), "AT" are short
    forms; a formula or a name with a number has letters."""
    for text, label in [("ON", "DISEASE"), ("AT", "CHEMICAL"), ("IT", "DISEASE"), ("O2", "CHEMICAL")]:
        assert matching_rule(text, label) is None, text
    for text, label in [("5-HT", "CHEMICAL"), ("Ca2+", "CHEMICAL"), ("FK506", "CHEMICAL"), ("NSC-109229", "CHEMICAL")]:
        assert matching_rule(text, label) is None, text
    assert matching_rule("Himself", "DISEASE").name == "closed_class"
    assert matching_rule("himself", "CHEMICAL") is None  # the closed-class rule is for DISEASE mentions


def test_it_runs_right_after_the_model():
    """Before label consistency and abbreviations copy a mention elsewhere ("P<.0001" was copied to a second
    place by consistency)."""
    names = get_ner_nlp().pipe_names
    assert names.index("extract_mention_noise") == names.index("extract_span_edges") + 1 == names.index("ner") + 2
    assert names.index("extract_mention_noise") < names.index("extract_label_consistency")


def test_rules_are_named_in_the_config():
    nlp = build_ner_nlp(
        only=["extract_mention_noise"], overrides={"components.extract_mention_noise.rules": ["no_letter"]}
    )
    assert [rule.name for rule in nlp.get_pipe("extract_mention_noise").rules] == ["no_letter"]
    with pytest.raises(ValueError, match="unknown rules"):
        build_ner_nlp(only=["extract_mention_noise"], overrides={"components.extract_mention_noise.rules": ["nope"]})


GOLD = GOLD_CORPORA


@pytest.mark.parametrize("name", GOLD)
def test_no_gold_mention_matches_a_rule(name):
    """No Chemical / Disease gold mention of BC5CDR, NCBI-disease or BioRED (train, dev) is dropped by a rule."""
    path = get_settings().corpora_dir / name
    if not path.exists():
        pytest.skip(f"{path} missing")
    mentions = [
        (m.text, GOLD_LABEL_MAP[m.type])
        for doc in read_pubtator(path)
        for m in doc.mentions
        if m.type in GOLD_LABEL_MAP
    ]
    hits = [(text, label) for text, label in mentions if matching_rule(text, label, RULES)]
    assert len(mentions) > 500
    assert hits == []


@pytest.mark.parametrize("name", GOLD)
def test_no_gold_mention_is_dropped_by_its_context(name):
    """The context rules (``dispersion``) read the text around each gold mention as the component does."""
    path = get_settings().corpora_dir / name
    if not path.exists():
        pytest.skip(f"{path} missing")
    hits = []
    for doc in read_pubtator(path):
        text = f"{doc.title} {doc.abstract}"
        for m in doc.mentions:
            if m.type not in GOLD_LABEL_MAP:
                continue
            before, after = text[max(0, m.start - CONTEXT_CHARS) : m.start], text[m.end : m.end + CONTEXT_CHARS]
            if matching_rule(m.text, GOLD_LABEL_MAP[m.type], RULES, before, after):
                hits.append((m.text, before, after))
    assert hits == []
