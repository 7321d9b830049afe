"""spaCy component ``extract_linker``: link ``doc.ents`` to MeSH / HPO / DOID / OMIM / DrugBank.

For each entity (label CHEMICAL or DISEASE):

1. a short form (``span._.abbreviation_of`` set) is linked through its long form first;
2. exact lookup of normalised variants of the text in the alias dictionary,
   restricted to concepts of the entity's label; ties go to the concept the
   training corpora used most often for that string, then MeSH before OMIM,
   DOID, HPO, DrugBank;
3. otherwise scispaCy's ``CandidateGenerator`` (char-3-gram TF-IDF + HNSW, one index
   per label) proposes neighbours; the best cosine similarity wins when it reaches
   ``threshold``; near-ties prefer a concept already linked elsewhere in the document.

Fills ``concept_id``, ``concept_name``, ``ontology`` and ``link_score`` (1.0 exact,
else the cosine similarity).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

import extract.nlp.extensions  # noqa: F401  (registers span attributes)
from extract.linking.index import LinkerResources, load_linker_resources
from extract.linking.knowledge_base import ONTOLOGY_RANK
from extract.linking.normalize import lookup_variants, normalize

DEFAULT_THRESHOLD = 0.65
DEFAULT_K = 30
#: Mentions with fewer normalised characters than this are linked by exact lookup only.
MIN_ANN_CHARS = 5
#: Near-tie margin inside which a concept already linked in the document wins.
DOC_CONTEXT_MARGIN = 0.04


_STOPWORDS = frozenset({"of", "the", "and", "in", "with", "to", "by", "or", "for", "on", "a", "an", "due"})
#: Minimum edit ratio for two words to count as the same word (misspellings, inflection).
WORD_MATCH_RATIO = 0.75


#: Word-pair decisions of ``_words_match`` (bounded; cleared when full).
_WORD_PAIRS: dict[tuple[str, str], bool] = {}
_WORD_PAIRS_MAX = 200_000


def _words_match(w: str, o: str) -> bool:
    """``w == o`` or their edit ratio reaches ``WORD_MATCH_RATIO`` (cached per pair)."""
    if w == o:
        return True
    key = (w, o)
    hit = _WORD_PAIRS.get(key)
    if hit is None:
        matcher = SequenceMatcher(None, w, o, autojunk=False)
        # real_quick_ratio() is an upper bound of ratio() (same denominator), so a
        # pair below the bound can be rejected without the O(n*m) matching.
        hit = matcher.real_quick_ratio() >= WORD_MATCH_RATIO and matcher.ratio() >= WORD_MATCH_RATIO
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


@dataclass(frozen=True)
class LinkResult:
    concept_id: str
    concept_name: str
    ontology: str
    score: float
    method: str  # exact or ann


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
    ) -> None:
        self.folder = Path(folder)
        self.threshold = threshold
        self.k = k
        self._init_caches()

    def _init_caches(self) -> None:
        self._resources: LinkerResources | None = None
        self._exact_cache: dict[tuple[str, str], LinkResult | None] = {}
        self._scored_cache: dict[tuple[str, str], Scored] = {}
        self._normalized: dict[str, str] = {}

    @property
    def resources(self) -> LinkerResources:
        if self._resources is None:
            self._resources = load_linker_resources(self.folder)
        return self._resources

    def clear_caches(self) -> None:
        self._exact_cache.clear()
        self._scored_cache.clear()
        self._normalized.clear()

    def _normalize(self, text: str) -> str:
        out = self._normalized.get(text)
        if out is None:
            out = normalize(text)
            _cache_put(self._normalized, text, out)
        return out

    # ------------------------------------------------------------------ lookup

    def _rank_key(self, concept_id: str, alias: str) -> tuple:
        resources = self.resources
        prior = resources.data.priors.get(alias, {}).get(concept_id, 0)
        ontology = resources.data.concepts[concept_id].ontology
        return (-prior, ONTOLOGY_RANK.get(ontology, 9), concept_id)

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
                best = min(ids, key=lambda cid: self._rank_key(cid, variant))
                return self._result(best, 1.0 if rank == 0 else 0.99, "exact")
        return None

    def _ann_queries(self, texts: list[str]) -> list[tuple[int, str]]:
        """``(position, normalised query)`` of the texts long enough for the ANN index."""
        queries = [(i, self._normalize(t)) for i, t in enumerate(texts)]
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
        results: list[LinkResult | None] = [None] * len(texts)
        queries = self._ann_queries(texts)
        if self.resources.generators.get(label) is None or not queries:
            return results
        self._fetch_scored([q for _, q in queries], label)
        for i, query in queries:
            scored = self._scored_cache.get((query, label))
            if scored is None:  # evicted by a cache clear between fetch and use
                self._fetch_scored([query], label)
                scored = self._scored_cache[(query, label)]
            results[i] = self._choose(scored, preferred)
        return results

    def link_texts(
        self,
        mentions: Iterable[tuple[str, str]],
        preferred: set[str] = frozenset(),
    ) -> list[LinkResult | None]:
        """Link ``(text, label)`` pairs: exact lookup first, then the ANN index."""
        mentions = list(mentions)
        results: list[LinkResult | None] = [self.exact(text, label) for text, label in mentions]
        by_label: dict[str, list[int]] = {}
        for i, (result, (_, label)) in enumerate(zip(results, mentions)):
            if result is None:
                by_label.setdefault(label, []).append(i)
        for label, positions in by_label.items():
            found = self.ann([mentions[i][0] for i in positions], label, preferred)
            for i, result in zip(positions, found):
                results[i] = result
        return results

    def prefetch(self, mentions: Iterable[tuple[str, str]]) -> None:
        """Resolve ``(text, label)`` pairs into the caches, with one index query per label.

        Changes no result: it only fills the caches :meth:`link_texts` reads.
        """
        by_label: dict[str, list[str]] = {}
        for text, label in mentions:
            if self.exact(text, label) is None:
                by_label.setdefault(label, []).append(text)
        for label, texts in by_label.items():
            self._fetch_scored([q for _, q in self._ann_queries(texts)], label)

    # ------------------------------------------------------------------ spaCy

    @staticmethod
    def _spans(doc: Doc) -> list[Span]:
        return [ent for ent in doc.ents if ent.label_ in ("CHEMICAL", "DISEASE")]

    def link_spans(self, spans: list[Span]) -> None:
        """Link spans in place (long forms first for abbreviations), sharing document context."""
        first: list[tuple[str, str]] = []
        for span in spans:
            first.append((span._.abbreviation_of or span.text, span.label_))
        results = self.link_texts(first)
        preferred = {r.concept_id for r in results if r is not None and r.method == "exact"}
        retry = [i for i, r in enumerate(results) if r is None and spans[i]._.abbreviation_of]
        if retry:
            again = self.link_texts([(spans[i].text, spans[i].label_) for i in retry], preferred)
            for i, result in zip(retry, again):
                results[i] = result
        for span, result in zip(spans, results):
            if result is None:
                continue
            span._.concept_id = result.concept_id
            span._.concept_name = result.concept_name
            span._.ontology = result.ontology
            span._.link_score = result.score

    def prefetch_docs(self, docs: list[Doc]) -> None:
        """Fill the caches for every lookup :meth:`link_spans` will make on ``docs``."""
        spans = [span for doc in docs for span in self._spans(doc)]
        first = [(span._.abbreviation_of or span.text, span.label_) for span in spans]
        self.prefetch(first)
        # Second pass of link_spans: short forms whose long form found nothing.  Whether
        # the first pass found nothing does not depend on the document context.
        retry = []
        for span, (text, label) in zip(spans, first):
            if span._.abbreviation_of and self.exact(text, label) is None:
                queries = self._ann_queries([text])
                scored = self._scored_cache.get((queries[0][1], label)) if queries else ()
                if self._choose(scored or (), frozenset()) is None:
                    retry.append((span.text, label))
        if retry:
            self.prefetch(retry)

    def __call__(self, doc: Doc) -> Doc:
        spans = self._spans(doc)
        if spans:
            self.link_spans(spans)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Link a stream of docs, querying the ANN index once per label per batch."""
        for batch in minibatch(docs, size=batch_size):
            self.prefetch_docs(batch)
            for doc in batch:
                yield self(doc)

    def __getstate__(self) -> dict:
        # nmslib indexes cannot be pickled: only the folder travels; workers reload.
        return {"folder": self.folder, "threshold": self.threshold, "k": self.k}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._init_caches()


@Language.factory(
    "extract_linker",
    default_config={"linker_path": "", "threshold": DEFAULT_THRESHOLD, "k": DEFAULT_K},
)
def make_linker(nlp: Language, name: str, linker_path: str, threshold: float, k: int) -> EntityLinker:
    """Create the linker; ``linker_path`` empty means the newest ``models/linker-*``."""
    from extract.settings import get_settings, resolve_model_dir

    folder = resolve_model_dir(linker_path or get_settings().linker_index, "linker")
    if folder is None:
        raise FileNotFoundError(
            "no linker index found (build one with `biomed-extract build-linker`)"
        )
    linker = EntityLinker(folder, threshold=threshold, k=k)
    linker.resources  # load now (once per process) so the first document is not slow
    return linker
