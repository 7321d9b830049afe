"""The corpus-level pair table ``concept_pairs``: one row per (type, head concept, tail concept).

``document_relations`` says which pairs a document states; an analyst asks across
the corpus: "which adverse events are reported for drug X, in how many papers,
since when, and show me the best sentence".  This module folds the
``document_relations`` rows of every batch of an output folder into one row per
pair, with the documents, PubMed ids and years behind it and the best evidence
(its sentence, document and the offsets of the head and tail mentions, so a
report can highlight them without re-reading the relations).

Whether an analyst can check a pair in one sentence is counted apart:
``n_sentence_documents`` counts the documents where a sentence asserts the pair
and ``sentence_doc_ids`` names them, so the report ranks and counts by them and
lists the pairs made only across sentences on their own
(:mod:`extract.reporting.html`; a drug and a disease named in different
sentences of a document, ``document_relations.cross_sentence``: 15 of 47 such
adverse-event pairs were right in the fifteenth session's analyst QA, against
17 of 20 same-sentence rows).

The rows depend only on the set of batches, never on the order they were
processed in: a document stored in two batches counts once, every choice
(the best evidence, the names) is a maximum under a total order ending in
stable ids, and the rows are sorted by (type, documents desc, score desc, head,
tail).  The table is written like every table (temporary file, rename) as the
single partition ``batch_id=all``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from extract import store
from extract.relations.drug_induced import drug_induced_names
from extract.relations.types import DRUG_ADVERSE_EVENT
from extract.schemas import CORPUS_BATCH, to_table
from extract.settings import get_settings

TABLE = "concept_pairs"


#: ``document_relations`` columns the summary reads (one piece of rows at a time).
_DOC_RELATION_COLUMNS = [
    "doc_id",
    "batch_id",
    "type",
    "head_concept_id",
    "tail_concept_id",
    "head_drug_classes",
    "head_text",
    "tail_text",
    "tail_phrase",
    "score",
    "n_sentences",
    "cross_sentence",
    "best_relation_id",
    "head_entity_id",
    "tail_entity_id",
    "evidence",
    "evidence_start",
    "evidence_end",
    "negated",
]
#: Rows per piece read, and per piece of the output built from row dicts.
_PIECE_ROWS = 4096


class _Pair:
    """What one pair accumulates: per document, the evidence key and sentence count of its chosen
    document_relations row (the best one, should the document be in several batches), and the whole
    row of the pair's best evidence only."""

    __slots__ = ("best", "best_key", "by_doc")

    def __init__(self) -> None:
        self.by_doc: dict[str, tuple[tuple, int]] = {}
        self.best: dict | None = None
        self.best_key: tuple | None = None


def _evidence_key(row: dict) -> tuple:
    """Sort key of a document_relations row as evidence: asserted first, then stated within one sentence,
    best score, then stable ids."""
    return (
        bool(row["negated"]),
        bool(row.get("cross_sentence")),
        -float(row["score"]),
        row["doc_id"],
        row["best_relation_id"] or "",
        row["batch_id"],
    )


def _iter_rows(out: Path, table: str, columns: list[str], keep=None):
    """``(batch_id, row)`` for the rows of every batch of ``table``, in the order of :func:`store.read_table`,
    a piece at a time; ``keep(batch_id, piece)``: a mask of the rows wanted (default: all)."""
    for batch in store.list_batches(out, table):
        for piece in store.iter_partition(out, table, batch, columns=columns, batch_rows=_PIECE_ROWS):
            if keep is not None:
                piece = piece.filter(keep(batch, piece))
            for row in piece.to_pylist():
                yield batch, row


def _collect_pairs(out: Path) -> dict[tuple[str, str, str], _Pair]:
    pairs: dict[tuple[str, str, str], _Pair] = {}
    doc_ids: dict[str, str] = {}  # one string object per document, shared by every pair that holds it
    for batch, row in _iter_rows(out, "document_relations", _DOC_RELATION_COLUMNS):
        row["batch_id"] = batch
        row["doc_id"] = doc_ids.setdefault(row["doc_id"], row["doc_id"])
        key = (row["type"], row["head_concept_id"], row["tail_concept_id"])
        pair = pairs.get(key)
        if pair is None:
            pair = pairs[key] = _Pair()
        evidence = _evidence_key(row)
        held = pair.by_doc.get(row["doc_id"])
        # a document ingested in two batches counts once, with its best row whichever batch came first
        if held is None or evidence < held[0]:
            pair.by_doc[row["doc_id"]] = (evidence, row["n_sentences"])
        # the pair's best evidence: the least key over its documents' chosen rows, i.e. over all its rows
        if pair.best_key is None or evidence < pair.best_key:
            pair.best_key, pair.best = evidence, row
    return pairs


def _sentence_docs(pair: _Pair) -> list[str]:
    """The pair's documents, sorted, whose chosen row a sentence states and does not negate (evidence key: not
    negated, not cross-sentence)."""
    return sorted(doc_id for doc_id, (evidence, _n) in pair.by_doc.items() if not evidence[0] and not evidence[1])


def _doc_years_and_pmids(out: Path, wanted: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    years: dict[str, int] = {}
    pmids: dict[str, str] = {}
    value_set = pa.array(sorted(wanted), pa.string())
    rows = _iter_rows(
        out, "documents", ["doc_id", "year", "pmid"], keep=lambda _b, t: pc.is_in(t["doc_id"], value_set=value_set)
    )
    for _batch, doc in rows:
        if doc["year"] is not None:
            years[doc["doc_id"]] = min(doc["year"], years.get(doc["doc_id"], doc["year"]))
        if doc["pmid"]:
            pmids[doc["doc_id"]] = min(doc["pmid"], pmids.get(doc["doc_id"], doc["pmid"]))
    return years, pmids


def _ids_in(wanted: dict[str, set[str]], column: str):
    """A ``keep`` for :func:`_iter_rows`: the rows whose ``column`` is one of ``wanted[batch_id]``."""
    value_sets = {batch: pa.array(sorted(ids), pa.string()) for batch, ids in wanted.items()}

    def keep(batch: str, piece: pa.Table):
        return pc.is_in(piece[column], value_set=value_sets.get(batch, pa.array([], pa.string())))

    return keep


def _mention_offsets(out: Path, wanted: set[tuple[str, str]], mentions: set[tuple[str, str]]) -> tuple[dict, dict]:
    """Relations and entities rows, keyed by (batch_id, id): the best-evidence relations ``wanted``, and the entities
    ``mentions`` (the best evidence's ``head_entity_id`` / ``tail_entity_id``) and those relations' mentions."""
    by_batch: dict[str, set[str]] = {}
    for batch, relation_id in wanted:
        by_batch.setdefault(batch, set()).add(relation_id)
    relations = {}
    columns = ["relation_id", "head_entity_id", "tail_entity_id", "tail_phrase_start", "tail_phrase_end"]
    for batch, rel in _iter_rows(out, "relations", columns, keep=_ids_in(by_batch, "relation_id")):
        relations[(batch, rel["relation_id"])] = rel
    entity_ids: dict[str, set[str]] = {}
    for batch, entity_id in mentions:
        entity_ids.setdefault(batch, set()).add(entity_id)
    for (batch, _relation_id), rel in relations.items():
        entity_ids.setdefault(batch, set()).update({rel["head_entity_id"], rel["tail_entity_id"]})
    entities = {}
    columns = ["entity_id", "start", "end"]
    for batch, ent in _iter_rows(out, "entities", columns, keep=_ids_in(entity_ids, "entity_id")):
        entities[(batch, ent["entity_id"])] = ent
    return relations, entities


def _concept_names(out: Path) -> dict[str, str]:
    """Each linked concept's name as ``entities`` gives it (the knowledge base's preferred name; the least name should
    two batches disagree, so the choice does not depend on the order of the batches)."""
    names: dict[str, str] = {}
    for batch in store.list_batches(out, "entities"):
        pieces = store.iter_partition(out, "entities", batch, columns=["concept_id", "concept_name"], batch_rows=65536)
        for piece in pieces:
            piece = pa.table(piece).drop_null()
            if not piece.num_rows:
                continue
            least = piece.group_by("concept_id").aggregate([("concept_name", "min")])  # in Arrow: one row per concept
            for concept, name in zip(least["concept_id"].to_pylist(), least["concept_name_min"].to_pylist()):
                if concept not in names or name < names[concept]:
                    names[concept] = name
    return names


def _cross_sentence_mentions(out: Path, wanted: dict[tuple[str, str], list[dict]]) -> dict[tuple, tuple]:
    """Offsets of the mentions a cross-sentence best evidence joins, for outputs written before ``document_relations``
    named them (``head_entity_id`` / ``tail_entity_id`` null): per wanted row, the pair of entities inside its
    evidence with its head and tail texts that lie nearest each other, keyed by (batch_id, doc_id, evidence_start,
    head_text, tail_text)."""
    by_batch: dict[str, set[str]] = {}
    for batch, doc_id in wanted:
        by_batch.setdefault(batch, set()).add(doc_id)
    mentions: dict[tuple[str, str], list[dict]] = {}
    columns = ["doc_id", "start", "end", "text"]
    for batch, ent in _iter_rows(out, "entities", columns, keep=_ids_in(by_batch, "doc_id")):
        mentions.setdefault((batch, ent["doc_id"]), []).append(ent)
    found = {}
    for (batch, doc_id), rows in wanted.items():
        ents = mentions.get((batch, doc_id), [])
        for row in rows:
            spans = nearest_mentions(ents, row)
            if spans is not None:
                found[(batch, doc_id, row["evidence_start"], row["head_text"], row["tail_text"])] = spans
    return found


def _names_mentions(row: dict) -> bool:
    """The ``document_relations`` row names its best evidence's mentions (written after the entity-id columns)."""
    return row.get("head_entity_id") is not None and row.get("tail_entity_id") is not None


def nearest_mentions(entities: list[dict], row: dict) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``((head start, end), (tail start, end))`` of the entities inside a ``document_relations`` row's evidence that
    carry its head and tail texts and lie nearest each other (ties: the earliest); None when there are none."""
    inside = [e for e in entities if row["evidence_start"] <= e["start"] and e["end"] <= row["evidence_end"]]
    heads = [e for e in inside if e["text"] == row["head_text"]]
    tails = [e for e in inside if e["text"] == row["tail_text"]]
    pairs = [(abs(h["start"] - t["start"]), h["start"], t["start"], h, t) for h in heads for t in tails if h is not t]
    if not pairs:
        return None
    *_, h, t = min(pairs, key=lambda x: x[:3])
    return (h["start"], h["end"]), (t["start"], t["end"])


def build_concept_pairs(out: Path) -> pa.Table:
    """The ``concept_pairs`` table of every batch in ``out`` (not written; see ``summarize``).

    Every table is read a piece of rows at a time and only in the columns used: what is held is, per
    pair, its documents' evidence keys and its best row, and the years, PMIDs and mention offsets of
    those (memory grows with the pairs, not with the text or the mentions of the output)."""
    out = Path(out)
    pairs = _collect_pairs(out)
    wanted_docs = {doc_id for pair in pairs.values() for doc_id in pair.by_doc}
    years, pmids = _doc_years_and_pmids(out, wanted_docs)
    del wanted_docs
    relations, entities = _mention_offsets(
        out,
        {
            (p.best["batch_id"], p.best["best_relation_id"])
            for p in pairs.values()
            if p.best["best_relation_id"] is not None
        },
        {
            (p.best["batch_id"], p.best[column])
            for p in pairs.values()
            for column in ("head_entity_id", "tail_entity_id")
            if p.best.get(column) is not None
        },
    )

    def order(item):
        (rel_type, head_id, tail_id), pair = item
        score = max(-evidence[2] for evidence, _ in pair.by_doc.values())
        return (rel_type, -len(pair.by_doc), -score, head_id, tail_id)

    induced_names = drug_induced_names()
    names = _concept_names(out)
    cross_wanted: dict[tuple[str, str], list[dict]] = {}
    for p in pairs.values():
        if p.best["best_relation_id"] is None and not _names_mentions(p.best):
            cross_wanted.setdefault((p.best["batch_id"], p.best["doc_id"]), []).append(p.best)
    cross_mentions = _cross_sentence_mentions(out, cross_wanted)
    del cross_wanted

    def row(rel_type: str, head_id: str, tail_id: str, pair: _Pair) -> dict:
        ev = pair.best
        rel = relations.get((ev["batch_id"], ev["best_relation_id"]), {})
        # the best evidence's mentions by id: document_relations names them (outputs before it: the relations row)
        by_id = ev if _names_mentions(ev) else rel
        head = entities.get((ev["batch_id"], by_id.get("head_entity_id")), {})
        tail = entities.get((ev["batch_id"], by_id.get("tail_entity_id")), {})
        doc_ids = sorted(pair.by_doc)
        doc_years = [years[d] for d in doc_ids if d in years]
        has_phrase = rel.get("tail_phrase_start") is not None
        chosen = [pair.by_doc[d] for d in doc_ids]
        sentence_docs = _sentence_docs(pair)
        head_span, tail_span = (head.get("start"), head.get("end")), (tail.get("start"), tail.get("end"))
        if ev["best_relation_id"] is None and not _names_mentions(ev):
            # cross-sentence evidence of an output before the entity ids: the nearest mentions of the pair inside it
            key = (ev["batch_id"], ev["doc_id"], ev["evidence_start"], ev["head_text"], ev["tail_text"])
            head_span, tail_span = cross_mentions.get(key, ((None, None), (None, None)))
        return {
            "batch_id": CORPUS_BATCH,
            "type": rel_type,
            "head_concept_id": head_id,
            "tail_concept_id": tail_id,
            # the concept's name as entities give it; an unlinked mention, or the second concept of a mention naming
            # two that no mention names alone ("hemorrhagic cystitis": Hemorrhage, Cystitis), keeps its text
            "head_name": names.get(head_id) or ev["head_text"],
            # an adverse event names the drug-induced form of the mention's concept (extract.relations.drug_induced)
            "tail_name": names.get(tail_id)
            or (rel_type == DRUG_ADVERSE_EVENT and induced_names.get(tail_id))
            or ev["tail_text"],
            "head_drug_classes": ev.get("head_drug_classes"),
            "head_text": ev["head_text"],
            "tail_text": ev["tail_phrase"] or ev["tail_text"],
            "n_documents": len(doc_ids),
            "n_negated_documents": sum(1 for evidence, _ in chosen if evidence[0]),
            "n_sentence_documents": len(sentence_docs),
            "sentence_doc_ids": sentence_docs,
            "n_sentences": sum(n for _, n in chosen),
            "first_year": min(doc_years) if doc_years else None,
            "last_year": max(doc_years) if doc_years else None,
            "pmids": sorted({pmids[d] for d in doc_ids if d in pmids}),
            "doc_ids": doc_ids,
            "score": max(-evidence[2] for evidence, _ in chosen),
            "evidence": ev["evidence"],
            "evidence_doc_id": ev["doc_id"],
            "evidence_relation_id": ev["best_relation_id"],
            "evidence_cross_sentence": bool(ev.get("cross_sentence")),
            "evidence_start": ev["evidence_start"],
            "evidence_end": ev["evidence_end"],
            "head_start": head_span[0],
            "head_end": head_span[1],
            "tail_start": rel["tail_phrase_start"] if has_phrase else tail_span[0],
            "tail_end": rel["tail_phrase_end"] if has_phrase else tail_span[1],
            "evidence_negated": bool(ev["negated"]),
        }

    # rows sorted by (type, documents desc, score desc, head, tail), built as row dicts a piece at a time
    ordered = sorted(pairs.items(), key=order)
    pieces = [
        to_table(TABLE, [row(*key, pair) for key, pair in ordered[i : i + _PIECE_ROWS]])
        for i in range(0, len(ordered), _PIECE_ROWS)
    ]
    return pa.concat_tables(pieces).combine_chunks() if pieces else to_table(TABLE, [])


def summarize(out: Path) -> pa.Table:
    """Rebuild ``concept_pairs`` from every batch of ``out`` and write it atomically (under the output lock)."""
    out = Path(out)
    with store.OutputLock(out, timeout=get_settings().lock_timeout):
        table = build_concept_pairs(out)
        store.write_partition(out, TABLE, CORPUS_BATCH, table)
    return table


def read_concept_pairs(out: Path) -> pa.Table:
    """The stored ``concept_pairs`` table (empty when ``summarize`` has not run)."""
    return store.read_partition(Path(out), TABLE, CORPUS_BATCH)
