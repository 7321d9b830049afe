"""Cleaning: boilerplate removal, sections and sentences on real scraped pages."""

from __future__ import annotations

from extract.clean.stage import clean_documents
from extract.ingest import ingest_paths
from extract.nlp.sentences import split_sentences
from helpers import SAMPLES

DEBRIS = (
    "Google Scholar",
    "CrossRef",
    "PubMed",
    "Copyright",
    "©",
    "Affiliations",
    "Cite as",
    "Email author",
    "Request permissions",
    "Statistics from",
)


def _clean(path):
    raw = ingest_paths([str(path)], "b1").documents
    return clean_documents(raw)


def _sections(doc):
    return {s["name"]: doc["text"][s["start"] : s["end"]] for s in doc["sections"]}


def test_teriparatide_page_structure(seed_pages):
    result = _clean(seed_pages["teriparatide"])
    doc = result.documents.to_pylist()[0]
    assert doc["title"] == (
        "Worsening of soft tissue dystrophic calcification in an osteoporotic patient treated with teriparatide"
    )
    sections = _sections(doc)
    assert sections["abstract"].startswith("Teriparatide, used for treatment of osteoporosis")
    assert sections["abstract"].endswith("Symptoms resolved within 1 week of teriparatide cessation.")
    # run-together keywords are split at each capitalised word (the page lost its separators)
    assert sections["keywords"] == "Dystrophic calcification; Osteoporosis; Teriparatide"
    for debris in DEBRIS:
        assert debris not in doc["text"], debris
    assert "Reiter N" not in doc["text"]  # reference list gone
    assert "Sydney" not in doc["text"]  # affiliations gone


def test_calcinosis_page_structure(seed_pages):
    doc = _clean(seed_pages["calcinosis"]).documents.to_pylist()[0]
    assert doc["title"] == "SP0101 Case 2 discussion: Calcinosis CUTIS"
    assert _sections(doc)["abstract"].startswith("Calcinosis cutis represents a major clinical problem")
    for debris in DEBRIS + ("Centre for Rheumatology", "Disclosure of Interest", "RightsLink"):
        assert debris not in doc["text"], debris


def test_own_sample_page_boilerplate():
    doc = _clean(SAMPLES / "journal_page.txt").documents.to_pylist()[0]
    assert doc["title"] == "Lithium-associated psoriasis flare in a patient with bipolar disorder"
    assert set(_sections(doc)) == {"title", "abstract", "keywords"}
    assert "Someone A" not in doc["text"] and "Example Society" not in doc["text"]


def test_sentences_cover_sections_and_respect_offsets(seed_pages):
    result = _clean(seed_pages["teriparatide"])
    doc = result.documents.to_pylist()[0]
    sentences = result.sentences.to_pylist()
    assert doc["n_sentences"] == len(sentences) == 6  # title, 4 abstract sentences, keywords
    texts = [doc["text"][s["start"] : s["end"]] for s in sentences]
    assert texts[2].startswith("There have been two recent reports") and texts[2].endswith("treatment.")
    assert [s["section"] for s in sentences] == ["title", "abstract", "abstract", "abstract", "abstract", "keywords"]


def test_sentence_splitter_abbreviations_and_numbers():
    text = (
        "Smith et al. reported 2.5 mg/kg doses (Fig. 2) in J. Doe's cohort. Toxicity was rare, e.g. rash. "
        "Serum levels rose vs. baseline! Why? 10 patients recovered."
    )
    spans = split_sentences(text, [("abstract", 0, len(text))])
    got = [text[a:b] for a, b, _ in spans]
    assert got == [
        "Smith et al. reported 2.5 mg/kg doses (Fig. 2) in J. Doe's cohort.",
        "Toxicity was rare, e.g. rash.",
        "Serum levels rose vs. baseline!",
        "Why?",
        "10 patients recovered.",
    ]


def test_a_period_after_a_space_before_a_capital_ends_a_sentence():
    # full texts whose citation markers were taken out: "changes .AD is" (evidence-inference full texts)
    text = "It is marked by personality changes .AD is the most common cause of dementia. Doses of .5 mg were given."
    got = [text[a:b] for a, b, _ in split_sentences(text, [("body", 0, len(text))])]
    assert got == [
        "It is marked by personality changes .",
        "AD is the most common cause of dementia.",
        "Doses of .5 mg were given.",
    ]


def test_unicode_and_whitespace_normalization():
    from extract.clean.normalize import normalize_text

    assert normalize_text("a\u00a0b\u200b c\r\n\r\n\r\nd  e\u00ad") == "a b c\n\nd e"
    assert normalize_text("5 m² and 10 µg") == "5 m² and 10 µg"  # NFC, not NFKC


def test_keyword_lines_split_only_on_real_cues():
    from extract.clean.boilerplate import split_keywords

    assert (
        split_keywords("Calcinosis cutis, Systemic sclerosis ; CREST") == "Calcinosis cutis; Systemic sclerosis; CREST"
    )
    assert split_keywords("Hepatitis B Liver cirrhosis") == "Hepatitis B; Liver cirrhosis"
    # title case gives no boundary cue: kept whole rather than guessed
    assert split_keywords("Systemic Lupus Erythematosus") == "Systemic Lupus Erythematosus"


def test_a_units_capital_letter_is_no_initial():
    # a trial full text of the ninth draw: "12 mcg/U." ended a sentence the splitter took for "J." of a name
    text = "Elevation persisted at 12 mcg/U. No symptomatic hypoglycaemia occurred. Insulin 10U. Then J. Doe left."
    got = [text[a:b] for a, b, _ in split_sentences(text, [("body", 0, len(text))])]
    assert got == [
        "Elevation persisted at 12 mcg/U.",
        "No symptomatic hypoglycaemia occurred.",
        "Insulin 10U.",
        "Then J. Doe left.",
    ]
