"""OBO 1.2 ontologies: HPO (``hp.obo``) and the Disease Ontology (``doid.obo.gz``).

Only ``[Term]`` stanzas are read (``[Typedef]`` and the header are skipped), and only
the tags the linker and the manifestation knowledge base use: ``id``, ``name``,
``synonym`` (text and scope), ``xref``, ``is_a``, ``alt_id`` and ``is_obsolete``.
Trailing qualifiers and comments are dropped: ``xref: MEDDRA:10022016 "Inguinal hernia"``
gives ``MEDDRA:10022016``, ``is_a: HP:0000118 ! Phenotypic abnormality`` gives ``HP:0000118``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from extract.vocab.files import open_text

#: Synonym scopes of OBO 1.2.
SCOPES = ("EXACT", "RELATED", "BROAD", "NARROW")

_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)\b')
_ESCAPE = re.compile(r"\\(.)")


class OboSynonym(NamedTuple):
    text: str
    scope: str  # EXACT, RELATED, BROAD or NARROW


@dataclass
class OboTerm:
    """One ``[Term]`` stanza."""

    term_id: str
    name: str = ""
    synonyms: list[OboSynonym] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # is_a targets
    alt_ids: list[str] = field(default_factory=list)
    obsolete: bool = False

    def synonym_texts(self, scopes: Iterable[str] = SCOPES) -> list[str]:
        """Synonym texts of the given scopes, in file order."""
        wanted = set(scopes)
        return [synonym.text for synonym in self.synonyms if synonym.scope in wanted]


def read_obo(path: Path) -> Iterator[OboTerm]:
    """Every ``[Term]`` with an ``id``, in file order, obsolete ones included (``term.obsolete``)."""
    term: OboTerm | None = None
    in_term = False
    with open_text(path) as src:
        for line in src:
            line = line.rstrip("\n")
            if line.startswith("["):
                if term is not None:
                    yield term
                term, in_term = None, line == "[Term]"
                continue
            if not in_term or not line:
                continue
            tag, _, value = line.partition(": ")
            if tag == "id":
                term = OboTerm(value)
            elif term is None:
                continue
            elif tag == "name":
                term.name = value
            elif tag == "synonym":
                match = _SYNONYM.match(value)
                if match:
                    term.synonyms.append(OboSynonym(_ESCAPE.sub(r"\1", match.group(1)), match.group(2)))
            elif tag == "xref":
                term.xrefs.append(value.split(" ")[0])
            elif tag == "is_a":
                term.parents.append(value.split(" ")[0])
            elif tag == "alt_id":
                term.alt_ids.append(value.split(" ")[0])
            elif tag == "is_obsolete":
                term.obsolete = value.strip() == "true"
    if term is not None:
        yield term


def read_terms(path: Path) -> dict[str, OboTerm]:
    """The current (not obsolete) terms of an ontology by id."""
    return {term.term_id: term for term in read_obo(path) if not term.obsolete}


def descendants(terms: Mapping[str, OboTerm], root: str) -> set[str]:
    """Ids of the terms below ``root`` through ``is_a`` (``root`` itself excluded), within ``terms``."""
    children: dict[str, list[str]] = {}
    for term in terms.values():
        for parent in term.parents:
            children.setdefault(parent, []).append(term.term_id)
    found: set[str] = set()
    stack = list(children.get(root, ()))
    while stack:
        term_id = stack.pop()
        if term_id in found or term_id not in terms:
            continue
        found.add(term_id)
        stack.extend(children.get(term_id, ()))
    return found
