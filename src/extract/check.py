"""Consistency checks over an output folder (``biomed-extract check``).

- accounting: every document a source file yielded is in ``documents`` or ``rejects``
  (``files.n_documents`` equals the documents of that source that reached
  ``raw_documents``, and every raw document reached ``documents`` or has a
  clean-stage reject);
- references: every entity points at an existing document, every relation at
  existing entities of its document;
- offsets: inside the text, ``text[start:end]`` equals the mention, evidence
  offsets equal the evidence sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from extract import store


@dataclass
class CheckReport:
    batches: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_output(out: Path, max_listed: int = 50) -> CheckReport:
    out = Path(out)
    batches = sorted(set(store.list_batches(out, "files")) | set(store.list_batches(out, "raw_documents"))
                     | set(store.list_batches(out, "documents")))
    report = CheckReport(batches=batches)
    v = report.violations

    def add(msg: str) -> None:
        if len(v) < max_listed:
            v.append(msg)
        elif len(v) == max_listed:
            v.append("... more violations not listed")

    for batch in batches:
        files = store.read_partition(out, "files", batch).to_pylist()
        raw = store.read_partition(out, "raw_documents", batch).to_pylist()
        docs = {d["doc_id"]: d for d in store.read_partition(out, "documents", batch).to_pylist()}
        rejects = store.read_partition(out, "rejects", batch).to_pylist()
        sentences = store.read_partition(out, "sentences", batch).to_pylist()
        entities = store.read_partition(out, "entities", batch).to_pylist()
        relations = store.read_partition(out, "relations", batch).to_pylist()
        for name, rows in (("files", files), ("raw_documents", raw), ("documents", docs), ("rejects", rejects),
                           ("entities", entities), ("relations", relations)):
            report.counts[name] = report.counts.get(name, 0) + len(rows)
        raw_by_source: dict[str, int] = {}
        for r in raw:
            raw_by_source[r["source"]] = raw_by_source.get(r["source"], 0) + 1
        for f in files:
            if raw_by_source.get(f["path"], 0) != f["n_documents"]:
                add(f"[{batch}] {f['path']}: files.n_documents={f['n_documents']} but "
                    f"{raw_by_source.get(f['path'], 0)} raw documents")
            if f["n_documents"] == 0 and f["n_rejects"] == 0:
                add(f"[{batch}] {f['path']}: no documents and no rejects")
        clean_rejected = {r["doc_id"] for r in rejects if r["stage"] == "clean"}
        for r in raw:
            if r["doc_id"] not in docs and r["doc_id"] not in clean_rejected:
                add(f"[{batch}] {r['doc_id']} ingested but neither in documents nor rejected by clean")
        doc_sents: dict[str, dict[int, tuple[int, int]]] = {}
        for s in sentences:
            doc_sents.setdefault(s["doc_id"], {})[s["sentence_index"]] = (s["start"], s["end"])
            doc = docs.get(s["doc_id"])
            if doc is None:
                add(f"[{batch}] sentence of unknown document {s['doc_id']}")
            elif not (0 <= s["start"] < s["end"] <= len(doc["text"])):
                add(f"[{batch}] {s['doc_id']} sentence {s['sentence_index']} offsets outside the text")
        entity_ids = {}
        for e in entities:
            doc = docs.get(e["doc_id"])
            entity_ids[e["entity_id"]] = e
            if doc is None:
                add(f"[{batch}] entity {e['entity_id']} points at unknown document {e['doc_id']}")
                continue
            if not (0 <= e["start"] < e["end"] <= len(doc["text"])):
                add(f"[{batch}] entity {e['entity_id']} offsets {e['start']}-{e['end']} outside the text")
            elif doc["text"][e["start"]:e["end"]] != e["text"]:
                add(f"[{batch}] entity {e['entity_id']}: text[start:end] != {e['text']!r}")
        for r in relations:
            doc = docs.get(r["doc_id"])
            for key in ("head_entity_id", "tail_entity_id"):
                ent = entity_ids.get(r[key])
                if ent is None or ent["doc_id"] != r["doc_id"]:
                    add(f"[{batch}] relation {r['relation_id']}: {key} {r[key]} is not an entity of {r['doc_id']}")
            if doc is None:
                add(f"[{batch}] relation {r['relation_id']} points at unknown document {r['doc_id']}")
            elif doc["text"][r["evidence_start"]:r["evidence_end"]] != r["evidence"]:
                add(f"[{batch}] relation {r['relation_id']}: evidence offsets do not match the evidence text")
    return report
