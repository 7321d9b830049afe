"""MeSH 2024 entry terms of the diseases the knowledge base holds, for mentions nothing else links.

The knowledge base takes its disease names from CTD MEDIC (2017), the Disease Ontology and HPO, plus the MeSH
descriptors newer than MEDIC; MeSH's own entry terms of the older descriptors were left out because, as aliases,
they cost BC5CDR dev disease precision (``models/EXPERIMENTS.md``, linker exp1 / exp2).  So "psychiatric illness" and
"mental illness" (entry terms of Mental Disorders), "respiratory distress syndrome" (the 2023 name of D012128),
"giardia infection" or "bloodstream infection" stayed unlinked: 36 mentions of the 5,000 audit abstracts and 95 of
the seventh draw's 700 trial reports, each then keyed by its text in the relation tables.

:func:`disease_entry_terms` maps each normalised entry term of a descriptor the index holds as a DISEASE concept, which
is no alias of the index and names one descriptor only, to that concept (descriptors under the Diseases tree or F03
only; permuted terms and abbreviations left out).  The linker reads it as a last resort, after every other route,
the head back-off included, found nothing (``EntityLinker.entry_term``), so no link the index makes changes.
Reading the terms costs about 3 s of CPU, so the table is computed ahead (``python -m extract.training.linker_tables``
-> ``data/entry_terms/``; :mod:`extract.linking.derived_tables`).
"""

from __future__ import annotations

from pathlib import Path

from extract.linking.derived_tables import DerivedTable
from extract.linking.normalize import normalize
from extract.settings import PROJECT_ROOT
from extract.vocab.mesh import is_disease_descriptor, mesh_tree_numbers, read_mesh_terms

__all__ = ["DEFAULT_ENTRY_TERMS", "ENTRY_TERMS", "disease_entry_terms"]

#: The table computed ahead for the shipped index and MeSH file.
DEFAULT_ENTRY_TERMS = PROJECT_ROOT / "data" / "entry_terms" / "mesh_disease_entry_terms.json.gz"
FORMAT = "disease-entry-terms/1"
#: The MeSH tree numbers, beside the terms file (``shared/vocab/mesh/``).
TREES_FILE = "mtrees2024.tsv.gz"

#: MeSH lexical tags of abbreviations and acronyms.
SHORT_FORM_TAGS = frozenset({"ABB", "ABX", "ACR", "ACX"})


def _compute(resources, terms_path: Path) -> dict[str, str]:
    concepts = resources.data.concepts
    aliases = resources.alias_to_ids
    trees_path = Path(terms_path).with_name(TREES_FILE)
    trees = mesh_tree_numbers(trees_path) if trees_path.is_file() else {}
    owners: dict[str, set[str]] = {}
    for term in read_mesh_terms(terms_path):
        if term.permuted or term.lexical_tag in SHORT_FORM_TAGS:
            continue  # "Illness, Mental"; "ARDS" (a short form is read with its document, extract.linking.short_forms)
        numbers = trees.get(term.descriptor_id, ())
        if numbers and not is_disease_descriptor(numbers):
            continue  # MEDIC holds some measures as diseases ("Birth Weight", G07); the F03 root has no number
        cid = f"MESH:{term.descriptor_id}"
        concept = concepts.get(cid)
        if concept is None or concept.label != "DISEASE":
            continue
        form = normalize(term.term)
        if form and form not in aliases:
            owners.setdefault(form, set()).add(cid)
    return {form: next(iter(ids)) for form, ids in sorted(owners.items()) if len(ids) == 1}


ENTRY_TERMS = DerivedTable(
    DEFAULT_ENTRY_TERMS,
    FORMAT,
    compute=_compute,
    to_payload=lambda terms: {"terms": dict(sorted(terms.items()))},
    from_payload=lambda data: data["terms"],
)


def disease_entry_terms(
    resources, terms_path: Path, saved: Path | None = DEFAULT_ENTRY_TERMS, compute: bool = False
) -> dict[str, str]:
    """Normalised entry term -> DISEASE concept id (see the module docstring), once per index and file: the table
    ``saved`` when it was computed from this index and file, else computed (``compute=True``: always)."""
    return ENTRY_TERMS.get(resources, terms_path, saved, compute)
