"""Mentions that name a place: "Nigeria", "Afghanistan", "Manitoba", "Seoul".

The NER model tags the country, province or city of a trial as a chemical or a disease, most often in trial-report
bodies and titles ("Treatment of Uncomplicated Malaria in Nigeria: A Cluster Randomized Controlled Trial",
"Afghanistan's national guidelines recommend chloroquine"): over the 5,000 audit abstracts and the seventh to ninth
judged draws (2,800 bodies) the entities table held 135 such mentions ("Nigeria" tagged DISEASE 35 times,
"Afghanistan" CHEMICAL 18), and they headed or ended relation rows ("Afghanistan treats vivax malaria", "gentamicin
treats Tunisia").  The component ``extract_place_names`` runs right after the mention-noise rules, before anything
copies a mention elsewhere, and drops every mention whose whole text is the name of a MeSH geographic location.

The names are MeSH's own: the terms (not the permuted ones) of the descriptors under Geographic Locations (Z01) in
``<vocab>/mesh/``, written with a capital letter, less every term that also names a descriptor of another tree
(compared in lower case), so that no chemical or disease name goes; a mention must match one exactly, case included
("Georgia", not "georgia").  Without the MeSH files the component drops nothing and says so once.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.nlp.entity_edits import edit_entities
from extract.vocab.files import VocabFiles
from extract.vocab.mesh import read_mesh_terms, read_mesh_tree_numbers

__all__ = ["PlaceNames", "place_names"]

log = logging.getLogger(__name__)

#: The MeSH tree of geographic locations.
GEOGRAPHIC_TREE = "Z01"


def place_names(vocab: VocabFiles) -> frozenset[str]:
    """The capitalised, non-permuted terms of MeSH's geographic-location descriptors that name no descriptor of
    another tree."""
    places: set[str] = set()
    others: set[str] = set()
    for row in read_mesh_tree_numbers(vocab.mesh_trees):
        (places if row.tree_number.startswith(GEOGRAPHIC_TREE) else others).add(row.descriptor_id)
    others -= places
    names: set[str] = set()
    taken: set[str] = set()
    for term in read_mesh_terms(vocab.mesh_terms):
        if term.descriptor_id in places:
            if not term.permuted and term.term[:1].isupper():
                names.add(term.term)
        elif term.descriptor_id in others:
            taken.add(term.term.lower())
    return frozenset(n for n in names if n.lower() not in taken)


@lru_cache(maxsize=4)
def _names_under(vocab_dir: str) -> frozenset[str]:
    vocab = VocabFiles(Path(vocab_dir)) if vocab_dir else None
    if vocab is None or not (vocab.mesh_trees.is_file() and vocab.mesh_terms.is_file()):
        log.warning("extract_place_names: no MeSH files under %r; place names are not dropped", vocab_dir)
        return frozenset()
    return place_names(vocab)


class PlaceNames:
    """Drop the mentions whose text is a MeSH place name (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, vocab_dir: str) -> None:
        self.name = name
        self.vocab_dir = vocab_dir
        # Read when the pipeline is built (0.5 s), so that the stage's worker processes, forked from it, share them.
        self.names = _names_under(vocab_dir)

    def __call__(self, doc: Doc) -> Doc:
        names = self.names
        if not names or not any(ent.text in names for ent in doc.ents):
            return doc

        def keep(ent: Span) -> Span | None:
            if ent.text in names:
                log.debug("mention %r (%s) dropped: a place name", ent.text, ent.label_)
                return None
            return ent

        return edit_entities(doc, keep)


@Language.factory("extract_place_names", default_config={"vocab_dir": ""})
def make_place_names(nlp: Language, name: str, vocab_dir: str) -> PlaceNames:
    return PlaceNames(nlp, name, vocab_dir)
