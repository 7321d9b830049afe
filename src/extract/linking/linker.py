"""spaCy component ``extract_linker``: link ``doc.ents`` to MeSH / HPO / DOID / OMIM / DrugBank.

Longer than ~500 lines on purpose: the candidate ranking steps below (abbreviations, coordinations,
back-offs, priors, tie-breaks) read one after the other and share the per-process resources;
split, each piece would need the others to be understood.

For each entity (label CHEMICAL or DISEASE):

1. a short form (``span._.abbreviation_of`` set) is linked through its long form first;
   when that fails, through its own text, kept only when a content word of the long
   form occurs in the concept's names ("PSP" for "supranuclear palsy" is not
   "Pneumothorax, Primary Spontaneous"); a DISEASE mention holding a short form the
   document defines is linked the same way with the short form written out ("HCV
   infection" -> "hepatitis C virus infection");
2. exact lookup of normalised variants of the text in the alias dictionary,
   restricted to concepts of the entity's label; ties go to the concept the primary
   training corpus (BC5CDR) used most often for that string, then all training
   corpora, then MeSH before OMIM, DOID, HPO, DrugBank, then the concept whose
   preferred name the string is;
3. a coordination sharing a head ("renal or hepatic toxicity") links each conjunct
   completed with the head (steps 4-5); the first conjunct's concept is the entity's,
   all are in ``LinkResult.parts`` (and ``span._.concept_ids`` when that extension is
   registered);
4. "<modifier> <generic head>" ("pulmonary toxicity", "heart damage") links through the
   same modifier with another generic head ("pulmonary disease"), by training-corpus votes, never
   to a concept a generic head names alone ("endothelial damage" is no Wounds and Injuries);
5. otherwise scispaCy's ``CandidateGenerator`` (char-3-gram TF-IDF + HNSW, one index
   per label) proposes neighbours; the best similarity wins when it reaches
   ``threshold``; near-ties prefer a concept already linked elsewhere in the document;
6. last resort (DISEASE only, ``backoff``): the broader concept named by the mention
   without its leading modifiers ("postoperative delirium" -> Delirium); when the dropped
   words name a disease themselves, the mention names both ("myxedema coma" -> Coma +
   Myxedema, in ``LinkResult.parts``).

A DISEASE link to an HPO / DOID / OMIM concept is replaced by a MeSH concept when one is reached
(``prefer_mesh``): the MeSH concept named by the mention in the other number or with "disease" for "disorder"
("autoimmune disorder" -> Autoimmune Diseases), else the one its head names (step 6).

Fills ``concept_id``, ``concept_name``, ``ontology`` and ``link_score`` (1.0 exact,
0.99 exact on a variant, 0.9 generic head, 0.8 back-off, else the similarity), and for a MeSH concept
``drug_classes`` (its pharmacological actions; a class named as the drug, "NSAIDs", is its own class:
:func:`class_descriptors`) and ``mesh_tree_numbers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

import extract.nlp.extensions  # noqa: F401  (registers span attributes)
from extract.linking.class_words import class_word_form, class_word_forms
from extract.linking.entry_terms import disease_entry_terms
from extract.linking.index import LinkerResources, load_linker_resources
from extract.linking.infections import InfectionNames
from extract.linking.knowledge_base import ONTOLOGY_RANK
from extract.linking.normalize import (
    GENERIC_HEADS,
    conjuncts,
    generic_head_variants,
    head_backoffs,
    inverted_forms,
    lookup_variants,
    normalize,
    noun_variants,
    short_form_pair,
)
from extract.linking.salt_forms import parent_drug_forms
from extract.linking.short_forms import DEFAULT_SHORT_FORMS, ShortFormTable, load_short_forms
from extract.vocab.files import VocabFiles

DEFAULT_THRESHOLD = 0.65
DEFAULT_K = 30
#: Mentions with fewer normalised characters than this are linked by exact lookup only.
MIN_ANN_CHARS = 5
#: Near-tie margin inside which a concept already linked in the document wins.
DOC_CONTEXT_MARGIN = 0.04
#: ``link_score`` of a link found by the generic-head back-off.
HEAD_BACKOFF_SCORE = 0.9
#: ``link_score`` of a link through the noun a disease adjective comes from ("syncopal" -> syncope).
NOUN_FORM_SCORE = 0.85
#: ``link_score`` of a link to the broader concept named by the mention's head.
BACKOFF_SCORE = 0.8
#: ``link_score`` of a short form linked through the table of short forms papers define (:mod:`extract.linking.short_forms`).
SHORT_FORM_SCORE = 0.9
#: ``link_score`` of a link to the MeSH infection an organism names ("H. pylori infection" -> Helicobacter Infections).
ORGANISM_SCORE = 0.95
#: ``link_score`` of a link through a MeSH entry term the index has no alias for (:mod:`extract.linking.entry_terms`).
ENTRY_TERM_SCORE = 0.95
#: Training-corpus mentions an alias needs before a back-off modifier names its concept (:meth:`EntityLinker._names_concept`).
MODIFIER_MIN_PRIOR = 2
#: Labels whose unlinked mentions fall back to their head's concept.
BACKOFF_LABELS = frozenset({"DISEASE"})
#: Labels whose mentions holding a short form the document defines link with it written out first
#: (:meth:`EntityLinker._long_form`).  Not CHEMICAL: such a chemical mention is mostly something made of the
#: chemical ("NO donor", "5-HT receptor"), and on BC5CDR dev the one change it made was a false positive.
EXPAND_LABELS = frozenset({"DISEASE"})
#: How a DISEASE mention whose own concept is an HPO / Disease Ontology / OMIM term only reaches a MeSH
#: concept instead (MeSH is the preferred ontology), routes tried in order, comma-separated: ``name`` (the
#: MeSH concept whose own name is the mention in the other number or with "disease" for "disorder",
#: :meth:`EntityLinker.mesh_name`), ``xref`` (the one MeSH concept ``mesh_xrefs`` cross-references the HPO
#: term to), ``backoff`` (the MeSH concept the mention's head names, :meth:`EntityLinker.backoff`); empty:
#: keep the non-MeSH concept.
DEFAULT_PREFER_MESH = "name,backoff"
#: Head nouns that name the same thing in a disease name, for the ``name`` route of ``prefer_mesh``
#: ("autoimmune disorder", an HPO synonym of Autoimmunity, is MeSH's "Autoimmune Diseases").
SAME_HEADS = (("disease", "diseases", "disorder", "disorders"),)
#: ``link_score`` of a link found through a cross-reference of the mention's HPO concept.
XREF_SCORE = 0.95


_STOPWORDS = frozenset({"of", "the", "and", "in", "with", "to", "by", "or", "for", "on", "a", "an", "due"})
#: Words too common in disease and chemical names to tie a short form to its long form.
_GENERIC_WORDS = frozenset(
    {
        "induced",
        "associated",
        "related",
        "dependent",
        "disease",
        "diseases",
        "disorder",
        "disorders",
        "syndrome",
        "acute",
        "chronic",
        "type",
        "factor",
        "acid",
    }
)
#: Minimum edit ratio for two words to count as the same word (misspellings, inflection).
WORD_MATCH_RATIO = 0.75
#: Two words sharing a prefix and a suffix of at least this many characters ("hypo-si-alism",
#: "hypo-genit-alism") are the same word only when what lies between is a small edit (at most
#: ``AFFIX_SMALL_EDIT`` characters on each side: "an-a-emia", "hypertens-io-n") or itself passes
#: ``WORD_MATCH_RATIO``: a match resting on shared affixes alone is no match (:func:`_affixes_only`).  On BC5CDR dev
#: (predicted mentions) it removes 3 wrong links and no right one (link F1 CHEMICAL 0.8802 -> 0.8808, DISEASE
#: 0.8545 -> 0.8548); linking the gold mention texts, 1 wrong link of dev goes, nothing of train changes.
AFFIX_MIN_CHARS = 2
AFFIX_SMALL_EDIT = 2


#: Word-pair decisions of ``_words_match`` (bounded; cleared when full).
_WORD_PAIRS: dict[tuple[str, str], bool] = {}
_WORD_PAIRS_MAX = 200_000


#: Prefixes that turn a word into its opposite ("agonist" / "antagonist", "coagulant" / "anticoagulant") and
#: prefix swaps that name the other side of a divide ("hypertension" / "hypotension", "premenopausal" /
#: "postmenopausal", "probiotics" / "prebiotics", "endogenous" / "exogenous"): such words never count as the same
#: word, however close.
OPPOSITE_PREFIXES = ("anti", "ant", "non", "un")
OPPOSITE_SWAPS = (
    ("hyper", "hypo"),
    ("pre", "post"),
    ("pre", "pro"),
    ("endo", "exo"),
    ("intra", "extra"),
    ("intra", "inter"),
)


def _opposite(w: str, o: str) -> bool:
    w, o = w.removesuffix("s"), o.removesuffix("s")  # "agonist" / "antagonists"
    short, long = sorted((w, o), key=len)
    if any(long == prefix + short or long == prefix + "-" + short for prefix in OPPOSITE_PREFIXES):
        return True
    for a, b in OPPOSITE_SWAPS:
        for x, y in ((w, o), (o, w)):
            if x.startswith(a) and y.startswith(b) and x[len(a) :] == y[len(b) :]:
                return True
    return False


def _common_prefix(w: str, o: str) -> int:
    """The number of leading characters ``w`` and ``o`` share."""
    n = min(len(w), len(o))
    prefix = 0
    while prefix < n and w[prefix] == o[prefix]:
        prefix += 1
    return prefix


def _common_suffix(w: str, o: str, prefix: int = 0) -> int:
    """The number of trailing characters ``w`` and ``o`` share, not reaching into the first ``prefix`` characters
    of the shorter."""
    n = min(len(w), len(o)) - prefix
    suffix = 0
    while suffix < n and w[-1 - suffix] == o[-1 - suffix]:
        suffix += 1
    return suffix


def _affixes_only(w: str, o: str) -> bool:
    """``w`` and ``o`` share a prefix and a suffix (:data:`AFFIX_MIN_CHARS` or more each) and differ between them
    in more than a small edit that does not itself pass :data:`WORD_MATCH_RATIO`: "hyposialism" /
    "hypogenitalism" ("si" / "genit"), "hypokalemia" / "hypocalcemia" ("kal" / "calc")."""
    prefix = _common_prefix(w, o)
    suffix = _common_suffix(w, o, prefix)
    if prefix < AFFIX_MIN_CHARS or suffix < AFFIX_MIN_CHARS:
        return False
    w_mid, o_mid = w[prefix : len(w) - suffix], o[prefix : len(o) - suffix]
    if not w_mid or not o_mid or max(len(w_mid), len(o_mid)) <= AFFIX_SMALL_EDIT:
        return False
    return SequenceMatcher(None, w_mid, o_mid, autojunk=False).ratio() < WORD_MATCH_RATIO


#: Two endings on one stem, each of at least this many letters and with an edit ratio under
#: :data:`STEM_ENDING_RATIO`, make two words (:func:`_prefix_only`).
STEM_ENDING_MIN_CHARS = 4
STEM_ENDING_RATIO = 0.6


def _prefix_only(w: str, o: str) -> bool:
    """``w`` and ``o`` share a prefix and go on in two different endings (:data:`STEM_ENDING_MIN_CHARS` letters or
    more each): "angio-tensin" / "angio-genic", "nephr-itis" / "nephr-osis" are other words built on one stem."""
    prefix = _common_prefix(w, o)
    a, b = w[prefix:], o[prefix:]
    return (
        min(len(a), len(b)) >= STEM_ENDING_MIN_CHARS
        and SequenceMatcher(None, a, b, autojunk=False).ratio() < STEM_ENDING_RATIO
    )


def _suffix_only(w: str, o: str) -> bool:
    """``w`` and ``o`` share an ending and begin with two different stems (:data:`STEM_ENDING_MIN_CHARS` letters or
    more each, edit ratio under :data:`STEM_ENDING_RATIO`): "psych-ological" / "phon-ological" are other words built
    to one ending, as :func:`_prefix_only` reads two endings on one stem."""
    suffix = _common_suffix(w, o)
    a, b = w[: len(w) - suffix], o[: len(o) - suffix]
    return (
        suffix >= STEM_ENDING_MIN_CHARS
        and min(len(a), len(b)) >= STEM_ENDING_MIN_CHARS
        and SequenceMatcher(None, a, b, autojunk=False).ratio() < STEM_ENDING_RATIO
    )


#: The fewest letters inserted inside a word that make it another word (:func:`_inserted_inside`).
INSERTED_MIN_CHARS = 3


def _inserted_inside(w: str, o: str) -> bool:
    """One word is the other with :data:`INSERTED_MIN_CHARS` or more letters inserted between a shared beginning and a
    shared ending of three letters or more each: "hemo-dia-lysis" / "hemo-lysis" (a procedure, not a lysis).  British
    "ae" / "oe" are read as "e" first, so "haemorrhage" / "hemorrhage" (one letter) stay one word."""
    a, b = (x.replace("ae", "e").replace("oe", "e") for x in (w, o))
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) < INSERTED_MIN_CHARS:
        return False
    prefix = _common_prefix(short, long)
    suffix = _common_suffix(short, long, prefix)
    return prefix >= 3 and suffix >= 3 and prefix + suffix == len(short)


#: Word endings that name what a word is (a lysis, an inflammation, a blood level, a growth), with their adjective and
#: plural forms.  Two words ending in endings of different groups are other words however close the rest:
#: "thrombolysis" / "thrombosis", "thrombolytic" / "thrombotic", "leukopenia" / "leukemia", "nephritis" / "nephrosis".
MEANING_SUFFIXES = (
    ("lysis", "lyses", "lytic"),
    ("itis", "itides", "itic"),
    ("emia", "emias", "emic"),
    ("penia", "penias", "penic"),
    ("genesis", "genic"),
    ("pathy", "pathies", "pathic"),
    ("plasia", "plasias", "plastic"),
    ("algia", "algias"),
    ("osis", "oses", "otic"),
)


#: Endings of a procedure: a word with one of them never matches a word without it ("hemorrhoidopexy" is no
#: hemorrhoid, "colectomy" no colitis).
PROCEDURE_SUFFIXES = (
    "ectomy",
    "ectomies",
    "otomy",
    "otomies",
    "ostomy",
    "ostomies",
    "plasty",
    "plasties",
    "pexy",
    "pexies",
    "scopy",
    "scopies",
    "graphy",
    "rrhaphy",
)


def _meaning_group(word: str) -> int | None:
    """The index of the first :data:`MEANING_SUFFIXES` group one of whose endings ``word`` has (a word ending in
    "lysis" is read as a lysis before "osis" is tried)."""
    for i, group in enumerate(MEANING_SUFFIXES):
        if word.endswith(group):
            return i
    return None


def _other_meaning(w: str, o: str) -> bool:
    """``w`` and ``o`` end in endings of two different :data:`MEANING_SUFFIXES` groups, or one of them in a
    :data:`PROCEDURE_SUFFIXES` ending and the other not."""
    if w.endswith(PROCEDURE_SUFFIXES) != o.endswith(PROCEDURE_SUFFIXES):
        return True
    a, b = _meaning_group(w), _meaning_group(o)
    return a is not None and b is not None and a != b


#: Prefixes that leave a word naming the same thing: "reinfarction" is an infarction, "pangastritis" a gastritis.
SAME_WORD_PREFIXES = ("re", "pan")


def _same_initial(w: str, o: str) -> bool:
    """``w`` and ``o`` begin with the same letter, a British "oe" / "ae" read as "e" ("oesophageal"), or one is the
    other with a prefix of :data:`SAME_WORD_PREFIXES` ("reinfarction").  An edit-ratio match stands for an inflection
    or a misspelling, which keep the first letter; words that differ there are other words: "bladder" /
    "gallbladder", "cardiac" / "renocardiac", "venous" / "cavernous", "sensation" / "menstruation"."""

    def initial(word: str) -> str:
        return word[1:2] if word[:2] in ("oe", "ae") else word[:1]

    short, long = sorted((w, o), key=len)
    if any(long == prefix + short for prefix in SAME_WORD_PREFIXES):
        return True
    return initial(w) == initial(o)


def _words_match(w: str, o: str) -> bool:
    """``w == o`` or their edit ratio reaches ``WORD_MATCH_RATIO`` (cached per pair), unless they begin differently
    (:func:`_same_initial`), one is the other's opposite (:data:`OPPOSITE_PREFIXES`, :data:`OPPOSITE_SWAPS`), they
    share only affixes (:func:`_affixes_only`), one stem with two endings (:func:`_prefix_only`) or two stems with one
    (:func:`_suffix_only`), a syllable inserted inside (:func:`_inserted_inside`) or endings that name different
    things (:func:`_other_meaning`)."""
    if w == o:
        return True
    key = (w, o)
    hit = _WORD_PAIRS.get(key)
    if hit is None:
        # The length bound is SequenceMatcher.real_quick_ratio(), an upper bound of ratio() (same denominator): a
        # pair below it is rejected without building a matcher or the O(n*m) matching.
        hit = (
            _same_initial(w, o)
            and 2.0 * min(len(w), len(o)) / (len(w) + len(o)) >= WORD_MATCH_RATIO
            and not _opposite(w, o)
            and SequenceMatcher(None, w, o, autojunk=False).ratio() >= WORD_MATCH_RATIO
            and not _affixes_only(w, o)
            and not _prefix_only(w, o)
            and not _suffix_only(w, o)
            and not _inserted_inside(w, o)
            and not _other_meaning(w, o)
        )
        if len(_WORD_PAIRS) >= _WORD_PAIRS_MAX:
            _WORD_PAIRS.clear()
        _WORD_PAIRS[key] = hit
    return hit


def _words_correspond(query: str, alias: str) -> bool:
    """Every content word on each side has a close partner on the other side.

    Rejects near neighbours that add or swap a word ("childhood onset" vs
    "childhood onset asthma", "renal function" vs "liver function").
    """
    left = [w for w in query.split() if w not in _STOPWORDS]
    right = [w for w in alias.split() if w not in _STOPWORDS]

    def covered(words: list[str], others: list[str]) -> bool:
        return all(any(_words_match(w, o) for o in others) for w in words)

    return bool(left) and bool(right) and covered(left, right) and covered(right, left)


def _similarity(query: str, alias: str, cosine: float) -> float:
    """Mean of the TF-IDF cosine and the edit-based ratio (robust to transpositions);
    0 when the words do not correspond."""
    if not _words_correspond(query, alias):
        return 0.0
    return 0.5 * cosine + 0.5 * SequenceMatcher(None, query, alias, autojunk=False).ratio()


def class_descriptors(resources: LinkerResources) -> dict[str, str]:
    """MeSH pharmacological-action descriptor id -> the action name its member substances carry in their
    ``drug_classes`` (MESH:D000894 -> "Anti-Inflammatory Agents, Non-Steroidal").

    The index keeps the actions by name only; the descriptor is the MeSH descriptor named so (or, when MeSH renamed
    it since, the one that has the action name among its entry terms: MESH:D017367 "Selective Serotonin Reuptake
    Inhibitors" is the action "Serotonin Uptake Inhibitors").  On MeSH 2024 this gives exactly the action ids of
    the pharmacological-actions file (``tests/test_class_drugs.py``).  A name with no one such descriptor is left out.
    """
    data = resources.data
    names = {name for annotation in data.mesh_annotations.values() for name in annotation["drug_classes"]}
    found: dict[str, str] = {}
    for name in sorted(names):
        ids = [
            cid
            for cid in sorted(resources.alias_to_ids.get(normalize(name), ()))
            if cid.startswith("MESH:D") and cid in data.mesh_annotations
        ]
        named = [cid for cid in ids if data.concepts[cid].name == name]
        chosen = named or ids
        if len(chosen) == 1:
            found[chosen[0]] = name
    return found


def _plural(word: str) -> str | None:
    """The regular plural of a noun ("terror" -> "terrors", "synucleinopathy" -> "synucleinopathies"); None for a
    word ending in s, x, z, ch or sh, whose plural is not regular enough to guess ("psychosis", "reflex")."""
    if len(word) < 3 or not word.isalpha() or word.endswith(("s", "x", "z", "ch", "sh")):
        return None
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _name_variants(text: str) -> list[str]:
    """``text`` normalised with its last word in the other number, or with its head swapped for another of the same
    :data:`SAME_HEADS` group, for :meth:`EntityLinker.mesh_name`."""
    base = normalize(text)
    words = base.split()
    if not words:
        return []
    out = [v for v in lookup_variants(text)[1:] if len(v.split()) == len(words)]  # singulars, not shortened forms
    last = words[-1]
    for group in SAME_HEADS:
        if last in group and len(words) > 1:
            out += [" ".join([*words[:-1], head]) for head in group if head != last]
    plural = _plural(last)
    if plural is not None:
        out.append(" ".join([*words[:-1], plural]))
    return [v for v in dict.fromkeys(out) if v != base]


@dataclass(frozen=True)
class LinkResult:
    concept_id: str
    concept_name: str
    ontology: str
    score: float
    method: str  # exact, head, ann, coordination, backoff, composite, mesh_name, mesh_xref, mesh_backoff, organism
    # or short_form_table
    #: For a coordinated mention, the result of each conjunct (the first is this result's concept).
    parts: tuple[LinkResult, ...] = ()


#: Entries per linker cache (exact results, scored ANN candidates) before it is cleared.
CACHE_MAX = 100_000


def _cache_put(cache: dict, key, value) -> None:
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[key] = value


#: Scored ANN candidates of one query: ``(similarity, concept_id, alias)`` per candidate concept.
Scored = tuple[tuple[float, str, str], ...]


class EntityLinker:
    """Links mention strings of a label; usable without spaCy (``link_texts``).

    Results that do not depend on the document (exact lookups, the scored ANN candidates
    of a normalised query) are cached per linker, so a mention string repeated across
    documents is resolved once; the document context (``preferred``) is applied on top.
    As a spaCy component, :meth:`pipe` sends the ANN queries of a whole batch of
    documents to the index in one ``CandidateGenerator`` call per label.
    """

    def __init__(
        self,
        folder: Path,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        k: int = DEFAULT_K,
        backoff: bool = True,
        drop_unsupported_short_forms: bool = False,
        prefer_mesh: str = DEFAULT_PREFER_MESH,
        mesh_terms: Path | None = None,
        short_forms: str = DEFAULT_SHORT_FORMS,
    ) -> None:
        self.folder = Path(folder)
        #: MeSH entry terms (``desc2024_terms.tsv.gz``): the class words are read from them (None: not linked).
        self.mesh_terms = mesh_terms
        self.prefer_mesh = prefer_mesh
        self.threshold = threshold
        self.k = k
        self.backoff_enabled = backoff
        self.drop_unsupported_short_forms = drop_unsupported_short_forms
        #: The table of short forms papers define ("" for none).
        self.short_forms = short_forms
        self._init_caches()

    def _init_caches(self) -> None:
        self._resources: LinkerResources | None = None
        self._exact_cache: dict[tuple[str, str], LinkResult | None] = {}
        self._scored_cache: dict[tuple[str, str], Scored] = {}
        self._preferred: dict[str, frozenset[str]] = {}
        self._head_cache: dict[tuple[str, str], LinkResult | None] = {}
        self._backoff_cache: dict[tuple[str, str], LinkResult | None] = {}
        self._name_cache: dict[tuple[str, str], LinkResult | None] = {}
        self._alias_words: dict[str, frozenset[str]] = {}
        self._class_names: dict[str, str] | None = None
        self._bare_head_concepts: frozenset[str] | None = None
        self._infections: InfectionNames | None = None
        self._short_form_table: ShortFormTable | None = None

    @property
    def resources(self) -> LinkerResources:
        if self._resources is None:
            self._resources = load_linker_resources(self.folder)
        return self._resources

    def clear_caches(self) -> None:
        self._exact_cache.clear()
        self._head_cache.clear()
        self._backoff_cache.clear()
        self._name_cache.clear()
        self._preferred.clear()
        self._alias_words.clear()
        self._scored_cache.clear()

    # ------------------------------------------------------------------ lookup

    def _preferred_names(self, concept_id: str) -> frozenset[str]:
        """Normalised preferred name of a concept (and its uninverted MeSH form), cached."""
        names = self._preferred.get(concept_id)
        if names is None:
            name = self.resources.data.concepts[concept_id].name
            names = frozenset(normalize(form) for form in [name, *inverted_forms(name)])
            self._preferred[concept_id] = names
        return names

    def _priors(self, concept_id: str, alias: str) -> tuple[int, int]:
        """Training-corpus counts of ``alias`` meaning ``concept_id``: primary corpus, all corpora."""
        data = self.resources.data
        return (
            data.primary_priors.get(alias, {}).get(concept_id, 0),
            data.priors.get(alias, {}).get(concept_id, 0),
        )

    def _rank_key(self, concept_id: str, alias: str) -> tuple:
        """Sort key among concepts sharing ``alias``: primary-corpus prior (BC5CDR), prior over
        all training corpora, MeSH before OMIM/DOID/HPO/DrugBank, the concept whose preferred
        name the alias is, then id."""
        primary, prior = self._priors(concept_id, alias)
        ontology = self.resources.data.concepts[concept_id].ontology
        not_preferred = alias not in self._preferred_names(concept_id)
        return (-primary, -prior, ONTOLOGY_RANK.get(ontology, 9), not_preferred, concept_id)

    def _result(self, concept_id: str, score: float, method: str) -> LinkResult:
        concept = self.resources.data.concepts[concept_id]
        return LinkResult(concept_id, concept.name, concept.ontology, round(float(score), 4), method)

    def exact(self, text: str, label: str) -> LinkResult | None:
        """Dictionary lookup of normalised variants of ``text`` among ``label`` concepts."""
        key = (text, label)
        if key in self._exact_cache:
            return self._exact_cache[key]
        result = self._exact_uncached(text, label)
        _cache_put(self._exact_cache, key, result)
        return result

    def _exact_uncached(self, text: str, label: str) -> LinkResult | None:
        resources = self.resources
        concepts = resources.data.concepts
        for rank, variant in enumerate(lookup_variants(text)):
            ids = [cid for cid in resources.alias_to_ids.get(variant, ()) if concepts[cid].label == label]
            if ids:
                best = self._class_over_member(min(ids, key=lambda cid: self._rank_key(cid, variant)), ids)
                return self._result(best, 1.0 if rank == 0 else 0.99, "exact")
        if label == "CHEMICAL":  # "oxybutynin chloride", "l-sotalol": the drug (``salt_forms``)
            for form in parent_drug_forms(text):
                ids = [cid for cid in resources.alias_to_ids.get(form, ()) if concepts[cid].label == label]
                if ids:
                    best = min(ids, key=lambda cid: self._rank_key(cid, form))
                    # a drug only: "lead acetate", "pregnenolone sulphate" are compounds of their own in MeSH
                    if self._is_drug(best):
                        return self._result(best, 0.98, "exact")
        return self._class_word(text, label)

    def _is_drug(self, concept_id: str) -> bool:
        """A DrugBank drug, or a MeSH chemical with a pharmacological action."""
        if concept_id.startswith("DRUGBANK:"):
            return True
        annotation = self.resources.data.mesh_annotations.get(concept_id)
        return bool(annotation and annotation.get("drug_classes"))

    def _class_word(self, text: str, label: str) -> LinkResult | None:
        """A class word the index has no alias for names its class descriptor: "beta-blockers", the head of MeSH's
        inverted "beta-Blockers, Adrenergic" (:mod:`extract.linking.class_words`)."""
        if label != "CHEMICAL" or self.mesh_terms is None:
            return None
        word = class_word_form(class_word_forms(self.resources, self.mesh_terms), text)
        return None if word is None else self._result(word.concept_id, 0.99, "exact")

    def _class_over_member(self, best: str, ids: list[str]) -> str:
        """A class word names its MeSH pharmacological class, not a member substance: "statins" is an entry term of
        Hydroxymethylglutaryl-CoA Reductase Inhibitors, and BC5CDR / BioRED train annotate it as Simvastatin, whose
        prior would otherwise win (an analyst counting adverse events per drug would read the class's as
        simvastatin's)."""
        if len(ids) < 2:
            return best
        if self._class_names is None:
            self._class_names = class_descriptors(self.resources)
        annotation = self.resources.data.mesh_annotations.get(best)
        actions = annotation["drug_classes"] if annotation else ()
        for cid in sorted(ids):
            if cid != best and self._class_names.get(cid) in actions:
                return cid
        return best

    def bare_head_concepts(self) -> frozenset[str]:
        """The concepts a generic head names on its own ("injury" -> Wounds and Injuries, "toxicity" -> Drug-Related
        Side Effects and Adverse Reactions, "disease" -> Disease): :data:`GENERIC_HEADS` looked up in the index."""
        if self._bare_head_concepts is None:
            alias_to_ids = self.resources.alias_to_ids
            self._bare_head_concepts = frozenset(cid for head in GENERIC_HEADS for cid in alias_to_ids.get(head, ()))
        return self._bare_head_concepts

    def head_backoff(self, text: str, label: str) -> LinkResult | None:
        """Link "<modifier> <generic head>" through the same modifier with another generic head.

        Among the concepts of the ``label`` reached by the variants of
        :func:`generic_head_variants`, the one with the most training-corpus mentions
        over those variants wins (primary corpus first, then all; then the usual ranking
        on the first variant reaching it).  A concept a generic head names on its own
        (:meth:`bare_head_concepts`) is never reached so: the modifier does not name it ("endothelial
        dysfunction" is no Wounds and Injuries, though BC5CDR train once annotates "endothelial injury" so), nor a
        concept whose only support is a single mention of a secondary training corpus.
        """
        key = (text, label)
        if key in self._head_cache:
            return self._head_cache[key]
        resources = self.resources
        concepts = resources.data.concepts
        votes: dict[str, tuple[int, int]] = {}
        first_alias: dict[str, str] = {}
        bare = self.bare_head_concepts()
        for variant in generic_head_variants(text):
            for cid in resources.alias_to_ids.get(variant, ()):
                if concepts[cid].label != label or cid in bare:
                    continue
                primary, prior = self._priors(cid, variant)
                before = votes.get(cid, (0, 0))
                votes[cid] = (before[0] + primary, before[1] + prior)
                first_alias.setdefault(cid, variant)
        # A vocabulary name (no corpus count) or a corpus reading seen in BC5CDR or twice; one mention of another
        # corpus is no evidence ("systemic toxicity" is no Mastocytosis, Systemic through one "systemic diseases").
        votes = {cid: v for cid, v in votes.items() if v == (0, 0) or v[0] >= 1 or v[1] >= 2}
        result = None
        if votes:
            best = min(
                votes,
                key=lambda cid: (-votes[cid][0], -votes[cid][1], *self._rank_key(cid, first_alias[cid])[2:]),
            )
            result = self._result(best, HEAD_BACKOFF_SCORE, "head")
        _cache_put(self._head_cache, key, result)
        return result

    def _lexical(self, text: str, label: str) -> LinkResult | None:
        """Dictionary links only: exact variants, then the generic-head back-off."""
        return self.exact(text, label) or self.head_backoff(text, label)

    def _ann_queries(self, texts: list[str]) -> list[tuple[int, str]]:
        """``(position, normalised query)`` of the texts long enough for the ANN index."""
        queries = [(i, normalize(t)) for i, t in enumerate(texts)]
        return [(i, q) for i, q in queries if len(q) >= MIN_ANN_CHARS]

    def _fetch_scored(self, queries: Iterable[str], label: str) -> None:
        """Query the index once for every not-yet-cached query of ``label`` and cache the scores."""
        generator = self.resources.generators.get(label)
        if generator is None:
            return
        missing = [q for q in dict.fromkeys(queries) if (q, label) not in self._scored_cache]
        if not missing:
            return
        concepts = self.resources.data.concepts
        for query, candidates in zip(missing, generator(missing, self.k)):
            scored = []
            for candidate in candidates:
                if concepts[candidate.concept_id].label != label:
                    continue
                sim, alias = max(
                    (_similarity(query, alias, cos), alias)
                    for alias, cos in zip(candidate.aliases, candidate.similarities)
                )
                scored.append((sim, candidate.concept_id, alias))
            _cache_put(self._scored_cache, (query, label), tuple(scored))

    def _choose(self, scored: Scored, preferred: set[str]) -> LinkResult | None:
        """The best scored candidate (at or above ``threshold``); near-ties go to ``preferred``."""
        if not scored:
            return None
        top = max(s for s, _, _ in scored)
        if top < self.threshold:
            return None
        near = [c for c in scored if c[0] >= top - DOC_CONTEXT_MARGIN and c[1] in preferred]
        pool = near or [c for c in scored if c[0] >= top - 1e-6]
        sim, concept_id, _ = min(pool, key=lambda c: (-c[0], *self._rank_key(c[1], c[2])))
        return self._result(concept_id, sim, "ann")

    def ann(self, texts: list[str], label: str, preferred: set[str] = frozenset()) -> list[LinkResult | None]:
        """Approximate lookup through scispaCy's ``CandidateGenerator`` for ``label``."""
        queries = self._ann_queries(texts)
        self._fetch_scored([q for _, q in queries], label)
        return [self._ann_cached(text, label, preferred) for text in texts]

    def _ann_cached(self, text: str, label: str, preferred: set[str]) -> LinkResult | None:
        """ANN result of one text from the scored-candidate cache (queried when missing)."""
        if self.resources.generators.get(label) is None:
            return None
        query = normalize(text)
        if len(query) < MIN_ANN_CHARS:
            return None
        scored = self._scored_cache.get((query, label))
        if scored is None:  # not prefetched, or evicted by a cache clear
            self._fetch_scored([query], label)
            scored = self._scored_cache[(query, label)]
        return self._choose(scored, preferred)

    def _parts(self, text: str, label: str) -> list[str]:
        """What to link when ``text`` has no exact link: its conjuncts, a DISEASE's two short forms written as one
        word when each links exactly ("TTP-HUS": thrombotic thrombocytopenic purpura and hemolytic-uremic
        syndrome, both), or the text itself."""
        found = conjuncts(text, lambda item: self.exact(item, label) is not None)
        if found:
            return found
        if label == "DISEASE":
            pair = short_form_pair(text)
            if pair and all(self._one_disease(part) for part in pair):
                return pair
        return [text]

    def _one_disease(self, short_form: str) -> bool:
        """The knowledge base gives ``short_form`` exactly one DISEASE concept: out of its document's context "CHD"
        (Coronary Disease, Heart Diseases, congenital heart disease...) names nothing for sure, "HUS" does."""
        concepts = self.resources.data.concepts
        ids = self.resources.alias_to_ids.get(normalize(short_form), ())
        diseases = {cid for cid in ids if cid in concepts and concepts[cid].label == "DISEASE"}
        return len(diseases) == 1

    def _mesh_instead(self, result: LinkResult | None, text: str, label: str) -> LinkResult | None:
        """``result``, or, when it is not a MeSH concept, the MeSH concept the routes of ``prefer_mesh``
        reach first: ``xref``, the one MeSH concept the HPO term is cross-referenced to ("steatosis",
        Hepatic steatosis in HPO, -> Fatty Liver); ``backoff``, the MeSH concept the mention's head names
        (:meth:`backoff`: "metabolic alkalosis", an HPO term only, -> Alkalosis; "hemorrhagic
        cystitis", a Disease Ontology term only, -> Cystitis)."""
        if result is None or not self.prefer_mesh or result.ontology == "MESH" or label not in BACKOFF_LABELS:
            return result
        organism = self.organism_infection(text, label)
        if organism is not None:
            return organism
        concepts = self.resources.data.concepts
        for route in self.prefer_mesh.split(","):
            route = route.strip()
            if route == "xref":
                xrefs = [x for x in concepts[result.concept_id].xrefs if x.startswith("MESH:") and x in concepts]
                if len(xrefs) == 1 and concepts[xrefs[0]].label == label:
                    return self._result(xrefs[0], XREF_SCORE, "mesh_xref")
            elif route == "backoff":
                broader = self.backoff(text, label)
                if broader is not None and broader.ontology == "MESH":
                    return replace(broader, method="mesh_backoff")
            elif route == "name":
                named = self.mesh_name(text, label)
                if named is not None:
                    return named
            elif route:
                raise ValueError(f"unknown prefer_mesh route {route!r} (name, xref, backoff)")
        return result

    def mesh_name(self, text: str, label: str) -> LinkResult | None:
        """The MeSH concept of ``label`` whose own name (preferred or uninverted, :meth:`_preferred_names`) is
        ``text`` with its last word in the other number or with one head of :data:`SAME_HEADS` for another:
        "autoimmune disorder" (HPO's Autoimmunity) -> Autoimmune Diseases, "synucleinopathy" (a Disease Ontology term)
        -> Synucleinopathies, "night terror" (HPO's Sleep terror) -> Night Terrors.  A training-corpus alias of
        the variant is not enough ("behavioral disorder", once Child Behavior Disorders in BC5CDR train, is not
        named so), nor a concept a generic head names on its own.  Method ``mesh_name``, score 0.99 (an exact
        link on a variant; cached)."""
        key = (text, label)
        if key in self._name_cache:
            return self._name_cache[key]
        concepts = self.resources.data.concepts
        bare = self.bare_head_concepts()
        found: list[tuple[str, str]] = []
        for variant in _name_variants(text):
            for cid in self.resources.alias_to_ids.get(variant, ()):
                concept = concepts[cid]
                if (
                    concept.ontology == "MESH"
                    and concept.label == label
                    and cid not in bare
                    and variant in self._preferred_names(cid)
                ):
                    found.append((cid, variant))
        result = None
        if found:
            best = min(found, key=lambda pair: self._rank_key(*pair))[0]
            result = self._result(best, 0.99, "mesh_name")
        _cache_put(self._name_cache, key, result)
        return result

    def composite(self, text: str, label: str) -> LinkResult | None:
        """The several concepts the primary training corpus annotates ``text`` with as one mention
        ("hemorrhagic cystitis" -> Hemorrhage + Cystitis; ``KnowledgeBaseData.composites``): the first
        is the result's concept, all are its ``parts`` (method ``composite``)."""
        composites = self.resources.data.composites
        if not composites:
            return None
        for variant in lookup_variants(text)[:1]:
            ids = composites.get(f"{label}\t{variant}")
            if ids:
                parts = tuple(self._result(cid, 1.0, "composite") for cid in ids)
                return replace(parts[0], parts=parts)
        return None

    def _link_one(self, text: str, label: str, preferred: set[str]) -> LinkResult | None:
        """Link one mention from the caches (see :meth:`link_texts`)."""
        result = self.composite(text, label)
        if result is not None:
            return result
        result = self.exact(text, label)
        if result is not None:
            return self._mesh_instead(result, text, label)
        parts = self._parts(text, label)
        found: list[LinkResult] = []
        for part in parts:
            result = self._lexical(part, label) or self._ann_cached(part, label, preferred)
            result = self._mesh_instead(result, part, label)
            if result is not None and all(result.concept_id != f.concept_id for f in found):
                found.append(result)
        if not found:
            return (
                self.noun_form(text, label)
                or self.organism_infection(text, label)
                or self.backoff(text, label)
                or self.entry_term(text, label)
            )
        if len(parts) == 1:
            return found[0]
        return replace(found[0], method="coordination", parts=tuple(found))

    def organism_infection(self, text: str, label: str) -> LinkResult | None:
        """The MeSH infection a "<organism> infection(s)" mention names by its organism ("H. pylori infection" ->
        Helicobacter Infections; :mod:`extract.linking.infections`); DISEASE only, method ``organism``."""
        if label != "DISEASE":
            return None
        if self._infections is None:
            concepts = self.resources.data.concepts

            def is_mesh_disease(cid: str) -> bool:
                concept = concepts.get(cid)
                return concept is not None and concept.ontology == "MESH" and concept.label == "DISEASE"

            self._infections = InfectionNames(self.resources.alias_to_ids, is_mesh_disease)
        found = self._infections.link(normalize(text))
        return None if found is None else self._result(found, ORGANISM_SCORE, "organism")

    def entry_term(self, text: str, label: str) -> LinkResult | None:
        """A MeSH 2024 entry term of a disease the index holds but has no alias for ("psychiatric illness" -> Mental
        Disorders; :mod:`extract.linking.entry_terms`); DISEASE only, exact lookup of the mention's variants."""
        if label != "DISEASE" or self.mesh_terms is None:
            return None
        terms = disease_entry_terms(self.resources, self.mesh_terms)
        for variant in lookup_variants(text):
            found = terms.get(variant)
            if found is not None:
                return self._result(found, ENTRY_TERM_SCORE, "entry_term")
        return None

    def noun_form(self, text: str, label: str) -> LinkResult | None:
        """A disease adjective links to the disease it names ("syncopal attacks" -> Syncope, "thromboembolic
        episodes" -> Thromboembolism): exact lookup of :func:`noun_variants`, labels of :data:`BACKOFF_LABELS`."""
        if label not in BACKOFF_LABELS:
            return None
        for variant in noun_variants(text):
            found = self.exact(variant, label)
            if found is not None:
                return replace(found, score=NOUN_FORM_SCORE, method="noun_form")
        return None

    def backoff(self, text: str, label: str) -> LinkResult | None:
        """Last resort for a mention nothing else links: the broader concept named by its
        head, dropping leading modifiers ("postoperative delirium" -> Delirium), exact
        lookup only; labels of :data:`BACKOFF_LABELS` only (a chemical name without its
        first word is another substance)."""
        if not self.backoff_enabled or label not in BACKOFF_LABELS:
            return None
        key = (text, label)
        if key in self._backoff_cache:
            return self._backoff_cache[key]
        result = None
        for shorter in head_backoffs(text):
            found = self.exact(shorter, label)
            if found is not None:
                result = replace(found, score=BACKOFF_SCORE, method="backoff")
                modifier = self._disease_modifier(text, shorter, label)
                if modifier is not None and modifier.concept_id != result.concept_id:
                    result = replace(result, parts=(result, replace(modifier, score=BACKOFF_SCORE, method="backoff")))
                break
        _cache_put(self._backoff_cache, key, result)
        return result

    def _disease_modifier(self, text: str, head: str, label: str) -> LinkResult | None:
        """The concept the words the back-off dropped from ``text`` name on their own (exact lookup), when they
        name one: "myxedema coma" is a coma of myxedema, "haemorrhagic myocarditis" a myocarditis with
        hemorrhage, so the mention names both (as BC5CDR annotates such mentions: Myxedema + Coma, Hemorrhage +
        Myocarditis); "postoperative delirium" names only its head.  Not a short form or a short word ("CSA
        nephrotoxicity": CSA is cyclosporin A here, not Cockayne syndrome A)."""
        words = text.split()
        for i in range(1, len(words)):
            if normalize(" ".join(words[i:])) == head:
                if any(len(word) <= 3 or word.isupper() for word in words[:i]):
                    return None  # a short form is ambiguous out of its context ("CSA nephrotoxicity")
                modifier = " ".join(words[:i])
                found = self.exact(modifier, label)
                if found is None or not self._names_concept(modifier, found.concept_id):
                    return None
                return found
        return None

    def _names_concept(self, text: str, concept_id: str) -> bool:
        """``text`` is the concept's own name (preferred or inverted) or a training-corpus alias of it seen at least
        :data:`MODIFIER_MIN_PRIOR` times: one corpus mention ("dystrophic" once annotated as Duchenne muscular
        dystrophy) is no evidence that the word names the disease wherever it modifies another."""
        names = self._preferred_names(concept_id)
        return any(
            variant in names or self._priors(concept_id, variant)[1] >= MODIFIER_MIN_PRIOR
            for variant in lookup_variants(text)
        )

    def link_texts(
        self,
        mentions: Iterable[tuple[str, str]],
        preferred: set[str] = frozenset(),
    ) -> list[LinkResult | None]:
        """Link ``(text, label)`` pairs: exact lookup first, then the ANN index.

        A mention without an exact link that coordinates conjuncts sharing a head
        ("renal or hepatic toxicity") links each conjunct; its result is the first
        conjunct's, with every conjunct's result in ``parts``.
        """
        mentions = list(mentions)
        self.prefetch(mentions)
        return [self._link_one(text, label, preferred) for text, label in mentions]

    def prefetch(self, mentions: Iterable[tuple[str, str]]) -> None:
        """Resolve ``(text, label)`` pairs into the caches, with one index query per label.

        Changes no result: it only fills the caches :meth:`link_texts` reads.
        """
        by_label: dict[str, list[str]] = {}
        for text, label in mentions:
            if self.exact(text, label) is None:
                for part in self._parts(text, label):
                    if self._lexical(part, label) is None:
                        by_label.setdefault(label, []).append(part)
        for label, texts in by_label.items():
            if self.resources.generators.get(label) is not None:
                self._fetch_scored([q for _, q in self._ann_queries(texts)], label)

    # ------------------------------------------------------------------ spaCy

    @staticmethod
    def _spans(doc: Doc) -> list[Span]:
        return [ent for ent in doc.ents if ent.label_ in ("CHEMICAL", "DISEASE")]

    def link_mentions(self, mentions: list[tuple[str, str, str | None]]) -> list[LinkResult | None]:
        """Link the ``(text, label, long form or None)`` mentions of one document.

        Long forms are tried first for abbreviations; exact links of the first pass are
        the document context for the short forms retried on their own text.
        """
        results = self.link_texts([(long_form or text, label) for text, label, long_form in mentions])
        preferred = {r.concept_id for r in results if r is not None and r.method == "exact"}
        retry = [i for i, r in enumerate(results) if r is None and mentions[i][2]]
        if retry:
            again = self.link_texts([mentions[i][:2] for i in retry], preferred)
            for i, result in zip(retry, again):
                if result is not None and self._fits_long_form(result.concept_id, *mentions[i][::2]):
                    results[i] = result
        return results

    def _concept_words(self, concept_id: str) -> frozenset[str]:
        """Words of a concept's aliases (cached)."""
        words = self._alias_words.get(concept_id)
        if words is None:
            aliases = self.resources.concept_aliases.get(concept_id, ())
            words = frozenset(w for alias in aliases for w in alias.split())
            _cache_put(self._alias_words, concept_id, words)
        return words

    def _fits_long_form(self, concept_id: str, short_form: str, long_form: str) -> bool:
        """Whether a short form's own link is plausible for its long form: some content
        word of the long form (close spelling allowed) is a word of the concept's aliases.

        Rejects "PSP" (supranuclear palsy) -> "Pneumothorax, Primary Spontaneous",
        "CM" (contrast media) -> "Cardiomyopathies".  A concept known only by short
        forms (aliases of one word, like the mention) cannot be judged and is kept.
        """
        short = normalize(short_form)
        words = {w for w in self._concept_words(concept_id) if w != short}
        if not any(len(w) >= 4 for w in words):
            return True
        for word in normalize(long_form).split():
            if len(word) < 4 or word in _STOPWORDS or word in _GENERIC_WORDS:
                continue
            if word in words or any(_words_match(word, other) for other in words if abs(len(other) - len(word)) <= 3):
                return True
        return False

    @staticmethod
    def _long_form(span: Span) -> str | None:
        """What to link first for ``span``: the long form of a short form (``abbreviation_of``); for a mention
        holding a short form the document defines, the mention with the short form written out ("HCV
        infection" -> "hepatitis C virus infection", "GI toxicity" -> "gastrointestinal toxicity"); else None."""
        if span._.abbreviation_of:
            return span._.abbreviation_of
        if span.label_ not in EXPAND_LABELS:
            return None
        inner = [
            short
            for short in span.doc._.abbreviations
            if span.start <= short.start
            and short.end <= span.end
            and (short.start, short.end) != (span.start, span.end)
            and short._.long_form is not None
        ]
        if not inner:
            return None
        text, offset = span.text, span.start_char
        for short in sorted(inner, key=lambda s: s.start, reverse=True):
            start, end = short.start_char - offset, short.end_char - offset
            text = text[:start] + short._.long_form.text + text[end:]
        return text

    def link_spans(self, spans: list[Span]) -> None:
        """Link spans in place (long forms first for abbreviations), sharing document context."""
        long_forms = [self._long_form(span) for span in spans]
        results = self.link_mentions([(span.text, span.label_, long) for span, long in zip(spans, long_forms)])
        for span, long_form, result in zip(spans, long_forms, results):
            if result is None and long_form is None:
                result = self.defined_elsewhere(span.text, span.label_)
            if result is None:
                continue
            span._.concept_id = result.concept_id
            span._.concept_name = result.concept_name
            span._.ontology = result.ontology
            span._.link_score = result.score
            # every concept of a coordinated mention, the entity's own first
            span._.concept_ids = [part.concept_id for part in result.parts] or [result.concept_id]
            annotation = self.resources.data.mesh_annotations.get(result.concept_id)
            if annotation is not None:
                span._.drug_classes = self._drug_classes(result.concept_id, annotation["drug_classes"]) or None
                span._.mesh_tree_numbers = annotation["tree_numbers"] or None

    def defined_elsewhere(self, text: str, label: str) -> LinkResult | None:
        """The concept papers define the short form ``text`` as (:mod:`extract.linking.short_forms`), for a mention
        nothing else links and whose document does not define it; method ``short_form_table``."""
        if not self.short_forms:
            return None
        if self._short_form_table is None:
            self._short_form_table = load_short_forms(self.short_forms)
        concept_id = self._short_form_table.concept(text, label)
        if concept_id is None or concept_id not in self.resources.data.concepts:
            return None
        return self._result(concept_id, SHORT_FORM_SCORE, "short_form_table")

    def _drug_classes(self, concept_id: str, actions: list[str]) -> list[str]:
        """The concept's pharmacological actions; a class descriptor ("NSAIDs" -> Anti-Inflammatory Agents,
        Non-Steroidal) is its own class, first (:func:`class_descriptors`)."""
        if self._class_names is None:
            self._class_names = class_descriptors(self.resources)
        own = self._class_names.get(concept_id)
        if own is None or own in actions:
            return actions
        return [own, *actions]

    def prefetch_docs(self, docs: list[Doc]) -> None:
        """Fill the caches for every lookup :meth:`link_spans` will make on ``docs``."""
        spans = [span for doc in docs for span in self._spans(doc)]
        first = [(self._long_form(span) or span.text, span.label_) for span in spans]
        self.prefetch(first)
        # Second pass of link_spans: short forms whose long form found nothing.  Whether
        # the first pass found nothing does not depend on the document context.
        retry = [
            (span.text, label)
            for span, (text, label) in zip(spans, first)
            if text != span.text and self._link_one(text, label, frozenset()) is None
        ]
        if retry:
            self.prefetch(retry)

    def __call__(self, doc: Doc) -> Doc:
        spans = self._spans(doc)
        if spans:
            self.link_spans(spans)
            if self.drop_unsupported_short_forms and any(
                span._.unsupported_short_form and span._.concept_id is None for span in spans
            ):
                # A short form defined as something neither the model tags nor the vocabularies know
                # ("vastus lateralis (VL)") is not an entity (``extract.context.abbreviations``).
                doc.ents = [e for e in doc.ents if not (e._.unsupported_short_form and e._.concept_id is None)]
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Link a stream of docs, querying the ANN index once per label per batch."""
        for batch in minibatch(docs, size=batch_size):
            self.prefetch_docs(batch)
            for doc in batch:
                yield self(doc)

    def __getstate__(self) -> dict:
        # nmslib indexes cannot be pickled: only the folder travels; workers reload.
        return {
            "folder": self.folder,
            "threshold": self.threshold,
            "k": self.k,
            "backoff_enabled": self.backoff_enabled,
            "drop_unsupported_short_forms": self.drop_unsupported_short_forms,
            "prefer_mesh": self.prefer_mesh,
            "short_forms": self.short_forms,
        }

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("backoff_enabled", True)
        self.__dict__.setdefault("drop_unsupported_short_forms", False)
        self.__dict__.setdefault("prefer_mesh", DEFAULT_PREFER_MESH)
        self.__dict__.setdefault("short_forms", DEFAULT_SHORT_FORMS)
        self._init_caches()


@Language.factory(
    "extract_linker",
    default_config={
        "linker_path": "",
        "threshold": DEFAULT_THRESHOLD,
        "k": DEFAULT_K,
        "backoff": True,
        "drop_unsupported_short_forms": False,
        "prefer_mesh": DEFAULT_PREFER_MESH,
        "vocab_dir": "",
        "class_words": True,
        "short_forms": DEFAULT_SHORT_FORMS,
    },
)
def make_linker(
    nlp: Language,
    name: str,
    linker_path: str,
    threshold: float,
    k: int,
    backoff: bool = True,
    drop_unsupported_short_forms: bool = False,
    prefer_mesh: str = DEFAULT_PREFER_MESH,
    vocab_dir: str = "",
    class_words: bool = True,
    short_forms: str = DEFAULT_SHORT_FORMS,
) -> EntityLinker:
    """Create the linker; ``linker_path`` empty means the newest ``models/linker-*``.  ``class_words``: link the class
    words of :mod:`extract.linking.class_words` the index has no alias for (MeSH terms of ``vocab_dir``, default the
    settings' vocab folder)."""
    from extract.settings import get_settings, resolve_model_dir

    folder = resolve_model_dir(linker_path or get_settings().linker_index, "linker")
    if folder is None:
        raise FileNotFoundError("no linker index found (build one with `biomed-extract build-linker`)")
    mesh_terms = VocabFiles(Path(vocab_dir) if vocab_dir else get_settings().vocab_dir).mesh_terms
    linker = EntityLinker(
        folder,
        threshold=threshold,
        k=k,
        backoff=backoff,
        drop_unsupported_short_forms=drop_unsupported_short_forms,
        prefer_mesh=prefer_mesh,
        mesh_terms=mesh_terms if class_words and mesh_terms.is_file() else None,
        short_forms=short_forms,
    )
    _ = linker.resources  # load now (once per process) so the first document is not slow
    return linker
