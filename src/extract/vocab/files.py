"""Where the shared vocabulary files live, and how to open them.

Every reader in :mod:`extract.vocab` takes a path, so tests can point it at a small
fixture; :class:`VocabFiles` names the standard location of each file under
``Settings.vocab_dir`` (``../shared/vocab``) so callers do not spell folder names.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from extract.settings import get_settings


def open_text(path: Path) -> IO[str]:
    """Open a UTF-8 text file for reading, decompressing it when its name ends in ``.gz``."""
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_tsv(path: Path, header: tuple[str, ...]) -> Iterator[list[str]]:
    """Rows of a tab-separated file whose first line is ``header`` (checked: a changed export fails loudly)."""
    with open_text(path) as src:
        found = tuple(src.readline().rstrip("\n").split("\t"))
        if found != header:
            raise ValueError(f"{path}: header {found} is not the expected {header}")
        for line in src:
            line = line.rstrip("\n")
            if line:
                yield line.split("\t")


@dataclass(frozen=True)
class VocabFiles:
    """Standard paths of the vocabulary files under one ``vocab/`` folder."""

    root: Path

    @property
    def ctd_diseases(self) -> Path:
        return self.root / "ctd_diseases" / "CTD_diseases.tsv.gz"

    @property
    def hpo_obo(self) -> Path:
        return self.root / "hpo" / "hp.obo"

    @property
    def hpo_annotations(self) -> Path:
        return self.root / "hpo" / "phenotype.hpoa.gz"

    @property
    def doid_obo(self) -> Path:
        return self.root / "disease_ontology" / "doid.obo.gz"

    @property
    def drugbank_vocabulary(self) -> Path:
        return self.root / "drugbank_vocabulary" / "drugbank_vocabulary.csv"

    @property
    def mesh_dir(self) -> Path:
        return self.root / "mesh"

    @property
    def mesh_terms(self) -> Path:
        return self.mesh_dir / "desc2024_terms.tsv.gz"

    @property
    def mesh_trees(self) -> Path:
        return self.mesh_dir / "mtrees2024.tsv.gz"

    @property
    def mesh_pharmacological_actions(self) -> Path:
        return self.mesh_dir / "pharmacological_actions2024.tsv.gz"

    @property
    def mesh_2019_labels(self) -> Path:
        return self.mesh_dir / "desc2019_labels.tsv.gz"

    @property
    def mesh_xrefs(self) -> Path:
        return self.mesh_dir / "mesh_xrefs.tsv.gz"

    @property
    def mesh_cas(self) -> Path:
        return self.mesh_dir / "mesh_cas.tsv.gz"

    @property
    def pubchem_mesh(self) -> Path:
        return self.mesh_dir / "pubchem_mesh.tsv.gz"

    @property
    def drugbank_xrefs(self) -> Path:
        return self.mesh_dir / "drugbank_xrefs.tsv.gz"


def vocab_files(vocab_dir: Path | None = None) -> VocabFiles:
    """The files under ``vocab_dir`` (default ``Settings.vocab_dir``)."""
    return VocabFiles(Path(vocab_dir) if vocab_dir is not None else get_settings().vocab_dir)
