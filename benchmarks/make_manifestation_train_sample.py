"""Draw training-split sentences for hand annotation of ``disease_manifestation`` pairs.

The manifestation gold sets (``data/gold/disease_manifestation_{dev,heldout}.jsonl``) are drawn from the
*development* splits; this draws the same kind of sentence (2-5 gold disease mentions, overlapping mentions
dropped) from the *training* splits of BC5CDR, NCBI disease and BioRED, so hand labels on them can train the
classifier.  PMIDs of the two gold sets and of the relation audit are left out (BioRED's training split shares
abstracts with BC5CDR's development split).  Two strata as in the dev set: sentences with a cue word and sentences at random.

    python benchmarks/make_manifestation_train_sample.py --cue 400 --random 200 --shards 2 \
        --out-dir data/gold/manifestation_train
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from extract.corpora.pubtator import read_pubtator, unique_documents
from extract.settings import get_settings
from extract.training.relations.manifestation import corpus_view, training_corpora

CUE = re.compile(
    r"featur|manifest|symptom|sign|complicat|present|characteri|develop|occur|\bwith\b|associated|secondary|"
    r"due to|caused|lead|result",
    re.I,
)
GOLD = [Path("data/gold/disease_manifestation_dev.jsonl"), Path("data/gold/disease_manifestation_heldout.jsonl")]
AUDIT_IDS = Path("data/gold/relation_audit/audit_ids.txt")


def candidate_sentences(corpora_dir: Path, exclude: set[str]) -> list[dict]:
    out = []
    seen_text: set[str] = set()
    for source, path in training_corpora(corpora_dir):
        for doc in unique_documents(read_pubtator(path)):
            if doc.pmid in exclude:
                continue
            d = corpus_view(doc, source).view
            for sent in d.sentences:
                dis = [e for e in d.entities if e.sentence_index == sent.index and e.label == "DISEASE"]
                if not 2 <= len(dis) <= 5:
                    continue
                text = d.text[sent.start : sent.end]
                if text in seen_text:
                    continue
                seen_text.add(text)
                chems = [e for e in d.entities if e.sentence_index == sent.index and e.label == "CHEMICAL"]
                out.append(
                    {
                        "source": f"{source}_train",
                        "pmid": doc.pmid,
                        "text": text,
                        "mentions": [
                            {"start": e.start - sent.start, "end": e.end - sent.start, "text": e.text} for e in dis
                        ],
                        "chemicals": [
                            {"start": e.start - sent.start, "end": e.end - sent.start, "text": e.text} for e in chems
                        ],
                        "relations": [],
                        "aliases": {},
                    }
                )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cue", type=int, default=400)
    ap.add_argument("--random", type=int, default=200)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args()
    exclude = {json.loads(line)["pmid"] for p in GOLD for line in p.open()} | set(AUDIT_IDS.read_text().split())
    cands = candidate_sentences(get_settings().corpora_dir, exclude)
    rng = random.Random(args.seed)
    rng.shuffle(cands)
    per_pmid: set[str] = set()
    picked: list[dict] = []
    cue = [c for c in cands if CUE.search(c["text"])]
    for c in cue:  # at most one sentence per abstract in the cue stratum
        if len(picked) >= args.cue:
            break
        if c["pmid"] not in per_pmid:
            per_pmid.add(c["pmid"])
            picked.append(c)
    rest = [c for c in cands if c["pmid"] not in per_pmid]
    for c in rest[: args.random]:
        picked.append(c)
        per_pmid.add(c["pmid"])
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(picked):
        c["id"] = f"mt{i:04d}"
    for s in range(args.shards):
        rows = [{"id": c["id"], **{k: v for k, v in c.items() if k != "id"}} for c in picked[s :: args.shards]]
        path = args.out_dir / f"unlabelled_{s}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(path, len(rows), sum(len(r["mentions"]) for r in rows), "mentions")
    print(len(cands), "candidate sentences;", len(cue), "with a cue")


if __name__ == "__main__":
    main()
