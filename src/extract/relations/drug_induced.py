"""The disease of a ``drug_adverse_event`` row under MeSH's drug-induced heading, where MeSH has one.

MeSH indexes a condition a chemical caused under its drug-induced form (psychosis a drug caused is Psychoses,
Substance-Induced, not Psychotic Disorders), and BC5CDR keys its chemical-induced disease pairs the same way.  The
mention keeps the concept the linker gave it (``entities``); the adverse-event row names the relation's concept.
The table is data, ``data/drug_induced/mesh_drug_induced.json``, built from the MeSH tree file by
:mod:`extract.training.drug_induced` (which says how the entries are chosen).
"""

from __future__ import annotations

import json
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
