"""spaCy component ``extract_context``: ConText-style negation and uncertainty per entity.

Trigger phrases before an entity ("no", "without", "absence of"; "suspected",
"rule out", "may cause") or after it ("was ruled out", "is suspected") set
``span._.negated`` / ``span._.uncertain`` when no termination term ("but",
"however", "which", "who", ...) or sentence end lies between trigger and entity,
and the trigger is not part of a pseudo-trigger ("no increase", "not only").
Windows are limited to ``max_before`` tokens before and ``max_after`` after.

The negation vocabulary extends negspacy's ``en_clinical`` termset (NegEx); the
uncertainty vocabulary is ours ("rule out" and "r/o" count as uncertain, not negated).
negspacy's own component is not used because it keys on entity types only and has
no notion of uncertainty.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from negspacy.termsets import termset
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers span attributes)

_NEGSPACY = termset("en_clinical").get_patterns()

UNCERTAIN_BEFORE = [
    "suspected",
    "suspect",
    "suspicion of",
    "suspicious for",
    "possible",
    "possibly",
    "probable",
    "probably",
    "likely",
    "may",
    "might",
    "could",
    "potential",
    "potentially",
    "rule out",
    "rules out",
    "ruling out",
    "r/o",
    "to exclude",
    "question of",
    "questionable",
    "presumed",
    "presumptive",
    "putative",
    "suggestive of",
    "suggesting",
    "concern for",
    "concerning for",
    "differential diagnosis",
    "cannot exclude",
    "cannot rule out",
    "can not be excluded",
    "risk of",
    "risk for",
    "whether",
    "if",
    "unclear",
    "uncertain",
    "equivocal",
    "evaluate for",
    "evaluated for",
    "screen for",
    "screening for",
]
UNCERTAIN_AFTER = [
    "is suspected",
    "was suspected",
    "were suspected",
    "is possible",
    "was possible",
    "cannot be excluded",
    "could not be excluded",
    "cannot be ruled out",
    "could not be ruled out",
    "can not be excluded",
    "is unlikely",
    "was unlikely",
    "unlikely",
    "is likely",
    "was considered",
    "was questioned",
    "is questionable",
    "remains unclear",
    "is uncertain",
    "was uncertain",
    "?",
]
_UNCERTAIN_SET = set(UNCERTAIN_BEFORE) | {"rule him out", "rule her out", "ro", "doubt", "versus", "declined"}

NEGATED_BEFORE = sorted(
    {t for t in _NEGSPACY["preceding_negations"] if t not in _UNCERTAIN_SET}
    | {
        "without a",
        "without any",
        "absent",
        "lack of",
        "lacking",
        "lacked",
        "no evidence of",
        "no history of",
        "no sign of",
        "neither",
        "nor",
        "non",
        "did not develop",
        "did not have",
        "failed to",
        "free from",
        "negative",
        "exclusion of",
        "excluded",
        "not associated with",
        "unremarkable for",
        "resolution of",
    }
    - {"resolution of", "non", "negative"}
)
NEGATED_AFTER = sorted(
    {t for t in _NEGSPACY["following_negations"] if t not in _UNCERTAIN_SET}
    | {
        "was absent",
        "were absent",
        "is absent",
        "are absent",
        "was excluded",
        "were excluded",
        "was not observed",
        "were not observed",
        "was not seen",
        "were not seen",
        "was not detected",
        "were not detected",
        "did not occur",
        "was negative",
        "were negative",
        "did not develop",
        "was not found",
        "were not found",
        "not found",
        "not detected",
    }
)
PSEUDO = sorted(
    set(_NEGSPACY["pseudo_negations"])
    | {
        "not only",
        "no significant",
        "no increase",
        "no decrease",
        "no change",
        "no difference",
        "not significantly",
        "not statistically",
        "did not differ",
        "no longer",
        "not clear",
        "may be",
        "no further",
        "without further",
        "whether or not",
        "if any",
        "not necessarily",
        "no effect on",
        "not affect",
        "did not affect",
        "could be",
        "could not",
    }
)
TERMINATION = sorted(
    set(_NEGSPACY["termination"])
    | {
        "who",
        "whom",
        "whose",
        "whereas",
        "while",
        "but",
        "however",
        "although",
        "though",
        "except",
        "because",
        "since",
        "after",
        "then",
        "presented with",
        "developed",
        ";",
        ":",
        ".",
        "despite",
    }
)


def _alternation(phrases: list[str]) -> re.Pattern:
    ordered = sorted(set(phrases), key=len, reverse=True)
    body = "|".join(re.escape(p) for p in ordered)
    return re.compile(rf"(?<![\w/])(?:{body})(?![\w/])")


@dataclass(frozen=True)
class _Rules:
    neg_before: re.Pattern
    neg_after: re.Pattern
    unc_before: re.Pattern
    unc_after: re.Pattern
    pseudo: re.Pattern
    termination: re.Pattern


def _compile() -> _Rules:
    return _Rules(
        _alternation(NEGATED_BEFORE),
        _alternation(NEGATED_AFTER),
        _alternation(UNCERTAIN_BEFORE),
        _alternation(UNCERTAIN_AFTER),
        _alternation(PSEUDO),
        _alternation(TERMINATION),
    )


#: Tokens that end a sentence for the context window when the document has no sentence boundaries.
_SENTENCE_STOPS = frozenset({".", "!", "?", ";"})


_STOP_HASHES = np.array(sorted(hash_string(text) for text in _SENTENCE_STOPS), dtype=np.uint64)


def _stop_positions(doc: Doc) -> list[int]:
    """Positions of the tokens that end a sentence (:data:`_SENTENCE_STOPS`), ascending."""
    return np.flatnonzero(np.isin(doc.to_array("ORTH"), _STOP_HASHES)).tolist()


class _DocText:
    """A document's text and its tokens' character offsets, read once: the text of a token range is a slice, with
    no token objects (``doc[i:j].text`` builds one per token)."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc.text
        self.idx = doc.to_array("IDX").tolist()
        self.length = doc.to_array("LENGTH").tolist()

    def between(self, start: int, end: int, *, trailing_ws: bool = False) -> str:
        """``doc[start:end].text`` (``.text_with_ws`` with ``trailing_ws``); ``start < end``."""
        if not trailing_ws:
            stop = self.idx[end - 1] + self.length[end - 1]
        else:  # up to the next token (a token's trailing whitespace is all that lies between)
            stop = self.idx[end] if end < len(self.idx) else len(self.text)
        return self.text[self.idx[start] : stop]


class ContextDetector:
    """Sets ``negated`` and ``uncertain`` on ``doc.ents``."""

    def __init__(self, max_before: int = 8, max_after: int = 5) -> None:
        self.rules = _compile()
        self.max_before = max_before
        self.max_after = max_after

    @staticmethod
    def _sentence_bounds(ent: Span, stops: list[int] | None = None) -> tuple[int, int]:
        """The sentence around ``ent``: the parser's or sentencizer's when the document has one, else the
        tokens between the nearest sentence-ending punctuation marks (``stops``: their token positions,
        :func:`_stop_positions`, when the caller holds them for the whole document)."""
        doc = ent.doc
        if doc.has_annotation("SENT_START"):
            sent = ent.sent
            return sent.start, sent.end
        if stops is None:
            stops = _stop_positions(doc)
        i = bisect_left(stops, ent.start)  # first stop at or after the entity's start
        start = stops[i - 1] + 1 if i > 0 else 0
        j = bisect_left(stops, ent.end, lo=i)  # first stop at or after the entity's end
        end = stops[j] if j < len(stops) else len(doc)
        # A stop inside the entity does not end its sentence (the token walk never looked inside it).
        return start, end

    def _before_hit(self, window: str, trigger: re.Pattern) -> bool:
        """A trigger in ``window`` (text before the entity) not cut off by a terminator."""
        hits = [m for m in trigger.finditer(window)]
        if not hits:
            return False
        last = hits[-1]
        pseudo_spans = [m.span() for m in self.rules.pseudo.finditer(window)]
        for match in reversed(hits):
            if any(s <= match.start() and match.end() <= e for s, e in pseudo_spans):
                continue
            last = match
            break
        else:
            return False
        return self.rules.termination.search(window, last.end()) is None

    def _after_hit(self, window: str, trigger: re.Pattern) -> bool:
        match = trigger.search(window)
        if match is None:
            return False
        if any(
            s <= match.start() and match.end() <= e for s, e in (m.span() for m in self.rules.pseudo.finditer(window))
        ):
            return False
        stop = self.rules.termination.search(window)
        return stop is None or stop.start() >= match.start()

    def classify(self, ent: Span, *, stops: list[int] | None = None, text: _DocText | None = None) -> tuple[bool, bool]:
        """(negated, uncertain) for one entity; ``stops``: the document's sentence-ending token positions
        (:func:`_stop_positions`), and ``text``: the document's text and token offsets, both passed in when
        classifying many entities of one document."""
        doc = ent.doc
        sent_start, sent_end = self._sentence_bounds(ent, stops)
        left = max(sent_start, ent.start - self.max_before)
        right = min(sent_end, ent.end + self.max_after)
        text = text or _DocText(doc)
        # The text of the tokens before the entity with the whitespace after each, and of the tokens after it.
        before = text.between(left, ent.start, trailing_ws=True).lower() if left < ent.start else ""
        after = text.between(ent.end, right).lower() if right > ent.end else ""
        negated = self._before_hit(before, self.rules.neg_before) or self._after_hit(after, self.rules.neg_after)
        uncertain = self._before_hit(before, self.rules.unc_before) or self._after_hit(after, self.rules.unc_after)
        return negated, uncertain

    def __call__(self, doc: Doc) -> Doc:
        ents = doc.ents
        if not ents:
            return doc
        stops = None if doc.has_annotation("SENT_START") else _stop_positions(doc)
        text = _DocText(doc)
        for ent in ents:
            negated, uncertain = self.classify(ent, stops=stops, text=text)
            ent._.negated = negated
            ent._.uncertain = uncertain
        return doc


@Language.factory("extract_context", default_config={"max_before": 8, "max_after": 5})
def make_context(nlp: Language, name: str, max_before: int, max_after: int) -> ContextDetector:
    return ContextDetector(max_before=max_before, max_after=max_after)
