"""Sparse features of a candidate (chemical, disease) mention pair.

Feature families (names prefixed so the hashed model stays inspectable):

* ``bw=`` / ``bb=`` words and bigrams of the cue region between the mentions (lower-cased,
  numbers folded), ``pre=`` / ``post=`` two words before the first and after the second mention;
* ``rule_*`` — the rule set's decisions for the pair (adverse, treats, negated);
* ``neg`` / ``neg_sent`` — negation cues between the mentions / in the sentence;
* ``treat_cue`` / ``ade_cue`` — trigger-word hits anywhere in the sentence;
* distance and order: ``same_sent``, ``sent_dist=``, ``tok_dist=``, ``chem_first``, number of
  intervening mentions;
* section: ``sent_title``, ``chem_in_title``, ``dis_in_title``, ``pair_in_title``;
* document: mention counts of both concepts, ``chem_top`` / ``dis_top`` (most mentioned);
* entity text: ``chem=`` / ``dis=`` lower-cased texts, ``dis_head=`` last word, ``chem_suf=``
  suffix; ``background`` when the disease follows "with" ("patients with Y"); ``qual=at_risk`` /
  ``qual=subgroup`` when it names a population ("patients at high risk of Y", "especially in cases
  with Y"); ``composition`` for "formed from / composed of" between the mentions;
* mention neighbours (same-sentence pairs, relations-0.4.0): ``chem_prev=`` / ``chem_next=`` /
  ``dis_prev=`` / ``dis_next=`` the word right before / after each mention ("dopamine levels",
  "than quetiapine", "Y patients", "Y model").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extract.relations.candidates import concept_key, pair_context
from extract.relations.memo import per_document
from extract.relations.rules import (
    ADE_DISEASE_FIRST,
    ADE_DRUG_FIRST,
    COMPOSITION,
    cached_search,
    disease_prefix_cues,
    disease_qualifier,
    drug_disease_signals,
    has_negation,
    treat_sentence,
)
from extract.relations.types import DRUG_ADVERSE_EVENT, DocumentView, EntityView

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\w\s]")


def tokens(text: str) -> list[str]:
    if text.isascii():
        # Lower-casing ASCII text changes only A-Z: the same tokens, lower-cased at once.
        return ["<num>" if t.isdigit() else t for t in _TOKEN.findall(text.lower())]
    return ["<num>" if t.isdigit() else t.lower() for t in _TOKEN.findall(text)]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if n <= e:
            return f"<={e}"
    return f">{edges[-1]}"


def _bucket_names(prefix: str, edges: tuple[int, ...]) -> tuple[str, ...]:
    """``prefix + _bucket(n, edges)`` for n = 0 .. edges[-1] + 1 (index with ``min(n, edges[-1] + 1)``)."""
    return tuple(prefix + _bucket(n, edges) for n in range(edges[-1] + 2))


_SENT_DIST = _bucket_names("sent_dist=", (0, 1, 2, 4, 8))
_TOK_DIST = _bucket_names("tok_dist=", (0, 1, 3, 6, 10, 20))
_N_INTER_CHEM = _bucket_names("n_inter_chem=", (0, 1, 3))


#: Buckets of the mention counts of a pair's two concepts (``chem_n=`` / ``dis_n=``).
_COUNT_EDGES = (1, 2, 4, 8)
#: The document-level features :func:`drug_disease_features` can give (titles, most mentioned concepts, counts).
DOCUMENT_FEATURES = frozenset(
    ["chem_in_title", "dis_in_title", "pair_in_title", "chem_top", "dis_top"]
    + [f"{side}_n={_bucket(n, _COUNT_EDGES)}" for side in ("chem", "dis") for n in range(_COUNT_EDGES[-1] + 2)]
)


@lru_cache(maxsize=8192)
def sentence_words(sentence: str) -> tuple[str, ...]:
    """``sw=`` features of a sentence: its distinct alphabetic tokens of three letters or more (cached per
    sentence text: the joint model and the manifestation filter read them for every pair of the sentence)."""
    # The alphabetic tokens are the runs of A-Z / a-z: those of three letters or more, found at once.
    words = _LONG_WORD.findall(sentence.lower() if sentence.isascii() else sentence)
    return tuple("sw=" + t for t in set(words if sentence.isascii() else map(str.lower, words)))


_LONG_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass
class DocStats:
    """Per-document counts used by pair features."""

    counts: Counter
    title_keys: set[str]
    top_chem: str | None
    top_dis: str | None
    title_end: int


def doc_stats(doc: DocumentView) -> DocStats:
    counts: Counter[str] = Counter(concept_key(e) for e in doc.entities)
    title_end = 0
    for name, _s, e in doc.sections:
        if name == "title":
            title_end = e
    if not title_end and doc.title and doc.text.startswith(doc.title):
        title_end = len(doc.title)
    title_keys = {concept_key(e) for e in doc.entities if e.end <= title_end}

    def top(label: str) -> str | None:
        c = Counter(concept_key(e) for e in doc.entities if e.label == label)
        return c.most_common(1)[0][0] if c else None

    return DocStats(counts, title_keys, top("CHEMICAL"), top("DISEASE"), title_end)


@per_document
def _chem_side(doc: DocumentView, chem: EntityView, stats: DocStats) -> tuple[dict[str, float], float]:
    """The pair features that depend on the chemical alone, and its ``chem_in_title`` value."""
    ck = concept_key(chem)
    low = chem.text.lower()
    in_title = 1.0 if ck in stats.title_keys else 0.0
    f = {
        "chem_in_title": in_title,
        "chem_top": 1.0 if ck == stats.top_chem else 0.0,
        "chem_n=" + _bucket(stats.counts[ck], _COUNT_EDGES): 1.0,
        "chem=" + low: 1.0,
        "chem_suf=" + low[-4:]: 1.0,
    }
    if treat_sentence(doc.sentence_text(chem.sentence_index)):
        f["treat_cue_chem_sent"] = 1.0
    return f, in_title


@per_document
def _dis_side(doc: DocumentView, dis: EntityView, stats: DocStats) -> tuple[dict[str, float], float]:
    """The pair features that depend on the disease alone, and its ``dis_in_title`` value."""
    dk = concept_key(dis)
    dis_words = token_tuple(dis.text)
    in_title = 1.0 if dk in stats.title_keys else 0.0
    f = {
        "dis_in_title": in_title,
        "dis_top": 1.0 if dk == stats.top_dis else 0.0,
        "dis_n=" + _bucket(stats.counts[dk], _COUNT_EDGES): 1.0,
        "dis=" + dis.text.lower(): 1.0,
    }
    if dis_words:
        f["dis_head=" + dis_words[-1]] = 1.0
    if dis.negated:
        f["dis_negated"] = 1.0
    if dis.uncertain:
        f["dis_uncertain"] = 1.0
    background, event_prefix = disease_prefix_cues(doc, dis)
    if background:
        f["background"] = 1.0
    if event_prefix:
        f["event_prefix"] = 1.0
    qualifier = disease_qualifier(doc, dis)
    if qualifier:
        f["qual=" + qualifier] = 1.0
    return f, in_title


@per_document
def _neighbours(doc: DocumentView, e: EntityView) -> tuple[str, str]:
    """Lower-cased word token before and after the mention within its sentence ('' at an edge)."""
    sent = doc.sentences[e.sentence_index]
    before = _WORDS.findall(doc.text[max(sent.start, e.start - 30) : e.start])
    after = _WORDS.findall(doc.text[e.end : min(sent.end, e.end + 30)])
    return (before[-1].lower() if before else ""), (after[0].lower() if after else "")


_WORDS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=16384)
def token_tuple(text: str) -> tuple[str, ...]:
    """:func:`tokens` of ``text`` as a tuple, cached per text (mention texts, cue regions)."""
    return tuple(tokens(text))


#: :func:`edge_tokens` reads this many characters at each end of a longer text.
_EDGE_WINDOW = 64
#: :func:`last_tokens` and :func:`first_tokens` read this many characters first (the words next to a mention).
_SHORT_WINDOW = 24


@lru_cache(maxsize=16384)
def edge_tokens(text: str, n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The last ``n`` and the first ``n`` :func:`tokens` of ``text``.  A long text (a sentence before or after a
    pair) is read only at its two ends when each end holds more than ``n`` tokens: a token cut by the end of such
    a window is the window's outermost one, never among the ``n`` kept."""
    if len(text) > _EDGE_WINDOW:
        first, last = tokens(text[:_EDGE_WINDOW]), tokens(text[-_EDGE_WINDOW:])
        if len(first) > n and len(last) > n:
            return tuple(last[-n:]), tuple(first[:n])
    toks = tokens(text)
    return tuple(toks[-n:]), tuple(toks[:n])


@lru_cache(maxsize=16384)
def last_tokens(text: str, n: int) -> tuple[str, ...]:
    """``edge_tokens(text, n)[0]``, reading the end of ``text`` only (a window of more than ``n`` tokens, as in
    :func:`edge_tokens`): the pair features read one end of the text before a pair and one end of the text after."""
    for window in (_SHORT_WINDOW, _EDGE_WINDOW):
        if len(text) > window:
            toks = tokens(text[-window:])
            if len(toks) > n:
                return tuple(toks[-n:])
    return tuple(tokens(text)[-n:])


@lru_cache(maxsize=16384)
def first_tokens(text: str, n: int) -> tuple[str, ...]:
    """``edge_tokens(text, n)[1]``, reading the start of ``text`` only (see :func:`last_tokens`)."""
    for window in (_SHORT_WINDOW, _EDGE_WINDOW):
        if len(text) > window:
            toks = tokens(text[:window])
            if len(toks) > n:
                return tuple(toks[:n])
    return tuple(tokens(text)[:n])


def drug_disease_features(
    doc: DocumentView, chem: EntityView, dis: EntityView, stats: DocStats, neighbours: bool = False
) -> dict[str, float]:
    """Features of the pair; works within a sentence and across sentences.

    ``neighbours`` adds the mention-neighbour family (models trained with it, relations >= 0.4.0,
    say so in ``PairModel.neighbour_features``; older models score exactly as before without it).
    """
    # The families never share a key, so the mention sides (computed once per mention) are merged whole.
    chem_side, chem_in_title = _chem_side(doc, chem, stats)
    dis_side, dis_in_title = _dis_side(doc, dis, stats)
    same = chem.sentence_index == dis.sentence_index
    f: dict[str, float] = {
        "same_sent": 1.0 if same else 0.0,
        _SENT_DIST[min(abs(chem.sentence_index - dis.sentence_index), 9)]: 1.0,
        "chem_first": 1.0 if chem.start < dis.start else 0.0,
        "pair_in_title": chem_in_title * dis_in_title,
        **chem_side,
        **dis_side,
    }
    if not same:
        if chem.sentence_index == 0 or doc.sentences[chem.sentence_index].section == "title":
            f["chem_sent_title"] = 1.0
        if doc.sentences[dis.sentence_index].section == "title" or dis.end <= stats.title_end:
            f["dis_sent_title"] = 1.0
        return f

    if neighbours:  # words right next to each mention ("dopamine levels", "than quetiapine", "Y patients")
        for tag, word in zip(
            ("chem_prev=", "chem_next=", "dis_prev=", "dis_next="), _neighbours(doc, chem) + _neighbours(doc, dis)
        ):
            if word:
                f[tag + word] = 1.0

    ctx = pair_context(doc, chem, dis)
    region = ctx.region_pp
    toks = token_tuple(region)
    f[_TOK_DIST[min(len(token_tuple(ctx.between)), 21)]] = 1.0
    f[_N_INTER_CHEM[min(ctx.n_between_same_first if chem.start < dis.start else ctx.n_between_same_second, 4)]] = 1.0
    if ctx.region_cut:
        f["region_cut"] = 1.0
    if ctx.coordinated:
        f["coordinated"] = 1.0
    if len(toks) <= 12:
        for t in toks:
            f["bw=" + t] = 1.0
        for a, b in zip(toks, toks[1:]):
            f["bb=" + a + "_" + b] = 1.0
    else:
        for t in toks[:5] + toks[-5:]:
            f["bwe=" + t] = 1.0
    if not toks:
        f["bw_empty"] = 1.0
    for t in last_tokens(ctx.before, 2):
        f["pre=" + t] = 1.0
    for t in first_tokens(ctx.after, 2):
        f["post=" + t] = 1.0
    if ctx.sentence and doc.sentences[chem.sentence_index].section == "title":
        f["sent_title"] = 1.0
    if has_negation(region):
        f["neg"] = 1.0
    if cached_search(COMPOSITION, region):
        f["composition"] = 1.0
    if has_negation(ctx.sentence):
        f["neg_sent"] = 1.0
    if cached_search(ADE_DRUG_FIRST if chem.start < dis.start else ADE_DISEASE_FIRST, region):
        f["ade_cue"] = 1.0
    for sig in drug_disease_signals(doc, chem, dis):
        kind = "ade" if sig.type == DRUG_ADVERSE_EVENT else "treat"
        f[f"rule_{kind}"] = sig.score
        f[f"rule_{kind}_{sig.rule}"] = 1.0
        if sig.negated:
            f["rule_neg"] = 1.0
    return f
