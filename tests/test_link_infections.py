"""Infections named by their organism link to the MeSH infection (extract.linking.infections): "H. pylori infection"
(157 unlinked mentions in the audit run) and "Helicobacter pylori infection" (92, linked to HPO's term) are
Helicobacter Infections, so an analyst counts them under one MeSH concept."""

import pytest

from extract.linking.infections import organism_of
from extract.ner.pipeline import get_ner_nlp

HELICOBACTER = "MESH:D016481"


def _link_diseases(texts: list[str]):
    """The stage's linker on DISEASE mention texts."""
    nlp = get_ner_nlp()
    if "extract_linker" not in nlp.pipe_names:
        pytest.skip("no linker index (models/linker-*)")
    return nlp.get_pipe("extract_linker").link_texts([(text, "DISEASE") for text in texts])


def test_organism_words():
    assert organism_of("h pylori infection") == ["h", "pylori"]
    assert organism_of("staphylococcus aureus infections") == ["staphylococcus", "aureus"]
    # infections named by site or course, a prefix, and other heads are not organisms
    for text in ("wound infection", "urinary tract infection", "chronic infection", "malaria co infection", "pylori"):
        assert organism_of(text) is None, text


def test_species_and_genus_initials_link_to_the_mesh_infection():
    texts = [
        "H. pylori infection",
        "Helicobacter pylori infection",
        "Helicobacter pylori infections",
        "Staphylococcus aureus infection",
        "Pseudomonas aeruginosa infection",
    ]
    results = _link_diseases(texts)
    ids = [r and r.concept_id for r in results]
    assert ids == [HELICOBACTER, HELICOBACTER, HELICOBACTER, "MESH:D013203", "MESH:D011552"]
    assert results[0].method == "organism" and results[1].ontology == "MESH"
    # "<organism>-infected", as BC5CDR annotates "HIV-infected" (audit run: "omeprazole -> H. pylori-infected")
    infected = _link_diseases(["H. pylori-infected", "Helicobacter pylori infected", "E. coli-infected"])
    assert [r and r.concept_id for r in infected] == [HELICOBACTER, HELICOBACTER, "MESH:D004927"]
    assert organism_of("wound infected") is None
    assert organism_of("hiv non infected") is None  # "HIV non-infected" names the people without the infection


def test_other_infection_names_keep_their_links():
    kept = _link_diseases(["wound infection", "E. coli infection", "cytomegalovirus infection"])
    assert [r and r.concept_id for r in kept] == ["MESH:D014946", "MESH:D004927", "MESH:D003586"]
    # an adjective of a site names no genus: "meningeal" is not the meningococcus
    (meningeal,) = _link_diseases(["meningeal infections"])
    assert meningeal is None or meningeal.concept_id != "MESH:D008589"
