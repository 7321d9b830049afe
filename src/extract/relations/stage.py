"""The relations stage: ``documents`` + ``sentences`` + ``entities`` -> ``relations`` and ``document_relations``."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyarrow as pa

from extract import schemas
from extract.nlp.inference_ops import one_thread
from extract.parallel import WorkerPool, chunk_size, collector_paused, fork_map, workers_available
from extract.rejects import Reject
from extract.relations.drug_induced import adverse_event_concept, relation_concept
from extract.relations.memo import release as release_memo
from extract.relations.rules import in_keywords
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    EntityView,
    RelationCandidate,
    SentenceView,
)
from extract.relations.withheld_sentences import Withheld, drop_withheld, withheld_spans
from extract.settings import Settings, get_settings

STAGE = "relations"
log = logging.getLogger(__name__)


@dataclass
class RelationsResult:
    relations: pa.Table
    document_relations: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    model_version: str = ""
    #: sentences that state no relation, by kind, and the rows left out of them (``<kind>_sentences``,
    #: ``<kind>_rows``: :mod:`extract.relations.withheld_sentences`); the stage adds them to ``runs.detail``
    withheld: dict[str, int] = field(default_factory=dict)


def build_views(documents: pa.Table, sentences: pa.Table, entities: pa.Table) -> list[tuple[dict, DocumentView]]:
    # Column by column: ``Table.to_pylist`` builds a dict per row, several times slower on these tables.
    sents: dict[str, list[SentenceView]] = {}
    for doc_id, *row in zip(*_columns(sentences, ["doc_id", "sentence_index", "start", "end", "section"])):
        sents.setdefault(doc_id, []).append(SentenceView(*row))
    ents: dict[str, list[EntityView]] = {}
    columns = [
        "doc_id",
        "entity_id",
        "start",
        "end",
        "text",
        "label",
        "sentence_index",
        "concept_id",
        "abbreviation_of",
        "negated",
        "uncertain",
    ]
    values = _columns(entities, columns)
    # ``drug_classes`` is absent in outputs written before linker-0.3.0.
    classes = entities.column("drug_classes").to_pylist() if "drug_classes" in entities.column_names else None
    values.append([tuple(c or ()) for c in classes] if classes is not None else [()] * entities.num_rows)
    # ``concept_ids`` is absent in outputs written before it existed; one id is kept as () (``concept_id`` says it).
    ids = entities.column("concept_ids").to_pylist() if "concept_ids" in entities.column_names else None
    values.append([tuple(c) if c and len(c) > 1 else () for c in ids] if ids is not None else [()] * entities.num_rows)
    for doc_id, *row in zip(*values):
        ents.setdefault(doc_id, []).append(EntityView(*row))
    views = []
    for meta in documents.select(["doc_id", "batch_id", "source", "title", "text", "sections"]).to_pylist():
        s = sorted(sents.get(meta["doc_id"], []), key=lambda x: x.index)
        e = sorted(ents.get(meta["doc_id"], []), key=lambda x: (x.start, x.end))
        sections = [(x["name"], x["start"], x["end"]) for x in (meta["sections"] or [])]
        views.append(
            (
                meta,
                DocumentView(
                    doc_id=meta["doc_id"],
                    text=meta["text"],
                    sentences=s,
                    entities=e,
                    title=meta["title"],
                    sections=sections,
                ),
            )
        )
    return views


def _columns(table: pa.Table, names: list[str]) -> list[list]:
    return [table.column(name).to_pylist() for name in names]


def _norm_keys(entity: EntityView) -> tuple[str, ...]:
    """The document-relation keys of a mention: each concept it names, else its concept or its lower-cased text."""
    return entity.concept_ids or (entity.concept_id or entity.text.lower(),)


def _sentence_of(view: DocumentView, index: int) -> SentenceView | None:
    if 0 <= index < len(view.sentences) and view.sentences[index].index == index:
        return view.sentences[index]
    return next((s for s in view.sentences if s.index == index), None)


def _inside(sent: SentenceView | None, c: RelationCandidate) -> bool:
    return (
        sent is not None and sent.start <= min(c.head.start, c.tail.start) and max(c.head.end, c.tail.end) <= sent.end
    )


def evidence_of(view: DocumentView, c: RelationCandidate) -> tuple[int, int, int | None]:
    """``(start, end, sentence_index)`` of the text that shows ``c``: the one sentence holding both mentions
    (``sentence_index`` set), else the span from the first mention's sentence start to the last mention's
    sentence end (``sentence_index`` None: the pair is made across sentences)."""
    for index in (c.sentence_index, c.head.sentence_index, c.tail.sentence_index):
        sent = _sentence_of(view, index)
        if _inside(sent, c):
            return sent.start, sent.end, sent.index
    return (*span_of(view, c.head, c.tail), None)


def span_of(view: DocumentView, head: EntityView, tail: EntityView) -> tuple[int, int]:
    """``(start, end)`` from the start of the first mention's sentence to the end of the last mention's sentence."""
    spans = [_sentence_of(view, e.sentence_index) for e in (head, tail)]
    start = min([s.start for s in spans if s is not None] + [head.start, tail.start])
    end = max([s.end for s in spans if s is not None] + [head.end, tail.end])
    return start, end


def relation_rows(
    meta: dict, view: DocumentView, candidates: list[RelationCandidate], version: str
) -> tuple[list[dict], list[dict]]:
    """``relations`` rows (pairs stated within one sentence, whose evidence holds both mentions) and the
    cross-sentence rows (same columns, ``relation_id`` None, ``sentence_index`` -1, evidence spanning the
    two mentions' sentences, and ``read_sentence``: the sentence the extractor read the pair from) that only feed
    ``document_relations``.  An adverse event's disease is named under its
    MeSH drug-induced form where there is one (:mod:`extract.relations.drug_induced`).

    A cross-sentence row is negated when its tail mention is (:func:`cross_sentence_negated`)."""
    rows, cross = [], []
    ordered = sorted(candidates, key=lambda c: (c.sentence_index, c.head.start, c.tail.start, c.type))
    for c in ordered:
        start, end, index = evidence_of(view, c)
        row = {
            "doc_id": view.doc_id,
            "batch_id": meta["batch_id"],
            "relation_id": None,
            "type": c.type,
            "head_entity_id": c.head.entity_id,
            "tail_entity_id": c.tail.entity_id,
            "head_text": c.head.text,
            "tail_text": c.tail.text,
            "head_concept_id": relation_concept(c.type, c.head.concept_id, c.head.text)
            if c.type == DISEASE_MANIFESTATION
            else c.head.concept_id,
            "tail_concept_id": relation_concept(c.type, c.tail.concept_id, c.tail.text),
            "head_drug_classes": list(c.head.drug_classes) if c.head.drug_classes else None,
            "sentence_index": -1 if index is None else index,
            "evidence": view.text[start:end],
            "evidence_start": start,
            "evidence_end": end,
            "score": round(float(c.score), 6),
            "negated": bool(c.negated) or (index is None and cross_sentence_negated(c)),
            "method": c.method,
            "model_version": version,
            **_phrase_columns(view, c),
        }
        if c.subsumed:
            row["subsumed"] = True  # no document-level pair; not a column
        if index is None:
            row["read_sentence"] = c.sentence_index  # for nearest_mentions; not a column
            cross.append(row)
        else:
            row["relation_id"] = f"{view.doc_id}#r{len(rows)}"
            rows.append(row)
    return rows, cross


def cross_sentence_negated(c: RelationCandidate) -> bool:
    """Whether a pair made across sentences is negated by its mentions: its tail is negated in its own sentence
    ("There was no evidence of haemolysis", "No patient had any episode of hypotension").

    Within one sentence the extractor reads a negation over the region and the clause of both mentions
    (``rules.region_negated``, ``rules.clause_negated``: "No nicardipine-related foetal distress occurred"); across
    sentences no text joins the two mentions, so the tail's sentence is where the event is stated or denied, as the
    NER stage's negation of the mention says (``entities.negated``).  The extractor reads no negation for such
    pairs: without this the negated event was written as asserted (four adverse events of 300 drug-review abstracts
    in the fifteenth session's analyst QA)."""
    return bool(c.tail.negated)


def _phrase_columns(view: DocumentView, c: RelationCandidate) -> dict:
    if c.phrase_start is None or c.phrase_end is None:
        return {"tail_phrase": None, "tail_phrase_start": None, "tail_phrase_end": None}
    return {
        "tail_phrase": view.text[c.phrase_start : c.phrase_end],
        "tail_phrase_start": c.phrase_start,
        "tail_phrase_end": c.phrase_end,
    }


def aggregate_document_relations(
    rows: list[dict],
    entity_keys: dict[str, tuple[str, ...]],
    cross: list[dict] | None = None,
    view: DocumentView | None = None,
    withheld: list[Withheld] | None = None,
) -> list[dict]:
    """One row per (document, type, head concept, tail concept): best evidence and support count.

    ``rows`` are ``relations`` rows, ``cross`` the cross-sentence rows of :func:`relation_rows`;
    ``entity_keys``: each entity's concepts (:func:`_norm_keys`), so a row whose mention names several concepts
    ("cyclophosphamide-induced hemorrhagic cystitis": Hemorrhage and Cystitis) counts for each of them.  A pair
    with a sentence that states it takes its best such sentence as evidence (``cross_sentence`` False);
    a pair made only across sentences takes its best cross-sentence span (``cross_sentence`` True,
    ``best_relation_id`` null, ``n_sentences`` 0); either way ``head_entity_id`` / ``tail_entity_id`` name the best
    evidence's mentions; a treatment made only across sentences is left out when a sentence
    of the document states the same pair as an adverse event.  Among rows of one score the shortest evidence wins: the nearest
    mentions of the pair.  ``negated``: every row of the evidence drawn from negates the pair, i.e. every sentence
    stating it, or, for a pair made only across sentences, every mention pair (each tail mention negated,
    :func:`cross_sentence_negated`).  With the document's ``view`` (and its ``withheld`` sentences), a pair made
    only across sentences takes as evidence the nearest mentions of its two concepts (:func:`nearest_mentions`);
    its score and ``negated`` stay those of its rows.  A row of a subsumed adverse event (``subsumed``: a more specific
    disease is reported for its drug, ``RelationCandidate.subsumed``) gives no pair."""
    groups: dict[tuple, list[dict]] = {}
    for r in [*rows, *(cross or [])]:
        if r.get("subsumed"):
            continue  # the document's pair is the more specific disease's
        for head in entity_keys[r["head_entity_id"]]:
            if r["type"] == DISEASE_MANIFESTATION:
                head = relation_concept(r["type"], head, r["head_text"])
            for tail in entity_keys[r["tail_entity_id"]]:
                tail = relation_concept(r["type"], tail, r["tail_text"])
                groups.setdefault((r["doc_id"], r["type"], head, tail), []).append(r)
    # pairs a sentence states as an adverse event: the same pair read as a treatment only across sentences is the
    # adverse-event paper's drug and event again ("amiodarone ... pulmonary fibrosis", "nifedipine-induced GH"), not
    # a treatment (every such pair in 14 sampled of the audit run's 28)
    stated_adverse = {
        (doc_id, head, tail)
        for (doc_id, rtype, head, tail), members in groups.items()
        if rtype == DRUG_ADVERSE_EVENT and any(m["relation_id"] is not None and not m["negated"] for m in members)
    }
    out = []
    mentions: MentionIndex | None = None  # built at the first pair made only across sentences
    for (doc_id, rtype, head, tail), members in sorted(groups.items()):
        within = [m for m in members if m["relation_id"] is not None]
        if (
            rtype == DRUG_TREATS_DISEASE
            and not within
            and (doc_id, head, adverse_event_concept(tail)) in stated_adverse
        ):
            continue  # (an adverse event's disease is keyed by its drug-induced form)
        pool = within or members
        positive = [m for m in pool if not m["negated"]] or pool
        # ties (cross-sentence rows of one pair share the pair's score) go to the shortest evidence, then the earliest
        best = max(positive, key=lambda m: (m["score"], m["evidence_start"] - m["evidence_end"], -m["evidence_start"]))
        shown = best
        if not within and view is not None:
            if mentions is None:
                mentions = MentionIndex(view, entity_keys, withheld or [])
            shown = nearest_mentions(view, mentions, rtype, head, tail, positive) or best
        out.append(
            {
                "doc_id": doc_id,
                "batch_id": best["batch_id"],
                "type": rtype,
                "head_concept_id": head,
                "tail_concept_id": tail,
                "head_drug_classes": shown.get("head_drug_classes"),
                "head_entity_id": shown["head_entity_id"],
                "tail_entity_id": shown["tail_entity_id"],
                "head_text": shown["head_text"],
                "tail_text": shown["tail_text"],
                "tail_phrase": shown.get("tail_phrase"),
                "score": best["score"],
                "n_sentences": len({m["sentence_index"] for m in within}),
                "cross_sentence": not within,
                "best_relation_id": best["relation_id"],
                "evidence": shown["evidence"],
                "evidence_start": shown["evidence_start"],
                "evidence_end": shown["evidence_end"],
                "negated": all(m["negated"] for m in pool),
                "model_version": best["model_version"],
            }
        )
    return out


class MentionIndex:
    """A document's mentions that may show a pair made only across sentences, by (relation type, role, concept):
    the keys of :func:`aggregate_document_relations` (each concept a mention names, an adverse event's disease
    under its drug-induced form), without the mentions of a keyword line (no syntax: ``rules.in_keywords``) or of
    a sentence withheld for the type (:mod:`extract.relations.withheld_sentences`), which give no row either."""

    def __init__(self, view: DocumentView, entity_keys: dict[str, tuple[str, ...]], withheld: list[Withheld]):
        self.view, self.entity_keys, self.withheld = view, entity_keys, withheld
        self.by_id = {e.entity_id: e for e in view.entities}
        self._mentions: dict[tuple[str, str, str], list[EntityView]] = {}
        self._eligible: dict[str, list[EntityView]] = {}

    def mentions(self, rtype: str, role: str, concept: str) -> list[EntityView]:
        """The mentions naming ``concept`` as the ``role`` ('head' or 'tail') of a ``rtype`` pair."""
        key = (rtype, role, concept)
        if key not in self._mentions:
            self._mentions[key] = [e for e in self._eligible_for(rtype) if concept in self._concepts(rtype, role, e)]
        return self._mentions[key]

    def _eligible_for(self, rtype: str) -> list[EntityView]:
        if rtype not in self._eligible:
            spans = [w for w in self.withheld if rtype in w.types]
            self._eligible[rtype] = [
                e
                for e in self.view.entities
                if e.entity_id in self.entity_keys
                and not in_keywords(self.view, e)
                and not any(w.start <= e.start and e.end <= w.end for w in spans)
            ]
        return self._eligible[rtype]

    def _concepts(self, rtype: str, role: str, e: EntityView) -> set[str]:
        keys = self.entity_keys[e.entity_id]
        if role == "head" and rtype != DISEASE_MANIFESTATION:
            return set(keys)
        return {relation_concept(rtype, k, e.text) for k in keys}


def nearest_mentions(
    view: DocumentView, index: MentionIndex, rtype: str, head: str, tail: str, members: list[dict]
) -> dict | None:
    """The evidence columns of a pair made only across sentences from the nearest mentions of its two concepts
    that still show what the pair was read from: ``members`` are its cross-sentence rows (:func:`relation_rows`),
    each read from one of its mentions' sentence (``read_sentence``, the candidate's ``sentence_index``); that
    mention is kept and the other may be any mention of its concept (:class:`MentionIndex`) in another sentence,
    negated as the row's is (the evidence of a negated pair still denies it).  Of those mention pairs, the one with
    the fewest sentences between them wins (ties: the earlier span).

    The treatment rule of a drug sentence that names no disease (``RuleExtractor._topic_treatments``) pairs the
    drug with the topic disease's last mention before it, however far: on the bundled calcinosis-cutis page,
    calcinosis cutis seven sentences before the drugs rather than three after.  Moving the drug instead (any of its
    mentions) would drop the sentence the treatment is read from ("Methyldopa is still a highly efficacious ...
    drug" for another methyldopa sentence nearer the disease).  ``tail_phrase``, read around the row's tail, is kept
    only with that tail.  None when a row's mention is not among ``index.by_id``."""
    best: tuple | None = None
    for m in members:
        h0, t0 = index.by_id.get(m["head_entity_id"]), index.by_id.get(m["tail_entity_id"])
        if h0 is None or t0 is None:
            return None
        read = m.get("read_sentence")
        pairs = [(h0, t0)]
        if h0.sentence_index == read:
            tails = index.mentions(rtype, "tail", tail)
            pairs += [(h0, t) for t in tails if t.label == t0.label and t.negated == t0.negated]
        if t0.sentence_index == read:
            heads = index.mentions(rtype, "head", head)
            pairs += [(h, t0) for h in heads if h.label == h0.label and h.negated == h0.negated]
        for h, t in pairs:
            if (h, t) != (h0, t0) and (h.sentence_index == t.sentence_index or (h.start < t.end and t.start < h.end)):
                continue
            start, end = span_of(view, h, t)
            rank = (abs(h.sentence_index - t.sentence_index), start, end, h.start, t.start)
            if best is None or rank < best[0]:
                best = (rank, m, h, t, start, end)
    if best is None:
        return None
    _rank, m, h, t, start, end = best
    return {
        "head_drug_classes": list(h.drug_classes) if h.drug_classes else None,
        "head_entity_id": h.entity_id,
        "tail_entity_id": t.entity_id,
        "head_text": h.text,
        "tail_text": t.text,
        "tail_phrase": m.get("tail_phrase") if t.entity_id == m["tail_entity_id"] else None,
        "evidence": view.text[start:end],
        "evidence_start": start,
        "evidence_end": end,
    }


_EXTRACTORS: dict[tuple, object] = {}


def extractor_key(settings: Settings) -> tuple:
    """What :func:`get_extractor` caches an extractor under: the settings the extractor depends on."""
    return (
        str(settings.models_dir),
        settings.relation_model,
        settings.linker_index,
        str(settings.shared_dir),
        settings.manifestation_filter,
        settings.manifestation_filter_threshold,
        settings.sentence_classifier,
        settings.ade_effect_tails,
    )


def get_extractor(settings: Settings | None = None):
    """The relation extractor for these settings, loaded once per process (each worker loads its own)."""
    from extract.relations.extractor import load_extractor

    settings = settings or get_settings()
    key = extractor_key(settings)
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = load_extractor(settings)
    return _EXTRACTORS[key]


def release_extractors() -> None:
    """Drop this process's extractors of :func:`get_extractor` and return their memory to the system."""
    from extract.parallel import release_memory

    _EXTRACTORS.clear()
    release_memory()


#: Worker pools open for a whole stage (:func:`stage_workers`), by ``id`` of the extractor they run.
_POOLS: dict[int, WorkerPool] = {}


@contextmanager
def stage_workers(settings: Settings | None = None, extractor=None) -> Iterator[None]:
    """Fork the relation workers once for every :func:`extract_relations` call inside the block.

    The extractor is loaded first (once per process); ``settings.relation_processes`` workers are
    forked, inherit it and get each chunk's document views.  Without workers (1 process, no
    ``fork``, a daemonic process) the block runs as without it.
    """
    settings = settings or get_settings()
    extractor = extractor or get_extractor(settings)
    n_process = max(1, settings.relation_processes)
    if n_process <= 1 or not workers_available() or id(extractor) in _POOLS:
        yield
        return
    pool = WorkerPool(lambda views: _process_task(views, extractor), n_process)
    _POOLS[id(extractor)] = pool
    try:
        yield
    finally:
        del _POOLS[id(extractor)]
        pool.close()


def extract_relations(
    documents: pa.Table, sentences: pa.Table, entities: pa.Table, settings: Settings | None = None, extractor=None
) -> RelationsResult:
    """Relations of every document; one failing document becomes a reject.

    With ``settings.relation_processes > 1`` and more than :data:`MIN_DOCS_PER_PROCESS` documents
    per process, forked workers (:func:`extract.parallel.fork_map`) share the loaded extractor
    and the documents' views and each handle a share of the documents (every k-th document a task,
    :func:`interleaved`; each task's rows come back as tables, :func:`_process_task`); the output is the same.
    """
    settings = settings or get_settings()
    extractor = extractor or get_extractor(settings)
    with collector_paused():  # some 15,000 frozen views a 500-abstract chunk, no cycle among them
        views = build_views(documents, sentences, entities)
    n_process = max(1, settings.relation_processes)
    if n_process > 1 and len(views) >= n_process * MIN_DOCS_PER_PROCESS and workers_available():
        size = chunk_size(len(views), n_process, BATCH_DOCS)
        order = interleaved(len(views), size)
        pool = _POOLS.get(id(extractor))
        try:
            if pool is not None:
                shuffled = pool.map([views[i] for i in order], size)
            else:
                shuffled = fork_map(
                    lambda positions: _process_task([views[i] for i in positions], extractor), order, n_process, size
                )
            return _unpack([shuffled[i] for i in range(0, len(views), size)], order, size, extractor.version)
        except Exception:
            log.warning(
                "relations with %d processes failed; redoing the chunk in one process", n_process, exc_info=True
            )
    # One BLAS/OpenMP thread: the models score a few thousand rows per call at most (the pairs of
    # up to 256 documents), and thread pools on such small inputs cost more than they give
    # (extract.nlp.inference_ops).
    withheld: Counter = Counter()
    with one_thread():
        outcomes = _process_views(views, extractor, withheld)
    rows: list[dict] = []
    doc_rows: list[dict] = []
    rejects: list[Reject] = []
    for rel, aggregated, reject in outcomes:
        if reject is not None:
            rejects.append(reject)
        rows.extend(rel)
        doc_rows.extend(aggregated)
    return RelationsResult(
        relations=schemas.to_table("relations", rows),
        document_relations=schemas.to_table("document_relations", doc_rows),
        rejects=rejects,
        model_version=extractor.version,
        withheld=dict(sorted(withheld.items())),
    )


@dataclass
class _Task:
    """A worker task's results (:func:`_process_task`): its documents' rows as the two tables, and per document
    (in the task's order) its number of rows in each and its reject."""

    relations: pa.Table
    document_relations: pa.Table
    counts: list[tuple[int, int]]
    rejects: list[Reject | None]
    withheld: dict[str, int] = field(default_factory=dict)


def _process_task(views: list, extractor) -> list:
    """:func:`_process_views` of a worker task, its rows made into tables in the worker (tables come back to the
    stage's process as a few buffers, row dicts one object at a time): the task's :class:`_Task` in first place,
    then None for the task's other documents (a map gives one result per item).

    The cyclic garbage collector is paused during the task (in the worker process only): the task allocates
    some million small objects that live as long as the task (features, pair contexts, memos), which it would
    otherwise traverse again and again for no cycle (about 2% of a worker's time)."""
    withheld: Counter = Counter()
    with collector_paused():
        outcomes = _process_views(views, extractor, withheld)
    task = _Task(
        schemas.to_table("relations", [row for rel, _agg, _rej in outcomes for row in rel]),
        schemas.to_table("document_relations", [row for _rel, agg, _rej in outcomes for row in agg]),
        [(len(rel), len(agg)) for rel, agg, _rej in outcomes],
        [rej for _rel, _agg, rej in outcomes],
        dict(withheld),
    )
    return [task] + [None] * (len(views) - 1)


def _unpack(tasks: list[_Task], order: list[int], size: int, version: str) -> RelationsResult:
    """The stage's result from the worker tasks (task ``k`` held the documents ``order[k * size : (k + 1) *
    size]``): the rows of every document, in document order, as one process would have given them."""
    if not all(isinstance(task, _Task) for task in tasks):
        raise RuntimeError("a worker task's results are not where the map put the task's first document")
    n = len(order)
    spans: list = [None] * n  # position -> (first relations row, rows, first document_relations row, rows)
    rejects: list = [None] * n
    rel_at = doc_at = 0
    for k, task in enumerate(tasks):
        for position, (n_rel, n_doc), reject in zip(order[k * size : (k + 1) * size], task.counts, task.rejects):
            spans[position] = (rel_at, n_rel, doc_at, n_doc)
            rejects[position] = reject
            rel_at += n_rel
            doc_at += n_doc
    relations = pa.concat_tables([t.relations for t in tasks])
    document_relations = pa.concat_tables([t.document_relations for t in tasks])
    rel_rows = [i for a, m, _b, _k in spans for i in range(a, a + m)]
    doc_rows = [i for _a, _m, b, k in spans for i in range(b, b + k)]
    return RelationsResult(
        relations=relations.take(pa.array(rel_rows, type=pa.int64())).combine_chunks(),
        document_relations=document_relations.take(pa.array(doc_rows, type=pa.int64())).combine_chunks(),
        rejects=[r for r in rejects if r is not None],
        model_version=version,
        withheld=dict(sorted(sum((Counter(t.withheld) for t in tasks), Counter()).items())),
    )


def interleaved(n: int, size: int) -> list[int]:
    """The positions ``0 .. n-1`` in the order that makes each run of ``size`` (a worker task) take every k-th
    document (k the number of tasks) rather than ``size`` neighbours: the tasks cost about the same, so the
    workers finish together (in input order the 125 abstracts of one task took up to a quarter longer than
    those of another, and the worker holding it finished last)."""
    k = max(1, -(-n // size))
    return [i for start in range(k) for i in range(start, n, k)]


#: Documents per batched call of the extractor (and per worker task).
BATCH_DOCS = 256
#: Fewer documents than this per process are not worth forking for.
MIN_DOCS_PER_PROCESS = 64

#: Per document: its relation rows, its document_relations rows, and its reject (or None).
ViewOutcome = tuple[list[dict], list[dict], Reject | None]


def _process_views(views: list, extractor, withheld: Counter | None = None) -> list[ViewOutcome]:
    """Each view's outcome; its candidates of sentences that state no relation are left out first
    (:func:`extract.relations.withheld_sentences.drop_withheld`, counted in ``withheld``)."""
    outcomes: list[ViewOutcome] = []
    extract_many = getattr(extractor, "extract_many", None)
    results: list = [None] * len(views)
    if extract_many is not None:
        # Batched: the classifiers score many documents' rows per call; a failing document gets
        # its exception.  Should the batch itself fail, every document is extracted on its own.
        try:
            results = extract_many([view for _meta, view in views])
        except Exception:
            log.exception("batched relation extraction failed; extracting document by document")
            extract_many = None
    for (meta, view), result in zip(views, results):
        try:
            if isinstance(result, Exception):
                raise result
            candidates = extractor.extract(view) if extract_many is None else result
            spans = withheld_spans(view)
            candidates = drop_withheld(candidates, spans, withheld)
            rel, cross = relation_rows(meta, view, candidates, extractor.version)
        except Exception as exc:
            outcomes.append(
                (
                    [],
                    [],
                    Reject(
                        source=meta["source"],
                        stage=STAGE,
                        reason="processing_error",
                        detail=f"{type(exc).__name__}: {exc}",
                        doc_id=meta["doc_id"],
                    ),
                )
            )
            continue
        keys = {e.entity_id: _norm_keys(e) for e in view.entities}
        outcomes.append((rel, aggregate_document_relations(rel, keys, cross, view, spans), None))
    release_memo()  # the memo of the last document
    return outcomes
