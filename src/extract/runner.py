"""Run the real stage functions in memory (no Parquet, no Prefect): used by ``evaluate`` and tests."""

from __future__ import annotations

import pyarrow as pa

from extract import schemas
from extract.clean.stage import clean_documents
from extract.ingest.records import RawDocument
from extract.settings import Settings


def raw_table(raw_rows: list[dict], batch_id: str = "memory") -> pa.Table:
    """Raw document rows (dicts with at least ``text``; ``title``, ``format``, ``pmid``... optional)."""
    rows = []
    for i, r in enumerate(raw_rows):
        doc = RawDocument(
            source=r.get("source", "memory"),
            source_index=r.get("source_index", i),
            format=r.get("format", "text"),
            text=r.get("text", ""),
            title=r.get("title"),
            sections=list(r.get("sections", [])),
            pmid=r.get("pmid"),
            doc_id=r.get("doc_id"),
        )
        if not doc.sections and doc.text and doc.format in ("pubtator", "medline"):
            doc.sections = [("abstract", 0, len(doc.text))]
        rows.append(doc.row(batch_id))
    return schemas.to_table("raw_documents", rows)


def run_texts(
    raw_rows: list[dict],
    stages: tuple[str, ...] = ("clean", "ner", "relations"),
    settings: Settings | None = None,
    *,
    nlp=None,
    extractor=None,
    batch_id: str = "memory",
) -> dict[str, pa.Table]:
    """The tables the stages write for ``raw_rows``, in memory; also ``rejects`` (every stage's reject rows).

    ``nlp`` / ``extractor``: an already loaded NER pipeline (:func:`extract.ner.pipeline.build_ner_nlp`)
    and relation extractor (:func:`extract.relations.extractor.load_extractor`); by default the stages
    use the ones cached per process for ``settings``.
    """
    tables: dict[str, pa.Table] = {"raw_documents": raw_table(raw_rows, batch_id)}
    rejects = []
    if "clean" in stages:
        cleaned = clean_documents(tables["raw_documents"])
        tables["documents"], tables["sentences"] = cleaned.documents, cleaned.sentences
        rejects += cleaned.rejects
    if "ner" in stages:
        from extract.ner.stage import extract_entities

        found = extract_entities(tables["documents"], tables["sentences"], settings, nlp=nlp)
        tables["entities"] = found.entities
        rejects += found.rejects
    if "relations" in stages:
        from extract.relations.stage import extract_relations

        result = extract_relations(
            tables["documents"], tables["sentences"], tables["entities"], settings, extractor=extractor
        )
        tables["relations"], tables["document_relations"] = result.relations, result.document_relations
        rejects += result.rejects
    tables["rejects"] = schemas.to_table("rejects", [r.row(batch_id) for r in rejects])
    return tables
