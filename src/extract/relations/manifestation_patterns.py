"""Precise patterns of ``disease_manifestation`` and the pairs they exclude.

:func:`precise_pattern` names the phrase that links a disease (head) to its sign, symptom, finding
or complication (tail) in one sentence: "T is a feature of H", "H presenting with T", "T in patients
with H", "H leads to T", "T due to H", "In H, T occurs", "H (T1, T2, T3)".  The classifier reads
the pattern as a feature, accepts a pattern reading at its threshold, and training uses the
directed, non-weak patterns as distant labels.

:func:`tail_drug_event` tells a drug's (or a therapy's) event from a manifestation, and
:func:`excluded_pair` lists the pairs the guideline never annotates (synonyms, abbreviations,
hypernyms, coordinated mentions, gene mentions).
"""

from __future__ import annotations

import re

from extract.relations.candidates import PairContext, is_pp_object, pair_context, sentence_groups
from extract.relations.cues import AS_A_RESULT_OF, CAUSED_BY, CAUSES, POPULATION
from extract.relations.features import first_tokens, token_tuple
from extract.relations.memo import per_document, sentence_entities
from extract.relations.rules import (
    FEW_WORDS,
    MANIF_IN_HEAD,
    MANIF_SUBJECT_VERB,
    drug_disease_signals,
    has_negation,
    is_hypernym_pair,
)
from extract.relations.types import DRUG_ADVERSE_EVENT, DocumentView, EntityView

_POP = rf"(?:{POPULATION})"
#: "(two words) patients with / of / having" (optional), then up to two words to the end of the text.
_POP_WITH_END = r"(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){0,2}$"
#: Tail first: "T is a (common) feature of H", "T occurs in H", "T in patients with H" (the causal
#: "T due to H" is :data:`TAIL_CAUSAL`, tested first).
PRECISE_TAIL_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|remains?|represents?|as|being|be)\s+)?(?:(?:a|an|the|one|of)\s+)*"
    r"(?:(?:common|major|main|frequent|prominent|typical|characteristic|cardinal|classic|well[- ]known|"
    r"recogni[sz]ed|rare|serious|severe|important|late|early|known|clinical|most|disabling|difficult|"
    r"potentially|primary|presenting|frequently|usually|often|recurrent|\w+ly)\s+)*"
    r"(?:feature|manifestation|sign|symptom|complication|finding|hallmark|sequela|sequelae|consequence|"
    r"presentation|characteristic|component)s?\s+(?:of|in)\s+(?:(?:the|a|an|this|their)\s+)?"
    + _POP_WITH_END
    + r"|^\s*,?\s*(?:(?:is|are|was|were|has been|have been|may|can|often|commonly|frequently|also|usually|especially|"
    r"typically)\s+){0,3}(?:occurs?|occurred|occurring|seen|observed|found|recogni[sz]ed|encountered|reported|"
    r"described|present|common|frequent|prevalent|develops?|developed|noted|documented)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:in|among)\s+(?:(?:the|a|an|this|their)\s+)?"
    + _POP_WITH_END
    + r"|^\s*,?\s*(?:in|among)\s+(?:(?:a|an|the|this|their|\d+)\s+)?(?:[\w-]+\s+){0,2}"
    + _POP
    + r"\s+(?:with|having)\s+"
    r"(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,1}$",
    re.I,
)
#: Head first: "H presenting with T", "H characterised by T", "H complicated by T", "H with T" (the
#: causal "H leads to T" is :data:`HEAD_CAUSAL`, tested first).
PRECISE_HEAD_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:which|that|who|and|is|are|was|were|often|typically|usually|may|can|commonly|frequently|"
    r"also|clinically|\w+ly)\s+){0,3}"
    r"(?:present(?:ing|ed|s)?|manifest(?:ing|ed|s)?|characteri[sz]ed|complicated|accompanied|associated)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:with|by|as)\s+(?:(?:a|an|the|severe|marked|prominent|progressive|"
    r"recurrent|acute|chronic|early|late|\w+ly)\s+){0,3}$"
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
    rf"(?:{CAUSES}|progress(?:es|ed|ing)?\s+to|(?:gives?|gave|giving)\s+rise\s+to)\s+"
    r"(?:(?:a|an|the|severe|marked|progressive|acute|chronic|fatal|secondary|overt)\s+)*$",
    re.I,
)
#: Tail first, caused by the head: "T due to / secondary to / caused by / resulting from H".
TAIL_CAUSAL = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|may be|can be|probably|possibly|likely|presumably|mainly|primarily|largely|"
    r"partly|often|usually|most likely)\s+){0,2}"
    rf"(?:{CAUSED_BY}|derived from|derives? (?:\w+ly\s+)?from|complicating|{AS_A_RESULT_OF}|the result of)\s+"
    r"(?:(?:the|a|an|underlying|an underlying)\s+)?$",
    re.I,
)
#: Tail is the clause subject, the causal phrase that binds the head ends the between-text:
#: "the neuromuscular dysfunction ... derives primarily from muscle atrophy".
SUBJECT_TAIL_CAUSAL = re.compile(
    rf"\b(?:{CAUSED_BY}|derives? (?:\w+ly\s+)?from|the result of|(?:a|the)\s+(?:\w+\s+)?consequence of)\s+"
    r"(?:(?:the|a|an|underlying)\s+)?$",
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
#: The nominal family "T is a feature of H" written head first: "(the main) signs / symptoms / features /
#: manifestations / complications of H include / are / such as T", "Signs or symptoms of H, such as T", "symptoms of
#: H (T1 and T2)".  Before the head (``FEATURES_OF_BEFORE``, ending the text before it) and between the pair
#: (``FEATURES_OF_BETWEEN``).
_FEATURE_NOUN = r"(?:signs?|symptoms?|features?|manifestations?|complications?|findings?|hallmarks?)"
FEATURES_OF_BEFORE = re.compile(
    rf"\b{_FEATURE_NOUN}(?:\s+(?:and|or)\s+{_FEATURE_NOUN})?\s+of\s+"
    r"(?:(?:the|a|an|this|these|their|patients\s+with)\s+)*(?:[\w-]+\s+)?$",
    re.I,
)
FEATURES_OF_BETWEEN = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?,?\s*(?:are|were|include[sd]?|including|consist(?:s|ed)?\s+of|comprised?\s+of|"
    r"comprise[sd]?|such\s+as|like|:|\()\s*(?:(?:mainly|mostly|often|usually|typically|commonly|predominantly|primarily|"
    r"a|an|the|severe|marked|progressive|recurrent|acute|chronic)\s+)*$",
    re.I,
)
#: Tail first, the nominal claim itself: "T is a (common) feature / manifestation / sign / symptom / complication of H"
#: (the first alternative of ``PRECISE_TAIL_FIRST``, without "in patients with").
_FEATURE_ADJECTIVES = (
    r"(?:(?:most|more|common|major|main|frequent|prominent|typical|characteristic|cardinal|classic|well[- ]known|"
    r"recogni[sz]ed|rare|serious|severe|important|late|early|known|clinical|disabling|primary|presenting|recurrent|"
    r"\w+ly)\s+){0,4}"
)
_TAIL_FEATURE_OF = re.compile(
    r"^\s*(?:(?:is|are|was|were|remains?|represents?|being)\s+(?:(?:a|an|the|one|of)\s+)*|,\s*(?:(?:a|an|the|one|of)\s+)+)"
    + _FEATURE_ADJECTIVES
    + _FEATURE_NOUN
    + r"\s+of\s+(?:(?:the|a|an|this|their)\s+)?(?:patients\s+with\s+)?$",
    re.I,
)
#: Before a tail that is a prepositional object ("an increased risk of T are features of H"): T is not the subject.
_PP_BEFORE = re.compile(r"\b(?:of|in|with|to|for|by|on|from)\s+(?:(?:the|a|an)\s+)?$", re.I)
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
TAIL_IN_BARE = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?:in|among)\s+(?:(?:the|a|an|this|these|their)\s+)?(?:[\w-]+\s+)?$", re.I
)

#: Explicit condition -> condition links: they hold even when the tail is also a drug's event.
CAUSAL_PATTERNS = frozenset(
    {"p_head_causal", "p_tail_causal", "p_subject_tail_causal", "p_head_cause_of", "p_head_compound"}
)
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
#: Between a drug and the head: "CHEM (given) for H", "CHEM in the treatment of H", "CHEM in patients with H".
_DRUG_INDICATION_BEFORE = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?(?:[\w-]+\s+){0,2}?(?:for|in)\s+(?:the\s+)?"
    r"(?:(?:treatment|management|prevention|relief|control|therapy)\s+of\s+)?(?:(?:patients|subjects)\s+with\s+)?"
    r"(?:[\w-]+\s+){0,2}$",  # the head's modifiers the mention leaves out: "in acute migraine"
    re.I,
)
#: A finite causal verb right after the head (not "H causing T", where the participle belongs to H).
_FINITE_CAUSE_AFTER = re.compile(
    r"^\s*(?:(?:also|often|frequently)\s+)?(?:caused|causes|induced|resulted\s+in|led\s+to)\b", re.I
)
_COMPOUND_PREFIX = re.compile(r"(\S+?)\s*-?\s*(?:induced|associated|related)\s+((?:[\w-]+\s+){0,2})$", re.I)
# Smaller patterns of the functions below, compiled once.
_LEADING_PARENTHESIS = re.compile(r"^\s*\([^()]{1,30}\)")
_OPENS_PARENTHESIS = re.compile(r"[(\[]\s*$")
_CLAUSE_START = re.compile(r"\b(?:that|whether|thus|however|although|while)\s+(?:the\s+)?$", re.I)
_ADJECTIVAL = re.compile(r"[a-z]ed$")
_COPULA = re.compile(r"\b(?:is|are|was|were)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}$")
_PREPOSITION = re.compile(r"(?:with|to|by|in|of)\b", re.I)
_SYNONYM_BETWEEN = re.compile(r"^\s*[(\[;,]?\s*$")
_CLOSES_PARENTHESIS = re.compile(r"^\s*[)\]]")


def _may_compound(prefix: str) -> bool:
    """False only when ``_COMPOUND_PREFIX`` cannot match: ASCII text without its trigger words (the
    search is slow; with re.I, non-ASCII letters may match ASCII ones, so other text is searched)."""
    if not prefix.isascii():
        return True
    low = prefix.lower()
    return "induced" in low or "associated" in low or "related" in low


def is_overdose(doc: DocumentView, e: EntityView) -> bool:
    """'captopril overdose', 'paracetamol poisoning': a poisoning mention is a head for its effects."""
    return bool(_OVERDOSE.search(e.text.strip()))


def _pattern_between(doc: DocumentView, ctx) -> str:
    """Between-text for the patterns: a parenthesised abbreviation right after the first mention
    ("SLE (SLE) with T") and a chemical naming an overdose head ("T due to captopril overdose") are cut."""
    between = ctx.between
    m = _LEADING_PARENTHESIS.match(between)
    if m and any(
        e.label == "DISEASE" and e.start >= ctx.first.end and e.end <= ctx.first.end + m.end()
        for e in sentence_entities(doc, ctx.first.sentence_index)
    ):
        between = between[m.end() :]
    if is_overdose(doc, ctx.second):
        for c in sentence_entities(doc, ctx.second.sentence_index):
            if (
                c.label == "CHEMICAL"
                and ctx.first.end <= c.start
                and c.end <= ctx.second.start
                and not doc.text[c.end : ctx.second.start].strip()
            ):
                between = doc.text[ctx.first.end : c.start]
                break
    return between


def _blocking_between(doc: DocumentView, ctx) -> bool:
    """Another (non-prepositional, non-parenthesised) disease mention stands between the pair."""
    sent = doc.sentences[ctx.first.sentence_index]
    for e in sentence_entities(doc, ctx.first.sentence_index):
        if e.label != "DISEASE" or e.start < ctx.first.end or e.end > ctx.second.start:
            continue
        if is_pp_object(doc, e, sent) or _OPENS_PARENTHESIS.search(doc.text[max(sent.start, e.start - 3) : e.start]):
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
    # Words before the pair, counted up to 9: only "at most 3 / 4 / 8" is asked.
    n_before = len(first_tokens(ctx.before, 9))
    subject = n_before <= 4 or n_before <= 8 and bool(_CLAUSE_START.search(ctx.before))
    if ctx.first is tail:
        if _MOLECULAR.search(head.text):
            return (
                None  # "Canavan disease is caused by the deficiency of aspartoacylase": its cause, not a complication
            )
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
    adjectival = bool(_ADJECTIVAL.search(head.text.strip()))
    if HEAD_WITH.match(between):
        return None if adjectival else "p_head_with"
    if PRECISE_HEAD_FIRST.match(between):
        if between.strip().lower().startswith("with"):
            return None if adjectival else "p_head_with"
        return "p_head_first"
    if FEATURES_OF_BETWEEN.match(between) and FEATURES_OF_BEFORE.search(ctx.before):
        return "p_head_features_of"
    if not has_negation(between) and not _blocking_between(doc, ctx):
        if subject and SUBJECT_HEAD_CAUSE.search(between):
            return "p_head_cause_of"
        if len(token_tuple(between)) <= 12 and HEAD_PRESENTS.search(between):
            return "p_head_presents"
    if FEW_WORDS.match(between) and MANIF_IN_HEAD.search(ctx.before):
        if MANIF_SUBJECT_VERB.match(ctx.after):
            return "p_in_head_tail_occurs"
    if _LIST_OPEN.match(between):
        groups = sentence_groups(doc, head.sentence_index)
        members = [
            e
            for e in sentence_entities(doc, head.sentence_index)
            if groups.get(e.entity_id) == groups.get(tail.entity_id)
        ]
        if len(members) >= 2:
            return "p_component_list"  # "Denys-Drash syndrome (nephropathy, gonadal anomaly, ...)"
    return None


@per_document
def _predicate_of_disease(doc: DocumentView, e: EntityView) -> bool:
    """The mention is the predicate noun of another disease mention: "X is a rare recessive disease"."""
    sent = doc.sentences[e.sentence_index]
    prefix = doc.text[max(sent.start, e.start - 60) : e.start]
    m = _COPULA.search(prefix)
    if not m:
        return False
    cut = max(sent.start, e.start - 60) + m.start()
    return any(
        x.label == "DISEASE" and x is not e and x.end <= cut and cut - x.end <= 3
        for x in sentence_entities(doc, e.sentence_index)
    )


@per_document
def _compound_owner(doc: DocumentView, e: EntityView) -> str | None:
    """Who names ``e`` as its product in "X-induced / X-associated / X-related e": 'disease',
    'chemical', 'other' (an exposure word: "chemotherapy-induced"), or None."""
    sent = doc.sentences[e.sentence_index]
    prefix = doc.text[max(sent.start, e.start - 60) : e.start]
    m = _COMPOUND_PREFIX.search(prefix) if _may_compound(prefix) else None
    if not m or _PREPOSITION.match(m.group(2)):
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
    end = max(
        [e.end]
        + [
            x.end
            for x in sentence_entities(doc, e.sentence_index)
            if groups.get(x.entity_id) == groups.get(e.entity_id) and x.start >= e.start
        ]
    )
    after = doc.text[end : sent.end]
    m = _EXPOSURE_AFTER.match(after)
    if not m:
        return False
    window_start, window_end = end + m.end(), min(sent.end, end + m.end() + 70)
    if _THERAPY.search(doc.text[window_start:window_end]):
        return True
    return any(
        c.label == "CHEMICAL" and window_start <= c.start < window_end for c in sentence_entities(doc, e.sentence_index)
    )


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
    if pattern == "p_head_causal" and _drug_subject_of_cause(doc, head):
        return True  # "Sumatriptan for migraine caused chest tightness": the drug caused it, not the migraine
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


def _drug_subject_of_cause(doc: DocumentView, head: EntityView) -> bool:
    """The head is the indication of a drug named just before it and a finite causal verb follows it: the subject of
    "caused" is "CHEM for H" ("Morphine for postoperative pain caused nausea"), i.e. the drug."""
    sent = doc.sentences[head.sentence_index]
    if not _FINITE_CAUSE_AFTER.match(doc.text[head.end : sent.end]):
        return False
    before = [c for c in sentence_entities(doc, head.sentence_index) if c.label == "CHEMICAL" and c.end <= head.start]
    return bool(before) and bool(_DRUG_INDICATION_BEFORE.match(doc.text[max(c.end for c in before) : head.start]))


@per_document
def _drug_event_signal(doc: DocumentView, tail: EntityView) -> bool:
    """A chemical of the sentence has an adverse-event rule reading for the tail."""
    return any(
        c.label == "CHEMICAL" and any(s.type == DRUG_ADVERSE_EVENT for s in drug_disease_signals(doc, c, tail))
        for c in sentence_entities(doc, tail.sentence_index)
    )


#: Cue phrases of readings the guideline never annotates, as data (one regular expression string a cue, joined into
#: the patterns below).  The last word of a mention that names an outcome, not a condition: "deaths due to pneumonia",
#: "COPD-related deaths", "Ischemic heart disease is the most frequent cause of death" (the guideline's "a later
#: disease or outcome the head only raises the risk of ... death").  Cell death is a finding ("neuronal death").
OUTCOME_WORDS = ("deaths?", "mortality", "mortalities", "fatality", "fatalities")
_OUTCOME = re.compile(rf"\b(?:{'|'.join(OUTCOME_WORDS)})$", re.I)
_CELL_DEATH = re.compile(r"\b(?:cells?|cellular|neuronal|neurons?|apoptotic|necrotic)\s+deaths?$", re.I)
#: The first mention only raises the risk of the second, the cue ending the text between them: "H is a risk factor
#: for T", "H increases the risk of T", "H predisposes (patients) to T", "patients with H are at increased risk of T".
RISK_CUES = (
    r"risk\s+factors?\s+(?:for|of)",
    r"(?:increase[sd]?|increasing|raise[sd]?|raising|doubles?|doubled|confer(?:s|red)?)\s+(?:(?:the|an?|their)\s+)?"
    r"(?:[\w-]+\s+)?risks?\s+(?:of|for)",
    r"predispos(?:es?|ed|ing)\s+(?:[\w-]+\s+){0,2}?to",
    r"(?:increased|high|higher|greater|elevated|excess)\s+risks?\s+(?:of|for)",
    r"(?:increased\s+)?susceptibility\s+to",
)
_RISK_TAIL = r"\s+(?:(?:the|a|an|developing|subsequent|later|future)\s+)*(?:(?:development|onset|occurrence)\s+of\s+)?$"
RISK_BETWEEN = re.compile(rf"\b(?:{'|'.join(RISK_CUES)}){_RISK_TAIL}", re.I)
#: "(the) risk of T in patients with H": the cue before the tail, the tail-first "T in (patients with) H" between.
RISK_BEFORE = re.compile(
    rf"\b(?:{'|'.join(RISK_CUES)}|risks?\s+(?:of|for))\s+(?:(?:the|a|an|developing|subsequent|later|future)\s+)*"
    r"(?:[\w-]+\s+){0,2}$",
    re.I,
)
_IN_HEAD = re.compile(r"^\s*(?:in|among)\s+", re.I)
#: The first mention causes the second, the cue ending the text between them: "problems such as T ... are reported to
#: lead to the development of H", "T is a frequent cause of H", "T contributes to H".  Read as "H -> T" it is reversed.
CAUSE_OF_SECOND = re.compile(
    rf"\b(?:{CAUSES}|contribut(?:e|es|ed|ing)\s+to|progress(?:es|ed|ing)?\s+to|(?:gives?|gave|giving)\s+rise\s+to|"
    r"(?:causes?|triggers?|etiolog(?:y|ies)|aetiolog(?:y|ies))\s+(?:of|for))\s+(?:(?:the|a|an)\s+)?"
    r"(?:(?:development|onset|occurrence|appearance|emergence|progression)\s+of\s+(?:(?:the|a|an)\s+)?)?$",
    re.I,
)
#: The tail is named as the cause of what the sentence speaks of: "H ..., with T being the most frequent etiology".
TAIL_NAMED_CAUSE = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?,?\s*(?:being|is|was)\s+(?:(?:the|a|an|one|of|most|more|major|main|common|frequent|"
    r"leading|usual|likely|\w+est)\s+){0,4}(?:causes?|etiolog(?:y|ies)|aetiolog(?:y|ies))\b(?!\s+(?:of|for)\b)",
    re.I,
)
#: After the head of a tail-first "T in H": "T in H progression / pathogenesis" makes T a factor of H's course.
COURSE_AFTER_HEAD = re.compile(
    r"^\s*(?:progression|pathogenesis|pathophysiology|aetiology|etiology|development|onset|risk|susceptibility)\b", re.I
)
#: "X in children with T is attributed to H": the tail is the object of a population's "with", the subject of the
#: finite causal predicate is the noun before it.
_WITH_BEFORE = re.compile(r"\b(?:" + POPULATION + r")\s+with\s+(?:(?:the|a|an)\s+)?$", re.I)
_FINITE_CAUSED_BY = re.compile(r"^\s*(?:is|are|was|were)\s+", re.I)


def is_outcome(e: EntityView) -> bool:
    """The mention names death or mortality ("maternal deaths", "sudden cardiac death"), an outcome."""
    text = e.text.strip()
    return bool(_OUTCOME.search(text)) and not _CELL_DEATH.search(text)


#: Infections that cause the diseases they are named with, never signs of them ("duodenal ulcer patients with H. pylori
#: infection", "cirrhosis in chronic hepatitis C"): as a tail, such an infection reads "reversed".  MeSH ids; the
#: judged manifestation rows of `data/gold/relation_annotations/` hold 14 rows with an H. pylori tail, none right.
CAUSAL_INFECTIONS = frozenset(
    {
        "MESH:D016481",  # Helicobacter Infections
        "MESH:D006509",  # Hepatitis B
        "MESH:D019694",  # Hepatitis B, Chronic
        "MESH:D006526",  # Hepatitis C
        "MESH:D019698",  # Hepatitis C, Chronic
        "MESH:D015658",  # HIV Infections
        "MESH:D030361",  # Papillomavirus Infections
    }
)


def _causal_infection(e: EntityView) -> bool:
    return e.concept_id in CAUSAL_INFECTIONS or any(cid in CAUSAL_INFECTIONS for cid in e.concept_ids)


@per_document
def contradicted_reading(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Why the words make ``head -> tail`` no manifestation, or None: the head only raises the risk of the tail
    ("risk", either mention first: "H is a risk factor for T", "the risk of T in patients with H"), or the tail causes
    the head or is named a cause ("reversed": "T ... lead to the development of H", "T is a frequent cause of H", "T in
    H progression", "H, with T being the most frequent etiology", "X in children with T is attributed to H"; a tail
    that is one of the :data:`CAUSAL_INFECTIONS` of a head that is not)."""
    if _causal_infection(tail) and not _causal_infection(head):
        return "reversed"
    if head.sentence_index != tail.sentence_index:
        return None
    ctx = pair_context(doc, head, tail)
    between = _pattern_between(doc, ctx)
    if RISK_BETWEEN.search(between):
        return "risk"
    sent = doc.sentences[head.sentence_index]
    if ctx.first is tail:
        if _IN_HEAD.match(between) and RISK_BEFORE.search(ctx.before):
            return "risk"
        if CAUSE_OF_SECOND.search(between):
            return "reversed"
        if TAIL_IN_BARE.match(between) and COURSE_AFTER_HEAD.match(doc.text[head.end : sent.end]):
            return "reversed"
        if _FINITE_CAUSED_BY.match(between) and TAIL_CAUSAL.match(between) and _WITH_BEFORE.search(ctx.before):
            return "reversed"
    elif TAIL_NAMED_CAUSE.match(doc.text[tail.end : sent.end]):
        return "reversed"
    return None


#: One word shaped as an adjective ("psychotic", "cirrhotic", "dyspeptic", "neuropathic", "ulcerative", "musculoskeletal").
_ADJECTIVE = re.compile(r"[A-Za-z-]+(?:ic|al|ous|ive)")
#: The same shape with two more endings ("inflammatory", "acinar"), read as a cut only before a content word.
_ADJECTIVE_WIDE = re.compile(r"[A-Za-z-]+(?:ic|al|ous|ive|ory|ar)")
#: A lower-case word right after it: the noun it modifies ("patients", "symptoms", "pain", "features").
_NOUN_AFTER = re.compile(r"^[ -][a-z]")
#: A lower-case word that is no function word ("[[ureteric colic]] and acute trauma" ends at "and").
_CONTENT_WORD_AFTER = re.compile(
    r"^[ -](?!(?:and|or|in|of|is|are|was|were|with|as|to|by|for|at|on|that|which|but|from|after|during|than|may|can|"
    r"has|have|had)\b)[a-z]"
)


def is_cut_modifier(doc: DocumentView, mention: EntityView) -> bool:
    """The mention ends in an adjective-shaped word followed by the noun it modifies: "[[psychotic]] patients with
    borderline personality disorder", "[[cirrhotic]] patients present with MHE", "six [[dyspeptic]] symptoms,
    epigastric fullness, ...", "characterized by [[ulcerative]] intestinal mucosa", "in [[type 2 diabetic]] patients",
    "an [[abnormal inflammatory]] response", "[[acinar]] dilatation".  The condition is the noun phrase (or the
    population is meant), never the adjective.  Of the judged manifestation rows of ``data/gold/relation_annotations/``
    (draws 1-9, case reports) with a one-word such head or tail (-ic, -al, -ous, -ive), 84 are wrong and 1 right
    ("clinical signs of hypocalcaemia (tetanic contractions)"); the wider reading (the last word of a longer mention,
    or -ory / -ar, before a content word; draws 1-11) adds 21 wrong and 1 right ("CKD, as manifested by albuminuria,
    [[impaired glomerular]] filtration rate")."""
    text = doc.text
    after = text[mention.end : mention.end + 12]
    if " " not in mention.text and _ADJECTIVE.fullmatch(mention.text) and _NOUN_AFTER.match(after):
        return True
    last = mention.text.split()[-1] if mention.text.split() else ""
    return _ADJECTIVE_WIDE.fullmatch(last) is not None and _CONTENT_WORD_AFTER.match(after) is not None


#: "A, including / such as B", directly or through a list ("ocular anomalies, including aniridia, Peters anomaly, ..."):
#: the second names a member of the first.
_MEMBER_CONNECTIVE = re.compile(
    r"^\s*,?\s*\(?\s*(?:including|such\s+as|e\.g\.,?|like|especially|particularly|notably|namely|in\s+the\s+form\s+of)"
    r"(?:\s*|\s+[^.;:()]{0,80}?(?:,|\band\b|\bor\b)\s*)$",
    re.I,
)
#: A feature noun governing the first mention: "symptoms of [[esophageal dysfunction]], including dysphagia",
#: "clinical findings that were consistent with the presence of hereditary [[hemochromatosis]], such as hepatomegaly"
#: (the list names the features, not kinds of the disease).
_FEATURE_NOUN_BEFORE = re.compile(
    r"\b(?:symptoms?|signs?|features?|manifestations?|complications?|findings?|sequelae|presentations?|consequences?|"
    r"characteristics?|hallmarks?|effects?|toxicity)\s+(?:(?:that|which)\s+(?:were|are|was|is)\s+)?"
    r"(?:of|in|consistent\s+with(?:\s+the\s+presence\s+of)?)\s+(?:[\w-]+\s+){0,2}$",
    re.I,
)


def names_a_member(ctx: PairContext) -> bool:
    """The second mention is listed as a kind of the first: "{{infections}}, including [[tuberculosis]]", "[[anterior
    segment malformations]] including {{Peters anomaly}}", "{{entrapment neuropathies}} such as [[carpal tunnel
    syndrome]]" -- unless a feature noun governs the first ("symptoms of H, including T").  Of the judged manifestation
    rows of ``data/gold/relation_annotations/`` (draws 1-11, case reports) joined so, 29 are wrong (26 hypernyms) and 1
    right ("peripheral arterial disease such as intermittent claudication")."""
    return _MEMBER_CONNECTIVE.match(ctx.between) is not None and _FEATURE_NOUN_BEFORE.search(ctx.before[-60:]) is None


_GENE_AFTER = re.compile(
    r"^\s*(?:-/-\s*)?(?:gene|genes|mutations?|deficient|knock-?out|locus|alleles?|protein|mRNA|promoter)\b", re.I
)


def excluded_pair(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Pairs the guideline never annotates, whatever the words say (reason, or None).

    An abbreviation or synonym and its long form ("myelodysplastic syndrome (MDS)"), hypernym pairs ("cancer" /
    "breast cancer", and a member listed after its class: :func:`names_a_member`), a mention that is an adjective cut
    from its noun ("psychotic" of "psychotic patients": :func:`is_cut_modifier`), coordinated mentions, and mentions
    naming a gene ("VHL gene mutations", "Dmpk deficient mice").
    """
    # No reason depends on which mention is the head: one memo entry for a pair and its reverse.
    if (tail.start, tail.end) < (head.start, head.end):
        return _excluded_pair(doc, tail, head)
    return _excluded_pair(doc, head, tail)


@per_document
def _excluded_pair(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    ctx = pair_context(doc, head, tail)
    if ctx.coordinated and ctx.between.strip():  # "A, B and C"; not "In A calcinosis occurs"
        return "coordinated"
    if head.abbreviation_of or tail.abbreviation_of:
        return "abbreviation"
    if is_hypernym_pair(head, tail) or names_a_member(ctx):
        return "hypernym"
    if is_cut_modifier(doc, head) or is_cut_modifier(doc, tail):
        return "cut_modifier"
    if is_outcome(head) or is_outcome(tail):
        return "outcome"
    if _SYNONYM_BETWEEN.match(ctx.between):
        # "X (Y)" / "X; Y" with Y alone in the parenthesis: a synonym, not a component list.
        after = doc.text[ctx.second.end : doc.sentences[ctx.second.sentence_index].end]
        if "(" in ctx.between and _CLOSES_PARENTHESIS.match(after):
            return "synonym"
        if _CLOSES_PARENTHESIS.match(ctx.between):
            return "synonym"
    for e in (head, tail):
        if _GENE_AFTER.match(doc.text[e.end : e.end + 30]):
            return "gene"
    return None


#: Patterns of :func:`explicit_feature_claim`.
FEATURE_CLAIM_PATTERNS = frozenset({"p_head_features_of", "p_tail_first"})


def explicit_feature_claim(doc: DocumentView, head: EntityView, tail: EntityView, pattern: str | None) -> bool:
    """The sentence names T a sign, symptom, feature, manifestation or complication *of H* in so many words: "T is a
    common complication of H", "the main features of H are T" (the guideline's first family).  Not "T in patients
    with H", not "T occurs in H": the words that the row filter learnt to doubt on drug literature."""
    if pattern not in FEATURE_CLAIM_PATTERNS:
        return False
    if pattern == "p_head_features_of":
        return True
    ctx = pair_context(doc, head, tail)
    sent = doc.sentences[head.sentence_index]
    if _THERAPY.match(doc.text[head.end : sent.end].lstrip()):
        return False  # "complications of H treatment": H names the therapy's target
    if ctx.first is not tail or _PP_BEFORE.search(ctx.before):
        return False
    return bool(_TAIL_FEATURE_OF.match(_pattern_between(doc, ctx)))
