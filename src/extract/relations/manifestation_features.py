"""Pair features of the ``disease_manifestation`` classifier.

:func:`pair_features` describes an ordered same-sentence disease pair (head = the disease, tail =
its manifestation) as sparse named features, hashed by the model: words and bigrams between the
mentions (by order), edge words before and after, distance, coordination and parentheses, mention
shapes (suffixes, generic head words, acronyms), HPO lexicon flags, trigger cues of the rules, the
precise pattern (:mod:`extract.relations.manifestation_patterns`), the rule decision and drug-event
readings.  :func:`norm` is the name normalisation shared with the lexicons.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.relations.candidates import is_pp_object, pair_context
from extract.relations.casefold import cached_found
from extract.relations.features import first_tokens, last_tokens, token_tuple
from extract.relations.manifestation_patterns import WEAK_PATTERNS, precise_pattern, tail_drug_event
from extract.relations.memo import per_document, sentence_entities
from extract.relations.rules import (
    INDUCED_PREFIX,
    MANIF_HEAD_FIRST,
    MANIF_TAIL_FIRST,
    drug_event,
    has_negation,
    is_hypernym_pair,
    manifestation_signal,
)
from extract.relations.types import DocumentView, EntityView, SentenceView

#: Between-texts longer than this keep only their first and last eight tokens as features.
MAX_BETWEEN_TOKENS = 25

#: Head words of generic disease mentions ("the disease", "these disorders").
GENERIC = frozenset(
    "disease diseases disorder disorders syndrome syndromes condition conditions illness illnesses "
    "toxicity toxicities complication complications symptoms symptom abnormality abnormalities "
    "defect defects deficiency lesion lesions injury damage dysfunction tumor tumors tumour tumours "
    "cancer cancers overdose".split()
)
#: Name endings of disease / finding terms, a feature of each mention's shape.
_SUFFIXES = (
    "itis",
    "emia",
    "aemia",
    "osis",
    "oma",
    "pathy",
    "plasia",
    "algia",
    "uria",
    "penia",
    "megaly",
    "syndrome",
    "disease",
    "failure",
    "deficiency",
)
_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = re.compile(r"[a-z]+")
_ACRONYM = re.compile(r"[A-Z0-9-]{2,8}")


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


#: ``norm`` of every generic head word, computed once (``_shape`` runs for every candidate pair).
_GENERIC_NORMS = frozenset(norm(g) for g in GENERIC)


@lru_cache(maxsize=16384)
def _shape(text: str) -> tuple[str, ...]:
    return tuple(_shape_list(text))


def _shape_list(text: str) -> list[str]:
    t = text.lower()
    out = [f"suf={s}" for s in _SUFFIXES if t.endswith(s) or t.rstrip("s").endswith(s)]
    last = (_LETTERS.findall(t) or [""])[-1]
    if last in GENERIC:
        out.append(f"last={last}")
    if t.strip() in GENERIC or norm(t) in _GENERIC_NORMS:
        out.append("generic")
    if _ACRONYM.fullmatch(text.strip()):
        out.append("acronym")
    return out


@per_document
def _induced_prefix(doc: DocumentView, e: EntityView, sent: SentenceView) -> bool:
    prefix = doc.text[max(sent.start, e.start - 30) : e.start]
    return bool(INDUCED_PREFIX.search(prefix))


@per_document
def _mention_features(
    doc: DocumentView, e: EntityView, sent: SentenceView, lexicon: frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The features of mention ``e`` alone, as the head (``h:``) and as the tail (``t:``) of a pair: shape, HPO
    lexicon, prepositional object, negation, "-induced" prefix (computed once per mention, not once per pair)."""
    names = list(_shape(e.text))
    n = norm(e.abbreviation_of or e.text)
    if n in lexicon:
        names.append("hpo")
    elif n.split() and " ".join(n.split()[-2:]) in lexicon:
        names.append("hpo_suffix")
    if is_pp_object(doc, e, sent):
        names.append("pp_object")
    if e.negated:
        names.append("negated")
    if _induced_prefix(doc, e, sent):
        names.append("induced_prefix")
    return tuple(f"h:{x}" for x in names), tuple(f"t:{x}" for x in names)


_PAREN_ONLY = re.compile(r"^\s*[(\[]\s*$")


def pair_features(doc: DocumentView, head: EntityView, tail: EntityView, lexicon: frozenset[str]) -> dict[str, float]:
    """Sparse features of the ordered pair (``head`` disease, ``tail`` manifestation)."""
    ctx = pair_context(doc, head, tail)
    sent = doc.sentences[head.sentence_index]
    f: dict[str, float] = {}
    order = "tf" if ctx.first is tail else "hf"
    f[f"order={order}"] = 1.0
    btoks = token_tuple(ctx.between)
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
    for tok in last_tokens(ctx.before, 3):
        f[f"bef:{tok}"] = 1.0
    for tok in first_tokens(ctx.after, 3):
        f[f"aft:{tok}"] = 1.0
    n_dis_between = sum(
        1
        for e in sentence_entities(doc, head.sentence_index)
        if e.label == "DISEASE" and e.start >= ctx.first.end and e.end <= ctx.second.start
    )
    f[f"n_dis_between={min(n_dis_between, 3)}"] = 1.0
    if ctx.coordinated:
        f["coordinated"] = 1.0
    if _PAREN_ONLY.match(ctx.between):
        f["paren_adjacent"] = 1.0
    if is_hypernym_pair(head, tail):
        f["hypernym"] = 1.0
    if head.abbreviation_of or tail.abbreviation_of:
        f["abbrev"] = 1.0
    for key in _mention_features(doc, head, sent, lexicon)[0] + _mention_features(doc, tail, sent, lexicon)[1]:
        f[key] = 1.0
    if "t:hpo" in f and "h:hpo" not in f:
        f["hpo_tail_only"] = 1.0
    if "h:hpo" in f and "t:hpo" not in f:
        f["hpo_head_only"] = 1.0
    if order == "tf" and cached_found(MANIF_TAIL_FIRST, ctx.between):
        f["cue:tail_first"] = 1.0
    if order == "hf" and cached_found(MANIF_HEAD_FIRST, ctx.between):
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
        if drug_event(doc, head):
            f["h:drug_event"] = 1.0
    return f
