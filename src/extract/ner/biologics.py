"""Biologic drugs: "infliximab", "bevacizumab", "etanercept", "filgrastim", "interferon alfa-2b".

BC5CDR, which the NER model learns from, annotates small-molecule chemicals and leaves
proteins out, so the model does not tag monoclonal antibodies, fusion proteins, cytokines
or recombinant enzymes.  For pharmacovigilance they are drugs like any other
("agranulocytosis during treatment with infliximab").  The component
``extract_biologic_drugs`` runs after the NER model and adds a CHEMICAL mention where

1. a token carries a WHO INN stem of a biologic class — ``-mab`` (monoclonal antibodies),
   ``-cept`` (receptor fusion proteins), ``-grastim``/``-gramostim`` (colony-stimulating
   factors), ``-poetin`` (erythropoietins), ``-plase`` (plasminogen activators),
   ``-kinra``/``-leukin`` (interleukin antagonists / interleukins) — or is "interferon",
   "peginterferon", "insulin", an interferon abbreviation ("IFN", "IFNalpha") or "CSF" of
   "G-CSF" or "colony" of "granulocyte colony-stimulating factor" ("interleukin" itself, an endogenous cytokine, is not); and
2. a phrase of up to ``max_words`` tokens around it is, normalised, a name of a CHEMICAL
   concept of the linker's knowledge base (DrugBank names and synonyms), the longest
   such phrase winning ("interferon alfa-2b" over "interferon alfa").  Literature spellings
   the vocabulary lacks are tried in INN form: "alpha" -> "alfa", "IFN(-)alpha" ->
   "interferon alfa", "alpha interferon" -> "interferon alfa", a leading "recombinant
   (human)" dropped; "interferon(s)" alone is a name too (BC5CDR annotates it: MeSH
   Interferons); and
3. it overlaps no entity already found.

The same component takes single words with a WHO INN stem of a small-molecule class (``-olol``,
``-pril``, ``-azepam``, ``-olac``, ``-zolid``, ... :data:`SMALL_MOLECULE_STEMS`) that the model left
untagged when the word is a DrugBank drug name and no disease name ("cibenzoline", "etodolac",
"rifabutin", "linezolid"): on BC5CDR dev 12 such mentions are gold chemicals and 1 is not.  A word of at least 8
letters with such a stem that names no concept but is one swap of two adjacent letters away from a DrugBank drug
name is taken too: "minocylcine", as a seed page spells minocycline.

A DISEASE mention of the model whose text is a DrugBank drug name and names no disease concept ("abatacept",
"adalimumab", "insulin aspart" in trial reports) becomes a CHEMICAL mention, unless it is an upper-case short form
("PAF", "AMI": the abbreviation step reads those from the document).  BC5CDR train annotates such texts as Chemical
3,907 times and as Disease twice (texts that are MeSH entry terms of the D tree only).

Mentions get ``span._.method = "drug_lexicon"``; the linker links them like any other.
Cost on strict BC5CDR scoring: "insulin" (9 mentions in the development split) is not
annotated there, so the development F1 drops from 0.8658 to 0.8653.
Without a linker index the component is not added (there is no vocabulary to check).
"""

from __future__ import annotations

import re

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.linking.normalize import normalize

__all__ = ["BiologicDrugs", "INN_STEMS", "SMALL_MOLECULE_STEMS", "TRIGGER_WORDS", "name_variants"]

#: WHO INN stems of biologic drug classes (suffixes of the lower-cased token).
INN_STEMS = ("mab", "cept", "grastim", "gramostim", "poetin", "plase", "kinra", "leukin")
#: Whole words that start a biologic drug name.
TRIGGER_WORDS = frozenset(
    {
        "interferon",
        "interferons",
        "peginterferon",
        "insulin",
        "ifn",
        "ifns",
        "ifnalpha",
        "ifnbeta",
        "ifngamma",
        "csf",
        "colony",
    }
)
#: Names accepted without a knowledge-base entry (the class name itself).
STANDALONE_NAMES = frozenset({"interferon", "interferons"})
_ALPHA = re.compile(r"\balpha\b")
_IFN = re.compile(r"\bifn\s*(?=alpha|alfa|beta|gamma)")
_GREEK_FIRST = re.compile(r"^(alpha|alfa|beta|gamma) interferon\b")
_RECOMBINANT = re.compile(r"^(?:recombinant )(?:human )?")


def name_variants(phrase: str) -> list[str]:
    """``phrase`` (normalised) and its INN-style spellings, in the order they are tried."""
    out = [phrase]
    v = _RECOMBINANT.sub("", phrase)
    v = _GREEK_FIRST.sub(lambda m: "interferon " + m.group(1), v)
    v = _IFN.sub("interferon ", v)
    v = _ALPHA.sub("alfa", v)
    if v != phrase:
        out.append(v)
    return out


_MIN_STEM_WORD = 6  # "mab" etc. must end a real name, not be one ("cept" alone is no drug)


#: WHO INN stems (and common endings) of small-molecule drug classes; a word with one of them is
#: taken only when it is a DrugBank drug name and no disease name.
SMALL_MOLECULE_STEMS = (
    "olol",
    "pril",
    "sartan",
    "statin",
    "azepam",
    "azolam",
    "oxacin",
    "mycin",
    "micin",
    "cillin",
    "cycline",
    "conazole",
    "prazole",
    "tidine",
    "triptan",
    "dronate",
    "parin",
    "vir",
    "setron",
    "semide",
    "thiazide",
    "profen",
    "fenac",
    "olac",
    "coxib",
    "barbital",
    "caine",
    "curium",
    "platin",
    "rubicin",
    "taxel",
    "tinib",
    "dipine",
    "pamil",
    "afil",
    "lukast",
    "terol",
    "olone",
    "zolid",
    "butin",
    "fibrate",
    "gliptin",
    "glitazone",
    "sulfa",
    "idine",
    "amide",
    "azine",
    "oxetine",
    "ipramine",
    "triptyline",
    "peridol",
    "apine",
    "idone",
    "clone",
    "tropin",
    "zosin",
    "nidine",
    "lol",
    "pam",
    "fen",
    "ine",
)
_BIOLOGIC, _SMALL_MOLECULE = 1, 2
#: The shortest word taken as a misspelt drug name (one adjacent-letter swap from a DrugBank name).
MIN_MISSPELT_WORD = 8

#: Words with a stem ending that are endogenous molecules, not drug names.
NOT_DRUGS = frozenset({"interleukin"})


def _trigger_kind(lower: str) -> int:
    """0, or the kind of drug name ``lower`` may belong to."""
    if lower in TRIGGER_WORDS:
        return _BIOLOGIC
    if len(lower) < _MIN_STEM_WORD or not lower.isalpha() or lower in NOT_DRUGS:
        return 0
    if lower.endswith(INN_STEMS):
        return _BIOLOGIC
    return _SMALL_MOLECULE if lower.endswith(SMALL_MOLECULE_STEMS) else 0


def _short_form(text: str) -> bool:
    """An upper-case short form ("PAF", "DDI", "AMI"): it names a drug or a disease by the document's definition,
    which the abbreviation step reads later, not by the vocabulary."""
    return len(text) <= 6 and text.upper() == text


class BiologicDrugs:
    """Add CHEMICAL mentions of the drugs the NER model leaves out, and relabel the drug names it calls diseases (see
    module docstring)."""

    def __init__(self, nlp: Language, name: str, linker_path: str, max_words: int = 6) -> None:
        self.name = name
        self.linker_path = linker_path
        self.max_words = max_words
        self._names: dict[str, bool] = {}  # normalised phrase -> is a CHEMICAL concept name
        self._triggers: dict[int, int] = {}  # LOWER hash -> trigger kind (one dict look-up per token)
        self._drug_phrases: dict[str, bool] = {}  # DISEASE mention text -> names a drug
        self._kb = None  # the linker's resources, looked up once

    def _concepts(self, phrase: str) -> list[tuple[str, str]]:
        """(concept id, label) of the linker's concepts that have ``phrase`` (normalised) as a name."""
        resources = self._resources()
        return [(cid, resources.data.concepts[cid].label) for cid in resources.alias_to_ids.get(phrase, ())]

    def _resources(self):
        """The linker's knowledge base (``load_linker_resources`` caches it per folder: the linker's own)."""
        if self._kb is None:
            from extract.linking.index import load_linker_resources

            self._kb = load_linker_resources(self.linker_path)
        return self._kb

    def _is_chemical_name(self, phrase: str) -> bool:
        known = self._names.get(phrase)
        if known is None:
            known = phrase in STANDALONE_NAMES or any(
                label == "CHEMICAL" for variant in name_variants(phrase) for _, label in self._concepts(variant)
            )
            if len(self._names) > 100_000:
                self._names.clear()
            self._names[phrase] = known
        return known

    def _is_drug_word(self, word: str, misspelt: bool = False) -> bool:
        """A DrugBank drug name that names no disease (one word, normalised; asked once per word, the
        answer is kept with the word's trigger kind).  ``misspelt``: also a word of at least
        :data:`MIN_MISSPELT_WORD` letters that names no concept itself and is one swap of two adjacent letters
        away from such a name ("minocylcine" for minocycline, in a seed page)."""
        concepts = self._concepts(word)
        kb = self._resources().data.concepts
        if any(
            label == "CHEMICAL"
            and (cid.startswith("DRUGBANK:") or any(x.startswith("DRUGBANK:") for x in kb[cid].xrefs))
            for cid, label in concepts
        ) and not any(label == "DISEASE" for _, label in concepts):
            return True
        if not misspelt or concepts or len(word) < MIN_MISSPELT_WORD or not word.isalpha():
            return False
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}
        return any(self._is_drug_word(swap) for swap in sorted(swaps))

    def _names_a_drug(self, text: str) -> bool:
        """A mention ``text`` names a DrugBank drug and no disease concept, and is no short form (cached per text)."""
        known = self._drug_phrases.get(text)
        if known is None:
            known = not _short_form(text) and self._is_drug_word(normalize(text))
            if len(self._drug_phrases) > 100_000:
                self._drug_phrases.clear()
            self._drug_phrases[text] = known
        return known

    def _drugs_as_chemicals(self, ents: list[Span]) -> tuple[list[Span], bool]:
        """``ents`` with each DISEASE mention that names a drug relabelled CHEMICAL."""
        out, changed = [], False
        for ent in ents:
            if ent.label_ == "DISEASE" and self._names_a_drug(ent.text):
                span = Span(ent.doc, ent.start, ent.end, label="CHEMICAL")
                span._.method = "drug_lexicon"
                out.append(span)
                changed = True
            else:
                out.append(ent)
        return out, changed

    def _match(self, doc: Doc, i: int, taken: set[int]) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for start in range(max(0, i - self.max_words + 1), i + 1):
            for end in range(i + 1, min(len(doc), start + self.max_words) + 1):
                if doc[start].is_punct or doc[end - 1].is_punct or any(k in taken for k in range(start, end)):
                    continue
                # A name never takes in a whitespace token: the break between title and abstract ("interferon.\n\n").
                if any(doc[k].is_space for k in range(start, end)):
                    continue
                if best is not None and end - start <= best[1] - best[0]:
                    continue
                if self._is_chemical_name(normalize(doc[start:end].text)):
                    best = (start, end)
        return best

    def _trigger_positions(self, doc: Doc) -> list[tuple[int, int]]:
        triggers = self._triggers
        out = []
        for i, lower in enumerate(doc.to_array(LOWER).tolist()):
            kind = triggers.get(lower)
            if kind is None:
                if len(triggers) > 500_000:
                    triggers.clear()
                word = doc.vocab.strings[lower]
                kind = _trigger_kind(word)
                if kind == _SMALL_MOLECULE and not self._is_drug_word(normalize(word), misspelt=True):
                    kind = 0  # decided once per word: "routine", "examine"...
                triggers[lower] = kind
            if kind:
                out.append((i, kind))
        return out

    def __call__(self, doc: Doc) -> Doc:
        ents, relabelled = self._drugs_as_chemicals(list(doc.ents))
        positions = self._trigger_positions(doc) if len(doc) else []
        if not positions:
            if relabelled:
                doc.ents = ents
            return doc
        taken = {k for ent in ents for k in range(ent.start, ent.end)}
        added: list[Span] = []
        for i, kind in positions:
            if i in taken:
                continue
            if kind == _SMALL_MOLECULE:
                found = (i, i + 1)  # a DrugBank drug name (checked with the trigger)
            else:
                found = self._match(doc, i, taken)
            if found is None:
                continue
            span = Span(doc, found[0], found[1], label="CHEMICAL")
            span._.method = "drug_lexicon"
            added.append(span)
            taken.update(range(found[0], found[1]))
        if added or relabelled:
            doc.ents = sorted(ents + added, key=lambda s: s.start)
        return doc


@Language.factory("extract_biologic_drugs", default_config={"linker_path": "", "max_words": 6})
def make_biologic_drugs(nlp: Language, name: str, linker_path: str, max_words: int) -> BiologicDrugs:
    if not linker_path:
        raise ValueError("extract_biologic_drugs needs the linker folder (its knowledge base names the drugs)")
    return BiologicDrugs(nlp, name, linker_path, max_words)
