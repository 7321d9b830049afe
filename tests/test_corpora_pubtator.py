"""PubTator reader: quirks on small fixtures, plus a pass over the real shared corpora."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from extract.corpora.pubtator import (
    PubtatorDocument,
    PubtatorFormatError,
    PubtatorMention,
    read_gsc_plus,
    read_pubtator,
    split_relation_type,
    unique_documents,
)
from extract.settings import get_settings

FIXTURES = Path(__file__).parent / "fixtures" / "pubtator"


def _check_offsets(doc: PubtatorDocument) -> None:
    for m in doc.mentions:
        assert doc.text[m.start : m.end] == m.text, (doc.pmid, m)


def test_bc5cdr_composite_minus_one_and_relations() -> None:
    docs = list(read_pubtator(FIXTURES / "bc5cdr_sample.txt"))
    assert [d.pmid for d in docs] == ["1001", "1002"]
    first = docs[0]
    assert first.text == first.title + " " + first.abstract
    assert first.mentions[0] == PubtatorMention(0, 8, "Naloxone", "Chemical", ("D009270",))
    composite = first.mentions[2]
    assert composite.text == "Ocular and auditory toxicity"
    assert composite.ids == ("D014786", "D006311")
    nalozone = first.mentions[3]
    assert nalozone.text == "nalozone" and nalozone.ids == ()
    assert first.relations == [("CID", "D009270", "D006973")]
    for d in docs:
        _check_offsets(d)
        assert d.repaired == 0


def test_ncbi_ids_offset_repairs_and_duplicates() -> None:
    docs = list(read_pubtator(FIXTURES / "ncbi_sample.txt"))
    assert [d.pmid for d in docs] == ["2001", "2002", "2002"]
    assert [d.pmid for d in unique_documents(docs)] == ["2001", "2002"]
    doc = docs[0]
    plus = doc.mentions[0]
    assert plus.text == 'generalized epilepsy and febrile seizures " plus "'  # text from the offsets
    assert plus.ids == ("D004829", "D003294")  # "+" split
    assert doc.mentions[1].ids == ("D001943", "D010051")  # "|" split
    assert doc.mentions[2].text == "ataxia telangiectasia"  # wrong offset moved to the text
    assert doc.repaired == 2
    _check_offsets(doc)
    assert docs[1].mentions[0].ids == ("OMIM:143100",)


def test_ncbi_offset_error_raises_without_repair() -> None:
    with pytest.raises(PubtatorFormatError):
        list(read_pubtator(FIXTURES / "ncbi_sample.txt", repair_offsets=False))


def test_biored_comma_ids_variants_and_relation_extras() -> None:
    (doc,) = read_pubtator(FIXTURES / "biored_sample.txt")
    by_text = {m.text: m for m in doc.mentions}
    assert by_text["MODY"].ids == ("3172", "3651", "6927")
    assert by_text["breast or ovarian cancer"].ids == ("D001943", "D010051")
    assert by_text["c|INS|5382|C"].ids == ("c|INS|5382|C",)  # variant IDs keep their "|"
    assert doc.relations[0] == ("Association|Novel", "D001241", "D003920")
    assert split_relation_type(doc.relations[1][0]) == ("Positive_Correlation", ("No",))
    _check_offsets(doc)


def test_malformed_block_raises_with_line_number() -> None:
    with pytest.raises(PubtatorFormatError) as info:
        list(read_pubtator(FIXTURES / "malformed.txt"))
    assert info.value.line == 7
    assert isinstance(info.value, ValueError)
    assert "malformed.txt:7" in str(info.value)


def test_malformed_block_skipped_and_reported() -> None:
    errors: list[PubtatorFormatError] = []
    docs = list(read_pubtator(FIXTURES / "malformed.txt", errors="skip", on_error=errors.append))
    assert [d.pmid for d in docs] == ["4001", "4003"]
    assert [e.pmid for e in errors] == ["4002"]


def test_gzip_crlf_and_iterable_sources(tmp_path: Path) -> None:
    raw = (FIXTURES / "bc5cdr_sample.txt").read_text()
    gz = tmp_path / "sample.txt.gz"
    with gzip.open(gz, "wt", encoding="utf-8", newline="") as handle:
        handle.write(raw.replace("\n", "\r\n"))
    from_gz = list(read_pubtator(gz))
    from_lines = list(read_pubtator(raw.splitlines(keepends=True)))
    assert from_gz == from_lines
    assert len(from_gz) == 2


def test_reader_streams() -> None:
    lines = iter((FIXTURES / "bc5cdr_sample.txt").read_text().splitlines(keepends=True))
    stream = read_pubtator(lines)
    first = next(stream)
    assert first.pmid == "1001"


REAL_FILES = {
    "bc5cdr/CDR_TrainingSet.PubTator.txt": (500, 9385),
    "bc5cdr/CDR_DevelopmentSet.PubTator.txt": (500, 9591),
    "ncbi_disease/NCBItrainset_corpus.txt": (593, 5145),
    "ncbi_disease/NCBIdevelopset_corpus.txt": (100, 787),
    "biored/Train.PubTator": (400, 13351),
    "biored/Dev.PubTator": (100, 3533),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_shared_corpora(name: str) -> None:
    path = get_settings().corpora_dir / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    docs = list(read_pubtator(path))
    n_docs, n_mentions = REAL_FILES[name]
    assert len(docs) == n_docs
    assert sum(len(d.mentions) for d in docs) == n_mentions
    for d in docs:
        _check_offsets(d)
        for m in d.mentions:
            assert "-1" not in m.ids
    if name.startswith("ncbi_disease/NCBItrain"):
        assert sum(d.pmid == "8528200" for d in docs) == 2
        assert sum(d.repaired for d in docs) == 1
    else:
        assert sum(d.repaired for d in docs) == 0
    if name.startswith("bc5cdr"):
        assert all(r[0] == "CID" for d in docs for r in d.relations)


def test_real_gsc_plus() -> None:
    folder = get_settings().corpora_dir / "gsc_plus_hpo"
    if not folder.exists():
        pytest.skip("GSC+ not available")
    docs = list(read_gsc_plus(folder))
    assert len(docs) == 22
    assert sum(len(d.mentions) for d in docs) == 173
    for d in docs:
        _check_offsets(d)
        assert all(m.type == "Phenotype" and m.ids[0].startswith("HP:") for m in d.mentions)
