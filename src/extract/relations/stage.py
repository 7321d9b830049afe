"""The relations stage: ``documents`` + ``sentences`` + ``entities`` -> ``relations`` and ``document_relations``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from extract import schemas
from extract.nlp.inference_ops import one_thread
from extract.rejects import Reject
from extract.relations.types import DocumentView, EntityView, RelationCandidate, SentenceView
from extract.settings import Settings, get_settings

STAGE = "relations"


@dataclass
class RelationsResult:
    relations: pa.Table
    document_relations: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    model_version: str = ""


def build_views(documents: pa.Table, sentences: pa.Table, entities: pa.Table) -> list[tuple[dict, DocumentView]]:
    sents: dict[str, list[SentenceView]] = {}
    for r in sentences.select(["doc_id", "sentence_index", "start", "end", "section"]).to_pylist():
        sents.setdefault(r["doc_id"], []).append(SentenceView(r["sentence_index"], r["start"], r["end"], r["section"]))
    ents: dict[str, list[EntityView]] = {}
    for r in entities.select(["doc_id", "entity_id", "start", "end", "text", "label", "sentence_index", "concept_id",
                              "abbreviation_of", "negated", "uncertain"]).to_pylist():
        doc_id = r.pop("doc_id")
        ents.setdefault(doc_id, []).append(EntityView(**r))
    views = []
    for meta in documents.select(["doc_id", "batch_id", "source", "title", "text", "sections"]).to_pylist():
        s = sorted(sents.get(meta["doc_id"], []), key=lambda x: x.index)
        e = sorted(ents.get(meta["doc_id"], []), key=lambda x: (x.start, x.end))
        sections = [(x["name"], x["start"], x["end"]) for x in (meta["sections"] or [])]
        views.append((meta, DocumentView(doc_id=meta["doc_id"], text=meta["text"], sentences=s, entities=e,
                                         title=meta["title"], sections=sections)))
    return views


def _norm_key(entity: EntityView) -> str:
    return entity.concept_id or entity.text.lower()


def relation_rows(meta: dict, view: DocumentView, candidates: list[RelationCandidate], version: str) -> list[dict]:
    rows = []
    ordered = sorted(candidates, key=lambda c: (c.sentence_index, c.head.start, c.tail.start, c.type))
    for n, c in enumerate(ordered):
        sent = view.sentences[c.sentence_index] if c.sentence_index < len(view.sentences) else None
        start, end = (sent.start, sent.end) if sent else (0, len(view.text))
        rows.append({
            "doc_id": view.doc_id, "batch_id": meta["batch_id"], "relation_id": f"{view.doc_id}#r{n}",
            "type": c.type, "head_entity_id": c.head.entity_id, "tail_entity_id": c.tail.entity_id,
            "head_text": c.head.text, "tail_text": c.tail.text, "head_concept_id": c.head.concept_id,
            "tail_concept_id": c.tail.concept_id, "sentence_index": c.sentence_index,
            "evidence": view.text[start:end], "evidence_start": start, "evidence_end": end,
            "score": round(float(c.score), 6), "negated": bool(c.negated), "method": c.method, "model_version": version,
        })
    return rows


def aggregate_document_relations(rows: list[dict], entity_keys: dict[str, str]) -> list[dict]:
    """One row per (document, type, head concept, tail concept): best evidence and support count."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (r["doc_id"], r["type"], entity_keys[r["head_entity_id"]], entity_keys[r["tail_entity_id"]])
        groups.setdefault(key, []).append(r)
    out = []
    for (doc_id, rtype, head, tail), members in sorted(groups.items()):
        positive = [m for m in members if not m["negated"]] or members
        best = max(positive, key=lambda m: (m["score"], -m["sentence_index"]))
        out.append({
            "doc_id": doc_id, "batch_id": best["batch_id"], "type": rtype, "head_concept_id": head,
            "tail_concept_id": tail, "head_text": best["head_text"], "tail_text": best["tail_text"],
            "score": best["score"], "n_sentences": len({m["sentence_index"] for m in members}),
            "best_relation_id": best["relation_id"], "evidence": best["evidence"],
            "evidence_start": best["evidence_start"], "evidence_end": best["evidence_end"],
            "negated": all(m["negated"] for m in members), "model_version": best["model_version"],
        })
    return out


_EXTRACTORS: dict[tuple, object] = {}


def get_extractor(settings: Settings | None = None):
    """The relation extractor for these settings, loaded once per process (each worker loads its own)."""
    from extract.relations.extractor import load_extractor

    settings = settings or get_settings()
    key = (str(settings.models_dir), settings.relation_model, str(settings.shared_dir))
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = load_extractor(settings)
    return _EXTRACTORS[key]


def extract_relations(documents: pa.Table, sentences: pa.Table, entities: pa.Table,
                      settings: Settings | None = None, extractor=None) -> RelationsResult:
    extractor = extractor or get_extractor(settings)
    # One BLAS/OpenMP thread: the models score one document's pairs at a time, and thread pools
    # on such small inputs cost more than they give (extract.nlp.inference_ops).
    with one_thread():
        return _extract_relations(documents, sentences, entities, extractor)


def _extract_relations(documents: pa.Table, sentences: pa.Table, entities: pa.Table, extractor) -> RelationsResult:
    rows: list[dict] = []
    doc_rows: list[dict] = []
    rejects: list[Reject] = []
    for meta, view in build_views(documents, sentences, entities):
        try:
            candidates = extractor.extract(view)
            rel = relation_rows(meta, view, candidates, extractor.version)
        except Exception as exc:
            rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                                  detail=f"{type(exc).__name__}: {exc}", doc_id=meta["doc_id"]))
            continue
        keys = {e.entity_id: _norm_key(e) for e in view.entities}
        rows.extend(rel)
        doc_rows.extend(aggregate_document_relations(rel, keys))
    return RelationsResult(
        relations=schemas.to_table("relations", rows),
        document_relations=schemas.to_table("document_relations", doc_rows),
        rejects=rejects,
        model_version=extractor.version,
    )
