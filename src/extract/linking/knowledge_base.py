"""Build the linking knowledge base from the shared vocabularies and training corpora.

Sources (all read by path, never copied):

* CTD MEDIC diseases (MeSH and OMIM ids, names, synonyms, inverted MeSH names);
* Disease Ontology: names/synonyms of terms with exactly one MeSH xref join that
  MeSH concept (without one, the one CTD concept listing the term among its
  alternative ids), other terms become ``DOID:`` concepts;
* HPO (phenotypic abnormality branch): terms whose UMLS CUI maps to a MeSH id
  through the Disease Ontology join that MeSH concept, others stay ``HP:``;
* MeSH 2024 (``vocab/mesh/``): descriptors of the Chemicals and Drugs tree (D) with
  every entry term become chemicals (a descriptor CTD already has keeps its label);
  supplementary concepts (C-numbers) named by the pharmacological actions or a ChEBI
  cross-reference become chemicals under that name.  MeSH's disease descriptors are
  not added: CTD MEDIC already has them, and their entry terms cost disease precision
  on BC5CDR dev (0.844 -> 0.841 end to end).  Tree numbers and pharmacological
  actions (drug classes) of every MeSH concept go to ``mesh_annotations``;
* mention -> id pairs of the *training* splits (BC5CDR train, NCBI disease train,
  BioRED train minus PMIDs of the BC5CDR dev split): more aliases (and the 2015
  supplementary ids MeSH 2024 no longer has) and per-alias priors (how often a string
  meant a concept); BC5CDR's own counts are kept apart as primary priors (its
  guidelines decide);
* DrugBank open vocabulary: a drug joins the MeSH id its CAS number names in
  ``mesh_cas`` (supplementary concepts only), else the one MeSH id its ChEBI
  cross-references name, else the MeSH chemical its name (or most synonyms) names;
  others stay ``DRUGBANK:``;
* the equivalence table old id -> current id (:mod:`extract.linking.equivalence`), from the MeSH
  files' own records and the pairs of all three training splits (pooled; BioRED train calls
  celecoxib ``C105934``): an old id's concept (a supplementary C-number MeSH later made a
  descriptor) is merged into the current one, and training pairs (aliases, priors, composites)
  and DrugBank joins naming an old id count for the current one, which keeps its vocabulary name
  and drug classes; the table is saved with the linker.

Every concept carries one label (``CHEMICAL`` or ``DISEASE``) and an ontology.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extract.linking.equivalence import (
    Equivalence,
    EquivalenceTable,
    mesh_equivalences,
    mesh_record_ids,
    training_equivalences,
)
from extract.linking.normalize import inverted_forms, normalize
from extract.schemas import CHEMICAL, DISEASE
from extract.vocab.ctd import read_ctd_diseases
from extract.vocab.drugbank import read_drugbank_vocabulary, read_drugbank_xrefs
from extract.vocab.files import VocabFiles, open_text, vocab_files
from extract.vocab.mesh import (
    is_chemical_descriptor,
    is_disease_descriptor,
    mesh_tree_numbers,
    read_mesh_cas,
    read_mesh_descriptors,
    read_mesh_xrefs,
    read_pharmacological_actions,
    supplementary_concept_names,
)
from extract.vocab.obo import descendants, read_obo, read_terms

#: Lower rank wins when several concepts tie; MeSH first (BC5CDR evaluates MeSH).
ONTOLOGY_RANK = {"MESH": 0, "OMIM": 1, "DOID": 2, "HPO": 3, "DRUGBANK": 4}

#: HPO branches that are not phenotypes (inheritance, modifiers, frequency, ...).
_HPO_ROOT = "HP:0000118"  # Phenotypic abnormality

_MAX_ALIAS_CHARS = 120


@dataclass
class Concept:
    """One linkable concept."""

    concept_id: str  # e.g. MESH:D006934
    name: str
    label: str  # CHEMICAL or DISEASE
    ontology: str  # MESH, OMIM, DOID, HPO, DRUGBANK
    aliases: set[str] = field(default_factory=set)  # normalised
    xrefs: set[str] = field(default_factory=set)

    def to_json(self) -> dict:
        return {
            "id": self.concept_id,
            "name": self.name,
            "label": self.label,
            "ontology": self.ontology,
            "aliases": sorted(self.aliases),
            "xrefs": sorted(self.xrefs),
        }

    @classmethod
    def from_json(cls, row: dict) -> Concept:
        return cls(
            row["id"],
            row["name"],
            row["label"],
            row["ontology"],
            set(row["aliases"]),
            set(row.get("xrefs", ())),
        )


@dataclass
class KnowledgeBaseData:
    """Concepts plus corpus priors: ``priors[normalised alias][concept id] = count``.

    ``primary_priors`` has the same shape and counts only the primary training corpus
    (BC5CDR), whose annotation guidelines the linker's output follows: it decides
    before the counts of all corpora when corpora disagree on a string.
    """

    concepts: dict[str, Concept]
    priors: dict[str, dict[str, int]]
    sources: dict[str, dict] = field(default_factory=dict)
    primary_priors: dict[str, dict[str, int]] = field(default_factory=dict)
    #: MeSH concept id -> {"drug_classes": [pharmacological action names], "tree_numbers": [...]}.
    mesh_annotations: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Old id -> current id (``equivalences.json``; empty before linker 0.3.0 was rebuilt with it).
    equivalences: EquivalenceTable = field(default_factory=EquivalenceTable)
    #: Normalised mention text -> the several concept ids the primary training corpus annotates it with
    #: ("hemorrhagic cystitis" -> Hemorrhage + Cystitis); ``composites.json.gz``, absent before linker 0.4.0.
    composites: dict[str, list[str]] = field(default_factory=dict)

    def alias_to_ids(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = defaultdict(set)
        for concept in self.concepts.values():
            for alias in concept.aliases:
                table[alias].add(concept.concept_id)
        return dict(table)

    def save(self, folder: Path) -> None:
        with gzip.open(folder / "kb.jsonl.gz", "wt", encoding="utf-8") as out:
            for concept in sorted(self.concepts.values(), key=lambda c: c.concept_id):
                out.write(json.dumps(concept.to_json(), ensure_ascii=False) + "\n")
        with gzip.open(folder / "priors.json.gz", "wt", encoding="utf-8") as out:
            json.dump(self.priors, out, ensure_ascii=False)
        with gzip.open(folder / "priors_primary.json.gz", "wt", encoding="utf-8") as out:
            json.dump(self.primary_priors, out, ensure_ascii=False)
        with gzip.open(folder / "mesh_annotations.json.gz", "wt", encoding="utf-8") as out:
            json.dump(self.mesh_annotations, out, ensure_ascii=False)
        self.equivalences.save(folder)
        if self.composites:
            with gzip.open(folder / "composites.json.gz", "wt", encoding="utf-8") as out:
                json.dump(self.composites, out, ensure_ascii=False, sort_keys=True)

    @classmethod
    def load(cls, folder: Path) -> KnowledgeBaseData:
        concepts: dict[str, Concept] = {}
        with gzip.open(folder / "kb.jsonl.gz", "rt", encoding="utf-8") as src:
            for line in src:
                concept = Concept.from_json(json.loads(line))
                concepts[concept.concept_id] = concept
        with gzip.open(folder / "priors.json.gz", "rt", encoding="utf-8") as src:
            priors = json.load(src)
        primary: dict[str, dict[str, int]] = {}
        if (folder / "priors_primary.json.gz").exists():  # absent before linker 0.2.0
            with gzip.open(folder / "priors_primary.json.gz", "rt", encoding="utf-8") as src:
                primary = json.load(src)
        annotations: dict[str, dict[str, list[str]]] = {}
        if (folder / "mesh_annotations.json.gz").exists():  # absent before linker 0.3.0
            with gzip.open(folder / "mesh_annotations.json.gz", "rt", encoding="utf-8") as src:
                annotations = json.load(src)
        composites: dict[str, list[str]] = {}
        if (folder / "composites.json.gz").exists():  # absent before linker 0.4.0
            with gzip.open(folder / "composites.json.gz", "rt", encoding="utf-8") as src:
                composites = json.load(src)
        return cls(
            concepts,
            priors,
            primary_priors=primary,
            mesh_annotations=annotations,
            equivalences=EquivalenceTable.load(folder),
            composites=composites,
        )


# --------------------------------------------------------------------- helpers


def _good_alias(alias: str) -> bool:
    return 2 <= len(alias) <= _MAX_ALIAS_CHARS and any(ch.isalpha() for ch in alias)


def _add_names(concept: Concept, names: Iterable[str]) -> None:
    for name in names:
        for form in [name, *inverted_forms(name)]:
            alias = normalize(form)
            if _good_alias(alias):
                concept.aliases.add(alias)


def _mesh_id(raw: str) -> str | None:
    """``D012345``/``MESH:C1234`` -> ``MESH:D012345``; OMIM kept; anything else None."""
    raw = raw.strip()
    if raw.startswith("MESH:"):
        raw = raw[5:]
    if re.fullmatch(r"[CD]\d{6,9}", raw):
        return f"MESH:{raw}"
    if re.fullmatch(r"OMIM:\d+", raw):
        return raw
    return None


# --------------------------------------------------------------------- corpora


@dataclass(frozen=True)
class CorpusPair:
    """A gold mention text linked to one concept in a training split."""

    pmid: str
    text: str
    label: str
    concept_id: str


_TYPE_LABEL = {
    "chemical": CHEMICAL,
    "chemicalentity": CHEMICAL,
    "disease": DISEASE,
    "diseaseorphenotypicfeature": DISEASE,
    "specificdisease": DISEASE,
    "diseaseclass": DISEASE,
    "modifier": DISEASE,
    "compositemention": DISEASE,
}


def read_corpus_pairs(path: Path, exclude_pmids: set[str] | frozenset[str] = frozenset()) -> Iterator[CorpusPair]:
    """Mention -> concept pairs of a PubTator-style file (BC5CDR, NCBI disease, BioRED).

    Composite mentions are split with BC5CDR's 7th column when the parts line up;
    mentions with several ids otherwise, ``-1``/``-`` ids and excluded PMIDs are skipped.
    """
    with open_text(path) as src:
        for line in src:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6 or not cols[1].isdigit():
                continue
            pmid, text, mention_type, raw_ids = cols[0], cols[3], cols[4], cols[5]
            if pmid in exclude_pmids:
                continue
            label = _TYPE_LABEL.get(mention_type.lower())
            if label is None or "+" in raw_ids:
                continue
            ids = [p for p in re.split(r"[|,;]", raw_ids) if p.strip() not in ("", "-", "-1")]
            if len(ids) == 1:
                concept = _mesh_id(ids[0])
                if concept:
                    yield CorpusPair(pmid, text, label, concept)
            elif len(cols) >= 7 and ids:
                parts = cols[6].split("|")
                if len(parts) == len(ids):
                    for part, raw in zip(parts, ids):
                        concept = _mesh_id(raw)
                        if concept:
                            yield CorpusPair(pmid, part, label, concept)


def read_mention_id_sets(
    path: Path, exclude_pmids: set[str] | frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """``(text, label, ids)`` of every linked mention of a PubTator file (``-1`` parts dropped, ids in
    the file's order, PMIDs of ``exclude_pmids`` skipped); composite mentions keep all their ids."""
    with open_text(path) as src:
        for line in src:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6 or not cols[1].isdigit() or cols[0] in exclude_pmids:
                continue
            label = _TYPE_LABEL.get(cols[4].lower())
            if label is None:
                continue
            ids = []
            for raw in re.split(r"[|,;+]", cols[5]):
                concept = _mesh_id(raw) if raw.strip() not in ("", "-", "-1") else None
                if concept and concept not in ids:
                    ids.append(concept)
            if ids:
                yield cols[3], label, tuple(ids)


#: A mention text joins ``composites`` when the primary corpus annotates it with the same several ids at
#: least this often, and in at least this share of its linked occurrences.
COMPOSITE_MIN_COUNT = 2
COMPOSITE_MIN_SHARE = 0.5


def corpus_composites(
    occurrences: Iterable[tuple[str, str, tuple[str, ...]]],
    min_count: int = COMPOSITE_MIN_COUNT,
    min_share: float = COMPOSITE_MIN_SHARE,
) -> dict[str, list[str]]:
    """Normalised mention text -> ids, for the texts a training corpus annotates with several ids (a
    composite: "hemorrhagic cystitis" -> Hemorrhage | Cystitis) in at least ``min_count`` occurrences
    and a ``min_share`` of all its linked occurrences (the same id set, in any order)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    first_order: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}
    for text, label, ids in occurrences:
        alias = normalize(text)
        if not _good_alias(alias):
            continue
        key = frozenset(ids)
        counts[f"{label}\t{alias}"][key] += 1
        first_order.setdefault((f"{label}\t{alias}", key), ids)
    out: dict[str, list[str]] = {}
    for key, by_ids in counts.items():
        ids, n = by_ids.most_common(1)[0]
        if len(ids) >= 2 and n >= min_count and n >= min_share * sum(by_ids.values()):
            out[key] = list(first_order[(key, ids)])
    return out


def read_pmids(path: Path) -> set[str]:
    """PMIDs of a PubTator file (title lines ``PMID|t|...``)."""
    pmids: set[str] = set()
    with open_text(path) as src:
        for line in src:
            head = line.split("|", 2)
            if len(head) == 3 and head[1] == "t":
                pmids.add(head[0])
    return pmids


# --------------------------------------------------------------------- builder


class KnowledgeBaseBuilder:
    """Accumulates concepts from each source; see the module docstring for the rules."""

    def __init__(self) -> None:
        self.concepts: dict[str, Concept] = {}
        self.priors: dict[str, Counter] = defaultdict(Counter)
        self.primary_priors: dict[str, Counter] = defaultdict(Counter)
        self.sources: dict[str, dict] = {}
        #: Disease Ontology id -> CTD concept ids listing it among their AltDiseaseIDs.
        self.ctd_alt_doid: dict[str, set[str]] = defaultdict(set)
        #: Concept ids whose name comes from a vocabulary (not from a corpus mention).
        self.vocab_named: set[str] = set()
        #: MeSH id -> tree numbers; MeSH id -> pharmacological action names (drug classes).
        self.mesh_trees: dict[str, tuple[str, ...]] = {}
        self.mesh_actions: dict[str, list[str]] = defaultdict(list)
        self.equivalences = EquivalenceTable()
        self.composites: dict[str, list[str]] = {}

    def _current(self, concept_id: str) -> str:
        """The current id of an old id when the knowledge base has that concept, else ``concept_id``."""
        current = self.equivalences.current_id(concept_id)
        return current if current in self.concepts else concept_id

    def add_equivalences(self, entries: list[Equivalence]) -> int:
        """Add ``entries`` to the equivalence table and merge each old id's concept into the current
        one (names, cross-references, drug classes) when both are concepts of one label; return how
        many concepts were merged."""
        merged = 0
        for entry in entries:
            self.equivalences.add(entry)
        for entry in entries:
            old, current = entry.old, self.equivalences.current_id(entry.old)
            source, target = self.concepts.get(old), self.concepts.get(current)
            if source is None or target is None or source.label != target.label:
                continue
            del self.concepts[old]
            target.aliases |= source.aliases
            target.xrefs |= source.xrefs
            for action in self.mesh_actions.pop(old, []):
                if action not in self.mesh_actions[current]:
                    self.mesh_actions[current].append(action)
            for table in (self.priors, self.primary_priors):
                for counts in table.values():
                    if old in counts:
                        counts[current] += counts.pop(old)
            merged += 1
        return merged

    def vocabulary_lookup(self) -> Callable[[str, str], set[str]]:
        """The linker's exact lookup of the normalised text over the MeSH concepts the knowledge base
        has now, as ``(text, label) -> ids``.  No other variant: a variant may drop words ("amyloid
        beta peptide(1-42)" -> "amyloid beta peptide") and name a broader concept, not the same one."""
        table: dict[tuple[str, str], set[str]] = defaultdict(set)
        for concept in self.concepts.values():
            if concept.ontology == "MESH":
                for alias in concept.aliases:
                    table[(alias, concept.label)].add(concept.concept_id)

        def lookup(text: str, label: str) -> set[str]:
            return set(table.get((normalize(text), label), ()))

        return lookup

    def add_equivalence_sources(self, vocab: VocabFiles, splits: dict[str, Path], exclude: set[str]) -> None:
        """The equivalence table: the MeSH files' own records first, then the training splits
        ``splits`` (name -> PubTator file, PMIDs of ``exclude`` left out), pooled, against the
        vocabularies' concepts (call before any corpus is added: the lookup must see vocabulary names
        only).  Old ids merge into their current concepts (:meth:`add_equivalences`); the corpora added
        afterwards count their pairs for the current id (aliases, priors, composites)."""
        from_mesh = mesh_equivalences(vocab)
        merged = self.add_equivalences(from_mesh)
        records = mesh_record_ids(vocab)
        from_train = training_equivalences(
            {name: read_corpus_pairs(path, exclude) for name, path in splits.items()},
            lambda cid: cid in records or cid in self.concepts or cid in self.equivalences,
            self.vocabulary_lookup(),
        )
        merged += self.add_equivalences(from_train)
        per_split = Counter(name for entry in from_train for name in entry.source.split("+"))
        self.sources["equivalences"] = {
            "mesh_names": len(from_mesh),
            "training_splits": len(from_train),
            **{f"from_{name}": per_split[name] for name in splits},
            "merged_concepts": merged,
        }

    def _concept(self, concept_id: str, name: str, label: str) -> Concept:
        concept = self.concepts.get(concept_id)
        if concept is None:
            ontology = "MESH" if concept_id.startswith("MESH:") else concept_id.split(":")[0]
            ontology = {"HP": "HPO", "DB": "DRUGBANK"}.get(ontology, ontology)
            concept = Concept(concept_id, name, label, ontology)
            self.concepts[concept_id] = concept
        return concept

    def add_ctd(self, path: Path) -> None:
        count = 0
        for disease in read_ctd_diseases(path):
            concept_id = disease.disease_id
            if _mesh_id(concept_id) != concept_id:
                continue  # the tree root "MESH:C" (Diseases) and malformed ids
            concept = self._concept(concept_id, disease.name, DISEASE)
            _add_names(concept, [disease.name, *disease.synonyms])
            concept.xrefs.update(disease.alt_ids)
            for alt in disease.alt_ids:
                if alt.startswith("DO:DOID:"):
                    self.ctd_alt_doid[alt[3:]].add(concept_id)
            count += 1
        self.sources["ctd_diseases"] = {"path": str(path), "concepts": count}

    def add_doid(self, path: Path) -> dict[str, str]:
        """Add Disease Ontology names; return UMLS CUI -> MeSH id (for HPO)."""
        umls_to_mesh: dict[str, str] = {}
        merged = separate = via_ctd = 0
        for term in read_obo(path):
            if term.obsolete or not term.name:
                continue
            mesh = sorted({f"MESH:{x[5:]}" for x in term.xrefs if x.startswith("MESH:")})
            names = [term.name, *term.synonym_texts(("EXACT",))]
            if len(mesh) != 1:
                # No single MeSH xref of its own: CTD may list the term as an alternative
                # id of exactly one of its concepts (MeSH or OMIM).
                ctd = self.ctd_alt_doid.get(term.term_id, set())
                if len(ctd) == 1 and next(iter(ctd)) in self.concepts:
                    mesh = sorted(ctd)
                    via_ctd += 1
            if len(mesh) == 1:
                concept = self._concept(mesh[0], term.name, DISEASE)
                merged += 1
                if mesh[0].startswith("MESH:"):
                    for xref in term.xrefs:
                        if xref.startswith("UMLS_CUI:"):
                            umls_to_mesh.setdefault(xref[9:], mesh[0])
            else:
                concept = self._concept(term.term_id, term.name, DISEASE)
                separate += 1
            concept.xrefs.add(term.term_id)
            _add_names(concept, names)
        self.sources["disease_ontology"] = {
            "path": str(path),
            "merged_into_mesh": merged,
            "merged_via_ctd_alt_ids": via_ctd,
            "doid_concepts": separate,
        }
        return umls_to_mesh

    def add_hpo(self, path: Path, umls_to_mesh: dict[str, str]) -> None:
        terms = read_terms(path)
        phenotypes = descendants(terms, _HPO_ROOT)
        merged = separate = 0
        for term in terms.values():
            if term.term_id not in phenotypes:
                continue
            mesh = {umls_to_mesh[x[5:]] for x in term.xrefs if x.startswith("UMLS:") and x[5:] in umls_to_mesh}
            if len(mesh) == 1:
                concept = self._concept(mesh.pop(), term.name, DISEASE)
                merged += 1
            else:
                concept = self._concept(term.term_id, term.name, DISEASE)
                separate += 1
            concept.xrefs.add(term.term_id)
            _add_names(concept, [term.name, *term.synonym_texts(("EXACT", "RELATED"))])
        self.sources["hpo"] = {"path": str(path), "merged_into_mesh": merged, "hpo_concepts": separate}

    def add_hpo_mesh_xrefs(self, vocab: VocabFiles) -> None:
        """Record on each HPO concept of its own (not merged into MeSH) the MeSH disease concept
        ``mesh_xrefs`` cross-references it to (``MESH:`` in its ``xrefs``), when exactly one; the linker
        may prefer it (MeSH is the preferred ontology).  Names are not merged: a cross-reference may name
        a broader or narrower MeSH concept ("Bilateral tonic-clonic seizure" -> Seizures)."""
        by_hpo: dict[str, set[str]] = defaultdict(set)
        for xref in read_mesh_xrefs(vocab.mesh_xrefs):
            if xref.target_namespace == "HP":
                by_hpo[xref.target_id].add(f"MESH:{xref.mesh_id}")
        added = 0
        for hpo_id, mesh_ids in by_hpo.items():
            concept = self.concepts.get(hpo_id)
            targets = {self._current(m) for m in mesh_ids}
            targets = {m for m in targets if m in self.concepts and self.concepts[m].label == DISEASE}
            if concept is None or concept.ontology != "HPO" or len(targets) != 1:
                continue
            concept.xrefs.add(targets.pop())
            added += 1
        self.sources.setdefault("hpo", {})["mesh_xrefs"] = added

    def add_composites(self, name: str, path: Path, exclude_pmids: set[str] = frozenset()) -> None:
        """The primary training corpus's composite mention texts (:func:`corpus_composites`), their ids
        mapped to current ids and kept when every one is a concept of the mention's label."""
        composites = {}
        for key, ids in corpus_composites(read_mention_id_sets(path, exclude_pmids)).items():
            label = key.split("\t", 1)[0]
            current = list(dict.fromkeys(self._current(i) for i in ids))
            if len(current) >= 2 and all(i in self.concepts and self.concepts[i].label == label for i in current):
                composites[key] = current
        self.composites = composites
        self.sources[name]["composites"] = len(composites)

    def add_corpus(
        self, name: str, path: Path, exclude_pmids: set[str] = frozenset(), *, primary: bool = False
    ) -> None:
        """Add the mention -> id pairs of a training split as aliases and priors
        (also as ``primary_priors`` when ``primary``)."""
        names: dict[str, Counter] = defaultdict(Counter)
        pairs = 0
        for pair in read_corpus_pairs(path, exclude_pmids):
            alias = normalize(pair.text)
            if not _good_alias(alias):
                continue
            concept_id = self._current(pair.concept_id)
            concept = self._concept(concept_id, pair.text, pair.label)
            if concept.label != pair.label:
                continue
            concept.aliases.add(alias)
            self.priors[alias][concept_id] += 1
            if primary:
                self.primary_priors[alias][concept_id] += 1
            names[concept_id][pair.text] += 1
            pairs += 1
        for concept_id, texts in names.items():
            concept = self.concepts[concept_id]
            if (
                concept.label == CHEMICAL
                and concept.ontology == "MESH"
                and not concept.xrefs
                and concept_id not in self.vocab_named
            ):
                concept.name = texts.most_common(1)[0][0]  # no vocabulary name: commonest mention
        self.sources[name] = {"path": str(path), "pairs": pairs, "dev_pmids_excluded": len(exclude_pmids)}
        if primary:
            self.sources[name]["primary_priors"] = True

    def add_mesh(self, vocab: VocabFiles, *, diseases: bool = True) -> None:
        """MeSH 2024: descriptors of the Chemicals and Drugs tree (D) as chemicals, of the
        Diseases tree (C), F03 (mental disorders) as diseases, with every entry term; the
        supplementary concepts (C-numbers) named by the pharmacological actions and the
        ChEBI cross-references.  A descriptor already known (CTD) keeps its label."""
        trees = mesh_tree_numbers(vocab.mesh_trees)
        self.mesh_trees = {f"MESH:{d}": numbers for d, numbers in trees.items()}
        chemicals = diseases_added = 0
        for descriptor in read_mesh_descriptors(vocab.mesh_terms):
            numbers = trees.get(descriptor.descriptor_id, ())
            is_disease = is_disease_descriptor(numbers)
            is_chemical = is_chemical_descriptor(numbers)
            concept_id = f"MESH:{descriptor.descriptor_id}"
            existing = self.concepts.get(concept_id)
            if existing is not None:
                label = existing.label
            elif is_disease and not is_chemical:
                label = DISEASE
            elif is_chemical:
                label = CHEMICAL
            else:
                continue
            if label == DISEASE and not diseases:
                continue
            concept = self._concept(concept_id, descriptor.name, label)
            if existing is None or label == CHEMICAL:
                concept.name = descriptor.name
            self.vocab_named.add(concept_id)
            _add_names(concept, descriptor.entry_terms())
            if label == CHEMICAL:
                chemicals += 1
            else:
                diseases_added += 1
        supplementary = 0
        for action in read_pharmacological_actions(vocab.mesh_pharmacological_actions):
            classes = self.mesh_actions[f"MESH:{action.substance_id}"]
            if action.action_name not in classes:
                classes.append(action.action_name)
        for mesh_id, name in supplementary_concept_names(vocab).items():
            concept_id = f"MESH:{mesh_id}"
            if concept_id in self.concepts:
                continue
            concept = self._concept(concept_id, name, CHEMICAL)
            self.vocab_named.add(concept_id)
            _add_names(concept, [name])
            supplementary += 1
        self.sources["mesh"] = {
            "path": str(vocab.mesh_dir),
            "chemical_descriptors": chemicals,
            "disease_descriptors": diseases_added,
            "supplementary_concepts": supplementary,
        }

    def add_new_mesh_diseases(self, vocab: VocabFiles) -> None:
        """MeSH 2024 disease descriptors (C tree, F03) that the knowledge base lacks: those introduced after CTD
        MEDIC 2017, whose diseases it holds ("Calcinosis Cutis", "Cytokine Release Syndrome", "Opioid-Induced
        Constipation"), with their entry terms.  A name a MeSH concept already carries stays that concept's, so a
        descriptor MeSH split off later does not take the older concept's names ("essential hypertension");
        a name only HPO, DOID or OMIM carries is shared, and the linker prefers MeSH.  The other MeSH disease
        descriptors stay out: their entry terms cost disease precision on BC5CDR (``models/EXPERIMENTS.md``,
        linker exp1 / exp2)."""
        trees = mesh_tree_numbers(vocab.mesh_trees)
        mesh_names = {a for c in self.concepts.values() if c.ontology == "MESH" for a in c.aliases}
        mesh_names |= {normalize(c.name) for c in self.concepts.values() if c.ontology == "MESH"}
        added = names = 0
        for descriptor in read_mesh_descriptors(vocab.mesh_terms):
            numbers = trees.get(descriptor.descriptor_id, ())
            concept_id = f"MESH:{descriptor.descriptor_id}"
            if concept_id in self.concepts or not is_disease_descriptor(numbers) or is_chemical_descriptor(numbers):
                continue
            concept = self._concept(concept_id, descriptor.name, DISEASE)
            self.vocab_named.add(concept_id)
            before = len(concept.aliases)
            _add_names(concept, descriptor.entry_terms())
            concept.aliases -= mesh_names
            added += 1
            names += len(concept.aliases) - before
        self.sources.setdefault("mesh", {})["new_disease_descriptors"] = added
        self.sources["mesh"]["new_disease_names"] = names

    def _drugbank_mesh_joins(self, vocab: VocabFiles) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """CAS number -> MeSH ids and DrugBank id -> MeSH ids through ChEBI."""
        cas_to_mesh: dict[str, set[str]] = defaultdict(set)
        for row in read_mesh_cas(vocab.mesh_cas):
            cas_to_mesh[row.cas.strip()].add(f"MESH:{row.mesh_id}")
        chebi_to_mesh: dict[str, set[str]] = defaultdict(set)
        for xref in read_mesh_xrefs(vocab.mesh_xrefs):
            if xref.target_namespace == "CHEBI":
                chebi_to_mesh[xref.target_id.removeprefix("CHEBI:")].add(f"MESH:{xref.mesh_id}")
        drug_to_mesh: dict[str, set[str]] = defaultdict(set)
        for xref in read_drugbank_xrefs(vocab.drugbank_xrefs):
            if xref.namespace == "CHEBI":
                drug_to_mesh[xref.drugbank_id].update(chebi_to_mesh.get(xref.xref.removeprefix("CHEBI:"), ()))
        return cas_to_mesh, drug_to_mesh

    def add_drugbank_by_xrefs(self, vocab: VocabFiles) -> None:
        """DrugBank drugs join the MeSH id their CAS number names in ``mesh_cas`` (else the
        one MeSH id their ChEBI cross-references agree on, else the MeSH chemical their
        name names); a supplementary concept so named becomes a concept.  Other drugs stay
        ``DRUGBANK:``."""
        cas_to_mesh, drug_to_mesh = self._drugbank_mesh_joins(vocab)
        chemical_alias: dict[str, set[str]] = defaultdict(set)
        for concept in self.concepts.values():
            if concept.label == CHEMICAL and concept.ontology == "MESH":
                for alias in concept.aliases:
                    chemical_alias[alias].add(concept.concept_id)
        by_cas = by_chebi = by_name = separate = 0
        for drug in read_drugbank_vocabulary(vocab.drugbank_vocabulary):
            common, synonyms = drug.common_name, list(drug.synonyms)
            target = None
            cas_hits = cas_to_mesh.get(drug.cas, set()) if drug.cas else set()
            chebi_hits = drug_to_mesh.get(drug.drugbank_id, set())
            if len(cas_hits) == 1:
                target = next(iter(cas_hits))
                by_cas += 1
            elif len(chebi_hits) == 1:
                target = next(iter(chebi_hits))
                by_chebi += 1
            else:
                # MeSH lists CAS numbers of supplementary concepts only: descriptors are
                # joined through their names (the drug's name, else its synonyms' majority).
                target = self._drugbank_to_mesh(common, synonyms, chemical_alias)
                by_name += target is not None
            if target is not None:
                target = self._current(target)  # a CAS number may still name an old C-number
            if target is not None and target in self.concepts and self.concepts[target].label != CHEMICAL:
                target = None
            if target:
                concept = self._concept(target, common, CHEMICAL)
                self.vocab_named.add(target)
            else:
                concept = self._concept(f"DRUGBANK:{drug.drugbank_id}", common, CHEMICAL)
                separate += 1
            concept.xrefs.add(f"DRUGBANK:{drug.drugbank_id}")
            names = [common, *synonyms]
            if target:
                # MeSH's own entry terms decide: a DrugBank synonym another MeSH chemical already
                # has ("G-CSF" of filgrastim: Granulocyte Colony-Stimulating Factor) is left out.
                names = [n for n in names if chemical_alias.get(normalize(n), {target}) <= {target}]
            _add_names(concept, names)
        self.sources["drugbank_vocabulary"] = {
            "path": str(vocab.drugbank_vocabulary),
            "merged_into_mesh_by_cas": by_cas,
            "merged_into_mesh_by_chebi": by_chebi,
            "merged_into_mesh_by_name": by_name,
            "drugbank_concepts": separate,
        }

    def add_drugbank(self, path: Path) -> None:
        chemical_alias: dict[str, set[str]] = defaultdict(set)
        for concept in self.concepts.values():
            if concept.label == CHEMICAL and concept.ontology == "MESH":
                for alias in concept.aliases:
                    chemical_alias[alias].add(concept.concept_id)
        merged = separate = 0
        for drug in read_drugbank_vocabulary(path):
            common, synonyms = drug.common_name, list(drug.synonyms)
            target = self._drugbank_to_mesh(common, synonyms, chemical_alias)
            if target:
                concept = self.concepts[target]
                if not any(x.startswith("DRUGBANK:") for x in concept.xrefs):
                    concept.name = common
                merged += 1
            else:
                concept = self._concept(f"DRUGBANK:{drug.drugbank_id}", common, CHEMICAL)
                separate += 1
            concept.xrefs.add(f"DRUGBANK:{drug.drugbank_id}")
            _add_names(concept, [common, *synonyms])
        self.sources["drugbank_vocabulary"] = {
            "path": str(path),
            "merged_into_mesh": merged,
            "drugbank_concepts": separate,
        }

    @staticmethod
    def _drugbank_to_mesh(common: str, synonyms: list[str], chemical_alias: dict[str, set[str]]) -> str | None:
        hits = chemical_alias.get(normalize(common), set())
        if len(hits) == 1:
            return next(iter(hits))
        votes: Counter = Counter()
        for synonym in synonyms:
            found = chemical_alias.get(normalize(synonym), set())
            if len(found) == 1:
                votes[next(iter(found))] += 1
        if votes:
            best = votes.most_common(2)
            if len(best) == 1 or best[0][1] > best[1][1]:
                return best[0][0]
        return None

    def result(self) -> KnowledgeBaseData:
        priors = {alias: dict(counts) for alias, counts in self.priors.items()}
        primary = {alias: dict(counts) for alias, counts in self.primary_priors.items()}
        for concept in self.concepts.values():
            _add_names(concept, [concept.name])
        annotations: dict[str, dict[str, list[str]]] = {}
        for concept_id in sorted(self.concepts):
            trees = list(self.mesh_trees.get(concept_id, ()))
            classes = sorted(self.mesh_actions.get(concept_id, ()))
            if trees or classes:
                annotations[concept_id] = {"drug_classes": classes, "tree_numbers": trees}
        return KnowledgeBaseData(
            self.concepts, priors, self.sources, primary, annotations, self.equivalences, self.composites
        )


def build_knowledge_base(shared_dir: Path) -> KnowledgeBaseData:
    """Build the knowledge base from ``shared_dir`` (``vocab/`` and ``corpora/`` training splits)."""
    vocab = vocab_files(shared_dir / "vocab")
    corpora = shared_dir / "corpora"
    dev_pmids = read_pmids(corpora / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt")
    builder = KnowledgeBaseBuilder()
    builder.add_ctd(vocab.ctd_diseases)
    umls_to_mesh = builder.add_doid(vocab.doid_obo)
    builder.add_hpo(vocab.hpo_obo, umls_to_mesh)
    builder.add_mesh(vocab, diseases=False)
    builder.add_hpo_mesh_xrefs(vocab)
    builder.add_new_mesh_diseases(vocab)
    training = {
        "bc5cdr_train": corpora / "bc5cdr" / "CDR_TrainingSet.PubTator.txt",
        "ncbi_disease_train": corpora / "ncbi_disease" / "NCBItrainset_corpus.txt",
        "biored_train": corpora / "biored" / "Train.PubTator",
    }
    builder.add_equivalence_sources(vocab, training, dev_pmids)
    builder.add_corpus("bc5cdr_train", training["bc5cdr_train"], dev_pmids, primary=True)
    builder.add_composites("bc5cdr_train", training["bc5cdr_train"], dev_pmids)
    builder.add_corpus("ncbi_disease_train", training["ncbi_disease_train"], dev_pmids)
    builder.add_corpus("biored_train", training["biored_train"], dev_pmids)
    builder.add_drugbank_by_xrefs(vocab)
    return builder.result()
