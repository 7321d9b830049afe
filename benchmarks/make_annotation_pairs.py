"""Draw drug–disease sentence pairs for hand annotation (issue 14, item 1) from a pipeline output.

The training text is drawn by ``make_audit_corpus.py --exclude data/gold/relation_audit/audit_ids.txt``
(so no PMID of the audit is ever trained on) and run through ``biomed-extract run``.  This script
takes the sentences of that output that hold at least one CHEMICAL and one DISEASE mention, draws
``--n-sentences`` of them with ``random.Random(seed)``, and writes every (chemical, disease) pair of
each drawn sentence as one JSON line, split into ``--shards`` files for annotators::

    {"pair_id", "doc_id", "title", "sentence", "sentence_start", "marked",
     "drug": {"text", "start", "end", "concept_id", "concept_name"},
     "disease": {...}, "entities": [every CHEMICAL/DISEASE mention of the sentence],
     "label": null, "issue": null, "note": null}

Offsets are relative to the sentence; ``marked`` is the sentence with the drug in ``[[ ]]`` and the
disease in ``{{ }}``.  Annotators fill ``label``/``issue``/``note`` (guideline:
``data/gold/relation_annotations/README.md``).

Usage::

    python benchmarks/make_annotation_pairs.py --out-dir /tmp/annot/shards --n-sentences 900 --shards 3 \\
        /tmp/annot/out
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

import duckdb


def _entity(row: dict, sent_start: int) -> dict:
    return {
        "text": row["text"],
        "label": row["label"],
        "start": row["start"] - sent_start,
        "end": row["end"] - sent_start,
        "concept_id": row["concept_id"],
        "concept_name": row["concept_name"],
    }


def mark(sentence: str, drug: dict, disease: dict) -> str:
    spans = sorted([(drug["start"], drug["end"], "[[", "]]"), (disease["start"], disease["end"], "{{", "}}")])
    out, pos = [], 0
    for start, end, left, right in spans:
        if start < pos:  # overlapping mentions: leave the second unmarked
            continue
        out += [sentence[pos:start], left, sentence[start:end], right]
        pos = end
    out.append(sentence[pos:])
    return "".join(out)


def pairs_from_output(out: Path) -> list[dict]:
    con = duckdb.connect()
    ents = con.sql(
        f'select doc_id, sentence_index, start, "end", text, label, concept_id, concept_name '
        f"from read_parquet('{out}/entities/**/*.parquet') order by doc_id, sentence_index, start"
    ).fetchall()
    sents = con.sql(
        f'select s.doc_id, s.sentence_index, s.start, s."end", d.text, d.title '
        f"from read_parquet('{out}/sentences/**/*.parquet') s "
        f"join read_parquet('{out}/documents/**/*.parquet') d using (doc_id)"
    ).fetchall()
    by_sent: dict[tuple, list[dict]] = {}
    cols = ["doc_id", "sentence_index", "start", "end", "text", "label", "concept_id", "concept_name"]
    for row in ents:
        r = dict(zip(cols, row))
        by_sent.setdefault((r["doc_id"], r["sentence_index"]), []).append(r)
    records = []
    for doc_id, idx, start, end, text, title in sents:
        mentions = by_sent.get((doc_id, idx), [])
        chems = [m for m in mentions if m["label"] == "CHEMICAL"]
        diss = [m for m in mentions if m["label"] == "DISEASE"]
        if not chems or not diss:
            continue
        sentence = text[start:end]
        ents_rel = [_entity(m, start) for m in mentions]
        records.append(
            {
                "doc_id": doc_id,
                "title": title,
                "sentence": sentence,
                "sentence_start": start,
                "entities": ents_rel,
                "pairs": [(_entity(c, start), _entity(d, start)) for c in chems for d in diss],
            }
        )
    return records


def relation_rows(out: Path, rtype: str) -> list[dict]:
    """One record per non-negated ``relations`` row of ``rtype``: the row's sentence, its mentions and the pair
    (``head`` / ``tail``; for drug–disease types also ``drug`` / ``disease``, as the sentence draw writes)."""
    con = duckdb.connect()
    rows = con.sql(
        f'select r.doc_id, r.head_entity_id, r.tail_entity_id, s.start, s."end", d.text, d.title '
        f"from read_parquet('{out}/relations/**/*.parquet') r "
        f"join read_parquet('{out}/sentences/**/*.parquet') s on s.doc_id = r.doc_id and s.sentence_index = r.sentence_index "
        f"join read_parquet('{out}/documents/**/*.parquet') d on d.doc_id = r.doc_id "
        f"where r.type = '{rtype}' and not r.negated order by r.doc_id, r.relation_id"
    ).fetchall()
    cols = ["entity_id", "doc_id", "sentence_index", "start", "end", "text", "label", "concept_id", "concept_name"]
    ents = con.sql(
        f"select {', '.join(chr(34) + c + chr(34) for c in cols)} from read_parquet('{out}/entities/**/*.parquet')"
    ).fetchall()
    by_id = {r[0]: dict(zip(cols, r)) for r in ents}
    by_sent: dict[tuple, list[dict]] = {}
    for e in by_id.values():
        by_sent.setdefault((e["doc_id"], e["sentence_index"]), []).append(e)
    records = []
    for doc_id, head_id, tail_id, start, end, text, title in rows:
        head, tail = by_id[head_id], by_id[tail_id]
        sentence = text[start:end]
        mentions = [_entity(e, start) for e in by_sent[(doc_id, head["sentence_index"])]]
        rec = {
            "doc_id": doc_id,
            "title": title,
            "sentence": sentence,
            "sentence_start": start,
            "type": rtype,
            "head": _entity(head, start),
            "tail": _entity(tail, start),
            "entities": sorted(mentions, key=lambda e: (e["start"], e["end"])),
        }
        if head["label"] == "CHEMICAL":
            rec["drug"], rec["disease"] = rec["head"], rec["tail"]
        records.append(rec)
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="a biomed-extract run output folder")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--n-sentences", type=int, default=900)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--relation-type",
        help="draw --n-rows rows of this type from the output's relations table instead of whole sentences",
    )
    parser.add_argument("--n-rows", type=int, default=900)
    args = parser.parse_args(argv)
    if args.relation_type:
        write_relation_rows(args)
        return
    sentences = pairs_from_output(args.output)
    sentences.sort(key=lambda r: (r["doc_id"], r["sentence_start"]))
    drawn = random.Random(args.seed).sample(sentences, min(args.n_sentences, len(sentences)))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    shards = [[] for _ in range(args.shards)]
    n_pairs = 0
    for i, rec in enumerate(drawn):
        for drug, disease in rec["pairs"]:
            key = f"{rec['doc_id']}:{rec['sentence_start'] + drug['start']}:{rec['sentence_start'] + disease['start']}"
            pair_id = hashlib.sha256(key.encode()).hexdigest()[:12]
            shards[i % args.shards].append(
                {
                    "pair_id": pair_id,
                    "doc_id": rec["doc_id"],
                    "title": rec["title"],
                    "sentence": rec["sentence"],
                    "sentence_start": rec["sentence_start"],
                    "marked": mark(rec["sentence"], drug, disease),
                    "drug": drug,
                    "disease": disease,
                    "entities": rec["entities"],
                    "label": None,
                    "issue": None,
                    "note": None,
                }
            )
            n_pairs += 1
    for k, rows in enumerate(shards):
        path = args.out_dir / f"shard_{k}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(drawn)} of {len(sentences)} sentences, {n_pairs} pairs -> {args.out_dir} ({args.shards} shards)")


def write_relation_rows(args) -> None:
    rows = relation_rows(args.output, args.relation_type)
    drawn = random.Random(args.seed).sample(rows, min(args.n_rows, len(rows)))
    drawn.sort(key=lambda r: (r["doc_id"], r["sentence_start"], r["head"]["start"], r["tail"]["start"]))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    shards = [[] for _ in range(args.shards)]
    for i, rec in enumerate(drawn):
        key = f"{rec['doc_id']}:{rec['type']}:{rec['sentence_start'] + rec['head']['start']}:{rec['sentence_start'] + rec['tail']['start']}"
        rec = {
            "pair_id": hashlib.sha256(key.encode()).hexdigest()[:12],
            **rec,
            "marked": mark(rec["sentence"], rec["head"], rec["tail"]),
            "label": None,
            "issue": None,
            "note": None,
        }
        shards[i * args.shards // max(1, len(drawn))].append(rec)
    for k, recs in enumerate(shards):
        path = args.out_dir / f"shard_{k}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    print(f"{len(drawn)} of {len(rows)} {args.relation_type} rows -> {args.out_dir} ({args.shards} shards)")


if __name__ == "__main__":
    main()
