"""The disease of a ``drug_adverse_event`` row under MeSH's drug-induced heading, where MeSH has one; the disease of
any other relation under the plain heading, unless its mention says the condition was induced.

MeSH indexes a condition a chemical caused under its drug-induced form (psychosis a drug caused is Psychoses,
Substance-Induced, not Psychotic Disorders), and BC5CDR keys its chemical-induced disease pairs the same way.  The
mention keeps the concept the linker gave it (``entities``); the adverse-event row names the relation's concept.
The linker follows BC5CDR, which links "psychotic symptoms" of a drug-induced psychosis to Psychoses,
Substance-Induced, so the same mention in a schizophrenia trial carries the drug-induced concept too; a treatment or a
manifestation of it names the plain one (Psychotic Disorders), as MeSH indexes a treated condition
(:func:`relation_concept`).  The table is data, ``data/drug_induced/mesh_drug_induced.json``, built from the MeSH tree file by
:mod:`extract.training.drug_induced` (which says how the entries are chosen).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from extract.settings import PROJECT_ROOT

TABLE = PROJECT_ROOT / "data" / "drug_induced" / "mesh_drug_induced.json"


@lru_cache(maxsize=4)
def _entries(path: Path = TABLE) -> dict[str, dict]:
    """The table's entries, MeSH disease id -> {"id", "name", "parent_name"} (read once; empty when absent)."""
    return json.loads(Path(path).read_text())["forms"] if Path(path).exists() else {}


def drug_induced_names(path: Path = TABLE) -> dict[str, str]:
    """Id of a drug-induced form -> its MeSH name (the report names a pair's concept with it)."""
    return {entry["id"]: entry["name"] for entry in _entries(path).values()}


def adverse_event_concept(concept_id: str | None) -> str | None:
    """``concept_id`` as the disease of an adverse event: its drug-induced form if MeSH has one, else itself."""
    entry = _entries().get(concept_id) if concept_id is not None else None
    return entry["id"] if entry else concept_id


#: A mention that itself says its condition was caused by a drug or a toxin keeps the drug-induced concept.
_SAYS_INDUCED = re.compile(r"induc|drug|medicat|toxic|iatrogen|tardive", re.I)


@lru_cache(maxsize=4)
def _plain_forms(path: Path = TABLE) -> dict[str, str]:
    """Id of a drug-induced form -> the MeSH disease it is the form of (Psychoses, Substance-Induced -> Psychotic
    Disorders)."""
    return {entry["id"]: disease for disease, entry in _entries(path).items()}


def relation_concept(rel_type: str, concept_id: str | None, text: str = "") -> str | None:
    """The concept a relation row names for a disease mention: for a ``drug_adverse_event`` its drug-induced form
    (:func:`adverse_event_concept`); for any other type the plain disease of a drug-induced concept, unless the
    mention ``text`` says the condition was induced ("levodopa-induced psychosis", "tardive dyskinesia")."""
    if rel_type == "drug_adverse_event":
        return adverse_event_concept(concept_id)
    if concept_id is None or _SAYS_INDUCED.search(text):
        return concept_id
    return _plain_forms().get(concept_id, concept_id)
