"""The cleaner removes what boilerplate looks like, never article prose that merely contains its words.

Found by a QA: a trial's full text was rejected because one paragraph said "SPSS 19 (copyright IBM)",
a Methods paragraph starting "Notes from the anticoagulation clinic" cut Methods, Results and
Discussion, and a page holding only a reference list became a document of headings.
"""

from __future__ import annotations

import json
from datetime import datetime

from extract import stages, store
from extract.clean.stage import clean_documents
from extract.ingest import ingest_paths

JOURNAL = "Journal of Drug Safety"
NOTES = (
    "Notes from the anticoagulation clinic were reviewed for every patient who received warfarin, "
    "and each bleeding episode was classified by two physicians."
)
RESULTS = (
    "Gastrointestinal haemorrhage occurred in 14 patients after warfarin was started, and intracranial "
    "haemorrhage occurred in two patients treated with warfarin and aspirin."
)
COPYRIGHT_METHODS = (
    "Thyroid function was measured every three months in 120 patients and all analyses used SPSS 22 "
    "(copyright IBM Corp), with significance set at p < 0.05 for every comparison in issue 2 of the protocol."
)
PERMISSIONS = (
    "Permissions aside, the clinic pharmacists adjusted every warfarin dose after each INR measurement "
    "during the whole follow-up period."
)


def _page(title: str, *paragraphs: str, tail: tuple[str, ...] = ()) -> str:
    abstract = (
        "Warfarin is widely used to prevent stroke in patients with atrial fibrillation, and major bleeding "
        "is its most feared adverse effect in elderly outpatients."
    )
    return "\n\n".join((JOURNAL, title, "Abstract", abstract, *paragraphs, *tail)) + "\n"


def _clean(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    raw = ingest_paths([str(tmp_path / name) for name in files], "b1").documents
    result = clean_documents(raw)
    by_name = {d["source"].rsplit("/", 1)[-1].split("#")[0]: d for d in result.documents.to_pylist()}
    return result, by_name


def test_prose_that_mentions_copyright_or_an_issue_is_kept(tmp_path):
    full_text = (
        "Hepatitis C virus infection was treated with peginterferon and ribavirin in 120 patients. "
        f"{COPYRIGHT_METHODS} Sustained virological response was reached by 64 patients."
    )
    page = _page("Amiodarone-induced thyroid dysfunction: a case series", "Methods", COPYRIGHT_METHODS)
    result, docs = _clean(tmp_path, {"fulltext.txt": full_text, "page_copyright.txt": page})
    assert not result.rejects
    assert docs["fulltext.txt"]["text"] == full_text  # the one-line full text, whole
    sections = {
        s["name"]: docs["page_copyright.txt"]["text"][s["start"] : s["end"]]
        for s in docs["page_copyright.txt"]["sections"]
    }
    assert sections["Methods"] == COPYRIGHT_METHODS
    assert JOURNAL not in docs["page_copyright.txt"]["text"]  # front matter still dropped


def test_paragraph_starting_with_an_end_marker_word_does_not_cut_the_article(tmp_path):
    tail = ("Notes", "1. Smith J (2010) Warfarin. Lancet 1:1. CrossRefPubMedGoogle Scholar", "Funding: none declared.")
    page = _page("Warfarin bleeding: a cohort study", "Methods", NOTES, PERMISSIONS, "Results", RESULTS, tail=tail)
    result, docs = _clean(tmp_path, {"page_notes.txt": page})
    text = docs["page_notes.txt"]["text"]
    assert NOTES in text and PERMISSIONS in text and RESULTS in text
    # a real "Notes" heading still ends the article: the reference list and funding line are gone
    assert "Smith J" not in text and "Funding" not in text and "Google Scholar" not in text


def test_page_of_only_a_reference_list_is_a_no_text_reject(tmp_path):
    titles = (
        "The cellular and clinical parameters of anabolic therapy for osteoporosis",
        "Worsening of calcinosis cutis with teriparatide treatment in two osteoporotic patients",
        "The expression of molecular mediators in the idiopathic cutaneous calcification and ossification",
        "Nonuremic calciphylaxis in a patient with rheumatoid arthritis and osteoporosis treated with teriparatide",
        "A case report of severe calciphylaxis - suggested approach for diagnosis and treatment",
    )
    refs = "\n".join(
        f"{i}. {i}.\nAuthor A, Other B (2011) {t}. J Am Acad Dermatol 65(1):1-12. CrossRefPubMedGoogle Scholar"
        for i, t in enumerate(titles, 1)
    )
    page = (
        "Journal of Clinical Rheumatology\n\nReferences\n\nCite this article\n\n"
        f"{refs}\n\nAbout this article\n\nCite this article\n"
    )
    result, docs = _clean(tmp_path, {"refs_page.txt": page})
    assert not docs
    (reject,) = result.rejects
    assert reject.reason == "no_text"
    assert "only headings/debris" in reject.detail and "removed as boilerplate" in reject.detail


def test_real_page_still_cleaned_and_its_removal_counted(tmp_path, seed_pages):
    page = seed_pages["teriparatide"]
    raw = ingest_paths([str(page)], "b1").documents
    result = clean_documents(raw)
    (doc,) = result.documents.to_pylist()
    for debris in ("Google Scholar", "Copyright", "Compliance with ethical standards", "Personalised recommendations"):
        assert debris not in doc["text"]
    assert doc["text"].count("teriparatide") >= 3
    # what was removed is counted: every line of the page is either kept, a heading or counted as removed
    lines = [ln.strip() for ln in raw.to_pylist()[0]["text"].split("\n") if ln.strip()]
    reference_chars = sum(len(ln) for ln in lines if ln.endswith("Google Scholar"))
    assert reference_chars > 0
    assert reference_chars < result.boilerplate_chars_removed < sum(len(ln) for ln in lines)
    assert result.boilerplate_lines_removed > 0


def test_runs_detail_of_clean_records_the_boilerplate_removed(tmp_path, seed_pages):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page_notes.txt").write_text(_page("Warfarin bleeding", "Methods", NOTES, tail=("References",)))
    (inputs / "teriparatide.txt").write_bytes(seed_pages["teriparatide"].read_bytes())
    out = tmp_path / "out"
    stages.ingest_batch([str(inputs)], out, "b1")
    started = datetime.now()
    outcome = stages.run_chunked("clean", out, "b1", chunk_size=1)  # one document per chunk: counts are summed
    stages.record_run(out, "r1", outcome, started)
    (row,) = [r for r in store.read_partition(out, "runs", "b1").to_pylist() if r["stage"] == "clean"]
    detail = json.loads(row["detail"])
    whole = clean_documents(store.read_partition(out, "raw_documents", "b1"))
    assert detail["boilerplate_chars_removed"] == whole.boilerplate_chars_removed > 0
    assert detail["boilerplate_lines_removed"] == whole.boilerplate_lines_removed > 0
    assert detail["sentences"] == whole.sentences.num_rows
