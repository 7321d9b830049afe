"""The corpus-level pair table ``concept_pairs``: one row per (type, head concept, tail concept).

``document_relations`` says which pairs a document states; an analyst asks across
the corpus: "which adverse events are reported for drug X, in how many papers,
since when, and show me the best sentence".  This module folds the
``document_relations`` rows of every batch of an output folder into one row per
pair, with the documents, PubMed ids and years behind it and the best evidence
(its sentence, document and the offsets of the head and tail mentions, so a
report can highlight them without re-reading the relations).

The rows depend only on the set of batches, never on the order they were
processed in: a document stored in two batches counts once, every choice
(the best evidence, the names) is a maximum under a total order ending in
stable ids, and the rows are sorted by (type, documents desc, score desc, head,
tail).  The table is written like every table (temporary file, rename) as the
single partition ``batch_id=all``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from extract import store
from extract.schemas import CORPUS_BATCH, to_table
from extract.settings import get_settings

TABLE = "concept_pairs"


@dataclass
class _Pair:
    """What one pair accumulates: the chosen document_relations row per document."""

    by_doc: dict[str, dict] = field(default_factory=dict)


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


def _doc_years_and_pmids(out: Path) -> tuple[dict[str, int], dict[str, str]]:
    years: dict[str, int] = {}
    pmids: dict[str, str] = {}
    documents = store.read_table(out, "documents").select(["doc_id", "year", "pmid"]).to_pylist()
    for doc in documents:
        if doc["year"] is not None:
            years[doc["doc_id"]] = min(doc["year"], years.get(doc["doc_id"], doc["year"]))
        if doc["pmid"]:
            pmids[doc["doc_id"]] = min(doc["pmid"], pmids.get(doc["doc_id"], doc["pmid"]))
    return years, pmids


def _mention_offsets(out: Path, wanted: set[tuple[str, str]]) -> tuple[dict, dict]:
    """Relations and entities rows, keyed by (batch_id, id), for the best-evidence relations only."""
    relations = {}
    entity_keys: set[tuple[str, str]] = set()
    for rel in (
        store.read_table(out, "relations")
        .select(["batch_id", "relation_id", "head_entity_id", "tail_entity_id", "tail_phrase_start", "tail_phrase_end"])
        .to_pylist()
    ):
        key = (rel["batch_id"], rel["relation_id"])
        if key in wanted:
            relations[key] = rel
            entity_keys.update({(rel["batch_id"], rel["head_entity_id"]), (rel["batch_id"], rel["tail_entity_id"])})
    entities = {}
    for ent in (
        store.read_table(out, "entities").select(["batch_id", "entity_id", "start", "end", "concept_name"]).to_pylist()
    ):
        key = (ent["batch_id"], ent["entity_id"])
        if key in entity_keys:
            entities[key] = ent
    return relations, entities


def build_concept_pairs(out: Path) -> pa.Table:
    """The ``concept_pairs`` table of every batch in ``out`` (not written; see ``summarize``)."""
    out = Path(out)
    pairs: dict[tuple[str, str, str], _Pair] = {}
    for row in store.read_table(out, "document_relations").to_pylist():
        pair = pairs.setdefault((row["type"], row["head_concept_id"], row["tail_concept_id"]), _Pair())
        held = pair.by_doc.get(row["doc_id"])
        # a document ingested in two batches counts once, with its best row whichever batch came first
        if held is None or _evidence_key(row) < _evidence_key(held):
            pair.by_doc[row["doc_id"]] = row
    years, pmids = _doc_years_and_pmids(out)
    best = {key: min(pair.by_doc.values(), key=_evidence_key) for key, pair in pairs.items()}
    relations, entities = _mention_offsets(
        out, {(b["batch_id"], b["best_relation_id"]) for b in best.values() if b["best_relation_id"] is not None}
    )

    rows = []
    for (rel_type, head_id, tail_id), pair in pairs.items():
        ev = best[(rel_type, head_id, tail_id)]
        rel = relations.get((ev["batch_id"], ev["best_relation_id"]), {})
        head = entities.get((ev["batch_id"], rel.get("head_entity_id")), {})
        tail = entities.get((ev["batch_id"], rel.get("tail_entity_id")), {})
        doc_ids = sorted(pair.by_doc)
        doc_years = [years[d] for d in doc_ids if d in years]
        has_phrase = rel.get("tail_phrase_start") is not None
        rows.append(
            {
                "batch_id": CORPUS_BATCH,
                "type": rel_type,
                "head_concept_id": head_id,
                "tail_concept_id": tail_id,
                "head_name": head.get("concept_name") or ev["head_text"],
                "tail_name": tail.get("concept_name") or ev["tail_text"],
                "head_drug_classes": ev.get("head_drug_classes"),
                "head_text": ev["head_text"],
                "tail_text": ev["tail_phrase"] or ev["tail_text"],
                "n_documents": len(doc_ids),
                "n_negated_documents": sum(1 for d in doc_ids if pair.by_doc[d]["negated"]),
                "n_sentences": sum(pair.by_doc[d]["n_sentences"] for d in doc_ids),
                "first_year": min(doc_years) if doc_years else None,
                "last_year": max(doc_years) if doc_years else None,
                "pmids": sorted({pmids[d] for d in doc_ids if d in pmids}),
                "doc_ids": doc_ids,
                "score": max(float(pair.by_doc[d]["score"]) for d in doc_ids),
                "evidence": ev["evidence"],
                "evidence_doc_id": ev["doc_id"],
                "evidence_relation_id": ev["best_relation_id"],
                "evidence_cross_sentence": bool(ev.get("cross_sentence")),
                "evidence_start": ev["evidence_start"],
                "evidence_end": ev["evidence_end"],
                "head_start": head.get("start"),
                "head_end": head.get("end"),
                "tail_start": rel["tail_phrase_start"] if has_phrase else tail.get("start"),
                "tail_end": rel["tail_phrase_end"] if has_phrase else tail.get("end"),
                "evidence_negated": bool(ev["negated"]),
            }
        )
    rows.sort(key=lambda r: (r["type"], -r["n_documents"], -r["score"], r["head_concept_id"], r["tail_concept_id"]))
    return to_table(TABLE, rows)


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
