"""Custom ``Span``/``Doc`` attributes the NER stage fills and reads back into the entities table.

Components that link, expand abbreviations or detect negation write these on
``doc.ents``; the NER stage turns them into columns.  Registering is idempotent.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

SPAN_ATTRIBUTES: dict[str, object] = {
    "method": "model",  # model, lexicon, abbreviation or drug_class
    "abbreviation_of": None,  # long-form text when the mention is a short form
    "unsupported_short_form": False,  # a model short form whose defined long form is no entity ("VL" of "vastus lateralis")
    "concept_id": None,  # e.g. MESH:D006934, HP:0003761, DRUGBANK:DB06285
    "concept_ids": None,  # every concept of a coordinated mention ("renal or hepatic toxicity"), concept_id first
    "concept_name": None,
    "ontology": None,  # MESH, HPO, DOID, OMIM, DRUGBANK
    "drug_classes": None,  # MeSH pharmacological actions of the linked concept ("Anticoagulants")
    "mesh_tree_numbers": None,  # MeSH tree numbers of the linked descriptor
    "link_score": None,
    "negated": False,
    "uncertain": False,
}

DOC_ATTRIBUTES: dict[str, object] = {
    "doc_id": None,
    "section_spans": None,  # list of (name, start_char, end_char)
}


def register_extensions() -> None:
    for name, default in SPAN_ATTRIBUTES.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    for name, default in DOC_ATTRIBUTES.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()
