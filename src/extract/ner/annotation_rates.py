"""How BC5CDR's annotators mark a phrase: add the disease names they always mark, drop or re-cut the mentions they do not make.

A learned lexicon filter, as dictionary taggers use.  For each phrase (its tokens lower-cased) the training split
says how its occurrences were annotated: the *pattern* of Disease mentions inside it ("nausea and vomiting" is
annotated as "nausea" + "vomiting", "acute hepatitis" as "hepatitis", "inflammatory" not at all, "platelet
aggregation" as itself).  The component ``extract_annotation_rates`` runs after the model's disease post-processing
and

* **drops** a DISEASE mention whose phrase occurs in the training split at least ``drop_min_count`` times, at least
  ``drop_min_share`` of them with no Disease annotation on them ("inflammatory" of "inflammatory cells");
* **re-cuts** a DISEASE mention whose phrase occurs there at least ``recut_min_count`` times when one pattern of
  parts of it covers at least ``recut_min_share`` of them: the mention is replaced by that pattern's mentions
  ("acute hepatitis" -> "hepatitis", "nausea and vomiting" -> "nausea" + "vomiting");
* **adds** a DISEASE mention where a disease name of the vocabularies or of the training split's Disease mentions
  occurs outside every entity, when that name occurs in the training split at least ``add_min_count`` times and
  is annotated there as itself at least ``add_min_rate`` of the time, has at least ``add_min_chars`` characters
  (short forms are :mod:`extract.context.abbreviations`' business), spends at most ``add_max_inside`` of its
  occurrences there inside a longer Disease annotation (a head word of longer names, "calcification" of "artery
  calcification", is alone often a part of a name the model missed: "dystrophic calcification") and is not glued to
  a word by a hyphen ("tumor-bearing").  Longer names first, no overlaps; a name inside a longer DISEASE name the
  document tags elsewhere is added as that name (the title's "dystrophic calcification", not its "calcification").

Occurrences strictly inside a longer Disease annotation are not counted (the pattern is that of the phrase standing
alone), nor those glued to a word by a hyphen.  The counts are data (``data/annotation_rates/``), rebuilt from the
training split by :mod:`extract.training.annotation_rates`; the cuts are this component's settings
(``configs/ner_stage.cfg``).  New and re-cut mentions get ``span._.method = "annotation_rate"``; the linker links
them like any other.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.settings import PROJECT_ROOT

__all__ = [
    "CROSSING",
    "DEFAULT_RATES_PATH",
    "INSIDE",
    "AnnotationRates",
    "Phrase",
    "RateTable",
    "glued",
    "name_key",
    "pattern_of",
]

DISEASE = "DISEASE"
#: The shipped table (relative paths in the config are read from the project root).
DEFAULT_RATES_PATH = "data/annotation_rates/bc5cdr_train_disease.json.gz"
FORMAT = "annotation-rates/2"
#: The pattern of an occurrence a Disease annotation crosses (starts inside it, ends outside, or the reverse).
CROSSING = "x"
#: The occurrences strictly inside a longer Disease annotation ("calcification" of "artery calcification"): kept
#: apart, not among a phrase's :attr:`Phrase.occurrences`.
INSIDE = "in"


def name_key(words: Iterable[str]) -> str:
    """A phrase as the table keys it: its tokens lower-cased, joined by one space."""
    return " ".join(word.lower() for word in words)


def glued(texts: Sequence[str], spaces: Sequence[str], start: int, end: int) -> bool:
    """Tokens ``start:end`` are glued by a hyphen to the word before ("anti-inflammatory") or after
    ("tumor-bearing"): ``texts`` / ``spaces`` are the tokens' texts and trailing whitespace."""
    before = start > 1 and texts[start - 1] == "-" and not spaces[start - 2] and not spaces[start - 1]
    after = end + 1 < len(texts) and texts[end] == "-" and not spaces[end - 1] and not spaces[end]
    return before or after


def pattern_of(spans: Iterable[tuple[int, int]]) -> str:
    """The Disease mentions inside a phrase, as token offsets from its start: ``"0-1,2-3"``; ``""`` for none."""
    return ",".join(f"{a}-{b}" for a, b in sorted(spans))


def _parse(pattern: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (part.split("-") for part in pattern.split(","))] if pattern else []


@dataclass(frozen=True)
class Phrase:
    """A phrase's occurrences in the training split by pattern (:func:`pattern_of`, or :data:`CROSSING`), and under
    :data:`INSIDE` those strictly inside a longer Disease annotation (not counted as occurrences)."""

    patterns: dict[str, int]
    words: int
    occurrences: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurrences", sum(n for p, n in self.patterns.items() if p != INSIDE))

    @property
    def inside_share(self) -> float:
        """Share of all its occurrences the phrase spends inside a longer Disease annotation: a head word of longer
        names ("calcification"), which alone is often a part of a name the model missed."""
        inside = self.patterns.get(INSIDE, 0)
        return inside / (inside + self.occurrences) if inside else 0.0

    @property
    def whole(self) -> str:
        return f"0-{self.words}"

    @property
    def rate(self) -> float:
        """Share of the occurrences annotated as exactly the phrase."""
        return self.patterns.get(self.whole, 0) / self.occurrences if self.occurrences else 0.0

    def dominant(self) -> tuple[str, float]:
        """The most frequent pattern (not :data:`CROSSING`) and its share of all occurrences; a tie between
        patterns gives the whole phrase (no reason to change a mention)."""
        counted = sorted((n for p, n in self.patterns.items() if p not in (CROSSING, INSIDE)), reverse=True)
        if not counted:
            return CROSSING, 0.0
        if len(counted) > 1 and counted[0] == counted[1]:
            return self.whole, self.rate
        pattern = next(p for p, n in self.patterns.items() if p not in (CROSSING, INSIDE) and n == counted[0])
        return pattern, counted[0] / self.occurrences


@dataclass(frozen=True)
class RateTable:
    """``phrases``: phrase key -> its occurrences by pattern; ``names``: the keys that are disease names
    (vocabularies, training Disease mentions), the only ones the component adds."""

    phrases: dict[str, Phrase]
    names: frozenset[str]
    meta: dict

    def get(self, key: str) -> Phrase | None:
        return self.phrases.get(key)

    @classmethod
    def load(cls, path: str | Path) -> RateTable:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: not an annotation-rate table ({FORMAT})")
        phrases = {k: Phrase(p, k.count(" ") + 1) for k, p in data["phrases"].items()}
        return cls(phrases, frozenset(data["names"]), data.get("meta", {}))

    def save(self, path: str | Path) -> None:
        data = {
            "format": FORMAT,
            "meta": self.meta,
            "names": sorted(self.names),
            "phrases": {k: dict(sorted(p.patterns.items())) for k, p in sorted(self.phrases.items())},
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(path, "wb", mtime=0) as raw:  # mtime 0: the same table gives the same bytes
            raw.write(json.dumps(data, indent=0, ensure_ascii=False).encode())


def resolve_rates_path(path: str) -> Path:
    resolved = Path(path or DEFAULT_RATES_PATH)
    return resolved if resolved.is_absolute() else PROJECT_ROOT / resolved


class AnnotationRates:
    """Re-cut or drop the DISEASE mentions the training split's annotators do not make, add the names they mark
    (module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        table: RateTable,
        add_names: bool = True,
        add_min_rate: float = 0.5,
        add_min_count: int = 2,
        add_min_chars: int = 4,
        add_max_inside: float = 1.0,
        recut_min_share: float = 0.5,
        recut_min_count: int = 2,
        drop_min_share: float = 0.9,
        drop_min_count: int = 3,
    ) -> None:
        self.name = name
        self.table = table
        self._add = frozenset(
            key
            for key in (table.names if add_names else ())
            if (p := table.phrases.get(key)) is not None
            and p.occurrences >= add_min_count
            and p.rate >= add_min_rate
            and len(key.replace(" ", "")) >= add_min_chars
            and p.inside_share <= add_max_inside
        )
        self._max_words = max((key.count(" ") + 1 for key in self._add), default=0)
        self._first = frozenset(key.split(" ")[0] for key in self._add)
        self._recut: dict[str, list[tuple[int, int]]] = {}
        for key, phrase in table.phrases.items():
            pattern, share = phrase.dominant()
            if pattern in (phrase.whole, CROSSING):
                continue
            min_share, min_count = (
                (drop_min_share, drop_min_count) if not pattern else (recut_min_share, recut_min_count)
            )
            if phrase.occurrences >= min_count and share >= min_share:
                self._recut[key] = _parse(pattern)

    def recut(self, ent: Span) -> list[tuple[int, int]] | None:
        """The token spans (from the mention's start) that replace a DISEASE mention, None to keep it."""
        if ent.label_ != DISEASE:
            return None
        return self._recut.get(name_key(t.text for t in ent))

    def _added(self, doc: Doc, taken: list[bool], own: Iterable[tuple[str, ...]] = ()) -> list[Span]:
        """The names to add, outside ``taken`` tokens; a name inside a longer DISEASE name the document tags
        elsewhere (``own``: their lower-cased words) is added as that name ("dystrophic calcification" of the
        title when the abstract's is tagged, not "calcification")."""
        lowers = [t.lower_ for t in doc]
        texts = [t.text for t in doc]
        spaces = [t.whitespace_ for t in doc]
        own = sorted(set(own), key=len, reverse=True)
        added: list[Span] = []
        i = last = 0
        while i < len(doc):
            found = None
            if not taken[i] and lowers[i] in self._first:
                for end in range(min(len(doc), i + self._max_words), i, -1):  # longest name first
                    if (
                        " ".join(lowers[i:end]) in self._add
                        and not any(taken[i:end])
                        and not glued(texts, spaces, i, end)
                    ):
                        found = (i, end)
                        break
            if found is None:
                i += 1
                continue
            found = self._document_name(found, own, lowers, texts, spaces, taken, last) or found
            added.append(self._span(doc, *found))
            i = last = found[1]
        return added

    @staticmethod
    def _document_name(
        found: tuple[int, int],
        own: list[tuple[str, ...]],
        lowers: list[str],
        texts: list[str],
        spaces: list[str],
        taken: list[bool],
        after: int,
    ) -> tuple[int, int] | None:
        """The longest of the document's own names (``own``) around the name at ``found``, free from ``after``."""
        start, end = found
        name = tuple(lowers[start:end])
        for words in own:
            if len(words) <= len(name):
                break
            for offset in range(len(words) - len(name) + 1):
                if words[offset : offset + len(name)] != name:
                    continue
                s, e = start - offset, start - offset + len(words)
                if (
                    after <= s
                    and e <= len(lowers)
                    and tuple(lowers[s:e]) == words
                    and not any(taken[s:e])
                    and not glued(texts, spaces, s, e)
                ):
                    return s, e
        return None

    @staticmethod
    def _span(doc: Doc, start: int, end: int) -> Span:
        span = Span(doc, start, end, label=DISEASE)
        span._.method = "annotation_rate"
        return span

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        kept: list[Span] = []
        changed = False
        for ent in ents:
            parts = self.recut(ent)
            if parts is None:
                kept.append(ent)
                continue
            changed = True
            kept.extend(self._span(doc, ent.start + a, ent.start + b) for a, b in parts)
        taken = [False] * len(doc)
        for ent in kept:
            for i in range(ent.start, ent.end):
                taken[i] = True
        own = (tuple(t.lower_ for t in e) for e in kept if e.label_ == DISEASE and len(e) > 1)
        added = self._added(doc, taken, own) if self._add else []
        if added or changed:
            doc.ents = sorted([*kept, *added], key=lambda s: s.start)
        return doc


_TABLES: dict[Path, RateTable] = {}


def load_table(path: str) -> RateTable:
    """The table at ``path`` (relative: from the project root), read once per process."""
    resolved = resolve_rates_path(path)
    if resolved not in _TABLES:
        _TABLES[resolved] = RateTable.load(resolved)
    return _TABLES[resolved]


@Language.factory(
    "extract_annotation_rates",
    default_config={
        "rates_path": DEFAULT_RATES_PATH,
        "add_names": True,
        "add_min_rate": 0.5,
        "add_min_count": 2,
        "add_min_chars": 4,
        "add_max_inside": 1.0,
        "recut_min_share": 0.5,
        "recut_min_count": 2,
        "drop_min_share": 0.9,
        "drop_min_count": 3,
    },
)
def make_annotation_rates(
    nlp: Language,
    name: str,
    rates_path: str,
    add_names: bool,
    add_min_rate: float,
    add_min_count: int,
    add_min_chars: int,
    add_max_inside: float,
    recut_min_share: float,
    recut_min_count: int,
    drop_min_share: float,
    drop_min_count: int,
) -> AnnotationRates:
    return AnnotationRates(
        nlp,
        name,
        load_table(rates_path),
        add_names=add_names,
        add_min_rate=add_min_rate,
        add_min_count=add_min_count,
        add_min_chars=add_min_chars,
        add_max_inside=add_max_inside,
        recut_min_share=recut_min_share,
        recut_min_count=recut_min_count,
        drop_min_share=drop_min_share,
        drop_min_count=drop_min_count,
    )
