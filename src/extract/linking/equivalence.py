"""Old concept id -> current concept id: the linker's equivalence table (``equivalences.json``).

MeSH ids change over time: BC5CDR (2015) uses supplementary C-numbers that MeSH later made
descriptors (sevoflurane ``C009250`` -> ``D000077149``), and a few descriptors were merged into
others.  The linker links to the id the vocabulary defines today; this table keeps the old id
reachable.  It is built (``biomed-extract build-linker``) only from

* the vocabularies' own records (:func:`mesh_equivalences`): a name shared by exactly one old
  record and exactly one new record across the MeSH files, where an old record is a 2019
  descriptor that MeSH 2024 no longer has, or a supplementary C-number the cross-references
  still name but the 2024 pharmacological actions do not, and the new record a 2024 descriptor
  (for a C-number: one created since 2019, i.e. absent from the 2019 labels);
* the training splits' mention -> id pairs (:func:`training_equivalences`, every training split
  the knowledge base reads, pooled): a MeSH id the vocabularies do not define, whose training
  mentions the linker's exact lookup over the vocabularies links, all to one and the same current
  id (BioRED train calls celecoxib ``C105934``, MeSH 2024 has the descriptor ``D000068579``).

Never from development or test annotations.  The evaluation (``evaluate --task link|cid``)
counts a prediction as correct through this table only (:meth:`EquivalenceTable.current_id`
on both sides).

Lookup, e.g. for an analyst holding a 2015 id::

    table = load_equivalences(Path("models/linker-0.3.0"))
    table.current_id("MESH:C009250")        # 'MESH:D000077149'
    table.former_ids("MESH:D000077149")     # ['MESH:C009250']
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from extract.vocab.files import VocabFiles
from extract.vocab.mesh import (
    read_mesh_2019_labels,
    read_mesh_cas,
    read_mesh_terms,
    read_mesh_xrefs,
    read_pharmacological_actions,
    read_pubchem_mesh,
)

FILE_NAME = "equivalences.json"
#: The longest chain old -> ... -> current followed before giving up (a cycle is a corrupt file).
_MAX_CHAIN = 8


@dataclass(frozen=True)
class Equivalence:
    """``old`` means the same as ``current`` (both ``MESH:``-prefixed); ``source`` says who says so."""

    old: str
    current: str
    source: str  # mesh_names, or the training splits' names joined by + (bc5cdr_train+biored_train)
    evidence: str


class EquivalenceTable:
    """Old id -> current id, with the reverse lookup.  Ids carry their ``MESH:`` prefix."""

    def __init__(self, entries: Iterable[Equivalence] = ()) -> None:
        self._entries: dict[str, Equivalence] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Equivalence) -> None:
        """Add ``entry``; an old id already in the table keeps its first equivalent."""
        if entry.old == entry.current:
            raise ValueError(f"an id cannot replace itself: {entry.old}")
        self._entries.setdefault(entry.old, entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._entries

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: e.old))

    def current_id(self, concept_id: str) -> str:
        """The current id of ``concept_id`` (itself when it is not an old id)."""
        seen = 0
        while concept_id in self._entries:
            concept_id = self._entries[concept_id].current
            seen += 1
            if seen > _MAX_CHAIN:
                raise ValueError(f"equivalence chain too long (a cycle?) at {concept_id}")
        return concept_id

    def former_ids(self, concept_id: str) -> list[str]:
        """Old ids whose current id is ``concept_id``, sorted."""
        return sorted(old for old in self._entries if self.current_id(old) == concept_id)

    def sources(self) -> dict[str, int]:
        return dict(Counter(e.source for e in self._entries.values()))

    def save(self, folder: Path) -> None:
        payload = {
            "about": "old concept id -> current concept id, from the vocabularies' own records and the "
            "training splits' mention -> id pairs (extract.linking.equivalence)",
            "equivalences": [asdict(e) for e in self],
        }
        (Path(folder) / FILE_NAME).write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> EquivalenceTable:
        """The table of a linker folder; empty when the folder has none (linkers before 0.3.0)."""
        path = Path(folder) / FILE_NAME
        if not path.exists():
            return cls()
        try:
            rows = json.loads(path.read_text())["equivalences"]
            return cls(Equivalence(r["old"], r["current"], r["source"], r.get("evidence", "")) for r in rows)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not an equivalence table ({type(exc).__name__}: {exc})") from exc


def load_equivalences(folder: Path) -> EquivalenceTable:
    """The equivalence table of the linker folder ``folder`` (see the module docstring)."""
    return EquivalenceTable.load(folder)


# --------------------------------------------------------------------- from the MeSH files


def mesh_record_ids(vocab: VocabFiles) -> set[str]:
    """Every MeSH id (``MESH:``-prefixed) some MeSH file of ``vocab`` holds a record of."""
    ids = {f"MESH:{t.descriptor_id}" for t in read_mesh_terms(vocab.mesh_terms)}
    ids.update(f"MESH:{a.substance_id}" for a in read_pharmacological_actions(vocab.mesh_pharmacological_actions))
    ids.update(f"MESH:{x.mesh_id}" for x in read_mesh_xrefs(vocab.mesh_xrefs))
    ids.update(f"MESH:{c.mesh_id}" for c in read_mesh_cas(vocab.mesh_cas))
    ids.update(f"MESH:{p.mesh_id}" for p in read_pubchem_mesh(vocab.pubchem_mesh))
    return ids


def _shared_names(old_names: dict[str, set[str]], new_names: dict[str, set[str]], source: str) -> list[Equivalence]:
    """Old record -> new record when they share a name held by exactly one old and one new record
    (and the old record's shared names all point to that one new record).  Names are lowercased."""
    olds_of: dict[str, set[str]] = defaultdict(set)
    for old, names in old_names.items():
        for name in names:
            olds_of[name].add(old)
    out = []
    for old, names in sorted(old_names.items()):
        found: dict[str, str] = {}
        for name in sorted(names):
            news = new_names.get(name, set())
            if len(olds_of[name]) == 1 and len(news) == 1:
                found.setdefault(next(iter(news)), name)
        if len(found) == 1:
            ((new, name),) = found.items()
            out.append(Equivalence(f"MESH:{old}", f"MESH:{new}", source, f"shared name '{name}'"))
    return out


def mesh_equivalences(vocab: VocabFiles) -> list[Equivalence]:
    """Equivalences the MeSH files show by themselves (see the module docstring)."""
    terms: dict[str, set[str]] = defaultdict(set)  # lowercased 2024 entry term -> descriptor ids
    for term in read_mesh_terms(vocab.mesh_terms):
        terms[term.term.lower()].add(term.descriptor_id)
    descriptors_2024 = {d for ids in terms.values() for d in ids}
    labels_2019 = {label.descriptor_id: label for label in read_mesh_2019_labels(vocab.mesh_2019_labels)}
    # 2019 descriptors MeSH 2024 no longer has -> the 2024 descriptor with the same name.
    retired = {
        d: {n.lower() for n in (label.name, *label.synonyms)}
        for d, label in labels_2019.items()
        if d not in descriptors_2024
    }
    out = _shared_names(retired, terms, "mesh_names")
    # Supplementary C-numbers the cross-references name but the 2024 pharmacological actions do not
    # -> a descriptor created since 2019 with the same name.
    current_supplementary = {
        a.substance_id
        for a in read_pharmacological_actions(vocab.mesh_pharmacological_actions)
        if a.substance_id.startswith("C")
    }
    named: dict[str, set[str]] = defaultdict(set)
    for xref in read_mesh_xrefs(vocab.mesh_xrefs):
        if xref.mesh_id.startswith("C") and xref.mesh_id not in current_supplementary and xref.mesh_name:
            named[xref.mesh_id].add(xref.mesh_name.lower())
    new_terms = {name: ids for name, ids in terms.items() if len(ids) == 1 and not ids & labels_2019.keys()}
    # A name some older descriptor also has is not a promotion: only names of new descriptors alone.
    out += _shared_names(named, new_terms, "mesh_names")
    return out


# --------------------------------------------------------------------- from a training split


def corpus_equivalences(
    pairs: Iterable,
    is_known: Callable[[str], bool],
    lookup: Callable[[str, str], set[str]],
    source: str,
) -> list[Equivalence]:
    """Old id -> current id from one training split's mention -> id pairs (:func:`training_equivalences`
    with the one split ``source``)."""
    return training_equivalences({source: pairs}, is_known, lookup)


def training_equivalences(
    splits: Mapping[str, Iterable],
    is_known: Callable[[str], bool],
    lookup: Callable[[str, str], set[str]],
) -> list[Equivalence]:
    """Old id -> current id from the mention -> id pairs of the training splits ``splits`` (name ->
    pairs), pooled: an id's mentions in every split are judged together.

    Pairs have ``text``, ``label`` and ``concept_id`` (:class:`extract.linking.knowledge_base.CorpusPair`);
    a ``MESH:`` id ``is_known`` rejects is old (ids of other vocabularies, OMIM's, are not MeSH's old
    ids: their mentions may name a broader MeSH concept, "SCA6" -> Spinocerebellar Ataxias);
    ``lookup(text, label)`` is the linker's exact lookup over the vocabularies' concepts (the ids it
    finds).  An old id gets the current id its mentions are linked to when every mention that links
    at all links to exactly that one id, and at least half of its distinct mention texts link (an
    abbreviation such as "VNB" for vinorelbine does not link; a name the vocabularies hold for another
    record, "Grape seed extract" among "GSPE" and "IH636 grape seed proanthocyanidin extract", is not
    enough).  ``source`` is the names of the splits whose mentions link, joined by ``+``.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    texts: dict[str, Counter] = defaultdict(Counter)
    all_texts: dict[str, set[str]] = defaultdict(set)
    mentions: Counter = Counter()
    voters: dict[str, dict[str, None]] = defaultdict(dict)  # split names in the given order
    for split, pairs in splits.items():
        for pair in pairs:
            if not pair.concept_id.startswith("MESH:") or is_known(pair.concept_id):
                continue
            mentions[pair.concept_id] += 1
            all_texts[pair.concept_id].add(pair.text.lower())
            found = lookup(pair.text, pair.label)
            if found:
                votes[pair.concept_id][tuple(sorted(found))] += 1
                texts[pair.concept_id][pair.text.lower()] += 1
                voters[pair.concept_id][split] = None
    out = []
    for old, counter in sorted(votes.items()):
        if len(counter) != 1:
            continue  # the mentions disagree
        ((ids, n),) = counter.items()
        if len(ids) != 1 or ids[0] == old:
            continue  # one mention names several concepts
        if 2 * len(texts[old]) < len(all_texts[old]):
            continue  # most of its names do not link
        shown = ", ".join(f"'{t}'" for t, _ in texts[old].most_common(3))
        evidence = f"{n} of {mentions[old]} training mentions ({shown}) link to it"
        out.append(Equivalence(old, ids[0], "+".join(voters[old]), evidence))
    return out
