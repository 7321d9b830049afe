"""Draw sentences for hand annotation of ``disease_manifestation`` pairs.

Sentences with 2-5 gold disease mentions (overlapping mentions dropped) of BC5CDR, NCBI disease and BioRED, in two
strata as in the dev set: sentences with a cue word (one per abstract) and sentences at random.  PMIDs of the
manifestation gold sets and of the relation audit are always left out.

``--split train`` draws from the *training* splits, so hand labels on them can train the classifier
(``data/gold/manifestation_train``; BioRED's training split shares abstracts with BC5CDR's development split, which
the exclusion of the gold sets' PMIDs covers).  ``--split dev`` draws a further evaluation set from the
*development* splits, leaving out every PMID of a training split as well (BioRED's development split shares abstracts
with BC5CDR's training split, which the models learnt from), and the PMIDs of ``--exclude`` files:

    python benchmarks/make_manifestation_sample.py --cue 400 --random 200 --shards 2 \
        --out-dir data/gold/manifestation_train
    python benchmarks/make_manifestation_sample.py --split dev --seed 2026 --cue 110 --random 50 --shards 2 \
        --prefix dh2- --out-dir data/gold/manifestation_heldout2
    python benchmarks/make_manifestation_sample.py --split dev --seed 2027 --cue 0 --random 0 --strong 60 \
        --shards 2 --prefix dh2s- --exclude data/gold/manifestation_heldout2/annotated_*.jsonl \
        --out-dir data/gold/manifestation_heldout2/strong
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
# A strong manifestation cue (a third stratum, drawn to hold more positives, as the held-out set's was).
STRONG = re.compile(
    r"manifest|symptom|\bsigns?\b|complicat|characteri[sz]ed by|present(?:ed|ing|s)? with|feature|accompanied by",
    re.I,
)
GOLD = [Path("data/gold/disease_manifestation_dev.jsonl"), Path("data/gold/disease_manifestation_heldout.jsonl")]
DEVELOPMENT_SPLITS = (
    ("bc5cdr", Path("bc5cdr") / "CDR_DevelopmentSet.PubTator.txt"),
    ("ncbi", Path("ncbi_disease") / "NCBIdevelopset_corpus.txt"),
    ("biored", Path("biored") / "Dev.PubTator"),
)
TRAIN_LABELS = sorted(Path("data/gold/manifestation_train").glob("annotated_*.jsonl"))
AUDIT_IDS = Path("data/gold/relation_audit/audit_ids.txt")


def candidate_sentences(corpora_dir: Path, exclude: set[str], split: str = "train") -> list[dict]:
    out = []
    seen_text: set[str] = set()
    if split == "train":
        corpora = training_corpora(corpora_dir)
    else:
        corpora = [(source, corpora_dir / path) for source, path in DEVELOPMENT_SPLITS]
    for source, path in corpora:
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
                        "source": f"{source}_{split}",
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
    ap.add_argument("--strong", type=int, default=0, help="sentences with a strong cue, drawn before the others")
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--split", choices=("train", "dev"), default="train")
    ap.add_argument("--prefix", default="mt", help="id prefix of the drawn sentences")
    ap.add_argument("--exclude", type=Path, nargs="*", default=[], help="further jsonl files whose PMIDs to leave out")
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args()
    corpora_dir = get_settings().corpora_dir
    exclude = {json.loads(line)["pmid"] for p in GOLD + list(args.exclude) for line in p.open() if line.strip()}
    exclude |= set(AUDIT_IDS.read_text().split())
    if args.split == "dev":
        exclude |= {json.loads(line)["pmid"] for p in TRAIN_LABELS for line in p.open() if line.strip()}
        exclude |= {d.pmid for _, path in training_corpora(corpora_dir) for d in read_pubtator(path)}
    cands = candidate_sentences(corpora_dir, exclude, args.split)
    rng = random.Random(args.seed)
    rng.shuffle(cands)
    per_pmid: set[str] = set()
    picked: list[dict] = []
    for c in [c for c in cands if STRONG.search(c["text"])]:  # one per abstract
        if len(picked) >= args.strong:
            break
        if c["pmid"] not in per_pmid:
            per_pmid.add(c["pmid"])
            picked.append(c)
    cue = [c for c in cands if CUE.search(c["text"])]
    for c in cue:  # at most one sentence per abstract in the cue stratum
        if len(picked) >= args.strong + args.cue:
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
        c["id"] = f"{args.prefix}{i:04d}"
    for s in range(args.shards):
        rows = [{"id": c["id"], **{k: v for k, v in c.items() if k != "id"}} for c in picked[s :: args.shards]]
        path = args.out_dir / f"unlabelled_{s}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(path, len(rows), sum(len(r["mentions"]) for r in rows), "mentions")
    print(len(cands), "candidate sentences;", len(cue), "with a cue")


if __name__ == "__main__":
    main()
