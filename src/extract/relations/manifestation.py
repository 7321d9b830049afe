"""``disease_manifestation`` classifier: distant supervision from HPO + precise patterns.

DISEASE -> DISEASE/phenotype pairs of one sentence (head = the disease, tail = its sign,
symptom, finding, manifestation or complication; see ``data/gold/README.md``).

Training (:func:`train_manifestation`) reads the *training* splits of BC5CDR, NCBI disease and
BioRED (gold mentions; no relation labels used) and labels every ordered disease pair of a
sentence by two labelling sources:

* **HPO knowledge base** — the head maps to OMIM/ORPHA diseases (concept id, CTD/DOID
  cross-references, or its name), the tail maps to HPO phenotype terms (its name or its MeSH
  concept's CTD synonyms), and one of the disease's annotated phenotypes is the tail term or a
  descendant of it (``phenotype.hpoa``, aspect P, not ``NOT``);
* **precise patterns** (:data:`PRECISE_TAIL_FIRST`, :data:`PRECISE_HEAD_FIRST`, "In H, T
  occurs"): "T is a feature of H", "H presenting with T", "T in patients with H", ...

Every other pair is a negative.  A class-balanced logistic regression over hashed pair features
(:func:`pair_features`: words between, trigger cues, order, distance, generic mentions, rule
decision, HPO lexicon flags) learns from these labels; its probability is the relation score.
The decision threshold maximises out-of-fold F1 against the distant labels (PMID folds).

The artifact (``manifestation.joblib``) holds the coefficients, the threshold and the HPO
phenotype lexicon (normalised names/synonyms, for the ``tail_hpo`` feature) — no KB pairs, so
the model scores text, not memorised disease/phenotype pairs.
"""

from __future__ import annotations

import gzip
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.corpora.pubtator import PubtatorDocument, read_pubtator, unique_documents
from extract.relations.candidates import (
    disease_pairs,
    is_pp_object,
    pair_context,
    sentence_groups,
    sentence_index_of,
)
from extract.nlp.sentences import split_sentences
from extract.relations.memo import per_document, sentence_entities
from extract.training.relations.documents import mesh_id
from extract.relations.rules import (
    MANIF_HEAD_FIRST,
    MANIF_IN_HEAD,
    MANIF_SUBJECT_VERB,
    MANIF_TAIL_FIRST,
    _drug_event,
    _is_hypernym_pair,
    drug_disease_signals,
    has_negation,
    manifestation_signal,
)
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DocumentView,
    EntityView,
    RelationCandidate,
    SentenceView,
)

log = logging.getLogger(__name__)

N_FEATURES = 2**16
ARTIFACT = "manifestation.joblib"
MAX_BETWEEN_TOKENS = 25

# ----------------------------------------------------------------------------- patterns
_POP = r"(?:patients?|child(?:ren)?|adults?|subjects?|cases?|individuals?|families|wom[ae]n|m[ae]n|infants?|mice|rats|those|people)"
#: Tail first: "T is a (common) feature of H", "T occurs in H", "T in patients with H", "T due to H".
PRECISE_TAIL_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|remains?|represents?|as|being|be)\s+)?(?:(?:a|an|the|one|of)\s+)*"
    r"(?:(?:common|major|main|frequent|prominent|typical|characteristic|cardinal|classic|well[- ]known|"
    r"recogni[sz]ed|rare|serious|severe|important|late|early|known|clinical|most|disabling|difficult|"
    r"potentially|primary|presenting|frequently|usually|often|recurrent|\w+ly)\s+)*"
    r"(?:feature|manifestation|sign|symptom|complication|finding|hallmark|sequela|sequelae|consequence|"
    r"presentation|characteristic|component)s?\s+(?:of|in)\s+(?:(?:the|a|an|this|their)\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){0,2}$"
    r"|^\s*,?\s*(?:(?:is|are|was|were|has been|have been|may|can|often|commonly|frequently|also|usually|especially|"
    r"typically)\s+){0,3}(?:occurs?|occurred|occurring|seen|observed|found|recogni[sz]ed|encountered|reported|"
    r"described|present|common|frequent|prevalent|develops?|developed|noted|documented)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:in|among)\s+(?:(?:the|a|an|this|their)\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){0,2}$"
    r"|^\s*,?\s*(?:in|among)\s+(?:(?:a|an|the|this|their|\d+)\s+)?(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|having)\s+"
    r"(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,1}$"
    r"|^\s*,?\s*(?:(?:is|are|was|were|may be|can be)\s+)?(?:secondary to|due to|caused by|resulting from|"
    r"complicating|as a (?:complication|consequence|manifestation|result) of)\s+(?:(?:the|a|an|underlying)\s+)?$",
    re.I,
)
#: Head first: "H presenting with T", "H characterised by T", "H complicated by T", "H with T".
PRECISE_HEAD_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:which|that|who|and|is|are|was|were|often|typically|usually|may|can|commonly|frequently|"
    r"also|clinically|\w+ly)\s+){0,3}"
    r"(?:present(?:ing|ed|s)?|manifest(?:ing|ed|s)?|characteri[sz]ed|complicated|accompanied|associated)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:with|by|as)\s+(?:(?:a|an|the|severe|marked|prominent|progressive|"
    r"recurrent|acute|chronic|early|late|\w+ly)\s+){0,3}$"
    r"|^\s*,?\s*(?:(?:which|that|often|typically|may|can|could|usually|also|had|has|have|frequently)\s+){0,2}"
    r"(?:leads?|led|leading\s+to|cause[sd]?|causing|results?\s+in|resulted\s+in|progress(?:es|ed)?\s+to)\s+"
    r"(?:(?:a|an|the|severe|marked|progressive|acute|chronic)\s+)*$"
    r"|^\s*(?:symptoms?|signs?|manifestations?|features?|complications?)\s*(?:\(|,|:|such as|including|like)?\s*"
    r"(?:(?:a|an|the)\s+)?$"
    r"|^\s*,?\s*with\s+(?:(?:a|an|the|severe|marked|prominent|progressive|associated|concomitant|"
    r"secondary|recurrent|acute|chronic)\s+)*$",
    re.I,
)
#: Tail is the sentence subject, the trigger binds the head at the end of the between-text:
#: "Calcinosis cutis ... is especially recognised in dermatomyositis".
SUBJECT_TAIL_TRIGGER = re.compile(
    r"\b(?:seen|recogni[sz]ed|observed|occurs?|occurring|found|common|frequent|described|reported|"
    r"encountered|features?|manifestations?|signs?|symptoms?|complications?|hallmarks?)\s+(?:[\w-]+\s+){0,1}"
    r"(?:in|among|of)\s+(?:(?:the|a|an|this)\s+)?(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|having)\s+)?$",
    re.I,
)
#: The pair lies inside a parenthesised component list "H (T1, T2, T3)".
_LIST_OPEN = re.compile(r"^\s*\(\s*(?:[\w-]+\s+){0,2}$")
#: Head first, a condition causing another: "H leads to / causes / results in / progresses to T".
HEAD_CAUSAL = re.compile(
    r"^\s*,?\s*(?:(?:which|that|often|typically|may|can|could|might|usually|also|had|has|have|frequently|eventually|"
    r"ultimately|subsequently|commonly|then|and|is|are|was|were|being)\s+){0,3}"
    r"(?:leads?|led|leading|cause[sd]?|causing|results?|resulted|resulting|progress(?:es|ed|ing)?|gives?\s+rise|gave\s+rise|"
    r"giving\s+rise)\s+(?:to\s+|in\s+)?(?:(?:a|an|the|severe|marked|progressive|acute|chronic|fatal|secondary|overt)\s+)*$",
    re.I,
)
#: Tail first, caused by the head: "T due to / secondary to / caused by / resulting from H".
TAIL_CAUSAL = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|may be|can be|probably|possibly|likely|presumably|mainly|primarily|largely|"
    r"partly|often|usually|most likely)\s+){0,2}"
    r"(?:secondary to|due to|caused by|resulting from|results? from|derived from|derives? (?:\w+ly\s+)?from|"
    r"attributable to|attributed to|complicating|as a (?:complication|consequence|manifestation|result) of|"
    r"the result of)\s+(?:(?:the|a|an|underlying|an underlying)\s+)?$",
    re.I,
)
#: Tail is the clause subject, the causal phrase that binds the head ends the between-text:
#: "the neuromuscular dysfunction ... derives primarily from muscle atrophy".
SUBJECT_TAIL_CAUSAL = re.compile(
    r"\b(?:due to|secondary to|caused by|result(?:s|ed|ing)? from|derives? (?:\w+ly\s+)?from|attributable to|"
    r"attributed to|the result of|(?:a|the)\s+(?:\w+\s+)?consequence of)\s+(?:(?:the|a|an|underlying)\s+)?$",
    re.I,
)
#: Head is the clause subject and called a cause of the tail: "H is a frequent cause of T",
#: "H could function as a triggering factor for T".
SUBJECT_HEAD_CAUSE = re.compile(
    r"\b(?:is|are|was|were|be|as|represents?|remains?)\s+(?:(?:a|an|the|one|of|most|major|main|common|frequent|important|"
    r"leading|rare|known|potential|possible|likely|triggering|underlying|\w+ly)\s+){0,4}"
    r"(?:cause|causes|trigger|factor|precipitant|source)\s+(?:of|for)\s+(?:(?:the|a|an)\s+)?$",
    re.I,
)
#: Head first, the presentation verb ends the between-text: "H became apparent on presentation with T".
HEAD_PRESENTS = re.compile(
    r"\b(?:present(?:ing|ed|s|ation)?|manifest(?:ing|ed|s|ation)?|characteri[sz]ed|complicated|accompanied)\s+"
    r"(?:[\w-]+\s+){0,2}(?:with|by|as)\s+(?:(?:a|an|the|severe|marked|prominent|progressive|recurrent|acute|chronic|"
    r"early|late|\w+ly)\s+){0,3}$",
    re.I,
)
#: "H with (the onset of) T", "H, particularly with T", "Primary tumours with distant metastases".
HEAD_WITH = re.compile(
    r"^\s*,?\s*(?:(?:particularly|especially|mainly|often|and|but|also)\s+)?with\s+"
    r"(?:(?:a|an|the|severe|marked|prominent|progressive|associated|concomitant|secondary|recurrent|acute|chronic|"
    r"distant|multiple|early|late|overt|clinical|histological|\w+ly)\s+){0,3}"
    r"(?:(?:onset|development|evidence|signs?|features?|presence|appearance|symptoms?)\s+of\s+(?:(?:the|a|an)\s+)?)?$",
    re.I,
)
#: "H-associated T", "H-related T", "H-induced T": a condition named as the origin of another.
HEAD_COMPOUND = re.compile(r"^\s*-\s*(?:associated|related|induced|mediated)\s+$", re.I)
#: "T associated with H" / "H associated with T": the words do not fix the direction.
ASSOCIATED = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|often|frequently|commonly|usually|strongly|closely|typically|also)\s+){0,2}"
    r"associated\s+with\s+(?:(?:a|an|the|severe|marked|clinical|histological)\s+)*"
    r"(?:(?:evidence|signs?|features?|presence|development)\s+of\s+(?:(?:the|a|an)\s+)?)?$",
    re.I,
)
#: "T in (the) H" without a population word: "Hypoxia in renal disease", "ESRD susceptibility in diabetes".
TAIL_IN_BARE = re.compile(r"^\s*(?:[\w-]+\s+)?(?:in|among)\s+(?:(?:the|a|an|this|these|their)\s+)?(?:[\w-]+\s+)?$", re.I)

#: Explicit condition -> condition links: they hold even when the tail is also a drug's event.
CAUSAL_PATTERNS = frozenset({"p_head_causal", "p_tail_causal", "p_subject_tail_causal", "p_head_cause_of", "p_head_compound"})
#: Patterns whose words do not fix the direction: the entity types decide (see :func:`entity_kind`).
UNDIRECTED_PATTERNS = frozenset({"p_assoc"})
#: Patterns used as features and for acceptance but not as distant labels (too loose to label).
WEAK_PATTERNS = frozenset({"p_assoc", "p_tail_in_bare", "p_head_presents"})
#: A molecular defect named as a disease mention ("deficiency of aspartoacylase", "HPRT mutations").
_MOLECULAR = re.compile(
    r"(?i:\b(?:deficien\w*|mutations?|mutant)\b.*\b\w+ase\b|\b\w+ase\b.*\bdeficien\w*)|\b[A-Z][A-Z0-9]+\s+(?:deficiency|mutations?)\b"
)
_OVERDOSE = re.compile(r"\b(?:overdose|overdosage|poisoning|intoxication|toxicity|ingestion)s?$", re.I)
_EXPOSURE_AFTER = re.compile(r"^[^;]{0,60}?\b(?:after|following|during)\s+", re.I)
_THERAPY = re.compile(
    r"\b(?:chemotherapy|therapy|treatment|administration|doses?|infusion|injection|intake|ingestion|exposure|surgery|"
    r"transplant\w*|irradiation|radiotherapy|vaccination)\b",
    re.I,
)
_COMPOUND_PREFIX = re.compile(r"(\S+?)\s*-?\s*(?:induced|associated|related)\s+((?:[\w-]+\s+){0,2})$", re.I)


def _may_compound(prefix: str) -> bool:
    """False only when ``_COMPOUND_PREFIX`` cannot match: ASCII text without its trigger words (the
    search is slow; with re.I, non-ASCII letters may match ASCII ones, so other text is searched)."""
    if not prefix.isascii():
        return True
    low = prefix.lower()
    return "induced" in low or "associated" in low or "related" in low
GENERIC = frozenset(
    "disease diseases disorder disorders syndrome syndromes condition conditions illness illnesses "
    "toxicity toxicities complication complications symptoms symptom abnormality abnormalities "
    "defect defects deficiency lesion lesions injury damage dysfunction tumor tumors tumour tumours "
    "cancer cancers overdose".split()
)
_SUFFIXES = ("itis", "emia", "aemia", "osis", "oma", "pathy", "plasia", "algia", "uria", "penia", "megaly", "syndrome", "disease", "failure", "deficiency")


_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\w\s]")


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Lower-case, alphanumeric words, crude singular ('seizures' -> 'seizure')."""
    words = _WORD.findall(text.lower())
    return " ".join(_singular(w) for w in words)


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _tokens(text: str) -> list[str]:
    return ["<num>" if t.isdigit() else t.lower() for t in _TOKEN.findall(text)]


@lru_cache(maxsize=8192)
def _edge_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Last three and first three tokens of ``text``."""
    toks = _tokens(text)
    return tuple(toks[-3:]), tuple(toks[:3])


# ----------------------------------------------------------------------------- features
def is_overdose(doc: DocumentView, e: EntityView) -> bool:
    """'captopril overdose', 'paracetamol poisoning': a poisoning mention is a head for its effects."""
    return bool(_OVERDOSE.search(e.text.strip()))


def _pattern_between(doc: DocumentView, ctx) -> str:
    """Between-text for the patterns: a parenthesised abbreviation right after the first mention
    ("SLE (SLE) with T") and a chemical naming an overdose head ("T due to captopril overdose") are cut."""
    between = ctx.between
    m = re.match(r"^\s*\([^()]{1,30}\)", between)
    if m and any(
        e.label == "DISEASE" and e.start >= ctx.first.end and e.end <= ctx.first.end + m.end()
        for e in sentence_entities(doc, ctx.first.sentence_index)
    ):
        between = between[m.end():]
    if is_overdose(doc, ctx.second):
        for c in sentence_entities(doc, ctx.second.sentence_index):
            if c.label == "CHEMICAL" and ctx.first.end <= c.start and c.end <= ctx.second.start and not doc.text[c.end : ctx.second.start].strip():
                between = doc.text[ctx.first.end : c.start]
                break
    return between


def _blocking_between(doc: DocumentView, ctx) -> bool:
    """Another (non-prepositional, non-parenthesised) disease mention stands between the pair."""
    sent = doc.sentences[ctx.first.sentence_index]
    for e in sentence_entities(doc, ctx.first.sentence_index):
        if e.label != "DISEASE" or e.start < ctx.first.end or e.end > ctx.second.start:
            continue
        if is_pp_object(doc, e, sent) or re.search(r"[(\[]\s*$", doc.text[max(sent.start, e.start - 3) : e.start]):
            continue
        return True
    return False


@per_document
def precise_pattern(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Name of the precise pattern that links ``head`` -> ``tail`` in their sentence, or None."""
    if head.sentence_index != tail.sentence_index:
        return None
    ctx = pair_context(doc, head, tail)
    if (ctx.coordinated and ctx.between.strip()) or len(ctx.between) > 150:
        return None
    between = _pattern_between(doc, ctx)
    n_before = len(_tokens(ctx.before))
    subject = n_before <= 4 or bool(re.search(r"\b(?:that|whether|thus|however|although|while)\s+(?:the\s+)?$", ctx.before, re.I)) and n_before <= 8
    if ctx.first is tail:
        if _MOLECULAR.search(head.text):
            return None  # "Canavan disease is caused by the deficiency of aspartoacylase": its cause, not a complication
        if TAIL_CAUSAL.match(between):
            return "p_tail_causal"
        if PRECISE_TAIL_FIRST.match(between):
            return "p_tail_first"
        if ASSOCIATED.match(between):
            return "p_assoc"
        if subject and not has_negation(between) and not _blocking_between(doc, ctx):
            if SUBJECT_TAIL_CAUSAL.search(between):
                return "p_subject_tail_causal"
        if n_before <= 3 and SUBJECT_TAIL_TRIGGER.search(between) and not has_negation(between):
            return "p_subject_tail_trigger"
        if TAIL_IN_BARE.match(between):
            return "p_tail_in_bare"
        return None
    if _predicate_of_disease(doc, head):
        return None  # "Aceruloplasminemia is a rare ... disease ... which presents with T": the subject owns T
    if HEAD_COMPOUND.match(between):
        return "p_head_compound"
    if HEAD_CAUSAL.match(between):
        return "p_head_causal"
    if ASSOCIATED.match(between):
        return "p_assoc"
    # "is severely handicapped with T": an adjectival head describes the patient, not a disease having T.
    adjectival = bool(re.search(r"[a-z]ed$", head.text.strip()))
    if HEAD_WITH.match(between):
        return None if adjectival else "p_head_with"
    if PRECISE_HEAD_FIRST.match(between):
        if between.strip().lower().startswith("with"):
            return None if adjectival else "p_head_with"
        return "p_head_first"
    if not has_negation(between) and not _blocking_between(doc, ctx):
        if subject and SUBJECT_HEAD_CAUSE.search(between):
            return "p_head_cause_of"
        if len(_tokens(between)) <= 12 and HEAD_PRESENTS.search(between):
            return "p_head_presents"
    if MANIF_IN_HEAD.search(ctx.before) and re.match(r"^\s*,?\s*(?:[\w-]+\s+){0,2}$", between):
        if MANIF_SUBJECT_VERB.match(ctx.after):
            return "p_in_head_tail_occurs"
    if _LIST_OPEN.match(between):
        groups = sentence_groups(doc, head.sentence_index)
        members = [e for e in sentence_entities(doc, head.sentence_index) if groups.get(e.entity_id) == groups.get(tail.entity_id)]
        if len(members) >= 2:
            return "p_component_list"  # "Denys-Drash syndrome (nephropathy, gonadal anomaly, ...)"
    return None


@per_document
def _predicate_of_disease(doc: DocumentView, e: EntityView) -> bool:
    """The mention is the predicate noun of another disease mention: "X is a rare recessive disease"."""
    sent = doc.sentences[e.sentence_index]
    prefix = doc.text[max(sent.start, e.start - 60) : e.start]
    m = re.search(r"\b(?:is|are|was|were)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}$", prefix)
    if not m:
        return False
    cut = max(sent.start, e.start - 60) + m.start()
    return any(x.label == "DISEASE" and x is not e and x.end <= cut and cut - x.end <= 3 for x in sentence_entities(doc, e.sentence_index))


@per_document
def _compound_owner(doc: DocumentView, e: EntityView) -> str | None:
    """Who names ``e`` as its product in "X-induced / X-associated / X-related e": 'disease',
    'chemical', 'other' (an exposure word: "chemotherapy-induced"), or None."""
    sent = doc.sentences[e.sentence_index]
    prefix = doc.text[max(sent.start, e.start - 60) : e.start]
    m = _COMPOUND_PREFIX.search(prefix) if _may_compound(prefix) else None
    if not m or re.match(r"(?:with|to|by|in|of)\b", m.group(2), re.I):
        return None
    word_end = max(sent.start, e.start - 60) + m.end(1)
    for x in sentence_entities(doc, e.sentence_index):
        if x is not e and x.start < word_end <= x.end + 1:
            return "disease" if x.label == "DISEASE" else "chemical"
    return "other"


@per_document
def _exposure_after(doc: DocumentView, e: EntityView) -> bool:
    """The mention (or the coordinated list it ends) is followed by "after / following / during" a drug or a
    therapy: "hypotension after treatment with milrinone", "Atrial fibrillation following chemotherapy"."""
    sent = doc.sentences[e.sentence_index]
    groups = sentence_groups(doc, e.sentence_index)
    end = max([e.end] + [x.end for x in sentence_entities(doc, e.sentence_index) if groups.get(x.entity_id) == groups.get(e.entity_id) and x.start >= e.start])
    after = doc.text[end : sent.end]
    m = _EXPOSURE_AFTER.match(after)
    if not m:
        return False
    window_start, window_end = end + m.end(), min(sent.end, end + m.end() + 70)
    if _THERAPY.search(doc.text[window_start:window_end]):
        return True
    return any(c.label == "CHEMICAL" and window_start <= c.start < window_end for c in sentence_entities(doc, e.sentence_index))


@per_document
def tail_drug_event(doc: DocumentView, head: EntityView, tail: EntityView, pattern: str | None) -> bool:
    """The tail is a drug's (or therapy's) event rather than a manifestation of ``head``.

    An overdose head owns its effects; "H-associated T" names the disease; an explicit causal link
    between the two conditions ("drug-induced liver injury had caused acute liver failure") wins over a
    drug reading of the tail, unless the tail itself is written as "DRUG-induced T".
    """
    if is_overdose(doc, head):
        return False
    owner = _compound_owner(doc, tail)
    if owner == "disease":
        return False
    if owner in ("chemical", "other"):
        return True
    if pattern in CAUSAL_PATTERNS:
        return False
    if pattern not in (None, "p_head_with", "p_tail_in_bare", "p_tail_first") and _drug_event_signal(doc, tail):
        # A drug named before the head: "DRUG-induced H, associated with T" -- the head stands between.
        chems = [c for c in sentence_entities(doc, tail.sentence_index) if c.label == "CHEMICAL"]
        if chems and all(c.end <= min(head.start, tail.start) for c in chems) and head.start < tail.start:
            return False
    if pattern in (None, "p_head_with", "p_tail_in_bare", "p_assoc", "p_head_presents") and _exposure_after(doc, tail):
        return True
    if pattern is not None and pattern != "p_head_with":
        chems = [c for c in sentence_entities(doc, tail.sentence_index) if c.label == "CHEMICAL"]
        if chems and all(c.start >= max(head.end, tail.end) for c in chems):
            return False  # "H is associated with T ... which cannot be corrected by potassium"
    if pattern == "p_head_with" and _compound_owner(doc, head) in ("chemical", "other"):
        return True  # "Chloroquine related complete heart block with blindness"
    return _drug_event_signal(doc, tail)


@per_document
def _drug_event_signal(doc: DocumentView, tail: EntityView) -> bool:
    """A chemical of the sentence has an adverse-event rule reading for the tail."""
    return any(
        c.label == "CHEMICAL" and any(s.type == DRUG_ADVERSE_EVENT for s in drug_disease_signals(doc, c, tail))
        for c in sentence_entities(doc, tail.sentence_index)
    )


_GENE_AFTER = re.compile(r"^\s*(?:-/-\s*)?(?:gene|genes|mutations?|deficient|knock-?out|locus|alleles?|protein|mRNA|promoter)\b", re.I)


@per_document
def excluded_pair(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Pairs the guideline never annotates, whatever the words say (reason, or None).

    An abbreviation or synonym and its long form ("myelodysplastic syndrome (MDS)"), hypernym
    pairs ("cancer" / "breast cancer"), coordinated mentions, and mentions naming a gene
    ("VHL gene mutations", "Dmpk deficient mice").
    """
    ctx = pair_context(doc, head, tail)
    if ctx.coordinated and ctx.between.strip():  # "A, B and C"; not "In A calcinosis occurs"
        return "coordinated"
    if head.abbreviation_of or tail.abbreviation_of:
        return "abbreviation"
    if _is_hypernym_pair(head, tail):
        return "hypernym"
    if re.match(r"^\s*[(\[;,]?\s*$", ctx.between):
        # "X (Y)" / "X; Y" with Y alone in the parenthesis: a synonym, not a component list.
        after = doc.text[ctx.second.end : doc.sentences[ctx.second.sentence_index].end]
        if "(" in ctx.between and re.match(r"^\s*[)\]]", after):
            return "synonym"
        if re.match(r"^\s*[)\]]", ctx.between):
            return "synonym"
    for e in (head, tail):
        if _GENE_AFTER.match(doc.text[e.end : e.end + 30]):
            return "gene"
    return None


#: ``norm`` of every generic head word, computed once (``_shape`` runs for every candidate pair).
_GENERIC_NORMS = frozenset(norm(g) for g in GENERIC)


@lru_cache(maxsize=16384)
def _shape(text: str) -> tuple[str, ...]:
    return tuple(_shape_list(text))


def _shape_list(text: str) -> list[str]:
    t = text.lower()
    out = [f"suf={s}" for s in _SUFFIXES if t.endswith(s) or t.rstrip("s").endswith(s)]
    last = (re.findall(r"[a-z]+", t) or [""])[-1]
    if last in GENERIC:
        out.append(f"last={last}")
    if t.strip() in GENERIC or norm(t) in _GENERIC_NORMS:
        out.append("generic")
    if re.fullmatch(r"[A-Z0-9-]{2,8}", text.strip()):
        out.append("acronym")
    return out


_INDUCED_PREFIX = re.compile(r"-?(?:induced|associated|related)\s+(?:[\w-]+\s+){0,2}$", re.I)


@per_document
def _induced_prefix(doc: DocumentView, e: EntityView, sent: SentenceView) -> bool:
    prefix = doc.text[max(sent.start, e.start - 30) : e.start]
    return bool(_INDUCED_PREFIX.search(prefix))


def pair_features(doc: DocumentView, head: EntityView, tail: EntityView, lexicon: frozenset[str]) -> dict[str, float]:
    """Sparse features of the ordered pair (``head`` disease, ``tail`` manifestation)."""
    ctx = pair_context(doc, head, tail)
    sent = doc.sentences[head.sentence_index]
    f: dict[str, float] = {}
    order = "tf" if ctx.first is tail else "hf"
    f[f"order={order}"] = 1.0
    btoks = _tokens(ctx.between)
    if len(btoks) > MAX_BETWEEN_TOKENS:
        f["between=long"] = 1.0
        btoks = btoks[:8] + btoks[-8:]
    for tok in btoks:
        f[f"b:{order}:{tok}"] = 1.0
        f[f"b:{tok}"] = 1.0
    for a, b in zip(btoks, btoks[1:]):
        f[f"bb:{order}:{a}_{b}"] = 1.0
    if not btoks:
        f["between=empty"] = 1.0
    f[f"nb={min(len(btoks), 12) // 3}"] = 1.0
    for tok in _edge_tokens(ctx.before)[0]:
        f[f"bef:{tok}"] = 1.0
    for tok in _edge_tokens(ctx.after)[1]:
        f[f"aft:{tok}"] = 1.0
    n_dis_between = sum(
        1 for e in sentence_entities(doc, head.sentence_index)
        if e.label == "DISEASE" and e.start >= ctx.first.end and e.end <= ctx.second.start
    )
    f[f"n_dis_between={min(n_dis_between, 3)}"] = 1.0
    if ctx.coordinated:
        f["coordinated"] = 1.0
    if re.match(r"^\s*[(\[]\s*$", ctx.between):
        f["paren_adjacent"] = 1.0
    if _is_hypernym_pair(head, tail):
        f["hypernym"] = 1.0
    if head.abbreviation_of or tail.abbreviation_of:
        f["abbrev"] = 1.0
    for role, e in (("h", head), ("t", tail)):
        for s in _shape(e.text):
            f[f"{role}:{s}"] = 1.0
        n = norm(e.abbreviation_of or e.text)
        if n in lexicon:
            f[f"{role}:hpo"] = 1.0
        elif n.split() and " ".join(n.split()[-2:]) in lexicon:
            f[f"{role}:hpo_suffix"] = 1.0
        if is_pp_object(doc, e, sent):
            f[f"{role}:pp_object"] = 1.0
        if e.negated:
            f[f"{role}:negated"] = 1.0
        if _induced_prefix(doc, e, sent):
            f[f"{role}:induced_prefix"] = 1.0
    if "t:hpo" in f and "h:hpo" not in f:
        f["hpo_tail_only"] = 1.0
    if "h:hpo" in f and "t:hpo" not in f:
        f["hpo_head_only"] = 1.0
    if order == "tf" and MANIF_TAIL_FIRST.search(ctx.between):
        f["cue:tail_first"] = 1.0
    if order == "hf" and MANIF_HEAD_FIRST.search(ctx.between):
        f["cue:head_first"] = 1.0
    if has_negation(ctx.between):
        f["neg_between"] = 1.0
    pat = precise_pattern(doc, head, tail)
    if pat:
        f[f"pattern={pat}"] = 1.0
        f["pattern" if pat not in WEAK_PATTERNS else "pattern_weak"] = 1.0
    sig = manifestation_signal(doc, head, tail)
    if sig is not None:
        f[f"rule={sig.rule}"] = 1.0
    if any(e.label == "CHEMICAL" for e in sentence_entities(doc, head.sentence_index)):
        f["chem_in_sentence"] = 1.0
        if tail_drug_event(doc, head, tail, pat):
            f["t:drug_event"] = 1.0
        if _drug_event(doc, head):
            f["h:drug_event"] = 1.0
    return f


# ----------------------------------------------------------------------------- model
@dataclass
class ManifestationModel:
    """Logistic regression over hashed pair features, threshold and the HPO phenotype lexicon."""

    coef: np.ndarray
    intercept: float
    threshold: float
    lexicon: frozenset[str]
    n_features: int = N_FEATURES
    stats: dict = field(default_factory=dict)
    #: Normalised names of diseases (HPO-annotated OMIM/ORPHA diseases, Disease Ontology terms) and the
    #: MeSH ids of diseases / of phenotypes, to tell the disease (head) from its manifestation (tail).
    disease_lexicon: frozenset[str] = frozenset()
    disease_mesh: frozenset[str] = frozenset()
    phenotype_mesh: frozenset[str] = frozenset()

    def entity_kind(self, e: EntityView) -> int:
        """+1 disease-like, -1 phenotype-like, 0 both or unknown: linked concept id first, then the name."""
        dis = phen = False
        cid = e.concept_id or ""
        if cid.startswith("HP:"):
            phen = True
        elif cid.startswith(("OMIM:", "ORPHA:", "DOID:")):
            dis = True
        elif cid:
            dis = cid in self.disease_mesh
            phen = cid in self.phenotype_mesh
        n = norm(e.abbreviation_of or e.text)
        dis = dis or n in self.disease_lexicon
        phen = phen or n in self.lexicon
        if not dis and not phen and n.split() and n.split()[-1] in {"syndrome", "disease", "carcinoma", "cancer", "leukemia", "lymphoma"}:
            dis = True
        return int(dis) - int(phen)

    def hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)

    def score_features(self, feats: list[dict[str, float]]) -> np.ndarray:
        if not feats:
            return np.zeros(0)
        z = self.hasher().transform(feats) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def candidates(self, doc: DocumentView, method: str = "model") -> list[RelationCandidate]:
        """Accepted ``disease_manifestation`` candidates of a document (score = probability).

        A mention pair is accepted when one of its two readings scores at least the threshold or is
        matched by a precise pattern (accepted at the threshold), and the tail of that reading is not a
        drug's event.  One reading per mention pair: a directed pattern decides, else the entity kinds
        (disease vs phenotype, :meth:`entity_kind`), else the higher score.  An accepted relation is then
        copied to the tails coordinated with its tail ("CKD with hyperuricemia and anemia").
        """
        pairs = [(h, t) for h, t in disease_pairs(doc) if not excluded_pair(doc, h, t)]
        if not pairs:
            return []
        pats = [precise_pattern(doc, h, t) for h, t in pairs]
        scores = self.score_features([pair_features(doc, h, t, self.lexicon) for h, t in pairs])
        readings: dict[tuple[str, str], tuple[EntityView, EntityView, float, str | None, bool]] = {}
        for (h, t), pat, s in zip(pairs, pats, scores):
            if tail_drug_event(doc, h, t, pat):
                continue
            readings[(h.entity_id, t.entity_id)] = (h, t, float(s), pat, s >= self.threshold or pat is not None)
        chosen: dict[tuple[str, str], tuple[EntityView, EntityView, float, str | None]] = {}
        for key, (h, t, s, pat, ok) in readings.items():
            rev = readings.get((t.entity_id, h.entity_id))
            if not ok and not (rev and rev[4]):
                continue
            if rev is not None and not self._prefer((h, t, s, pat, ok), rev):
                continue
            score = max(s, rev[2] if rev and rev[4] else 0.0, self.threshold if pat or (rev and rev[3]) else 0.0)
            chosen[key] = (h, t, score, pat)
        # Distribute over the tail's coordinated list.
        for (h, t, score, pat) in list(chosen.values()):
            sent = sentence_entities(doc, t.sentence_index)
            groups = sentence_groups(doc, t.sentence_index)
            for m in sent:
                if m is t or m is h or m.label != "DISEASE" or groups.get(m.entity_id) != groups.get(t.entity_id):
                    continue
                if groups.get(m.entity_id) == groups.get(h.entity_id):
                    continue
                lo, hi = (t, m) if t.start < m.start else (m, t)
                if not re.search(r"[,/;]|\b(?:and|or)\b", doc.text[lo.end : hi.start]):
                    continue  # "Hypersensitivity myocarditis": adjacent words, not a list
                if (h.entity_id, m.entity_id) in chosen or (m.entity_id, h.entity_id) in chosen:
                    continue
                if excluded_pair(doc, h, m) or tail_drug_event(doc, h, m, pat):
                    continue
                chosen[(h.entity_id, m.entity_id)] = (h, m, score * 0.999, pat)
        out = []
        for h, t, score, _pat in chosen.values():
            ctx = pair_context(doc, h, t)
            neg = has_negation(ctx.between) or h.negated or t.negated
            out.append(RelationCandidate(
                type=DISEASE_MANIFESTATION, head=h, tail=t, sentence_index=h.sentence_index,
                score=float(min(score, 1.0)), negated=neg, method=method,
            ))
        return out

    def _prefer(self, a: tuple, b: tuple) -> bool:
        """Reading ``a`` = (head, tail, score, pattern, accepted) wins over its reverse ``b``."""
        a_dir = a[3] is not None and a[3] not in UNDIRECTED_PATTERNS
        b_dir = b[3] is not None and b[3] not in UNDIRECTED_PATTERNS
        if a_dir != b_dir:
            return a_dir
        ka = self.entity_kind(a[0]) - self.entity_kind(a[1])
        # The kinds decide between two accepted readings, or alone when they are clear-cut
        # (a disease-only mention and a phenotype-only one).
        if ka != 0 and (a[4] and b[4] or abs(ka) >= 2):
            return ka > 0
        if a[4] != b[4]:
            return a[4]
        return (a[2], a[0].start) > (b[2], b[0].start)

    def save(self, path: Path) -> None:
        joblib.dump(self, path, compress=3)

    @staticmethod
    def load(path: Path) -> "ManifestationModel":
        return joblib.load(path)


# ----------------------------------------------------------------------------- knowledge base
def _obo_terms(lines: Iterable[str]) -> Iterator[dict[str, list[str]]]:
    term: dict[str, list[str]] | None = None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("["):
            if term is not None:
                yield term
            term = {} if line == "[Term]" else None
        elif term is not None and ": " in line:
            k, v = line.split(": ", 1)
            term.setdefault(k, []).append(v)
    if term is not None:
        yield term


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path, encoding="utf-8")


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
        return frozenset(m for m, names in self.mesh_names.items() if m.startswith("MESH:") and names & self.hpo_by_name.keys())

    @property
    def lexicon(self) -> frozenset[str]:
        return frozenset(self.hpo_by_name)

    def ancestors(self, hid: str) -> set[str]:
        out: set[str] = set()
        stack = [hid]
        while stack:
            for p in self.parents.get(stack.pop(), ()):
                if p not in out:
                    out.add(p)
                    stack.append(p)
        return out

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
    hpo_dir = vocab_dir / "hpo"
    hpo_by_name: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = {}
    with _open(hpo_dir / "hp.obo") as fh:
        for t in _obo_terms(fh):
            if "id" not in t or t.get("is_obsolete") == ["true"]:
                continue
            hid = t["id"][0]
            parents[hid] = {p.split()[0] for p in t.get("is_a", [])}
            names = [t["name"][0]] if "name" in t else []
            names += [s.split('"')[1] for s in t.get("synonym", []) if " EXACT" in s and '"' in s]
            for n in names:
                if norm(n):
                    hpo_by_name[norm(n)].add(hid)
    # Phenotypic abnormality (HP:0000118) and its direct children are too generic to count.
    generic = {"HP:0000118", "HP:0000001"} | {h for h, ps in parents.items() if "HP:0000118" in ps}
    phenotypic = {h for h in parents if "HP:0000118" in ({h} | _ancestors(parents, h))}
    hpo_by_name = {n: ids & phenotypic for n, ids in hpo_by_name.items() if ids & phenotypic}
    annotations: dict[str, set[str]] = defaultdict(set)
    disease_by_name: dict[str, set[str]] = defaultdict(set)
    annotated_names: set[str] = set()
    with _open(hpo_dir / "phenotype.hpoa.gz") as fh:
        for line in fh:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 11 or c[10] != "P" or c[2] == "NOT":
                continue
            annotations[c[0]].add(c[3])
            disease_by_name[norm(c[1])].add(c[0])
            annotated_names.add(norm(c[1]))
    mesh_to_kb: dict[str, set[str]] = defaultdict(set)
    mesh_names: dict[str, set[str]] = defaultdict(set)
    with _open(vocab_dir / "ctd_diseases" / "CTD_diseases.tsv.gz") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 8:
                continue
            did = c[1]
            names = [c[0]] + [s for s in c[7].split("|") if s]
            mesh_names[did] |= {norm(n) for n in names}
            omim = {a for a in c[2].split("|") if a.startswith("OMIM:")}
            if did.startswith("OMIM:"):
                omim.add(did)
            if omim:
                mesh_to_kb[did] |= omim
                for n in names:
                    disease_by_name[norm(n)] |= omim
    doid_names: set[str] = set()
    doid_mesh: set[str] = set()
    with _open(vocab_dir / "disease_ontology" / "doid.obo.gz") as fh:
        for t in _obo_terms(fh):
            if t.get("is_obsolete") == ["true"]:
                continue
            xrefs = t.get("xref", [])
            omim = {x.split()[0] for x in xrefs if x.startswith("OMIM:")}
            mesh = {"MESH:" + x.split()[0].split(":", 1)[1] for x in xrefs if x.startswith("MESH:")}
            doid_mesh |= mesh
            for m in mesh:
                if omim:
                    mesh_to_kb[m] |= omim
            names = [t["name"][0]] if "name" in t else []
            names += [x.split('"')[1] for x in t.get("synonym", []) if " EXACT" in x and '"' in x]
            doid_names |= {norm(n) for n in names if norm(n)}
    return PhenotypeKB(dict(hpo_by_name), parents, dict(annotations), dict(disease_by_name), dict(mesh_to_kb),
                       dict(mesh_names), generic, doid_names=doid_names, doid_mesh=doid_mesh,
                       annotated_names=annotated_names)


def _ancestors(parents: dict[str, set[str]], hid: str) -> set[str]:
    out: set[str] = set()
    stack = [hid]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in out:
                out.add(p)
                stack.append(p)
    return out


# ----------------------------------------------------------------------------- training data
#: PubTator mention types read as DISEASE / CHEMICAL (BC5CDR, NCBI disease, BioRED).
TYPE_LABELS = {
    "disease": "DISEASE",
    "chemical": "CHEMICAL",
    "specificdisease": "DISEASE",
    "diseaseclass": "DISEASE",
    "modifier": "DISEASE",
    "compositemention": "DISEASE",
    "diseaseorphenotypicfeature": "DISEASE",
    "chemicalentity": "CHEMICAL",
}


@dataclass
class CorpusDoc:
    view: DocumentView
    ids: dict[str, tuple[str, ...]]
    group: str


def corpus_view(doc: PubtatorDocument, source: str) -> CorpusDoc:
    """A PubTator abstract as a view: sentences by the pipeline's splitter, gold mentions (no overlaps)."""
    text = doc.title + " " + doc.abstract
    t_end = len(doc.title)
    sections = [("title", 0, t_end), ("abstract", t_end + 1, len(text))]
    sentences = [SentenceView(i, s, e, name) for i, (s, e, name) in enumerate(split_sentences(text, sections))]
    entities: list[EntityView] = []
    ids: dict[str, tuple[str, ...]] = {}
    last_end = -1
    for i, m in enumerate(sorted(doc.mentions, key=lambda m: (m.start, -m.end))):
        label = TYPE_LABELS.get(m.type.lower())
        if label is None or m.start < last_end or m.end > len(text):
            continue
        last_end = m.end
        eid = f"{source}:{doc.pmid}#e{i}"
        mids = tuple(mesh_id(x) for x in m.ids if x and x != "-1")
        entities.append(
            EntityView(eid, m.start, m.end, text[m.start : m.end], label, sentence_index_of(sentences, m.start),
                       concept_id=mids[0] if mids else None)
        )
        ids[eid] = mids
    view = DocumentView(f"{source}:{doc.pmid}", text, sentences, entities, title=doc.title,
                        sections=[("title", 0, t_end), ("abstract", t_end + 1, len(text))])
    return CorpusDoc(view, ids, doc.pmid)


def training_corpora(corpora_dir: Path) -> list[tuple[str, Path]]:
    """The training splits used for distant supervision (development splits are never read)."""
    return [
        ("bc5cdr", corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"),
        ("ncbi", corpora_dir / "ncbi_disease" / "NCBItrainset_corpus.txt"),
        ("biored", corpora_dir / "biored" / "Train.PubTator"),
    ]


@dataclass
class DistantPair:
    features: dict[str, float]
    label: int
    source: str  # "kb", "pattern", "kb+pattern" or "none"
    group: str


def distant_pairs(docs: list[CorpusDoc], kb: PhenotypeKB | None, lexicon: frozenset[str]) -> list[DistantPair]:
    """Every ordered same-sentence disease pair of ``docs`` with its distant label."""
    out: list[DistantPair] = []
    for d in docs:
        for h, t in disease_pairs(d.view):
            in_kb = bool(kb and kb.linked(h, d.ids.get(h.entity_id, ()), t, d.ids.get(t.entity_id, ())))
            pat = precise_pattern(d.view, h, t)
            feats = pair_features(d.view, h, t, lexicon)
            if excluded_pair(d.view, h, t):
                src = "excluded"
            elif pat and pat not in WEAK_PATTERNS and not feats.get("t:drug_event"):
                src = "kb+pattern" if in_kb else "pattern"
            else:
                src = "kb" if in_kb else "none"
            out.append(DistantPair(feats, int(src not in ("none", "excluded")), src, d.group))
    return out


def _fit(pairs: list[DistantPair], C: float, n_features: int) -> LogisticRegression:
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    clf = LogisticRegression(C=C, max_iter=2000, solver="liblinear", class_weight="balanced")
    clf.fit(hasher.transform([p.features for p in pairs]), np.array([p.label for p in pairs]))
    return clf


def train_manifestation(
    corpora_dir: Path,
    vocab_dir: Path | None,
    C: float = 0.3,
    n_features: int = N_FEATURES,
    cv_folds: int = 3,
    limit: int | None = None,
    corpora: list[tuple[str, Path]] | None = None,
) -> ManifestationModel:
    """Distant labels on the training corpora -> logistic regression + out-of-fold threshold."""
    started = time.time()
    kb = load_kb(vocab_dir) if vocab_dir is not None and (vocab_dir / "hpo" / "hp.obo").exists() else None
    lexicon = kb.lexicon if kb else frozenset()
    docs: list[CorpusDoc] = []
    for source, path in corpora or training_corpora(corpora_dir):
        if not Path(path).exists():
            log.warning("training corpus %s missing", path)
            continue
        for i, doc in enumerate(unique_documents(read_pubtator(Path(path)))):
            if limit is not None and i >= limit:
                break
            docs.append(corpus_view(doc, source))
    pairs = distant_pairs(docs, kb, lexicon)
    labels = np.array([p.label for p in pairs])
    if len(pairs) < 2 or labels.min() == labels.max():
        raise ValueError("manifestation training needs pairs of both labels")
    counts: dict[str, int] = defaultdict(int)
    for p in pairs:
        counts[p.source] += 1
    # Out-of-fold probabilities (folds by PMID) to choose the threshold on distant labels.
    uniq = sorted({p.group for p in pairs})
    fold_of = {g: i % cv_folds for i, g in enumerate(uniq)}
    oof = np.zeros(len(pairs))
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    for k in range(cv_folds):
        tr = [p for p in pairs if fold_of[p.group] != k]
        te = [i for i, p in enumerate(pairs) if fold_of[p.group] == k]
        if not te or len({p.label for p in tr}) < 2:
            continue
        clf = _fit(tr, C, n_features)
        oof[te] = clf.predict_proba(hasher.transform([pairs[i].features for i in te]))[:, 1]
    best = (0.5, -1.0, {})
    n_pos = int(labels.sum())
    for t in np.arange(0.3, 0.96, 0.025):
        hit = oof >= t
        tp = int((hit & (labels == 1)).sum())
        p = tp / hit.sum() if hit.sum() else 0.0
        r = tp / n_pos if n_pos else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[1]:
            best = (round(float(t), 3), f, {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)})
    clf = _fit(pairs, C, n_features)
    stats = {
        "n_docs": len(docs),
        "n_pairs": len(pairs),
        "n_positive": n_pos,
        "label_sources": dict(counts),
        "cv_distant_labels": best[2],
        "cv_folds": cv_folds,
        "threshold_source": "out-of-fold F1 against the distant labels (training corpora)",
        "C": C,
        "n_features": n_features,
        "kb": bool(kb),
        "train_seconds": round(time.time() - started, 1),
    }
    log.info("manifestation model: %s", stats)
    model = ManifestationModel(clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0]), best[0], lexicon, n_features, stats)
    if kb is not None:
        model.disease_lexicon = kb.disease_lexicon
        model.disease_mesh = kb.disease_mesh
        model.phenotype_mesh = kb.phenotype_mesh
    return model
