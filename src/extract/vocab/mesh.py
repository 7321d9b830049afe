"""Medical Subject Headings (NLM), chemicals included: the tab-separated files of ``vocab/mesh/``.

Each file has a header line, checked by :func:`extract.vocab.files.read_tsv`.  Ids are
bare MeSH unique ids as in the files: descriptors ``D000001``, supplementary concepts
``C000002`` (no ``MESH:`` prefix; the linker's concept ids add it).  Supplementary
concepts appear only in the pharmacological actions, the cross-references, CAS and PubChem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from extract.vocab.files import VocabFiles, read_tsv

# ------------------------------------------------------------------ descriptors and entry terms

TERMS_HEADER = (
    "DescriptorUI",
    "DescriptorName",
    "ConceptUI",
    "TermUI",
    "TermName",
    "ConceptPreferredTermYN",
    "IsPermutedTermYN",
    "LexicalTag",
    "RecordPreferredTermYN",
)


class MeshTerm(NamedTuple):
    """One entry term of a MeSH 2024 descriptor (``desc2024_terms.tsv.gz``)."""

    descriptor_id: str  # D000001
    descriptor_name: str
    concept_id: str  # M0000001
    term_id: str  # T000002
    term: str
    concept_preferred: bool  # the preferred term of its concept
    permuted: bool  # a permutation of another term ("Acid, Ascorbic")
    lexical_tag: str  # NON, TRD (trade name), ABB, ABX, ACR, ACX, EPO, LAB, NAM...
    record_preferred: bool  # the descriptor's name


class MeshDescriptor(NamedTuple):
    """A MeSH descriptor with every entry term (its name included), in file order."""

    descriptor_id: str
    name: str
    terms: tuple[MeshTerm, ...]

    def entry_terms(self, permuted: bool = False) -> list[str]:
        """The distinct term strings; permuted forms only when asked."""
        seen: dict[str, None] = {}
        for term in self.terms:
            if permuted or not term.permuted:
                seen.setdefault(term.term, None)
        return list(seen)


def read_mesh_terms(path: Path) -> Iterator[MeshTerm]:
    """Every entry term row of ``desc2024_terms.tsv.gz``."""
    for cols in read_tsv(path, TERMS_HEADER):
        yield MeshTerm(
            cols[0],
            cols[1],
            cols[2],
            cols[3],
            cols[4],
            cols[5] == "Y",
            cols[6] == "Y",
            cols[7],
            cols[8] == "Y",
        )


def read_mesh_descriptors(path: Path) -> Iterator[MeshDescriptor]:
    """Descriptors with their entry terms (the file lists each descriptor's rows together)."""
    current: list[MeshTerm] = []
    for term in read_mesh_terms(path):
        if current and term.descriptor_id != current[0].descriptor_id:
            yield MeshDescriptor(current[0].descriptor_id, current[0].descriptor_name, tuple(current))
            current = []
        current.append(term)
    if current:
        yield MeshDescriptor(current[0].descriptor_id, current[0].descriptor_name, tuple(current))


# ------------------------------------------------------------------ tree numbers

TREES_HEADER = ("DescriptorUI", "DescriptorName", "tree_location", "code", "cats", "mesh1", "mesh2", "tree1", "tree2")


class MeshTreeNumber(NamedTuple):
    """One tree position of a descriptor (``mtrees2024.tsv.gz``); a descriptor may have several."""

    descriptor_id: str
    descriptor_name: str
    tree_number: str  # D02.355.291.933.125
    category: str  # D
    category_name: str  # Chemicals and Drugs
    top_name: str  # first-level heading of this branch ("Organic Chemicals")
    second_name: str  # second-level heading ("Ethers")
    top_tree_number: str  # D02
    second_tree_number: str  # D02.355


def read_mesh_tree_numbers(path: Path) -> Iterator[MeshTreeNumber]:
    """Every descriptor tree position, in file order."""
    for cols in read_tsv(path, TREES_HEADER):
        yield MeshTreeNumber(*cols)


def mesh_tree_numbers(path: Path) -> dict[str, tuple[str, ...]]:
    """Descriptor id -> its tree numbers."""
    trees: dict[str, list[str]] = {}
    for row in read_mesh_tree_numbers(path):
        trees.setdefault(row.descriptor_id, []).append(row.tree_number)
    return {descriptor: tuple(numbers) for descriptor, numbers in trees.items()}


#: Tree-number prefixes of the chemical and the disease branches: Chemicals and Drugs (D);
#: Diseases (C, signs and symptoms C23 included) and Mental Disorders (F03).
CHEMICAL_TREES: tuple[str, ...] = ("D",)
DISEASE_TREES: tuple[str, ...] = ("C", "F03")


def is_chemical_descriptor(tree_numbers: tuple[str, ...], trees: tuple[str, ...] = CHEMICAL_TREES) -> bool:
    """Whether a descriptor with these tree numbers lies under the Chemicals and Drugs tree
    (or under one of ``trees``, e.g. ``("D02", "D03")``)."""
    return any(n.startswith(trees) for n in tree_numbers)


def is_disease_descriptor(tree_numbers: tuple[str, ...]) -> bool:
    """Whether a descriptor with these tree numbers lies under the Diseases tree or F03."""
    return any(n.startswith(DISEASE_TREES) for n in tree_numbers)


# ------------------------------------------------------------------ pharmacological actions

ACTIONS_HEADER = ("DescriptorUI", "DescriptorName", "PharmActionUI", "PharmActionName")


class PharmacologicalAction(NamedTuple):
    """A substance and one of its pharmacological actions (a drug-class descriptor)."""

    substance_id: str  # D019379 (descriptor) or C042390 (supplementary concept)
    substance_name: str
    action_id: str  # D050071
    action_name: str  # Bone Density Conservation Agents


def read_pharmacological_actions(path: Path) -> Iterator[PharmacologicalAction]:
    """Every substance -> action pair of ``pharmacological_actions2024.tsv.gz``."""
    for cols in read_tsv(path, ACTIONS_HEADER):
        yield PharmacologicalAction(*cols)


# ------------------------------------------------------------------ 2019 labels

LABELS_2019_HEADER = ("DescriptorUI", "Name", "Synonyms")


class Mesh2019Label(NamedTuple):
    """A MeSH 2019 descriptor's name and synonyms (ids closer to the 2015 corpora's)."""

    descriptor_id: str
    name: str
    synonyms: tuple[str, ...]


def read_mesh_2019_labels(path: Path) -> Iterator[Mesh2019Label]:
    """Every descriptor of ``desc2019_labels.tsv.gz``."""
    for cols in read_tsv(path, LABELS_2019_HEADER):
        yield Mesh2019Label(cols[0], cols[1], tuple(s for s in cols[2].split("|") if s))


# ------------------------------------------------------------------ cross-references

XREFS_HEADER = ("Namespace", "MeshUI", "MeshName", "TargetNamespace", "TargetID", "TargetName")


class MeshXref(NamedTuple):
    """A MeSH id's equivalent in another resource."""

    mesh_id: str  # D001859 or C000002
    mesh_name: str
    target_namespace: str  # CHEBI, DOID, HP, EFO, GO, HGNC, UP, NCIT...
    target_id: str  # as written: CHEBI:135495, DOID:184, HP:...; EFO, HGNC, UP, NCIT without prefix
    target_name: str


def read_mesh_xrefs(path: Path) -> Iterator[MeshXref]:
    """Every cross-reference of ``mesh_xrefs.tsv.gz`` (all rows have Namespace ``MESH``)."""
    for cols in read_tsv(path, XREFS_HEADER):
        yield MeshXref(*cols[1:])


CAS_HEADER = ("MeshUI", "CasRN")


class MeshCas(NamedTuple):
    mesh_id: str
    cas: str  # CAS registry number, e.g. 52232-67-4


def read_mesh_cas(path: Path) -> Iterator[MeshCas]:
    """Every MeSH id -> CAS registry number pair of ``mesh_cas.tsv.gz``."""
    for cols in read_tsv(path, CAS_HEADER):
        yield MeshCas(*cols)


PUBCHEM_HEADER = ("PubChemCID", "MeshUI")


class PubchemMesh(NamedTuple):
    pubchem_cid: str
    mesh_id: str


def read_pubchem_mesh(path: Path) -> Iterator[PubchemMesh]:
    """Every PubChem CID -> MeSH id pair of ``pubchem_mesh.tsv.gz``."""
    for cols in read_tsv(path, PUBCHEM_HEADER):
        yield PubchemMesh(*cols)


# ------------------------------------------------------------------ chemical and disease names


def supplementary_concept_names(vocab: VocabFiles) -> dict[str, str]:
    """Supplementary concept id (``C000002``) -> name, for the concepts the pharmacological
    actions name (as substances) and those with a ChEBI cross-reference (first name wins,
    actions first)."""
    names: dict[str, str] = {}
    for action in read_pharmacological_actions(vocab.mesh_pharmacological_actions):
        if action.substance_id.startswith("C"):
            names.setdefault(action.substance_id, action.substance_name)
    for xref in read_mesh_xrefs(vocab.mesh_xrefs):
        if xref.mesh_id.startswith("C") and xref.target_namespace == "CHEBI":
            names.setdefault(xref.mesh_id, xref.mesh_name)
    return names


class MeshNames(NamedTuple):
    """MeSH names by branch: chemical descriptors' entry terms and the supplementary concepts'
    names; disease (C, F03) descriptors' entry terms.  Permuted terms ("Acid, Ascorbic") left out."""

    chemicals: list[str]
    diseases: list[str]


def mesh_chemical_and_disease_names(
    vocab: VocabFiles, *, supplementary: bool = True, chemical_trees: tuple[str, ...] = CHEMICAL_TREES
) -> MeshNames:
    """Every entry term of the chemical (D, or the branches ``chemical_trees`` name) and disease
    (C, F03) descriptors, and (with ``supplementary``) the names of :func:`supplementary_concept_names`.
    A descriptor under both branches gives its terms to both lists."""
    trees = mesh_tree_numbers(vocab.mesh_trees)
    chemicals: list[str] = []
    diseases: list[str] = []
    for descriptor in read_mesh_descriptors(vocab.mesh_terms):
        numbers = trees.get(descriptor.descriptor_id, ())
        if is_chemical_descriptor(numbers, chemical_trees):
            chemicals.extend(descriptor.entry_terms())
        if is_disease_descriptor(numbers):
            diseases.extend(descriptor.entry_terms())
    if supplementary:
        chemicals.extend(supplementary_concept_names(vocab).values())
    return MeshNames(chemicals, diseases)
