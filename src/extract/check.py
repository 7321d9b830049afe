"""Consistency checks over an output folder (``biomed-extract check``).

- accounting: every document a source file yielded is in ``documents`` or ``rejects``
  (``files.n_documents`` equals the documents of that source that reached
  ``raw_documents``, and every raw document reached ``documents`` or has a
  clean-stage reject);
- references: every entity points at an existing document, every relation at
  existing entities of its document, every document relation's ``head_entity_id`` / ``tail_entity_id`` at entities
  of its document inside its evidence, with its head / tail text (the mentions of its best relation, when it has one);
- offsets: inside the text, ``text[start:end]`` equals the mention, evidence
  offsets equal the evidence sentence, and a relation's evidence holds both its mentions.

Also: ids unique within a batch, section offsets inside the text,
``n_sentences`` matching the sentence rows, reject reasons known codes,
citations removed by ``DeleteCitation`` or by a newer version accounted for by
``deleted_citation`` / ``superseded_citation`` rejects, and partitions that cannot be read reported (not raised).  Hidden
temporary files left by a killed run are counted (``stale_temp_files``) but are
not violations: readers never see them.

Freshness, from the ``runs`` table: each stage's output is newer than the last run of the stage before it, and the
corpus-level summary ``concept_pairs`` (the one table ``run`` writes over every batch, after the last stage) exists
and is newer than every batch's last completed relations run: a run killed between its relations stage and the
summary leaves the old table, or none.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from extract import store
from extract.rejects import REASONS
from extract.schemas import CORPUS_BATCH


@dataclass
class CheckReport:
    batches: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


_CHECKED_TABLES = (
    "files",
    "raw_documents",
    "documents",
    "sentences",
    "entities",
    "relations",
    "document_relations",
    "rejects",
)


def _file_of(source: str) -> str:
    """The input file of a rejects ``source`` (``path`` or ``path#index``)."""
    return source.rsplit("#", 1)[0] if "#" in source else source


def check_output(out: Path, max_listed: int = 50) -> CheckReport:
    """Check every batch of an output folder; the report lists at most ``max_listed`` violations."""
    out = Path(out)
    batches = sorted({b for name in _CHECKED_TABLES for b in store.list_batches(out, name)})
    report = CheckReport(batches=batches)
    v = report.violations
    n_violations = 0

    def add(msg: str) -> None:
        nonlocal n_violations
        n_violations += 1
        if len(v) < max_listed:
            v.append(msg)
        elif len(v) == max_listed:
            v.append("... more violations not listed")

    stale = [p for p in out.glob("*/batch_id=*/.*.tmp")]
    report.counts["stale_temp_files"] = len(stale)  # harmless (hidden, cleaned by the next write), not a violation
    last_runs: dict[str, dict[str, datetime]] = {}  # batch -> stage -> end of its last run that did not fail

    for batch in batches:
        tables: dict[str, list[dict]] = {}
        for name in _CHECKED_TABLES:
            try:
                tables[name] = store.read_partition(out, name, batch).to_pylist()
            except Exception as exc:  # a damaged file is a violation, not a crash of the checker
                add(f"[{batch}] {name}: cannot read the partition ({type(exc).__name__}: {exc})")
                tables[name] = []
            report.counts[name] = report.counts.get(name, 0) + len(tables[name])
        missing = [name for name in _CHECKED_TABLES if name != "rejects" and not store.has_partition(out, name, batch)]
        if missing:
            add(
                f"[{batch}] incomplete batch: no {', '.join(missing)} partition (a stage has not run or failed; "
                "re-run it)"
            )
        _check_batch(batch, tables, add)
        last_runs[batch] = _check_stage_order(out, batch, add)
    _check_summary(out, last_runs, add)
    report.counts["violations"] = n_violations
    return report


_STAGE_ORDER = ("ingest", "clean", "ner", "relations")


def _check_stage_order(out: Path, batch: str, add) -> dict[str, datetime]:
    """Each stage's output is newer than the output it was made from: after ``stage ner`` alone, the batch's
    relations still point at the entities of the NER run before (their ids and concepts may have changed).
    Returns, per stage, the end of its last run that did not fail."""
    try:
        runs = store.read_partition(out, "runs", batch).to_pylist()
    except Exception:  # the runs table is a log; a damaged one is not the checked tables' business
        return {}
    last: dict[str, datetime] = {}
    for r in runs:
        if r["status"] != "failed" and (r["stage"] not in last or r["finished_at"] > last[r["stage"]]):
            last[r["stage"]] = r["finished_at"]
    for before, after in zip(_STAGE_ORDER, _STAGE_ORDER[1:]):
        if before in last and after in last and last[after] < last[before]:
            add(
                f"[{batch}] the {after} stage's output predates the {before} stage's last run: re-run "
                f"`biomed-extract stage {after} --batch {batch}` (and the stages after it)"
            )
    return last


#: File times come from the file system's clock, ``runs.finished_at`` from the run's: allow for coarse timestamps.
_CLOCK_SLACK = timedelta(seconds=1)


def _check_summary(out: Path, last_runs: dict[str, dict[str, datetime]], add) -> None:
    """``concept_pairs`` exists and was written after every batch's last completed relations run (``run`` and
    ``stage relations`` rebuild it right after that run; a kill in between leaves it missing or stale)."""
    relations = {batch: last["relations"] for batch, last in last_runs.items() if "relations" in last}
    if not relations:
        return  # no relations stage on record: nothing to summarize yet
    batch, finished = max(relations.items(), key=lambda item: item[1])
    folder = store.partition_dir(out, "concept_pairs", CORPUS_BATCH)
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    rebuild = f"rebuild it with `biomed-extract summarize --out {shlex.quote(str(out))}`"
    if not files:
        add(
            f"[{CORPUS_BATCH}] no concept_pairs table, though batch {batch} has relations "
            f"(a run ended before its summary): {rebuild}"
        )
        return
    written = datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC)
    if written + _CLOCK_SLACK < finished:
        add(
            f"[{CORPUS_BATCH}] the concept_pairs table (written {written:%Y-%m-%d %H:%M:%S} UTC) predates the "
            f"relations stage's last run of batch {batch} ({finished:%Y-%m-%d %H:%M:%S} UTC): {rebuild}"
        )


def _check_batch(batch: str, t: dict[str, list[dict]], add) -> None:
    files, raw, rejects = t["files"], t["raw_documents"], t["rejects"]
    p = f"[{batch}]"

    # -- rejects are well-formed
    for r in rejects:
        if r["reason"] not in REASONS:
            add(f"{p} rejects row for {r['source']} has unknown reason {r['reason']!r}")
        if not (r["detail"] or "").strip():
            add(f"{p} rejects row for {r['source']} ({r['reason']}) has no detail")

    # -- accounting: source files -> raw_documents (+ deletions) -> documents (+ clean rejects)
    raw_by_source: dict[str, int] = {}
    raw_ids: set[str] = set()
    for r in raw:
        raw_by_source[r["source"]] = raw_by_source.get(r["source"], 0) + 1
        if r["doc_id"] in raw_ids:
            add(f"{p} raw_documents: doc_id {r['doc_id']} appears twice")
        raw_ids.add(r["doc_id"])
    deleted_by_source: dict[str, int] = {}
    rejects_by_file: dict[str, int] = {}
    for r in rejects:
        rejects_by_file[_file_of(r["source"])] = rejects_by_file.get(_file_of(r["source"]), 0) + 1
        if r["reason"] in ("deleted_citation", "superseded_citation"):  # removed from raw_documents after ingest
            deleted_by_source[_file_of(r["source"])] = deleted_by_source.get(_file_of(r["source"]), 0) + 1
    file_paths = set()
    for f in files:
        path = f["path"]
        file_paths.add(path)
        n_raw, n_deleted = raw_by_source.get(path, 0), deleted_by_source.get(path, 0)
        if n_raw + n_deleted != f["n_documents"]:
            add(
                f"{p} {path}: files.n_documents={f['n_documents']} but {n_raw} raw documents"
                + (f" + {n_deleted} deleted citations" if n_deleted else "")
            )
        # a delete-only update file accounts for itself by the deletions it applied (files.deleted_pmids)
        if f["n_documents"] == 0 and not rejects_by_file.get(path) and not f.get("deleted_pmids"):
            add(f"{p} {path}: yielded no documents, has no rejects row and applied no DeleteCitation")
    for source in raw_by_source:
        if files and source not in file_paths:
            add(f"{p} raw documents from {source}, which is not in the files table")
    if raw and not files:
        add(f"{p} raw_documents without a files table")

    docs: dict[str, dict] = {}
    for d in t["documents"]:
        if d["doc_id"] in docs:
            add(f"{p} documents: doc_id {d['doc_id']} appears twice")
        docs[d["doc_id"]] = d
        if raw and d["doc_id"] not in raw_ids:
            add(f"{p} document {d['doc_id']} is not in raw_documents")
        n = len(d["text"])
        for sec in d["sections"] or []:
            if not (0 <= sec["start"] <= sec["end"] <= n):
                add(f"{p} {d['doc_id']} section {sec['name']!r} offsets {sec['start']}-{sec['end']} outside the text")
    clean_rejected = {r["doc_id"] for r in rejects if r["stage"] == "clean"}
    for doc_id in sorted(raw_ids):
        if doc_id not in docs and doc_id not in clean_rejected:
            add(f"{p} {doc_id} ingested but neither in documents nor rejected by clean")

    # -- sentences
    doc_sents: dict[str, dict[int, tuple[int, int]]] = {}
    for s in t["sentences"]:
        sents = doc_sents.setdefault(s["doc_id"], {})
        if s["sentence_index"] in sents:
            add(f"{p} {s['doc_id']} sentence {s['sentence_index']} appears twice")
        sents[s["sentence_index"]] = (s["start"], s["end"])
        doc = docs.get(s["doc_id"])
        if doc is None:
            add(f"{p} sentence of unknown document {s['doc_id']}")
        elif not (0 <= s["start"] < s["end"] <= len(doc["text"])):
            add(f"{p} {s['doc_id']} sentence {s['sentence_index']} offsets {s['start']}-{s['end']} outside the text")
    for doc_id, d in docs.items():
        if d["n_sentences"] != len(doc_sents.get(doc_id, {})):
            add(f"{p} {doc_id}: n_sentences={d['n_sentences']} but {len(doc_sents.get(doc_id, {}))} sentence rows")

    # -- entities
    entity_ids: dict[str, dict] = {}
    for e in t["entities"]:
        if e["entity_id"] in entity_ids:
            add(f"{p} entity_id {e['entity_id']} appears twice")
        entity_ids[e["entity_id"]] = e
        doc = docs.get(e["doc_id"])
        if doc is None:
            add(f"{p} entity {e['entity_id']} points at unknown document {e['doc_id']}")
            continue
        if not (0 <= e["start"] < e["end"] <= len(doc["text"])):
            add(f"{p} entity {e['entity_id']} offsets {e['start']}-{e['end']} outside the text")
        elif doc["text"][e["start"] : e["end"]] != e["text"]:
            add(
                f"{p} entity {e['entity_id']}: text[{e['start']}:{e['end']}] = "
                f"{doc['text'][e['start'] : e['end']]!r} != mention {e['text']!r}"
            )
        if e["sentence_index"] not in doc_sents.get(e["doc_id"], {}):
            add(f"{p} entity {e['entity_id']} in unknown sentence {e['sentence_index']}")

    # -- relations
    relation_ids: dict[str, dict] = {}
    for r in t["relations"]:
        if r["relation_id"] in relation_ids:
            add(f"{p} relation_id {r['relation_id']} appears twice")
        relation_ids[r["relation_id"]] = r
        for key in ("head_entity_id", "tail_entity_id"):
            ent = entity_ids.get(r[key])
            if ent is None or ent["doc_id"] != r["doc_id"]:
                add(f"{p} relation {r['relation_id']}: {key} {r[key]} is not an entity of {r['doc_id']}")
        doc = docs.get(r["doc_id"])
        if doc is None:
            add(f"{p} relation {r['relation_id']} points at unknown document {r['doc_id']}")
        elif not (0 <= r["evidence_start"] < r["evidence_end"] <= len(doc["text"])):
            add(
                f"{p} relation {r['relation_id']}: evidence offsets {r['evidence_start']}-{r['evidence_end']} "
                "outside the text"
            )
        elif doc["text"][r["evidence_start"] : r["evidence_end"]] != r["evidence"]:
            add(f"{p} relation {r['relation_id']}: evidence offsets do not match the evidence text")
        for key in ("head_entity_id", "tail_entity_id"):
            ent = entity_ids.get(r[key])
            if ent is not None and not (r["evidence_start"] <= ent["start"] and ent["end"] <= r["evidence_end"]):
                add(f"{p} relation {r['relation_id']}: evidence does not contain the {key.split('_')[0]} mention")
    for dr in t["document_relations"]:
        if dr["doc_id"] not in docs:
            add(f"{p} document relation points at unknown document {dr['doc_id']}")
        if dr.get("cross_sentence") and dr["best_relation_id"] is None:
            pass  # made across sentences: no relations row
        elif dr["best_relation_id"] not in relation_ids:
            add(
                f"{p} document relation of {dr['doc_id']}: best_relation_id {dr['best_relation_id']} "
                "is not in relations"
            )
        _check_evidence_mentions(p, dr, entity_ids, relation_ids.get(dr["best_relation_id"]), add)


def _check_evidence_mentions(p: str, dr: dict, entity_ids: dict[str, dict], best: dict | None, add) -> None:
    """A document relation's ``head_entity_id`` / ``tail_entity_id`` (null in outputs written before the columns
    existed: nothing to check) name entities of its document, inside its evidence, with its head / tail text, and
    the mentions of its best relations row when it has one."""
    what = f"{p} document relation of {dr['doc_id']} ({dr['type']} {dr['head_concept_id']} -> {dr['tail_concept_id']})"
    for role in ("head", "tail"):
        entity_id = dr.get(f"{role}_entity_id")
        if entity_id is None:
            continue
        ent = entity_ids.get(entity_id)
        if ent is None or ent["doc_id"] != dr["doc_id"]:
            add(f"{what}: {role}_entity_id {entity_id} is not an entity of {dr['doc_id']}")
            continue
        if not (dr["evidence_start"] <= ent["start"] and ent["end"] <= dr["evidence_end"]):
            add(f"{what}: the {role} mention {entity_id} ({ent['start']}-{ent['end']}) lies outside the evidence")
        if ent["text"] != dr[f"{role}_text"]:
            add(f"{what}: the {role} mention {entity_id} reads {ent['text']!r}, not {role}_text {dr[f'{role}_text']!r}")
        if best is not None and best[f"{role}_entity_id"] != entity_id:
            add(
                f"{what}: {role}_entity_id {entity_id} is not the {role} of best_relation_id "
                f"{dr['best_relation_id']} ({best[f'{role}_entity_id']})"
            )
