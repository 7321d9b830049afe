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


def _small_component(nlp):
    component = nlp.add_pipe("extract_lexicon_features")
    component.terms = {"CHEM": ["5-fluorouracil", "valproic acid"], "DIS": ["hand-foot syndrome", "nausea"]}
    component._build()
    return component


def _tags(nlp, text: str) -> dict[str, str]:
    return {t.text: t.tag_ for t in nlp(text)}


def test_the_folder_keeps_the_tokenized_terms_and_loading_uses_them(tmp_path) -> None:
    """``to_disk`` writes the terms as the tokenizer splits them; ``from_disk`` builds the index from that file when
    the tokenizer is the one that split them, and tokenizes the terms itself otherwise."""
    import gzip
    import json

    from extract.nlp.tokenizer import make_blank_nlp

    nlp = make_blank_nlp()
    component = _small_component(nlp)
    text = "Hand-foot syndrome and nausea followed 5-fluorouracil, not valproic acid alone."
    expected = _tags(nlp, text)
    assert expected["syndrome"] == "I-DIS" and expected["valproic"] == "B-CHEM"
    component.to_disk(tmp_path)
    stored = json.loads(gzip.open(tmp_path / "tokens.json.gz", "rt", encoding="utf-8").read())
    assert stored["tokenizer"] == component.tokenizer_fingerprint()
    assert ["valproic", "acid"] in stored["tokens"]["CHEM"]

    loaded_nlp = make_blank_nlp()
    loaded = loaded_nlp.add_pipe("extract_lexicon_features").from_disk(tmp_path)
    assert loaded._index == component._index
    assert _tags(loaded_nlp, text) == expected

    # the stored tokens are what the index is built from: a file whose tokens differ changes the matches ...
    stored["tokens"]["CHEM"][1] = ["valproic"]
    with gzip.open(tmp_path / "tokens.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(stored, handle)
    changed_nlp = make_blank_nlp()
    changed_nlp.add_pipe("extract_lexicon_features").from_disk(tmp_path)
    assert _tags(changed_nlp, text)["valproic"] == "B-CHEM" and _tags(changed_nlp, text)["acid"] == "LEX-O"
    # ... unless another tokenizer split them, or they are the tokens of other terms: then the terms are tokenized
    # again
    for key, value in (("tokenizer", "another tokenizer"), ("terms_sha1", "other terms")):
        with gzip.open(tmp_path / "tokens.json.gz", "wt", encoding="utf-8") as handle:
            json.dump({**stored, key: value}, handle)
        other_nlp = make_blank_nlp()
        other_nlp.add_pipe("extract_lexicon_features").from_disk(tmp_path)
        assert _tags(other_nlp, text) == expected


def test_the_shipped_model_folder_holds_tokens_of_its_own_tokenizer() -> None:
    """The default NER model loads its lexicon without tokenizing the terms: its ``tokens.json.gz`` was split by the
    folder's own tokenizer and covers every term."""
    import gzip
    import json

    from extract.settings import resolve_model_dir

    folder = resolve_model_dir(get_settings().ner_model, "ner")
    nlp = spacy.load(folder, exclude=["ner", "lexicon_features"])
    component = nlp.add_pipe("extract_lexicon_features")
    component.terms = json.loads(
        gzip.open(folder / "lexicon_features" / "terms.json.gz", "rt", encoding="utf-8").read()
    )
    assert component._stored_tokens(folder / "lexicon_features") is not None
