"""DrugBank open data: the drug vocabulary and DrugBank's cross-references.

* ``drugbank_vocabulary.csv`` (comma-separated, quoted, header line): DrugBank ID,
  Accession Numbers, Common name, CAS, UNII, Synonyms, Standard InChI Key; lists are
  joined by `` | ``.  It has no MeSH ids (join CAS with :func:`extract.vocab.mesh.read_mesh_cas`).
* ``mesh/drugbank_xrefs.tsv.gz`` (tab-separated, header line): DrugBank id -> ChEBI /
  ChEMBL ids and names (``NAMESPACE`` ``CHEBI``, ``CHEMBL`` or ``NAME``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from extract.vocab.files import read_tsv


class DrugBankDrug(NamedTuple):
    """One drug; strings stripped, list fields without empty items."""

    drugbank_id: str  # DB00001
    accession_numbers: tuple[str, ...]
    common_name: str
    cas: str  # "" when absent
    unii: str
    synonyms: tuple[str, ...]
    inchi_key: str


def _split(field: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (field or "").split(" | ") if item.strip())


def read_drugbank_vocabulary(path: Path) -> Iterator[DrugBankDrug]:
    """Every drug of the DrugBank open vocabulary, in file order."""
    with open(path, encoding="utf-8", newline="") as src:
        for row in csv.DictReader(src):
            yield DrugBankDrug(
                (row.get("DrugBank ID") or "").strip(),
                _split(row.get("Accession Numbers")),
                (row.get("Common name") or "").strip(),
                (row.get("CAS") or "").strip(),
                (row.get("UNII") or "").strip(),
                _split(row.get("Synonyms")),
                (row.get("Standard InChI Key") or "").strip(),
            )


class DrugBankXref(NamedTuple):
    drugbank_id: str  # DB00001
    namespace: str  # CHEBI, CHEMBL or NAME
    xref: str  # 142437 (ChEBI number without prefix), CHEMBL1201666, or a drug name
    source: str  # which resource stated it: chebi or drugbank


DRUGBANK_XREFS_HEADER = ("DRUGBANK_ID", "NAMESPACE", "ID", "SOURCE")


def read_drugbank_xrefs(path: Path) -> Iterator[DrugBankXref]:
    """Every DrugBank cross-reference, in file order."""
    for cols in read_tsv(path, DRUGBANK_XREFS_HEADER):
        yield DrugBankXref(*cols)
