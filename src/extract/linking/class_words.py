"""The words that name a MeSH pharmacological class: "beta-blockers", "ACE inhibitors", "antihypertensives", "NSAIDs".

Read from the data, not a hand list: for every class descriptor of the linker's index (CHEMICAL descriptors a
pharmacological action names, :func:`extract.linking.linker.class_descriptors`), its name and entry terms
(``desc2024_terms.tsv.gz``, permutations left out), each in singular and plural, the names the index links to one
class descriptor only (of two words or more), and the hyphenated head of a term MeSH inverts ("beta-Blockers, Adrenergic" ->
"beta-Blockers"; a head of separate words drops what makes it specific: "Antidepressive Drugs, Second-Generation",
unless the inverted part only says where the drugs come from: "Calcium Antagonists, Exogenous").
Only descriptors of MeSH's Pharmacologic Actions tree (D27.505) are classes ("Buffers" or "Dental Materials" name uses).  A form is kept only where it names one class descriptor: the
names and entry terms first ("Diuretics" is the descriptor Diuretics, though "Diuretics, Osmotic" inverts to it
too), then the inverted heads; a form that is also a name of a DISEASE concept, or that names what a class does
rather than a drug ("Diuretic Effect"), is left out.

:func:`class_word_forms` maps each normalised form to its descriptor; the NER component
``extract_class_words`` (:mod:`extract.ner.class_words`) tags the forms, and the linker's exact lookup falls back
on the same map, so the inverted heads, which are no alias of the index, link to their class without a rebuilt
index.
"""

from __future__ import annotations

import logging
from pathlib import Path

from extract.linking.derived_tables import DerivedTable
from extract.linking.normalize import normalize
from extract.settings import PROJECT_ROOT
from extract.vocab.mesh import read_mesh_descriptors

log = logging.getLogger(__name__)

__all__ = ["DRUG_HEADS", "ClassWord", "class_word_form", "class_word_forms", "number_forms"]

#: Nouns that make a class adjective a drug mention ("antihypertensive drugs").
DRUG_HEADS = frozenset(
    {"drug", "drugs", "agent", "agents", "medication", "medications", "medicine", "medicines", "compound", "compounds"}
)

#: Tree number of MeSH's Pharmacologic Actions (D27.505): a class descriptor outside it names a use ("Buffers",
#: "Indicators and Reagents", "Dental Materials"), not a drug class.
PHARMACOLOGIC_ACTIONS = "D27.505"
#: Last words of entry terms that name what a class does, not a drug ("Diuretic Effect").
NOT_DRUG_HEADS = frozenset({"effect", "effects", "action", "actions", "activity", "activities"})

_COMPACT: dict[int, dict[str, ClassWord]] = {}  # id of a cached forms dict -> its forms without word breaks


class ClassWord:
    """One surface form of a class word: its text as MeSH writes it and the class descriptor it names."""

    __slots__ = ("text", "concept_id")

    def __init__(self, text: str, concept_id: str) -> None:
        self.text = text
        self.concept_id = concept_id

    def __repr__(self) -> str:
        return f"ClassWord({self.text!r}, {self.concept_id!r})"


def number_forms(term: str) -> list[str]:
    """``term`` and the other grammatical number of its last word ("ACE Inhibitors" -> "ACE Inhibitor")."""
    words = term.split(" ")
    last = words[-1]
    if last.lower().endswith("ies") and len(last) > 4:
        other = last[:-3] + "y"
    elif last.lower().endswith("s") and not last.lower().endswith(("ss", "us", "is")) and len(last) > 3:
        other = last[:-1]
    elif last.lower().endswith("y") and len(last) > 3 and last[-2].lower() not in "aeiou":
        other = last[:-1] + "ies"
    elif last[-1:].isalpha() and not last.lower().endswith(("s", "x", "ch", "sh")):
        other = last + ("S" if last.isupper() else "s")
    else:
        return [term]
    return [term, " ".join(words[:-1] + [other])]


def _inverted_head(term: str) -> str | None:
    parts = [p.strip() for p in term.split(", ")]
    return parts[0] if len(parts) == 2 and all(parts) else None


def text_of(owners: dict[str, str]) -> str:
    return next(iter(owners.values()))


#: Inverted parts that only say where a class's drugs come from or how they are given: the head of "Calcium
#: Antagonists, Exogenous" or "Sleep Aids, Pharmaceutical" names the class as well as the whole term does.
ORIGIN_QUALIFIERS = frozenset({"exogenous", "pharmaceutical", "intravenous"})


def _class_head(term: str) -> str | None:
    """The inverted head of ``term`` when it names the term's class: a hyphenated one ("beta-Blockers, Adrenergic"),
    or one whose inverted part is an :data:`ORIGIN_QUALIFIERS` word; a head of separate words otherwise drops what
    makes the class specific ("Antidepressive Drugs, Second-Generation")."""
    head = _inverted_head(term)
    if head is None:
        return None
    if "-" in head or term.rsplit(", ", 1)[1].lower() in ORIGIN_QUALIFIERS:
        return head
    return None


def _compute(resources, terms_path: Path) -> dict[str, ClassWord]:
    from extract.linking.linker import class_descriptors

    concepts = resources.data.concepts
    annotations = resources.data.mesh_annotations
    classes = {
        cid
        for cid in class_descriptors(resources)
        if concepts[cid].label == "CHEMICAL"
        and any(tree.startswith(PHARMACOLOGIC_ACTIONS) for tree in annotations[cid]["tree_numbers"])
    }
    exact: dict[str, dict[str, str]] = {}  # normalised form -> {descriptor: MeSH text}
    derived: dict[str, dict[str, str]] = {}
    mesh_terms: set[str] = set()  # every term of every descriptor, normalised
    for descriptor in read_mesh_descriptors(terms_path):
        cid = f"MESH:{descriptor.descriptor_id}"
        if cid not in classes:
            mesh_terms.update(normalize(form) for term in descriptor.entry_terms() for form in number_forms(term))
            continue
        for term in descriptor.entry_terms():
            head = _class_head(term)
            for source, table in ((term, exact), (head, derived)):
                if source is None or normalize(source).split(" ")[-1] in NOT_DRUG_HEADS:
                    continue
                for form in number_forms(source):
                    table.setdefault(normalize(form), {}).setdefault(cid, form)
    # Names of two or more words the index links to one class descriptor only, singular and plural (training corpora's spellings:
    # "non-steroidal anti-inflammatory drugs"), as the exact lookup links them; one word may be a common one
    # ("contrast" for Contrast Media).
    for alias, ids in resources.alias_to_ids.items():
        words = alias.split(" ")
        if len(ids) == 1 and next(iter(ids)) in classes and len(words) > 1 and words[-1] not in NOT_DRUG_HEADS:
            for form in number_forms(alias):
                exact.setdefault(form, {}).setdefault(next(iter(ids)), form)
    out: dict[str, ClassWord] = {}
    for table in (exact, derived):
        for form, owners in table.items():
            if form in out or len(owners) != 1 or not form:
                continue
            if any(concepts[other].label == "DISEASE" for other in resources.alias_to_ids.get(form, ())):
                continue
            if table is derived and (form in exact or form in mesh_terms):
                continue
            ((cid, text),) = owners.items()
            out[form] = ClassWord(text, cid)
    return out


#: The forms computed ahead for the shipped index and MeSH file (reading the MeSH terms costs ~3 s per process):
#: ``python -m extract.training.linker_tables`` writes it; a table of another linker version or MeSH file is not used.
DEFAULT_CLASS_WORDS = PROJECT_ROOT / "data" / "class_words" / "mesh_class_words.json.gz"
FORMAT = "class-words/1"

CLASS_WORDS = DerivedTable(
    DEFAULT_CLASS_WORDS,
    FORMAT,
    compute=_compute,
    to_payload=lambda forms: {"forms": {form: [w.text, w.concept_id] for form, w in sorted(forms.items())}},
    from_payload=lambda data: {form: ClassWord(text, cid) for form, (text, cid) in data["forms"].items()},
)


def class_word_forms(
    resources, terms_path: Path, saved: Path | None = DEFAULT_CLASS_WORDS, compute: bool = False
) -> dict[str, ClassWord]:
    """Normalised class-word form -> :class:`ClassWord` (see module docstring), once per index and file: the table
    ``saved`` when it was computed from this index and file, else computed (``compute=True``: always)."""
    return CLASS_WORDS.get(resources, terms_path, saved, compute)


def class_word_form(forms: dict[str, ClassWord], text: str) -> ClassWord | None:
    """The class word ``text`` is (normalised, word breaks ignored: "nonsteroidal anti-inflammatory drugs"), with or
    without a trailing drug word ("antihypertensive drugs")."""
    compact = _COMPACT.get(id(forms))
    if compact is None:
        compact = _COMPACT[id(forms)] = {form.replace(" ", ""): word for form, word in sorted(forms.items())}
    words = normalize(text).split(" ")
    found = compact.get("".join(words))
    if found is None and len(words) > 1 and words[-1] in DRUG_HEADS:
        found = compact.get("".join(words[:-1]))
    return found
