"""Infections named by their organism: "Helicobacter pylori infection", "H. pylori infection", "Giardia infection",
"H. pylori-infected".

MeSH names an infection by its organism's genus or group ("Helicobacter Infections", "Staphylococcal Infections",
"Cytomegalovirus Infections"), while papers name the species, often with the genus cut to its initial.  No
vocabulary holds "H. pylori infection" (the audit run had 157 such mentions unlinked, and 92 "Helicobacter pylori
infection" linked to HPO's term rather than MeSH's descriptor).  :class:`InfectionNames` reads a mention of the
form "<organism> infection(s)" or "<organism>-infected" and looks up, in this order, among the MeSH disease names
of the knowledge base:

1. "<genus> <species> infection(s)" ("E. coli infections" is itself a MeSH entry term);
2. "<genus> infection(s)" ("Helicobacter Infections");
3. an infection name whose first word is the genus's adjective, sharing all of the genus but its last
   :data:`GENUS_ENDING_CHARS` letters ("staphylococcus" / "Staphylococcal Infections").

A genus initial ("H. pylori") is written out when the aliases of the knowledge base name exactly one genus with
that initial before that species epithet ("helicobacter pylori ...").  Plain lookups over the alias table; the
linker (:mod:`extract.linking.linker`) calls :meth:`InfectionNames.link` for a DISEASE mention that links to no MeSH
concept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["InfectionNames", "organism_of"]

#: A normalised mention that names an infection by its organism: the organism, then "infection(s)" or "infected"
#: ("H. pylori-infected": BC5CDR annotates "HIV-infected" as HIV Infections).
_INFECTION = re.compile(r"^(?P<organism>[a-z][a-z0-9]*(?: [a-z][a-z0-9]*)?) (?:infection|infections|infected)$")
#: Heads of the infection names of step 3.
_HEADS = (" infections", " infection")
#: Step 3: a genus and its adjective share all but at most this many of the genus's last letters.
GENUS_ENDING_CHARS = 3
#: Step 3: and at least this many letters.
MIN_GENUS_STEM = 6
#: Endings of an adjective, which names no genus (step 3 only).
_ADJECTIVE_ENDINGS = ("al", "ic", "ous", "ar", "ary")
#: Words that open an infection name without naming an organism ("urinary tract infection", "wound infection").
_NOT_ORGANISMS = frozenset(
    {
        "non",
        "acute",
        "chronic",
        "recurrent",
        "severe",
        "serious",
        "local",
        "systemic",
        "wound",
        "tract",
        "urinary",
        "respiratory",
        "bacterial",
        "viral",
        "fungal",
        "nosocomial",
        "hospital",
        "postoperative",
        "surgical",
        "opportunistic",
        "secondary",
        "mixed",
        "multiple",
        "latent",
        "persistent",
        "neonatal",
        "congenital",
        "asymptomatic",
    }
)


def organism_of(text: str) -> list[str] | None:
    """The organism words of a normalised "<organism> infection(s)" mention ("h pylori infection" -> ["h",
    "pylori"]), or None for any other text and for infections named by site or course ("wound infection")."""
    match = _INFECTION.match(text)
    if match is None:
        return None
    words = match.group("organism").split()
    if any(word in _NOT_ORGANISMS for word in words):
        return None
    if any(len(word) < 3 for word in words[1:]) or (len(words[0]) == 2 or len(words) == 1 and len(words[0]) < 3):
        return None  # "malaria co-infection": a prefix, not an epithet
    return words


class InfectionNames:
    """Links "<organism> infection(s)" to the MeSH infection the organism names (module docstring).

    ``alias_to_ids`` is the knowledge base's normalised alias table; ``is_mesh_disease`` says whether a concept id is
    a MeSH concept labelled DISEASE.  The indexes over the alias table are built on first use."""

    def __init__(self, alias_to_ids: Mapping[str, set[str]], is_mesh_disease: Callable[[str], bool]) -> None:
        self._aliases = alias_to_ids
        self._is_mesh_disease = is_mesh_disease
        self._genera: dict[tuple[str, str], set[str]] | None = None
        self._by_initial: dict[str, list[tuple[str, str]]] | None = None

    def _genus_index(self) -> dict[tuple[str, str], set[str]]:
        """(initial, epithet) -> the genera the aliases write before that epithet (built on first use)."""
        if self._genera is None:
            genera: dict[tuple[str, str], set[str]] = {}
            for alias in self._aliases:
                words = alias.split(" ", 2)
                if len(words) >= 2 and len(words[0]) >= 4 and words[0].isalpha() and words[1].isalpha():
                    genera.setdefault((words[0][0], words[1]), set()).add(words[0])
            self._genera = genera
        return self._genera

    def _infection_index(self) -> dict[str, list[tuple[str, str]]]:
        """First letter -> (first word, MeSH id) of the two-word infection names (built on first use)."""
        if self._by_initial is None:
            by_initial: dict[str, list[tuple[str, str]]] = {}
            for alias, ids in self._aliases.items():
                if alias.endswith(_HEADS) and alias.count(" ") == 1:
                    mesh = sorted(cid for cid in ids if self._is_mesh_disease(cid))
                    if len(mesh) == 1:
                        by_initial.setdefault(alias[0], []).append((alias.split(" ", 1)[0], mesh[0]))
            self._by_initial = by_initial
        return self._by_initial

    def genus(self, initial: str, epithet: str) -> str | None:
        """The one genus with this initial that the aliases name before ``epithet``, or None."""
        found = self._genus_index().get((initial, epithet), set())
        return next(iter(found)) if len(found) == 1 else None

    def _exact(self, name: str) -> str | None:
        ids = sorted(cid for cid in self._aliases.get(name, ()) if self._is_mesh_disease(cid))
        return ids[0] if len(ids) == 1 else None

    def link(self, text: str) -> str | None:
        """The MeSH concept id of the infection a normalised mention names by its organism, or None."""
        words = organism_of(text)
        if words is None:
            return None
        if len(words) == 2 and len(words[0]) == 1:
            genus = self.genus(words[0], words[1])
            if genus is None:
                return None
            words = [genus, words[1]]
        forms = [" ".join(words)] + ([words[0]] if len(words) == 2 else [])
        for form in forms:
            for head in _HEADS:
                found = self._exact(form + head)
                if found is not None:
                    return found
        genus = words[0]
        if len(genus) - GENUS_ENDING_CHARS < MIN_GENUS_STEM or genus.endswith(_ADJECTIVE_ENDINGS):
            return None  # "meningeal infections" name a site, not the meningococcus
        stem = genus[: len(genus) - GENUS_ENDING_CHARS]
        found_ids = {cid for first, cid in self._infection_index().get(genus[0], ()) if first.startswith(stem)}
        return next(iter(found_ids)) if len(found_ids) == 1 else None
