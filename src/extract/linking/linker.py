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
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

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


def _words_correspond(query: str, alias: str) -> bool:
    """Every content word on each side has a close partner on the other side.

    Rejects near neighbours that add or swap a word ("childhood onset" vs
    "childhood onset asthma", "renal function" vs "liver function").
    """
    left = [w for w in query.split() if w not in _STOPWORDS]
    right = [w for w in alias.split() if w not in _STOPWORDS]

    def covered(words: list[str], others: list[str]) -> bool:
        return all(
            any(w == o or SequenceMatcher(None, w, o, autojunk=False).ratio() >= WORD_MATCH_RATIO for o in others)
            for w in words
        )

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


class EntityLinker:
    """Links mention strings of a label; usable without spaCy (``link_texts``)."""

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

    @property
    def resources(self) -> LinkerResources:
        return load_linker_resources(self.folder)

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
        resources = self.resources
        for rank, variant in enumerate(lookup_variants(text)):
            ids = [
                cid
                for cid in resources.alias_to_ids.get(variant, ())
                if resources.data.concepts[cid].label == label
            ]
            if ids:
                best = min(ids, key=lambda cid: self._rank_key(cid, variant))
                return self._result(best, 1.0 if rank == 0 else 0.99, "exact")
        return None

    def ann(self, texts: list[str], label: str, preferred: set[str] = frozenset()) -> list[LinkResult | None]:
        """Approximate lookup through scispaCy's ``CandidateGenerator`` for ``label``."""
        generator = self.resources.generators.get(label)
        results: list[LinkResult | None] = [None] * len(texts)
        queries = [(i, normalize(t)) for i, t in enumerate(texts)]
        queries = [(i, q) for i, q in queries if len(q) >= MIN_ANN_CHARS]
        if generator is None or not queries:
            return results
        concepts = self.resources.data.concepts
        batches = generator([q for _, q in queries], self.k)
        for (i, query), candidates in zip(queries, batches):
            scored = []
            for candidate in candidates:
                if concepts[candidate.concept_id].label != label:
                    continue
                sim, alias = max(
                    (_similarity(query, alias, cos), alias)
                    for alias, cos in zip(candidate.aliases, candidate.similarities)
                )
                scored.append((sim, candidate.concept_id, alias))
            if not scored:
                continue
            top = max(s for s, _, _ in scored)
            if top < self.threshold:
                continue
            near = [c for c in scored if c[0] >= top - DOC_CONTEXT_MARGIN and c[1] in preferred]
            pool = near or [c for c in scored if c[0] >= top - 1e-6]
            sim, concept_id, _ = min(pool, key=lambda c: (-c[0], *self._rank_key(c[1], c[2])))
            results[i] = self._result(concept_id, sim, "ann")
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

    # ------------------------------------------------------------------ spaCy

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

    def __call__(self, doc: Doc) -> Doc:
        spans = [ent for ent in doc.ents if ent.label_ in ("CHEMICAL", "DISEASE")]
        if spans:
            self.link_spans(spans)
        return doc

    def __getstate__(self) -> dict:
        # nmslib indexes cannot be pickled: only the folder travels; workers reload.
        return {"folder": self.folder, "threshold": self.threshold, "k": self.k}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


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
