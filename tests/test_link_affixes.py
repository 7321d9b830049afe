"""The linker's word match: two words sharing only a prefix and a suffix are not the same word.

"hyposialism" (less saliva) was linked by the ANN index to HP "External genital hypoplasia" through its synonym
"hypogenitalism" (similarity 0.688): "hypo-...-alism" on both sides, "si" / "genit" between."""

import pytest

from extract.linking.linker import _words_match
from extract.ner.pipeline import get_ner_nlp


@pytest.fixture(scope="module")
def linker():
    nlp = get_ner_nlp()
    if "extract_linker" not in nlp.pipe_names:
        pytest.skip("no linker index (models/linker-*)")
    return nlp.get_pipe("extract_linker")


def test_shared_affixes_are_no_match(linker):
    result = linker.link_texts([("hyposialism", "DISEASE")])[0]
    assert result is None or result.concept_id != "HP:0003241"
    assert not _words_match("hyposialism", "hypogenitalism")
    assert not _words_match("hypokalemia", "hypocalcemia")


def test_spelling_variants_and_inflections_still_match(linker):
    for word, other in [
        ("anaemia", "anemia"),
        ("tumour", "tumor"),
        ("oesophageal", "esophageal"),
        ("hepatoxicity", "hepatotoxicity"),
        ("hypertenison", "hypertension"),
        ("cardiotoxic", "cardiotoxicity"),
    ]:
        assert _words_match(word, other), (word, other)
    # BC5CDR dev mentions the ANN index links right
    results = linker.link_texts([("scotomata", "DISEASE"), ("migraineurs", "DISEASE"), ("cataleptic", "DISEASE")])
    assert [r and r.concept_id for r in results] == ["MESH:D012607", "MESH:D008881", "MESH:D002375"]
