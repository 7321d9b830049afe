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
        f"select doc_id, sentence_index, start, \"end\", text, label, concept_id, concept_name "
        f"from read_parquet('{out}/entities/**/*.parquet') order by doc_id, sentence_index, start"
    ).fetchall()
    sents = con.sql(
        f"select s.doc_id, s.sentence_index, s.start, s.\"end\", d.text, d.title "
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="a biomed-extract run output folder")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--n-sentences", type=int, default=900)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    main()
