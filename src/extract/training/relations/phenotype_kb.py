"""Phenotype knowledge base for distant supervision of ``disease_manifestation`` (training only).

HPO terms (``hp.obo``: names, exact synonyms, is_a parents), the disease -> phenotype annotations
(``phenotype.hpoa``, aspect P, not ``NOT``), CTD disease names and OMIM cross-references
(``CTD_diseases.tsv.gz``) and Disease Ontology names and MeSH/OMIM cross-references
(``doid.obo.gz``).  :meth:`PhenotypeKB.linked` answers "is the tail phenotype annotated to the
head disease (or an ancestor of one of its phenotypes)?"; the lexicons go into the shipped model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extract.relations.manifestation_features import norm
from extract.relations.types import EntityView
from extract.vocab.ctd import read_ctd_diseases
from extract.vocab.files import vocab_files
from extract.vocab.hpo_annotations import read_hpo_annotations
from extract.vocab.obo import read_obo, read_terms


@dataclass
class PhenotypeKB:
    """HPO terms, disease -> phenotype annotations and disease-name/id maps (training only)."""

    hpo_by_name: dict[str, set[str]]
    parents: dict[str, set[str]]
    annotations: dict[str, set[str]]  # OMIM/ORPHA id -> HPO ids
    disease_by_name: dict[str, set[str]]  # normalised name -> OMIM/ORPHA ids
    mesh_to_kb: dict[str, set[str]]  # MESH:x -> OMIM ids (CTD alt ids, DOID xrefs)
    mesh_names: dict[str, set[str]]  # MESH:x -> normalised names and synonyms
    generic_terms: set[str]  # top HPO levels (organ-system "Abnormality of ..."), ignored
    _closure: dict[str, set[str]] = field(default_factory=dict)
    doid_names: set[str] = field(default_factory=set)  # normalised Disease Ontology names / exact synonyms
    doid_mesh: set[str] = field(default_factory=set)  # MeSH ids cross-referenced by Disease Ontology terms
    annotated_names: set[str] = field(default_factory=set)  # names of the HPO-annotated diseases

    @property
    def disease_lexicon(self) -> frozenset[str]:
        return frozenset(self.doid_names | self.annotated_names)

    @property
    def disease_mesh(self) -> frozenset[str]:
        return frozenset(set(self.mesh_to_kb) | self.doid_mesh)

    @property
    def phenotype_mesh(self) -> frozenset[str]:
        """MeSH ids one of whose CTD names or synonyms is an HPO phenotype name."""
        return frozenset(
            m for m, names in self.mesh_names.items() if m.startswith("MESH:") and names & self.hpo_by_name.keys()
        )

    @property
    def lexicon(self) -> frozenset[str]:
        return frozenset(self.hpo_by_name)

    def ancestors(self, hid: str) -> set[str]:
        """All is_a ancestors of the HPO term ``hid``."""
        return _ancestors(self.parents, hid)

    def closure(self, disease: str) -> set[str]:
        """Annotated phenotypes of a disease and their ancestors (minus the generic top levels)."""
        if disease not in self._closure:
            terms = set(self.annotations.get(disease, ()))
            for h in list(terms):
                terms |= self.ancestors(h)
            self._closure[disease] = terms - self.generic_terms
        return self._closure[disease]

    def disease_ids(self, e: EntityView, ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for i in ids:
            if i.startswith("OMIM:"):
                out.add(i)
            out |= self.mesh_to_kb.get(i, set())
        out |= self.disease_by_name.get(norm(e.abbreviation_of or e.text), set())
        return {d for d in out if d in self.annotations}

    def phenotype_ids(self, e: EntityView, ids: Iterable[str]) -> set[str]:
        names = {norm(e.text)}
        for i in ids:
            names |= self.mesh_names.get(i, set())
        out: set[str] = set()
        for n in names:
            out |= self.hpo_by_name.get(n, set())
        return out - self.generic_terms

    def linked(self, head: EntityView, head_ids: Iterable[str], tail: EntityView, tail_ids: Iterable[str]) -> bool:
        """The head disease is annotated with the tail phenotype (or a descendant of it)."""
        pids = self.phenotype_ids(tail, tail_ids)
        if not pids:
            return False
        return any(pids & self.closure(d) for d in self.disease_ids(head, head_ids))


def load_kb(vocab_dir: Path) -> PhenotypeKB:
    """Read hp.obo, phenotype.hpoa.gz, CTD_diseases.tsv.gz and doid.obo.gz from ``vocab_dir``."""
    files = vocab_files(vocab_dir)
    hpo_by_name: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = {}
    for hid, term in read_terms(files.hpo_obo).items():
        parents[hid] = set(term.parents)
        for n in [term.name, *term.synonym_texts(("EXACT",))]:
            if norm(n):
                hpo_by_name[norm(n)].add(hid)
    # Phenotypic abnormality (HP:0000118) and its direct children are too generic to count.
    generic = {"HP:0000118", "HP:0000001"} | {h for h, ps in parents.items() if "HP:0000118" in ps}
    phenotypic = {h for h in parents if "HP:0000118" in ({h} | _ancestors(parents, h))}
    hpo_by_name = {n: ids & phenotypic for n, ids in hpo_by_name.items() if ids & phenotypic}
    annotations: dict[str, set[str]] = defaultdict(set)
    disease_by_name: dict[str, set[str]] = defaultdict(set)
    annotated_names: set[str] = set()
    for a in read_hpo_annotations(files.hpo_annotations):
        if not a.is_phenotype:
            continue
        annotations[a.database_id].add(a.hpo_id)
        disease_by_name[norm(a.disease_name)].add(a.database_id)
        annotated_names.add(norm(a.disease_name))
    mesh_to_kb: dict[str, set[str]] = defaultdict(set)
    mesh_names: dict[str, set[str]] = defaultdict(set)
    for d in read_ctd_diseases(files.ctd_diseases):
        names = [d.name, *d.synonyms]
        mesh_names[d.disease_id] |= {norm(n) for n in names}
        omim = {a for a in d.alt_ids if a.startswith("OMIM:")}
        if d.disease_id.startswith("OMIM:"):
            omim.add(d.disease_id)
        if omim:
            mesh_to_kb[d.disease_id] |= omim
            for n in names:
                disease_by_name[norm(n)] |= omim
    doid_names: set[str] = set()
    doid_mesh: set[str] = set()
    for t in read_obo(files.doid_obo):
        if t.obsolete:
            continue
        omim = {x for x in t.xrefs if x.startswith("OMIM:")}
        mesh = {"MESH:" + x.split(":", 1)[1] for x in t.xrefs if x.startswith("MESH:")}
        doid_mesh |= mesh
        for m in mesh:
            if omim:
                mesh_to_kb[m] |= omim
        names = [t.name] if t.name else []
        names += t.synonym_texts(("EXACT",))
        doid_names |= {norm(n) for n in names if norm(n)}
    return PhenotypeKB(
        dict(hpo_by_name),
        parents,
        dict(annotations),
        dict(disease_by_name),
        dict(mesh_to_kb),
        dict(mesh_names),
        generic,
        doid_names=doid_names,
        doid_mesh=doid_mesh,
        annotated_names=annotated_names,
    )


def _ancestors(parents: dict[str, set[str]], hid: str) -> set[str]:
    """All ancestors of ``hid`` in the ``parents`` graph (term -> direct parents)."""
    out: set[str] = set()
    stack = [hid]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in out:
                out.add(p)
                stack.append(p)
    return out
