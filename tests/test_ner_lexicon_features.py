"""The NER lexicon features over the real vocabularies: MeSH chemical and disease names join the term lists,
and the MeSH candidate model's ``lexicon_features`` marks them."""

from __future__ import annotations

import pytest
import spacy

from extract.ner.lexicon_features import load_vocab_terms
from extract.settings import PROJECT_ROOT, get_settings
from extract.vocab.files import vocab_files

pytestmark = pytest.mark.skipif(not vocab_files().mesh_terms.exists(), reason="shared/vocab/mesh not available")


def _lower(terms: list[str]) -> set[str]:
    return {t.lower() for t in terms}


def test_mesh_names_join_the_term_lists() -> None:
    vocab_dir = get_settings().vocab_dir
    before = load_vocab_terms(vocab_dir, include_hpo=True)
    after = load_vocab_terms(vocab_dir, include_hpo=True, include_mesh=True)
    chem_before, chem_after = _lower(before["CHEM"]), _lower(after["CHEM"])
    dis_before, dis_after = _lower(before["DIS"]), _lower(after["DIS"])
    assert chem_before < chem_after and dis_before < dis_after
    # MeSH-only chemical names frequent in BC5CDR train: a descriptor ("lithium"), an entry term
    # ("adriamycin" of Doxorubicin), a supplementary concept's name ("alpha-methylserotonin")
    for name in ("lithium", "adriamycin", "alpha-methylserotonin"):
        assert name not in chem_before and name in chem_after
    # MeSH-only disease entry terms ("Ototoxicity" C09, "Hemorrhagic Cystitis" of Cystitis)
    for name in ("ototoxicity", "hemorrhagic cystitis"):
        assert name not in dis_before and name in dis_after
    assert "adriamycin" not in dis_after and "ototoxicity" not in chem_after


def test_separate_mesh_marks_and_chemical_branches() -> None:
    """As in the candidate ner-0.3.0: MeSH names in their own lists, chemicals from the small-molecule branches only."""
    trees = ["D01", "D02", "D03", "D04", "D09", "D10"]
    terms = load_vocab_terms(get_settings().vocab_dir, True, True, trees, separate_mesh_marks=True)
    assert sorted(terms) == ["CHEM", "DIS", "MCHEM", "MDIS"]
    assert terms["CHEM"] == load_vocab_terms(get_settings().vocab_dir, include_hpo=True)["CHEM"]
    mesh_chem = _lower(terms["MCHEM"])
    assert {"lithium", "adriamycin", "aspirin", "alpha-methylserotonin"} <= mesh_chem
    # proteins (D12), enzymes (D08) and drug-class words (D27) are left out
    assert not {"prolactin", "protein", "atpase", "analgesics"} & mesh_chem
    assert "ototoxicity" in _lower(terms["MDIS"])


def test_component_with_the_mesh_config_marks_mesh_names_apart() -> None:
    """The lexicon component built with exp16's settings (``configs/ner-lexicon-mesh.cfg``) marks MeSH-only
    names with their own tags, so the NER model can weigh them apart."""
    cfg = spacy.util.load_config(PROJECT_ROOT / "configs" / "ner-lexicon-mesh.cfg")["components"]["lexicon_features"]
    assert cfg["include_mesh"] and cfg["separate_mesh_marks"]
    nlp = spacy.blank("en")
    settings = {k: v for k, v in cfg.items() if k != "factory"}
    component = nlp.add_pipe("extract_lexicon_features", config=settings)
    component.initialize(vocab_dir=str(get_settings().vocab_dir))
    doc = nlp("Lithium, aspirin and adriamycin caused ototoxicity in rats.")
    tags = {t.text: t.tag_ for t in doc}
    assert tags["Lithium"] == "B-MCHEM"  # MeSH only
    assert set(tags["aspirin"].split("|")) == {"B-CHEM", "B-MCHEM"}  # DrugBank and MeSH
    assert tags["adriamycin"] == "B-MCHEM"  # an entry term of Doxorubicin
    assert "MDIS" in tags["ototoxicity"]
    assert tags["rats"] == "LEX-O"
