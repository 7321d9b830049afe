"""Rule-based relation extractor (trigger patterns), the fallback when no model exists.

Longer than ~500 lines on purpose: most of it is the trigger patterns themselves (regexes built
from :mod:`extract.relations.cues`), which the model uses as features and the manifestation code
as cues; the code that applies them is short.

Three relation types (see ``types.py``):

* ``drug_adverse_event`` — "X-induced Y", "Y after/following X (treatment)", "worsening of Y
  ... X", "X ... results in / causes Y", "Y associated with / due to X";
* ``drug_treats_disease`` — "X for (the treatment of) Y", "treatment of Y with X", "Y treated
  with X", "X ... benefit / helpful / effective"; a sentence with a drug, a benefit cue and no
  disease ("There has been anecdotal benefit from minocycline") is linked to the document's
  topic disease (its most mentioned disease concept);
* ``disease_manifestation`` — "Y is a feature / manifestation / complication of X", "Y occurs /
  is seen / is recognised in X", "Y in (patients with) X", "In X, Y occurs", "X complicated by /
  presenting with / characterised by Y".

A trigger only counts for a pair when it lies in the pair's *cue region* (see
``candidates.pair_context``): "Teriparatide, used for treatment of osteoporosis ..., results in
hypercalcemia" gives treats(osteoporosis) and adverse(hypercalcemia), not the reverse.  A disease
that is the object of "with" ("in patients with autoimmune disorders following X") is a
background condition and never an adverse event.  Negation cues in the region ("X did not cause
Y") set ``negated=True``.  The module also exposes :func:`rule_signals` so the trained model can
use the rule decisions as features.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extract.relations.candidates import (
    disease_pairs,
    is_pp_object,
    pair_context,
    sentence_groups,
)
from extract.relations.casefold import cached_found, found
from extract.relations.cues import (
    ANIMALS,
    CAUSED_BY,
    CAUSES,
    CLAUSE_BREAK,
    CLAUSE_NEGATION,
    DISAVOWED_AFTER,
    NEGATED_PEOPLE_RELATIVE,
    NEGATION_CUES,
    NEGATION_WORDS,
    NOT_A_NEGATION,
    PATIENTS,
    POPULATION,
    PREDICATE_NEGATION_CUES,
)
from extract.relations.memo import per_document, sentence_entities
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    EntityView,
    RelationCandidate,
)

RULESET_VERSION = "rules-0.1.0"


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


# --- drug -> adverse event -------------------------------------------------------------
# Drug directly modifying the disease: "X-induced Y", "X associated Y".
ADE_COMPOUND = re.compile(
    r"^\s*-?\s*(?:induced|associated|related|attributed|triggered|provoked|caused|evoked|elicited|"
    r"mediated|exacerbated|aggravated|precipitated|toxicity|intoxication|poisoning|overdose|"
    r"(?:\w+\s+)?(?:toxicity|overdose|poisoning|intoxication|use|abuse|therapy|treatment|exposure)\s+"
    r"(?:induced|associated|related|caused))\b",
    re.I,
)
# Drug before disease: "X causes / results in / leads to Y".
ADE_DRUG_FIRST = _rx(
    r"\binduc(?:e|es|ed|ing|tion of)\b",
    rf"\b(?:{CAUSES})\b",
    r"\bproduc(?:e|es|ed|ing)\b",
    r"\bprovok\w*",
    r"\bprecipitat\w*",
    r"\btrigger\w*",
    r"\belicit\w*",
    r"\bevok\w*",
    r"\bdevelop(?:s|ed|ing)?\b",
    r"\bexperienc\w*",
    r"\bsuffer\w*",
    r"\b(?:risk|incidence|occurrence|onset|development|frequency) of\b",
    r"\b(?:side[- ]effects?|adverse (?:effects?|events?|reactions?)|toxicit\w*|complications?)\b",
    r"\bexacerbat\w*",
    r"\bworsen\w*",
    r"\baggravat\w*",
    r"\bassociated with (?:the )?(?:development|occurrence|onset|appearance|risk)\b",
)
# Drug as the subject of a causal verb that governs the disease: "X ... results in mild Y".
ADE_CAUSAL_CLOSE = re.compile(
    rf"\b(?:{CAUSES}|induc(?:e|es|ed|ing)|"
    r"produc(?:e|es|ed|ing)|precipitat(?:e|es|ed|ing)|provok(?:e|es|ed|ing)|trigger(?:s|ed|ing)?)\s+"
    r"(?:[\w-]+\s+){0,4}$",
    re.I,
)
# Disease before drug: "Y induced by / after / following / due to X".
ADE_DISEASE_FIRST = _rx(
    r"\b(?:induced|caused|provoked|precipitated|triggered|elicited|produced|mediated|evoked|aggravated|exacerbated) by\b",
    rf"\b(?:{CAUSED_BY})\b",
    r"\battribut\w* to\b",
    r"\bassociated with\b",
    r"\brelated to\b",
    r"\b(?:after|following|post)\b",
    r"\bduring\b",
    r"\bwhile (?:on|taking|receiving|using)\b",
    r"\bfrom\b",
    r"\bwith (?:the )?(?:use|administration|intake|ingestion|initiation|introduction|start) of\b",
    rf"\bin (?:a |an |the )?(?:\w+\s+){{0,3}}(?:{PATIENTS}|infants?|{ANIMALS})\s+"
    r"(?:treated|receiving|taking|given|on|using|exposed)\b",
    r"\b(?:receiving|taking|given|exposed to)\b",
    r"\binduced\b",
)
# Cues just before the disease marking it as an event: "worsening of Y", "development of Y".
ADE_TAIL_PREFIX = re.compile(
    r"\b(?:worsen\w*|exacerbation|aggravation|development|onset|occurrence|appearance|induction|episodes?|"
    r"new[- ]onset|de novo|emergence|recurrence|cases?|risk|signs)\s+(?:of\s+)?(?:[\w-]+\s+){0,3}$",
    re.I,
)
# Link word between drug and such an event disease.
ADE_LINK = _rx(
    r"\b(?:after|following|during|with|by|from|on|receiving|taking|given|treated|treatment|therapy|administration)\b"
)

# --- drug -> treated disease -------------------------------------------------------------
TREAT_DRUG_FIRST = _rx(
    r"\b(?:for|in) (?:the )?(?:treatment|management|therapy|prevention|prophylaxis|control|relief|cure) of\b",
    r"\b(?:treatment|therapy|management) (?:of|for)\b",
    r"\bto (?:treat|prevent|control|manage|relieve|reverse|improve|reduce|alleviate|ameliorate|abort)\b",
    r"\b(?:treat|treats|treated|treating|cure[sd]?|prevent(?:s|ed|ing)?|alleviat\w*|ameliorat\w*|reliev\w*|"
    r"revers\w*|attenuat\w*|protect\w* against|benefit\w*|helpful|effective|efficacious|useful|successful\w*|"
    r"improv\w*|resolv\w*|remission|responded|response|antagoni[sz]\w*|abolish\w*|suppress\w*|inhibit\w*|"
    r"block\w*|counteract\w*|restor\w*|normaliz\w*|normalis\w*)\b",
    r"^\s*(?:therapy|treatment|monotherapy|regimen|prophylaxis)?\s*(?:for|against|in)\s*$",
)
TREAT_DISEASE_FIRST = _rx(
    r"\b(?:treated|managed|controlled|improved|resolved|responded|relieved|prevented|reversed|abolished|"
    r"attenuated|suppressed|alleviated|ameliorated|cured|disappeared|normali[sz]ed|responsive) "
    r"(?:\w+\s+){0,2}(?:with|by|to|after|following|on|using)\b",
    r"\b(?:treatment|therapy|management|prophylaxis) (?:with|using|by)\b",
    r"\bresponse to\b",
    rf"^\s*(?:-?\s*)?(?:{PATIENTS})\s+(?:treated|receiving|taking|given|on)\b",
)
TREAT_PATIENTS = re.compile(rf"^\s*(?:{PATIENTS})\b", re.I)
TREAT_BEFORE = re.compile(
    r"\b(?:treatment|therapy|management|treating|treat|prevention|prophylaxis) (?:of|for)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
# Drug sentence without a disease: "anecdotal benefit from X", "X has been reported as helpful".
TREAT_SENTENCE = _rx(
    r"\bbenefi\w*",
    r"\bhelpful\b",
    r"\beffective\b",
    r"\befficac\w*",
    r"\bsuccessful\w*\b",
    r"\btreat(?:ed|ment|ing)? with\b",
    r"\bresponded to\b",
    r"\bimprov\w* (?:with|after|on)\b",
)
# A disease naming the population a drug is given to, not an outcome of the drug:
# "used for treatment of osteoporosis in patients at high risk of fracture".
AT_RISK = re.compile(
    r"\bat\s+(?:an?\s+)?(?:(?:very|particularly|especially)\s+)?"
    r"(?:high|higher|increased|elevated|greater|low|lower|moderate|particular|substantial|significant)?\s*"
    r"risk\s+(?:of|for)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
# A disease qualifying the subgroup a drug helped: "helpful especially in cases associated with Y".
SUBGROUP = re.compile(
    r"\b(?:especially|particularly|notably|mainly|mostly|only|even)\s+(?:in|for|among)\s+"
    r"(?:(?:a|an|the|those|some)\s+)?(?:[\w-]+\s+){0,2}"
    r"(?:cases?|patients?|subjects?|individuals?|those|forms?)\s+"
    r"(?:with|associated with|having|showing|presenting with|complicated by)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
# "Y in (an osteoporotic) patient treated with X": Y happens to treated patients, it is not what X treats.
IN_TREATED_PATIENTS = re.compile(
    r"^\s*,?\s*(?:in|among)\s+(?:(?:a|an|the|two|three|several|some|many|\d+)\s+)?(?:[\w-]+\s+){0,3}"
    rf"(?:{PATIENTS}|infants?|individuals?)\s+"
    r"(?:treated|receiving|taking|given|on|using)\b",
    re.I,
)
# A benefit reading of the disease itself: "improvement of Y in patients treated with X".
BENEFIT_PREFIX = re.compile(
    r"\b(?:improv\w*|remission|resolution|response|reduction|relief|control|regression|recovery|"
    r"treatment|therapy|management|prevention|healing|disappearance)\s+(?:of|in)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
# Composition, not causation: "deposits are formed from calcium hydroxyapatite", "stones composed of X".
COMPOSITION = re.compile(
    r"\b(?:formed|composed|made\s+up|made|consist(?:s|ed|ing)?|comprised|constituted)\s+(?:\w+\s+)?(?:of|from)\b"
    r"|\bcontain(?:s|ed|ing)?\b|\bdeposits?\s+of\b",
    re.I,
)
KEYWORDS_SECTION = "keywords"
# A drug sentence reporting harm is no evidence of treating the topic disease
# ("Worsening of ... in an osteoporotic patient treated with teriparatide").
ADVERSE_SENTENCE = re.compile(
    r"\b(?:worsen\w*|exacerbat\w*|aggravat\w*|induced|adverse|toxicit\w*|side[- ]effects?|complications?)\b", re.I
)


def in_keywords(doc: DocumentView, entity: EntityView) -> bool:
    """The mention lies in a keyword line (no syntax: its co-mentions are not relations)."""
    if entity.sentence_index >= len(doc.sentences):
        return False
    section = doc.sentences[entity.sentence_index].section
    return bool(section) and section.lower() == KEYWORDS_SECTION


@per_document
def disease_qualifier(doc: DocumentView, dis: EntityView) -> str:
    """'at_risk' / 'subgroup' when the disease names a population rather than a drug outcome, else ''."""
    sent = doc.sentences[dis.sentence_index]
    prefix = doc.text[max(sent.start, dis.start - 80) : dis.start]
    if AT_RISK.search(prefix):
        return "at_risk"
    if SUBGROUP.search(prefix):
        return "subgroup"
    return ""


# --- disease -> manifestation --------------------------------------------------------------
# Tail (manifestation) before head (disease).
MANIF_TAIL_FIRST = _rx(
    r"\b(?:feature|manifestation|sign|symptom|complication|finding|hallmark|characteristic|consequence|"
    r"sequela|presentation|problem|component|part)s? (?:of|in)\b",
    r"\b(?:occurs?|occurred|occurring|seen|recogni[sz]ed|observed|found|reported|described|common|frequent|"
    r"prevalent|present|developed|develops|encountered|noted)\s+(?:\w+\s+){0,2}(?:in|among|with)\b",
    rf"\b(?:{CAUSED_BY}|associated with|related to|induced by|complicating)\b",
)
# Head (disease) before tail (manifestation).
MANIF_HEAD_FIRST = _rx(
    r"\bcomplicated by\b",
    r"\bpresent(?:ing|ed|s)? (?:\w+\s+){0,2}(?:with|as)\b",
    r"\bmanifest\w* (?:as|by|with)\b",
    r"\bcharacteri[sz]ed by\b",
    rf"\b(?:{CAUSES})\b",
    r"\bdevelop(?:s|ed|ing)?\b",
    r"^\s*-?\s*(?:associated|related|induced)\b",
    r"\b(?:features?|manifestations?|signs?|symptoms?|complications?|findings?) (?:such as|including|of|like)\b",
    r"\bwith (?:\w+\s+){0,2}(?:features?|signs?|symptoms?|manifestations?) of\b",
    r"\bsuffer\w* from\b",
)
# "in (the) (patients with) X" up to the end of the text: a disease named by a locative PP.
_IN_POPULATION_WITH = (
    r"(?:in|among)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}"
    rf"(?:(?:{POPULATION})\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){{0,2}}$"
)
# "In X, Y occurs": head in a leading PP, tail the subject.
MANIF_IN_HEAD = re.compile(r"\b" + _IN_POPULATION_WITH, re.I)
MANIF_SUBJECT_VERB = re.compile(
    r"^\s*(?:\w+\s+){0,1}(?:occurs?|occurred|is|are|was|were|develops?|developed|appears?|presents?|may|can|"
    r"has|have|remains?|represents?|affects?)\b",
    re.I,
)
# "Y in (patients with) X" where the whole between-text is the PP.
MANIF_IN_PP = re.compile(r"^\s*" + _IN_POPULATION_WITH, re.I)

# A disease after "with" is a background condition ("patients with Y", "without Y"); not when a verb stands between
# ("the adverse events with zolmitriptan therapy are asthenia, ...": the events of the drug, listed; "patients treated
# with risperidone developed hyperprolactinemia").
BACKGROUND = re.compile(
    r"(?<!associated )(?<!correlated )\bwith(?:out)?\s+"
    r"(?:(?!(?:are|were|is|was|include[sd]?|including|consist(?:s|ed)?|comprised?|developed|experienced|had|showed|"
    r"suffered|exhibited|presented|caused|induced|produced)\b)[\w-]+\s+){0,3}$",
    re.I,
)

NEGATION = re.compile(rf"\b(?:{NEGATION_CUES})\b", re.I)
MAX_REGION_CHARS = 150

# Smaller patterns of the rules below, compiled once.
THERAPY_IN = re.compile(r"^\s*(?:therapy|treatment|monotherapy|prophylaxis)\s+(?:in|of)\s+(?:[\w-]+\s+){0,3}$", re.I)
WITH_USING_BY = re.compile(r"\b(?:with|using|by)\b")
#: "X-induced / -associated / -related" right before a mention.
INDUCED_PREFIX = re.compile(r"-?(?:induced|associated|related)\s+(?:[\w-]+\s+){0,2}$", re.I)
PAREN_ONLY = re.compile(r"^\s*[(\[]\s*$")
PAREN_OPEN = re.compile(r"^\s*[(\[]")
FEW_WORDS = re.compile(r"^\s*,?\s*(?:[\w-]+\s+){0,2}$")
HEAD_WITH_TAIL = re.compile(
    r"^\s*(?:with|,? with)\s+(?:(?:a|an|the|severe|marked|prominent|progressive|associated|concomitant)\s+)*$", re.I
)
NEGATED_BENEFIT = re.compile(rf"\b(?:{NEGATION_WORDS}|failed)\b", re.I)
_NOT_A_NEGATION = re.compile(NOT_A_NEGATION, re.I)
_ALNUM = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=16384)
def has_negation(text: str) -> bool:
    """``NEGATION`` occurs in ``text`` (cached: the rules, features and classifiers ask about the same
    regions and sentences)."""
    return found(NEGATION, text)


@lru_cache(maxsize=16384)
def without_pseudo_negations(text: str) -> str:
    """``text`` with the negation words that negate nothing around them blanked out, offsets kept
    (:data:`NOT_A_NEGATION`: "not only the present study but also a previous study found no Y" keeps its "no")."""
    return _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), text)


#: ``pattern`` occurs in ``text``; cached for the cue regions the rules and the features both test.
cached_search = cached_found


@per_document
def disease_prefix_cues(doc: DocumentView, dis: EntityView) -> tuple[bool, bool]:
    """(``BACKGROUND``, ``ADE_TAIL_PREFIX``) in the 60 characters before the disease in its sentence."""
    sent = doc.sentences[dis.sentence_index]
    prefix = doc.text[max(sent.start, dis.start - 60) : dis.start]
    return found(BACKGROUND, prefix), found(ADE_TAIL_PREFIX, prefix)


@lru_cache(maxsize=8192)
def treat_sentence(sentence: str) -> bool:
    """``TREAT_SENTENCE`` occurs in the sentence (cached per sentence text)."""
    return found(TREAT_SENTENCE, sentence)


@dataclass(frozen=True)
class RuleSignal:
    """Rule decision for one ordered pair (head, tail) of one relation type."""

    type: str
    score: float
    negated: bool
    rule: str


@per_document
def drug_disease_signals(doc: DocumentView, chem: EntityView, dis: EntityView) -> list[RuleSignal]:
    """Rule decisions for a chemical and a disease of the same sentence (may be empty)."""
    if chem.sentence_index != dis.sentence_index:
        return []
    ctx = pair_context(doc, chem, dis)
    sent = doc.sentences[chem.sentence_index]
    region = ctx.region
    region_pp = ctx.region_pp
    out: list[RuleSignal] = []
    drug_first = ctx.first is chem
    if in_keywords(doc, chem) or in_keywords(doc, dis):
        return []
    qualifier = disease_qualifier(doc, dis)
    if qualifier:
        return []  # "in patients at risk of Y", "especially in cases with Y": a population, not an outcome
    # ``sent`` is also the disease's sentence (same-sentence pair).
    background, event_prefix = disease_prefix_cues(doc, dis)
    neg = has_negation(region_pp)
    long_region = len(region) > MAX_REGION_CHARS
    long_pp = len(region_pp) > MAX_REGION_CHARS
    dis_prefix = doc.text[max(sent.start, dis.start - 60) : dis.start]

    # Treatment.
    treat = False
    if drug_first:
        if not long_region and cached_found(TREAT_DRUG_FIRST, region):
            treat = True
        elif THERAPY_IN.match(region) and (TREAT_PATIENTS.match(ctx.after)):
            treat = True  # "X treatment in two Y patients"
    else:
        treated_patients = bool(IN_TREATED_PATIENTS.match(region)) and not BENEFIT_PREFIX.search(dis_prefix)
        if treated_patients:
            treat = False  # "Y in patients treated with X": Y occurs under X, X does not treat Y
        elif not long_region and cached_found(TREAT_DISEASE_FIRST, region):
            treat = True
        elif TREAT_BEFORE.search(ctx.before) and WITH_USING_BY.search(region):
            treat = True
    # Adverse event.
    ade_rule = ""
    if drug_first and ADE_COMPOUND.match(ctx.between) and len(ctx.between) < 40:
        ade_rule = "compound"
    elif not long_pp and not background:
        if drug_first and cached_search(ADE_DRUG_FIRST, region_pp):
            ade_rule = "drug_first_trigger"
        elif not drug_first and cached_search(ADE_DISEASE_FIRST, region_pp):
            ade_rule = "disease_first_trigger"
    if not ade_rule and not background and event_prefix and not treat:
        if ADE_LINK.search(ctx.between) and len(ctx.between) <= MAX_REGION_CHARS:
            ade_rule = "event_prefix"
    if ade_rule and ade_rule != "compound" and cached_search(COMPOSITION, region_pp):
        ade_rule = ""  # "Y deposits are formed from X": what Y is made of, not what caused it
    if ade_rule == "compound":
        out.append(RuleSignal(DRUG_ADVERSE_EVENT, 0.9, neg, ade_rule))
    elif treat:
        out.append(RuleSignal(DRUG_TREATS_DISEASE, 0.75, neg, "treat_trigger"))
    elif ade_rule:
        score = 0.8 if ade_rule != "disease_first_trigger" or not ctx.region_cut else 0.6
        if ade_rule == "event_prefix":
            score = 0.7
        elif ade_rule == "drug_first_trigger" and ADE_CAUSAL_CLOSE.search(region_pp) and not neg:
            ade_rule, score = "causal_close", 0.85  # "X sometimes results in mild and transient Y"
        out.append(RuleSignal(DRUG_ADVERSE_EVENT, score, neg, ade_rule))
    return out


_CLAUSE_NEGATION = re.compile(CLAUSE_NEGATION, re.I)
_CLAUSE_BREAK = re.compile(CLAUSE_BREAK, re.I)
_NEGATED_PEOPLE_RELATIVE = re.compile(NEGATED_PEOPLE_RELATIVE, re.I)


def _without_negated_relatives(text: str, chem_start: int) -> str:
    """``text`` with the relative pronoun after a negated group of people blanked out, offsets kept
    (:data:`NEGATED_PEOPLE_RELATIVE`): after "there was no patient" always, after "none of the patients" when the
    drug (at ``chem_start``) stands in the relative clause."""
    for m in _NEGATED_PEOPLE_RELATIVE.finditer(text):
        a, b = m.span("relative")
        if m.group("existential") or chem_start > a:
            text = text[:a] + " " * (b - a) + text[b:]
    return text


def clause_negated(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """A clause-opening negation scopes over both mentions of a same-sentence pair: "No nicardipine-related foetal
    distress occurred", "None of the deaths was related to X", "there were no Y attributed to X".  The clause starts
    after the last :data:`CLAUSE_BREAK` before the first mention; no break may lie between the negation and the
    second mention."""
    sent = doc.sentences[chem.sentence_index]
    first, last = min(chem.start, dis.start), max(chem.end, dis.end)
    # "^" of the pattern is the sentence start
    text = _without_negated_relatives(doc.text[sent.start : last], chem.start - sent.start)
    first -= sent.start
    start = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, first):
        start = m.end()
    clause = text[start:]
    for m in _CLAUSE_NEGATION.finditer(clause, 0, first - start):
        if _CLAUSE_BREAK.search(clause, m.end()) is None:
            return True
    return False


_DISAVOWED_AFTER = re.compile(DISAVOWED_AFTER, re.I)


def region_negated(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """The text between a same-sentence drug and disease (over prepositional objects, at most
    ``MAX_REGION_CHARS``) holds a negation cue: "X was not associated with Y", "X does not promote Y"; or the
    disease is disowned right after it (:data:`DISAVOWED_AFTER`: "two serious AEs (A and Y) unrelated to study
    treatment" in a patient receiving X)."""
    sent_end = doc.sentences[dis.sentence_index].end
    if found(_DISAVOWED_AFTER, doc.text[dis.end : min(sent_end, dis.end + 160)]):
        return True
    ctx = pair_context(doc, chem, dis)
    region = ctx.region_pp
    if len(region) <= MAX_REGION_CHARS and has_negation(without_pseudo_negations(region)):
        return True
    return ctx.first is chem and carried_negation(doc, chem, dis)


_PREDICATE_NEGATION = re.compile(rf"^(?:{PREDICATE_NEGATION_CUES})$", re.I)


def carried_negation(doc: DocumentView, chem: EntityView, dis: EntityView) -> bool:
    """A negation between a drug and a later disease carries over the mentions after it up to the disease, unless a
    clause break follows it: "X does not cause fugue-like states or Y", "X and SSRIs, such as Z, should not present
    serious risks in promoting Y" (the intervening mentions cut the pair's region, not the negation's scope).  A
    noun-phrase negation ("without A", "no A") carries only when no mention stands between it and the disease:
    "X without A led to Y" does not deny Y."""
    between = without_pseudo_negations(doc.text[chem.end : dis.start])
    if len(between) > MAX_REGION_CHARS or not has_negation(between):
        return False
    cues = list(NEGATION.finditer(between))
    if not cues or _CLAUSE_BREAK.search(between, cues[-1].end()):
        return False
    if _PREDICATE_NEGATION.match(cues[-1].group(0)):
        return True
    cue_end = chem.end + cues[-1].end()
    return not any(e is not dis and cue_end <= e.start < dis.start for e in sentence_entities(doc, dis.sentence_index))


def is_hypernym_pair(a: EntityView, b: EntityView) -> bool:
    """The two mentions name the same kind of disease at two levels: one text contains the other
    ('cancer' / 'prostate cancer') or both end in the same word ('tumors' / 'brain tumor').

    Such a pair is a hypernym / hyponym pair, never a disease and its manifestation; the rules and
    the manifestation classifier both leave it out."""
    ta, tb = a.text.lower(), b.text.lower()
    if ta in tb or tb in ta:
        return True
    la, lb = _last_word(ta), _last_word(tb)
    return la is not None and lb is not None and la == lb


_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=16384)
def _last_word(text: str) -> str | None:
    """Last run of a-z letters of ``text`` without trailing 's', None when there is none."""
    words = _LETTERS.findall(text)
    return words[-1].rstrip("s") if words else None


@per_document
def drug_event(doc: DocumentView, tail: EntityView) -> bool:
    """The disease mention is a drug's event: a chemical of its sentence has an adverse-event rule
    reading for it, or it is written as a compound "<word>-induced Y" / "<word>-related Y".

    A drug's event is not a manifestation of a co-mentioned disease: the manifestation rule and
    the manifestation classifier's features ask this of their tail (and head)."""
    sent = doc.sentences[tail.sentence_index]
    prefix = doc.text[max(sent.start, tail.start - 40) : tail.start]
    if INDUCED_PREFIX.search(prefix):
        return True
    for c in sentence_entities(doc, tail.sentence_index):
        if c.label == "CHEMICAL" and any(s.type == DRUG_ADVERSE_EVENT for s in drug_disease_signals(doc, c, tail)):
            return True
    return False


@per_document
def manifestation_signal(doc: DocumentView, head: EntityView, tail: EntityView) -> RuleSignal | None:
    """Rule decision for disease ``head`` having manifestation ``tail`` (same sentence).

    Not a manifestation: coordinated mentions, an abbreviation and its long form ("X (Y)"),
    hypernym pairs, and tails that are a drug's adverse event.  A trigger only binds the
    nearest mentions: no other (non-prepositional) disease mention may stand between them.
    """
    if head.sentence_index != tail.sentence_index:
        return None
    ctx = pair_context(doc, head, tail)
    if ctx.coordinated or head.abbreviation_of or tail.abbreviation_of:
        return None
    region = ctx.between
    if len(region) > MAX_REGION_CHARS or PAREN_ONLY.match(region) or is_hypernym_pair(head, tail):
        return None
    sent = doc.sentences[head.sentence_index]
    lo, hi = ctx.first.end, ctx.second.start
    blocking = [
        e
        for e in sentence_entities(doc, head.sentence_index)
        if e.label == "DISEASE"
        and e.start >= lo
        and e.end <= hi
        and not is_pp_object(doc, e, sent)
        and not PAREN_OPEN.match(doc.text[max(lo, e.start - 2) : e.start])
    ]
    groups = sentence_groups(doc, head.sentence_index)
    blocking = [
        e for e in blocking if groups.get(e.entity_id) not in (groups.get(head.entity_id), groups.get(tail.entity_id))
    ]
    if blocking:
        return None
    if drug_event(doc, tail):
        return None
    neg = has_negation(region) or head.negated or tail.negated
    if ctx.first is tail:
        if MANIF_IN_PP.match(region):
            return RuleSignal(DISEASE_MANIFESTATION, 0.6, neg, "tail_in_head")
        if cached_found(MANIF_TAIL_FIRST, region) and not is_pp_object(doc, tail, sent):
            return RuleSignal(DISEASE_MANIFESTATION, 0.8, neg, "tail_trigger_head")
        return None
    # Head first.
    if FEW_WORDS.match(region) and MANIF_IN_HEAD.search(ctx.before):
        if MANIF_SUBJECT_VERB.match(ctx.after):
            return RuleSignal(DISEASE_MANIFESTATION, 0.75, neg, "in_head_tail_occurs")
    drug_before = any(
        e.label == "CHEMICAL" and e.end <= head.start for e in sentence_entities(doc, head.sentence_index)
    )
    if drug_before and is_pp_object(doc, head, sent):
        return None  # "X, used for treatment of H, results in T": the drug is the subject
    if cached_found(MANIF_HEAD_FIRST, region):
        return RuleSignal(DISEASE_MANIFESTATION, 0.75, neg, "head_trigger_tail")
    if HEAD_WITH_TAIL.match(region):
        return RuleSignal(DISEASE_MANIFESTATION, 0.6, neg, "head_with_tail")
    return None


def topic_disease(doc: DocumentView) -> list[EntityView]:
    """Mentions of the document's most mentioned disease concept (title mentions count double)."""
    counts: Counter[str] = Counter()
    title_end = len(doc.title) if doc.title else 0
    for s in doc.sections:
        if s[0] == "title":
            title_end = s[2]
    for e in doc.entities:
        if e.label == "DISEASE" and not e.negated:
            counts[_topic_key(e)] += 2 if e.start < title_end else 1
    if not counts:
        return []
    best = max(counts.items(), key=lambda kv: kv[1])[0]
    topic = [e for e in doc.entities if e.label == "DISEASE" and _topic_key(e) == best]
    # Prefer the document's more specific form of the topic ("calcinosis" -> "calcinosis cutis")
    # when it is written out at least twice.
    names = {e.text.lower() for e in topic}
    specific = [
        e
        for e in doc.entities
        if e.label == "DISEASE" and not e.negated and any(e.text.lower().startswith(n + " ") for n in names)
    ]
    if len(specific) >= 2:
        return specific
    return topic


def _topic_key(e: EntityView) -> str:
    """Topic grouping: concept id, else the head noun's first word ('calcinosis cutis' -> 'calcinosis')."""
    if e.concept_id:
        return e.concept_id
    words = _ALNUM.findall((e.abbreviation_of or e.text).lower())
    return words[0] if words else e.text.lower()


class RuleExtractor:
    """Trigger-pattern extractor; ``extract`` returns candidates of all three types."""

    version = RULESET_VERSION
    method = "rules"

    def extract(self, doc: DocumentView, manifestations: bool = True) -> list[RelationCandidate]:
        """Candidates of all three types (``manifestations=False``: no ``disease_manifestation`` ones, for an
        extractor whose own classifier decides those)."""
        out: list[RelationCandidate] = []
        chems = [e for e in doc.entities if e.label == "CHEMICAL"]
        diseases = [e for e in doc.entities if e.label == "DISEASE"]
        linked_chem_sents: set[tuple[str, int]] = set()
        for c in chems:
            for d in diseases:
                if c.sentence_index != d.sentence_index or (c.start < d.end and d.start < c.end):
                    continue
                for sig in drug_disease_signals(doc, c, d):
                    out.append(self._cand(sig, c, d))
                    linked_chem_sents.add((c.entity_id, c.sentence_index))
        out.extend(self._topic_treatments(doc, chems, diseases))
        if not manifestations:
            return out
        ade_tails = {c.tail.entity_id for c in out if c.type == DRUG_ADVERSE_EVENT and not c.negated}
        for h, t in disease_pairs(doc):
            sig = manifestation_signal(doc, h, t)
            if sig is None or (t.entity_id in ade_tails and sig.score < 0.7):
                continue  # "Y in patients with X following drug Z": Y is the drug's event
            out.append(self._cand(sig, h, t))
        return out

    def _topic_treatments(
        self, doc: DocumentView, chems: list[EntityView], diseases: list[EntityView]
    ) -> list[RelationCandidate]:
        """Drug sentences with a benefit cue and no disease -> the topic disease."""
        topic = topic_disease(doc)
        if not topic:
            return []
        out = []
        # Diseases that only qualify a population ("especially in cases with Y") leave the
        # sentence without a treated disease.
        sents_with_disease = {d.sentence_index for d in diseases if not disease_qualifier(doc, d)}
        for c in chems:
            if c.sentence_index in sents_with_disease or in_keywords(doc, c):
                continue
            sentence = doc.sentence_text(c.sentence_index)
            if not treat_sentence(sentence) or found(ADVERSE_SENTENCE, sentence):
                continue
            neg = bool(NEGATED_BENEFIT.search(sentence))
            # Evidence tail: the closest topic mention before the drug, else the first one.
            before = [d for d in topic if d.start < c.start]
            tail = before[-1] if before else topic[0]
            out.append(
                RelationCandidate(
                    type=DRUG_TREATS_DISEASE,
                    head=c,
                    tail=tail,
                    sentence_index=c.sentence_index,
                    score=0.55,
                    negated=neg,
                    method=self.method,
                )
            )
        return out

    def _cand(self, sig: RuleSignal, head: EntityView, tail: EntityView) -> RelationCandidate:
        return RelationCandidate(
            type=sig.type,
            head=head,
            tail=tail,
            sentence_index=head.sentence_index,
            score=sig.score,
            negated=sig.negated,
            method=self.method,
        )


def rule_signals(doc: DocumentView, chem: EntityView, dis: EntityView) -> dict[str, float]:
    """Rule scores as features: {'ade': s, 'treat': s, 'neg': 0/1} for a chemical–disease pair."""
    feats = {"ade": 0.0, "treat": 0.0, "neg": 0.0}
    for sig in drug_disease_signals(doc, chem, dis):
        key = "ade" if sig.type == DRUG_ADVERSE_EVENT else "treat"
        feats[key] = max(feats[key], sig.score)
        if sig.negated:
            feats["neg"] = 1.0
    return feats
