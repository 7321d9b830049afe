"""HPO disease annotations (``phenotype.hpoa.gz``): disease -> phenotype, with evidence.

The file opens with ``#`` metadata lines, then a header line (``database_id`` ...) and
12 tab-separated fields per annotation.  ``aspect`` is ``P`` for phenotypic
abnormalities (``I`` inheritance, ``C`` clinical course, ``M`` modifier, ``H`` history);
``qualifier`` is ``NOT`` when the disease is stated *not* to show the phenotype.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from extract.vocab.files import open_text

HEADER = (
    "database_id",
    "disease_name",
    "qualifier",
    "hpo_id",
    "reference",
    "evidence",
    "onset",
    "frequency",
    "sex",
    "modifier",
    "aspect",
    "biocuration",
)


class HpoAnnotation(NamedTuple):
    database_id: str  # OMIM:619340, ORPHA:..., DECIPHER:...
    disease_name: str
    qualifier: str  # "" or "NOT"
    hpo_id: str
    reference: str
    evidence: str  # IEA, PCS, TAS
    onset: str
    frequency: str
    sex: str
    modifier: str
    aspect: str  # P, I, C, M, H
    biocuration: str

    @property
    def is_phenotype(self) -> bool:
        """A positive phenotypic-abnormality annotation (aspect ``P``, not ``NOT``)."""
        return self.aspect == "P" and self.qualifier != "NOT"


def read_hpo_annotations(path: Path) -> Iterator[HpoAnnotation]:
    """Every annotation line, in file order (metadata and header skipped; short lines padded)."""
    with open_text(path) as src:
        for line in src:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4:
                continue
            cols += [""] * (len(HEADER) - len(cols))
            yield HpoAnnotation(*cols[: len(HEADER)])
