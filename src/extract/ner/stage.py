"""The NER stage: ``documents`` + ``sentences`` -> ``entities``.

Sentence boundaries come from the clean stage (the model never re-splits), so
``sentence_index`` in ``entities`` and ``relations`` always agrees with the
``sentences`` table.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from spacy.tokens import Doc

from extract import schemas
from extract.ner.pipeline import NerPipeline, get_pipeline
from extract.rejects import Reject
from extract.settings import Settings, get_settings

STAGE = "ner"


@dataclass
class NerResult:
    entities: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    model_version: str = ""


def sentences_by_doc(sentences: pa.Table) -> dict[str, list[tuple[int, int, int, str | None]]]:
    out: dict[str, list[tuple[int, int, int, str | None]]] = {}
    cols = sentences.select(["doc_id", "sentence_index", "start", "end", "section"]).to_pydict()
    for doc_id, idx, start, end, section in zip(cols["doc_id"], cols["sentence_index"], cols["start"],
                                                cols["end"], cols["section"]):
        out.setdefault(doc_id, []).append((idx, start, end, section))
    for spans in out.values():
        spans.sort()
    return out


def _make_doc(pipeline: NerPipeline, doc_id: str, text: str, sents: list[tuple[int, int, int, str | None]]) -> Doc:
    doc = pipeline.nlp.make_doc(text)
    doc._.doc_id = doc_id
    starts = {s for _, s, _, _ in sents}
    for token in doc:
        token.is_sent_start = token.i == 0 or token.idx in starts
    return doc


def _sentence_of(starts: list[int], char: int) -> int:
    return max(0, bisect.bisect_right(starts, char) - 1)


def extract_entities(documents: pa.Table, sentences: pa.Table, settings: Settings | None = None,
                     pipeline: NerPipeline | None = None, batch_size: int = 64) -> NerResult:
    """Run the NER pipeline over cleaned documents; one failing document becomes a reject."""
    pipeline = pipeline or get_pipeline(settings)
    sents = sentences_by_doc(sentences)
    rows: list[dict] = []
    rejects: list[Reject] = []
    docs_meta = documents.select(["doc_id", "batch_id", "source", "text", "sections"]).to_pylist()
    spacy_docs = []
    for meta in docs_meta:
        try:
            spacy_docs.append(_make_doc(pipeline, meta["doc_id"], meta["text"], sents.get(meta["doc_id"], [])))
        except Exception as exc:
            rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                                  detail=f"{type(exc).__name__}: {exc}", doc_id=meta["doc_id"]))
            spacy_docs.append(None)
    good = [(m, d) for m, d in zip(docs_meta, spacy_docs) if d is not None]
    n_process = max(1, (settings or get_settings()).ner_processes)
    processed = _pipe_safely(pipeline, good, rejects, batch_size, n_process)
    for meta, doc in processed:
        doc_sents = sents.get(meta["doc_id"], [])
        starts = [s for _, s, _, _ in doc_sents]
        sections = sorted((s["start"], s["end"], s["name"]) for s in (meta["sections"] or []))
        section_starts = [s for s, _, _ in sections]
        for n, ent in enumerate(sorted(doc.ents, key=lambda e: (e.start_char, e.end_char))):
            sidx = _sentence_of(starts, ent.start_char)
            sec_i = bisect.bisect_right(section_starts, ent.start_char) - 1
            section = sections[sec_i][2] if sec_i >= 0 and ent.start_char < sections[sec_i][1] else None
            rows.append({
                "doc_id": meta["doc_id"], "batch_id": meta["batch_id"], "entity_id": f"{meta['doc_id']}#e{n}",
                "start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": ent.label_,
                "sentence_index": doc_sents[sidx][0] if doc_sents else 0, "section": section,
                "method": ent._.method or "model", "abbreviation_of": ent._.abbreviation_of,
                "concept_id": ent._.concept_id, "concept_name": ent._.concept_name, "ontology": ent._.ontology,
                "link_score": ent._.link_score, "negated": bool(ent._.negated), "uncertain": bool(ent._.uncertain),
                "model_version": pipeline.version,
            })
    return NerResult(entities=schemas.to_table("entities", rows), rejects=rejects, model_version=pipeline.version)


def _pipe_safely(pipeline: NerPipeline, items: list[tuple[dict, Doc]], rejects: list[Reject], batch_size: int,
                 n_process: int = 1):
    """nlp.pipe over the docs; if it fails, redo batch by batch, then doc by doc, to isolate the bad one.

    With ``n_process > 1`` the whole list goes through one ``nlp.pipe`` call (spaCy starts the
    worker processes once; each loads the linker index itself).
    """
    if n_process > 1 and len(items) > batch_size:
        try:
            docs = list(pipeline.nlp.pipe([d for _, d in items], batch_size=batch_size, n_process=n_process))
            return list(zip([m for m, _ in items], docs))
        except Exception:
            pass  # fall back to the single-process path, which isolates failures
    out = []
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        try:
            docs = list(pipeline.nlp.pipe([d for _, d in chunk], batch_size=batch_size))
            out.extend(zip([m for m, _ in chunk], docs))
        except Exception:
            for meta, doc in chunk:
                try:
                    out.append((meta, pipeline.nlp(doc)))
                except Exception as exc:
                    rejects.append(Reject(source=meta["source"], stage=STAGE, reason="processing_error",
                                          detail=f"{type(exc).__name__}: {exc}", doc_id=meta["doc_id"]))
    return out


def filter_documents(table: pa.Table, doc_ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["doc_id"], value_set=pa.array(doc_ids, pa.string())))
