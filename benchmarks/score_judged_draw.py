"""Score a `biomed-extract run` output of a judged draw against the hand judgments (run by hand; issue 14).

    python benchmarks/score_judged_draw.py OUT --draw 8 [--list-unjudged]

The judged draws of ``data/gold/relation_annotations/`` (README there) hold rows an earlier run wrote on the draw's
documents, each judged right or wrong.  A row of ``OUT``'s ``relations`` table (non-negated) counts as judged when a
judged row of its type has the same document and the same head and tail offsets; its precision is over those rows.
The seventh draw's files hold every row of their runs (a new code's rows that match none are listed as unjudged, to
judge and add); the eighth to eleventh draws' hold a seeded sample of 100 rows per type, so most rows of a run are
unjudged by design and the figure is the sample's precision.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
JUDGED = ROOT / "data" / "gold" / "relation_annotations"
#: Relation type -> (file name stem, the label that makes a row right).
TYPES = {
    "drug_adverse_event": ("adverse_event_rows", "adverse_event"),
    "drug_treats_disease": ("treats_rows", "treats"),
    "disease_manifestation": ("manifestation_rows", "manifestation"),
}

Key = tuple[str, int, int, int, int]


def judgments(draw: str, stem: str) -> dict[Key, dict]:
    """The judged rows of one type in a draw's files (``<stem>_<draw>.jsonl``, ``<stem>_<draw>b.jsonl``...), keyed by
    document and the head's and tail's document offsets."""
    out: dict[Key, dict] = {}
    for path in sorted(JUDGED.glob(f"{stem}_{draw}*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            s = d["sentence_start"]
            head, tail = d.get("head") or d["drug"], d.get("tail") or d["disease"]
            out[(d["doc_id"], s + head["start"], s + head["end"], s + tail["start"], s + tail["end"])] = d
    return out


def output_rows(out: Path, rtype: str) -> list[tuple[Key, str, str, str]]:
    """``(key, head text, tail text, evidence)`` of the non-negated rows of ``rtype`` in the output folder."""
    con = duckdb.connect()
    rows = con.sql(
        'select r.doc_id, h.start, h."end", t.start, t."end", r.head_text, r.tail_text, r.evidence '
        f"from read_parquet('{out}/relations/**/*.parquet') r "
        f"join read_parquet('{out}/entities/**/*.parquet') h on h.doc_id = r.doc_id and h.entity_id = r.head_entity_id "
        f"join read_parquet('{out}/entities/**/*.parquet') t on t.doc_id = r.doc_id and t.entity_id = r.tail_entity_id "
        f"where r.type = '{rtype}' and not r.negated order by r.doc_id, r.relation_id"
    ).fetchall()
    return [((doc, hs, he, ts, te), head, tail, evidence) for doc, hs, he, ts, te, head, tail, evidence in rows]


def score(out: Path, draw: str) -> dict[str, dict]:
    """Per relation type: rows written, rows judged, right, precision, the wrong rows' labels and the unjudged rows."""
    result = {}
    for rtype, (stem, right_label) in TYPES.items():
        judged = judgments(draw, stem)
        rows = output_rows(out, rtype)
        matched = [(row, judged[row[0]]) for row in rows if row[0] in judged]
        right = sum(j["label"] == right_label for _row, j in matched)
        result[rtype] = {
            "rows": len(rows),
            "judged": len(matched),
            "right": right,
            "precision": round(right / len(matched), 3) if matched else None,
            "wrong": dict(Counter(j["label"] for _row, j in matched if j["label"] != right_label).most_common()),
            "unjudged": [row for row in rows if row[0] not in judged],
        }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="the run's output folder (biomed-extract run --out)")
    parser.add_argument("--draw", required=True, help="the draw's number: 7 to 11")
    parser.add_argument("--list-unjudged", action="store_true", help="print each unjudged row")
    args = parser.parse_args(argv)
    result = score(args.output, args.draw)
    if not any(r["judged"] for r in result.values()):
        sys.exit(f"no row of {args.output} matches a judgment of draw {args.draw}")
    for rtype, r in result.items():
        print(
            f"{rtype}: rows {r['rows']}, judged {r['judged']}, right {r['right']}, precision {r['precision']}, "
            f"unjudged {len(r['unjudged'])}; wrong {r['wrong']}"
        )
        if args.list_unjudged:
            for key, head, tail, evidence in r["unjudged"]:
                print(f"   {key[0]} {head} -> {tail} | {evidence[:160]}")


if __name__ == "__main__":
    main()
