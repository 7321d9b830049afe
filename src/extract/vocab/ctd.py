"""CTD MEDIC disease vocabulary (``CTD_diseases.tsv.gz``): MeSH and OMIM diseases.

Comment lines start with ``#`` (the column names are in a comment); each record has
9 tab-separated fields: DiseaseName, DiseaseID (``MESH:D012345``, ``MESH:C538288``,
``OMIM:123456``, and the tree root ``MESH:C``), AltDiseaseIDs, Definition, ParentIDs,
TreeNumbers, ParentTreeNumbers, Synonyms, SlimMappings; lists are joined by ``|``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from extract.vocab.files import open_text

_FIELDS = 9
_MIN_FIELDS = 8  # up to Synonyms; SlimMappings may be cut off with its trailing tab


class CtdDisease(NamedTuple):
    """One CTD disease record; list fields are tuples without empty items."""

    name: str
    disease_id: str  # MESH:D012345 / MESH:C538288 / OMIM:123456
    alt_ids: tuple[str, ...]  # e.g. DO:DOID:0060395, OMIM:...
    definition: str
    parent_ids: tuple[str, ...]
    tree_numbers: tuple[str, ...]  # as written, e.g. C16.131.260/C538288
    parent_tree_numbers: tuple[str, ...]
    synonyms: tuple[str, ...]
    slim_mappings: tuple[str, ...]


def _split(field: str) -> tuple[str, ...]:
    return tuple(item for item in field.split("|") if item)


def read_ctd_diseases(path: Path) -> Iterator[CtdDisease]:
    """Every disease record of a CTD diseases file (``.tsv`` or ``.tsv.gz``), in file order.

    Records with fewer than 8 fields are skipped (there are none in the 2017 release).
    """
    with open_text(path) as src:
        for line in src:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < _MIN_FIELDS:
                continue
            cols += [""] * (_FIELDS - len(cols))
            yield CtdDisease(
                cols[0],
                cols[1],
                _split(cols[2]),
                cols[3],
                _split(cols[4]),
                _split(cols[5]),
                _split(cols[6]),
                _split(cols[7]),
                _split(cols[8]),
            )


def ctd_tree_numbers(path: Path) -> dict[str, tuple[str, ...]]:
    """MeSH disease id -> its MeSH tree numbers in dotted form (``C16.131.260/C538288`` ->
    ``C16.131.260.C538288``, so a tree number's ancestors are its ``.`` prefixes).

    Only ``MESH:`` ids are keys (OMIM records are left out).
    """
    return {
        disease.disease_id: tuple(tree.replace("/", ".") for tree in disease.tree_numbers)
        for disease in read_ctd_diseases(path)
        if disease.disease_id.startswith("MESH:") and disease.tree_numbers
    }
