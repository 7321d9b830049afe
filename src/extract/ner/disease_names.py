"""Disease names the model cuts: "migraine with aura", "sphincter of Oddi spasm", "venous thrombo-embolism".

The NER model splits or shortens multi-word disease names it saw rarely: "migraine with aura" becomes the two
mentions "migraine" and "aura", "sphincter of Oddi spasm" becomes "spasm".  The component
``extract_disease_names`` runs after the model and widens a DISEASE mention to the longest phrase around it
(up to ``max_words`` extra tokens on either side) that is, normalised, a name of a MeSH DISEASE concept of
the linker's knowledge base (CTD MEDIC names and synonyms and what joins them: Disease Ontology and HPO
synonyms, the training splits' mentions).  Names of concepts with no MeSH id are not used: HPO's are mostly
a condition with a modifier ("progressive renal failure", "complete heart block") where BC5CDR-style
annotation names the condition (on BC5CDR dev, with them, disease concept F1 fell 0.844 → 0.841).  The phrase may take in other DISEASE mentions (they merge into one) but no other entity, and no
sentence punctuation.  Widened mentions get ``span._.method = "disease_name"``; the linker then links the
whole name ("migraine with aura" → Migraine with Aura, not Migraine Disorders).

A CHEMICAL mention that ends in a condition's head noun ("vitamin D deficiency", "lithium intoxication",
"opioid dependence": :data:`DISEASE_HEADS`) is a DISEASE mention; the component relabels it (method
``disease_name``).

The same component drops a DISEASE mention that is the end of an "anti-" adjective: "anti-inflammatory",
"anti-epileptic", "anti-emetic" name what a drug does, not a disease the text reports (the model tags
"inflammatory" in "the anti-inflammatory effect of dexamethasone").

The same component tags the clinical signs listed in ``sign_names.tsv`` beside this module ("Gottron's papules",
"Gottron papules", "heliotrope rash", "shawl sign"), hallmark signs HPO names and the model misses in some wordings
("Gottron papules were present." gave no entity): a listed name outside every entity, or over DISEASE mentions only
(which it replaces: "Lisch" -> "Lisch nodules"), becomes a DISEASE mention (method ``disease_name``); one overlapping
another entity is left alone.  A listed name that is no DISEASE name of the knowledge base is left out (warning).

Without a linker index the component is not added (there is no vocabulary to check).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.linking.normalize import normalize

if TYPE_CHECKING:
    from extract.linking.index import LinkerResources

__all__ = ["SIGN_NAMES_PATH", "DiseaseNames", "read_sign_names"]

log = logging.getLogger(__name__)

#: Clinical signs tagged DISEASE wherever they occur outside other entities (module docstring).
SIGN_NAMES_PATH = Path(__file__).with_name("sign_names.tsv")

DISEASE = "DISEASE"
CHEMICAL = "CHEMICAL"
#: Head nouns that make a chemical's name a condition: "vitamin D deficiency", "lithium toxicity", "cocaine abuse",
#: "opioid dependence".  BC5CDR train + dev annotate all 543 mentions ending in one of them as Disease; the model
#: sometimes tags the whole phrase CHEMICAL, which makes it the drug of an adverse-event row.
DISEASE_HEADS = frozenset(
    """deficiency deficiencies insufficiency toxicity toxicities intoxication intoxications poisoning poisonings
    overdose overdoses overdosage abuse misuse dependence addiction withdrawal malabsorption allergy allergies
    hypersensitivity""".split()
)
#: Tokens a disease name never spans (clause and list punctuation).
_STOP = frozenset({".", ";", ",", ":", "(", ")", "[", "]", "/", "=", "?", "!"})


#: A token's text, its trailing whitespace, and its normalised first / last word when that can start / end a
#: disease name (else None).
_Token = tuple[str, str, str | None, str | None]


def read_sign_names(path: Path = SIGN_NAMES_PATH) -> list[str]:
    """The names of the sign file with their written variants: a "'s" name also without it and with a typographic
    apostrophe ("Gottron's papules", "Gottron papules", "Gottron’s papules")."""
    names: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        names.append(name)
        if "'s " in name:
            names += [name.replace("'s ", " "), name.replace("'s ", "\u2019s ")]
    return list(dict.fromkeys(names))


def _after_anti(doc: Doc, i: int) -> bool:
    """Token ``i`` follows "anti-" ("anti", "-" or one token "anti-")."""
    if i >= 2 and doc[i - 1].text == "-" and doc[i - 2].lower_ == "anti":
        return True
    return i >= 1 and doc[i - 1].lower_ == "anti-"


def _word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _as_disease(ent: Span) -> Span:
    span = Span(ent.doc, ent.start, ent.end, label=DISEASE)
    span._.method = "disease_name"
    return span


class DiseaseNames:
    """Widen DISEASE mentions to the longest knowledge-base disease name around them (module docstring)."""

    def __init__(self, nlp: Language, name: str, linker_path: str, max_words: int = 3) -> None:
        self.name = name
        self.linker_path = linker_path
        self.max_words = max_words
        self._names: dict[str, tuple[str, bool]] = {}  # surface text -> (normalised, names a MeSH disease)
        self._words: dict[str, str] = {}  # token text -> normalised
        self._disease_names: frozenset[str] = frozenset()  # filled by load()
        self._first: frozenset[str] = frozenset()
        self._last: frozenset[str] = frozenset()
        self._edges: frozenset[tuple[str, str]] = frozenset()  # (first word, last word) of each name
        self._signs = PhraseMatcher(nlp.vocab, attr="LOWER")  # filled by load()
        self._make_doc = nlp.make_doc

    def load(self) -> None:
        """The MeSH disease names of the linker's knowledge base, and their first and last words (a span is looked
        up only when its edge words start and end one same name: most spans around a mention cannot); the listed
        signs the knowledge base names (:meth:`sign_names`)."""
        from extract.linking.index import load_linker_resources

        resources = load_linker_resources(self.linker_path)  # cached per folder: the linker's own
        concepts = resources.data.concepts
        names = {
            alias
            for alias, ids in resources.alias_to_ids.items()
            if any(cid.startswith("MESH:") and concepts[cid].label == DISEASE for cid in ids)
        }
        self._disease_names = frozenset(names)
        self._edges = frozenset((name.split()[0], name.split()[-1]) for name in names)
        self._first = frozenset(first for first, _ in self._edges)
        self._last = frozenset(last for _, last in self._edges)
        signs = self.sign_names(resources)
        if signs:
            self._signs.add("SIGN", [self._make_doc(sign) for sign in signs])

    @staticmethod
    def sign_names(resources: LinkerResources) -> list[str]:
        """The names of :func:`read_sign_names` that name a DISEASE concept of the knowledge base; the others are
        left out with a warning (a small or older index)."""
        concepts = resources.data.concepts
        known, unknown = [], []
        for sign in read_sign_names():
            ids = resources.alias_to_ids.get(normalize(sign), ())
            (known if any(concepts[cid].label == DISEASE for cid in ids) else unknown).append(sign)
        if unknown:
            log.warning(
                "%s: not DISEASE names of the linker's knowledge base, not tagged: %s", SIGN_NAMES_PATH, unknown
            )
        return known

    def _word_form(self, text: str) -> str:
        """A token's text normalised as in a name (memoised)."""
        form = self._words.get(text)
        if form is None:
            form = normalize(text)
            if len(self._words) > 100_000:
                self._words.clear()
            self._words[text] = form
        return form

    def _name(self, text: str) -> tuple[str, bool]:
        """``text`` normalised, and whether that names a MeSH DISEASE concept (memoised per surface text)."""
        known = self._names.get(text)
        if known is None:
            phrase = normalize(text)
            known = (phrase, phrase in self._disease_names)
            if len(self._names) > 100_000:
                self._names.clear()
            self._names[text] = known
        return known

    def _token(self, doc: Doc, i: int, seen: dict[int, _Token]) -> _Token:
        """Token ``i``'s text, trailing whitespace and the first / last word of its normalised form when that
        starts / ends a disease name; looked up once per document and position."""
        token = seen.get(i)
        if token is None:
            t = doc[i]
            form = self._word_form(t.text).split() if _word(t.text) else []
            token = (
                t.text,
                t.whitespace_,
                form[0] if form and form[0] in self._first else None,
                form[-1] if form and form[-1] in self._last else None,
            )
            seen[i] = token
        return token

    def _widest(self, doc: Doc, ent: Span, owner: list[Span | None], seen: dict[int, _Token]) -> tuple[int, int] | None:
        """The widest (start, end) around ``ent`` that names a disease, None when only ``ent`` itself does."""
        n = len(doc)

        def free(i: int) -> bool:
            other = owner[i]
            return self._token(doc, i, seen)[0] not in _STOP and (other is None or other.label_ == DISEASE)

        lefts = [ent.start]
        while len(lefts) <= self.max_words and lefts[-1] > 0 and free(lefts[-1] - 1):
            lefts.append(lefts[-1] - 1)
        rights = [ent.end]
        while len(rights) <= self.max_words and rights[-1] < n and free(rights[-1]):
            rights.append(rights[-1] + 1)
        best: tuple[int, int] | None = None
        own: str | None = None
        for start in lefts:
            first = self._token(doc, start, seen)
            if not first[2]:
                continue
            for end in rights:
                last = self._token(doc, end - 1, seen)
                # Edges are words that can start / end a name ("-embolism" is no wider name than "embolism").
                if (start, end) == (ent.start, ent.end) or (first[2], last[3]) not in self._edges:
                    continue
                if best and end - start <= best[1] - best[0]:
                    continue
                # A merged mention must be whole: it may not cut another entity.
                if (start > 0 and owner[start] is not None and owner[start - 1] is owner[start]) or (
                    end < n and owner[end - 1] is not None and owner[end] is owner[end - 1]
                ):
                    continue
                inner = (self._token(doc, i, seen) for i in range(start, end - 1))
                phrase, known = self._name("".join(text + space for text, space, _, _ in inner) + last[0])
                if known:
                    own = own if own is not None else self._name(ent.text)[0]
                    if phrase != own:
                        best = (start, end)
        return best

    def _add_signs(self, doc: Doc, ents: list[Span]) -> list[Span]:
        """``ents`` with the listed signs tagged DISEASE where they overlap no entity but DISEASE mentions (which
        they replace); the longest match first."""
        matches = sorted(self._signs(doc), key=lambda m: (m[1] - m[2], m[1]))
        if not matches:
            return ents
        for _, start, end in matches:
            overlapping = [e for e in ents if e.start < end and start < e.end]
            if any(e.label_ != DISEASE or (e.start <= start and end <= e.end) for e in overlapping):
                continue  # another entity, or a DISEASE mention that already holds the name
            ents = [e for e in ents if e not in overlapping]
            ents.append(_as_disease(Span(doc, start, end)))
        return sorted(ents, key=lambda s: s.start)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if any(e.label_ == CHEMICAL and e[-1].lower_ in DISEASE_HEADS for e in ents):
            ents = [_as_disease(e) if e.label_ == CHEMICAL and e[-1].lower_ in DISEASE_HEADS else e for e in ents]
            doc.ents = ents
        with_signs = self._add_signs(doc, ents)
        if with_signs != ents:
            ents = with_signs
            doc.ents = ents
        if not any(e.label_ == DISEASE for e in ents):
            return doc
        adjectives = [e for e in ents if e.label_ == DISEASE and _after_anti(doc, e.start)]
        if adjectives:
            ents = [e for e in ents if e not in adjectives]
            doc.ents = ents
        seen: dict[int, _Token] = {}
        owner: list[Span | None] = [None] * len(doc)
        for ent in ents:
            for i in range(ent.start, ent.end):
                owner[i] = ent
        widened: list[Span] = []
        for ent in ents:
            if ent.label_ != DISEASE or any(w.start <= ent.start < w.end for w in widened):
                continue
            span = self._widest(doc, ent, owner, seen)
            if span is None:
                continue
            new = Span(doc, span[0], span[1], label=DISEASE)
            new._.method = "disease_name"
            widened.append(new)
            for i in range(*span):
                owner[i] = new
        if not widened:
            return doc
        kept = [e for e in ents if not any(w.start < e.end and e.start < w.end for w in widened)]
        doc.ents = sorted(kept + widened, key=lambda s: s.start)
        return doc


@Language.factory("extract_disease_names", default_config={"linker_path": "", "max_words": 3})
def make_disease_names(nlp: Language, name: str, linker_path: str, max_words: int) -> DiseaseNames:
    if not linker_path:
        raise ValueError("extract_disease_names needs the linker folder (its knowledge base names the diseases)")
    component = DiseaseNames(nlp, name, linker_path, max_words)
    component.load()  # now, once per process, so the forked NER workers inherit the names
    return component
