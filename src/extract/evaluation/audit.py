"""Analyst audit of the relation tables: seeded samples, hand judgments that carry over, precision.

The benchmarks score the relation stage on corpora chosen for their relations; the audit
measures what an analyst gets from ordinary literature (issue 14).  It reads an output folder
through :mod:`extract.store` and works on two kinds of item:

* **rows** — ``relations`` rows, 100 per relation type (not negated: the rows an analyst reads
  as claims).  A row's judgment is keyed by ``(doc_id, type, head text lower-cased, tail text
  lower-cased, evidence sentence with whitespace collapsed)``: nothing in the key depends on
  row numbering, scores or model version, so a judgment made on one model's output applies to
  the same row written by the next model.
* **pairs** — the top 30 ``drug_adverse_event`` (head concept, tail concept) pairs by number of
  distinct documents in ``document_relations`` where a sentence states the pair (not negated, not
  ``cross_sentence``): the ranking the report shows an analyst (``concept_pairs.n_sentence_documents``;
  since the fifteenth session — before, documents where the pair was made only across sentences counted
  too, and :func:`score` still reports that list as ``top_pairs_all_documents``).  A pair is keyed by
  ``(type, head key, tail key)``, a key being the concept id, else the lower-cased mention text (the keys
  ``document_relations`` already carries).

Sampling is *consistent* (bottom-k by hash): every row gets the priority
``sha256(seed, key)`` and a type's sample is its 100 rows of lowest priority.  That is a
uniform random sample for the seed, the same for the same output, and across model versions a
row that both outputs contain has the same priority — so the rows a new model keeps stay in
its sample and their judgments are reused; only the rows new to the sample need judging.

Judgments live in a JSON-lines file (``data/gold/relation_audit/judgments.jsonl``), one item
per line as :func:`draw_sample` writes it plus ``correct`` (true/false), ``error`` (one of
:data:`ERROR_KINDS` when false) and ``note``.  A later line overrides an earlier one with the
same key, so re-judging is an append.  :func:`score` draws the sample of an output, looks each
item up and returns precision per type and for the top pairs, the error kinds, and the items
still unjudged (to be judged and appended).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from extract.store import read_table

RELATION_TYPES: tuple[str, ...] = ("drug_adverse_event", "drug_treats_disease", "disease_manifestation")
PAIR_TYPE = "drug_adverse_event"
ROWS_PER_TYPE = 100
TOP_PAIRS = 30
PAIR_EVIDENCE = 3  # evidence sentences shown per top pair (best first, distinct documents)

#: Why a judged item is wrong (the error kinds of issue 14).
ERROR_KINDS: tuple[str, ...] = (
    "listed_together",  # comorbidity / conditions merely listed together read as a relation
    "indication_as_ae",  # the treated disease (indication) reported as an adverse event
    "drug_absent",  # the evidence sentence lacks the head (or the tail) mention
    "span_cut",  # tail span cut or a population word as tail ("dry", "obese", "migraineurs")
    "prevented_improved",  # a prevented or improved condition read as caused
    "study_population",  # the study population read as the event
    "head_not_drug",  # head is not a drug (a measured substance, enzyme, procedure...)
    "other",  # anything else: relation not stated, wrong direction or type, missed negation
)

Key = tuple[str, ...]


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def row_key(item: dict) -> Key:
    """Judgment key of a ``relations`` row (or of a row item / judgment dict with the same fields)."""
    return (
        "row",
        item["doc_id"],
        item["type"],
        _collapse(item["head_text"]).lower(),
        _collapse(item["tail_text"]).lower(),
        _collapse(item["evidence"]),
    )


def pair_key(item: dict) -> Key:
    """Judgment key of an aggregate (head, tail) pair."""
    return ("pair", item["type"], item["head_key"], item["tail_key"])


def item_key(item: dict) -> Key:
    return row_key(item) if item["kind"] == "row" else pair_key(item)


def _priority(seed: int, key: Key) -> str:
    return hashlib.sha256("\x1f".join((str(seed), *key)).encode("utf-8")).hexdigest()


def _rows(out: Path, table: str) -> list[dict]:
    return read_table(Path(out), table).to_pylist()


def sample_rows(
    relations: list[dict], entity_spans: dict[str, tuple[int, int]], seed: int = 0, per_type: int = ROWS_PER_TYPE
) -> list[dict]:
    """Up to ``per_type`` non-negated rows per relation type, lowest hash priority first.

    Rows sharing a key (the same pair of mention texts twice in one sentence) count once.
    ``entity_spans`` (entity_id -> (start, end)) fills the judging hints ``head_in_evidence``
    and ``tail_in_evidence``: whether each mention lies inside the evidence sentence.
    """
    by_type: dict[str, dict[Key, dict]] = defaultdict(dict)
    for row in sorted(relations, key=lambda r: (r["doc_id"], r["relation_id"])):
        if row["negated"] or row["type"] not in RELATION_TYPES:
            continue
        by_type[row["type"]].setdefault(row_key(row), row)
    items = []
    for rel_type in RELATION_TYPES:
        ranked = sorted(by_type[rel_type].items(), key=lambda kv: _priority(seed, kv[0]))[:per_type]
        for rank, (_, row) in enumerate(ranked):
            items.append(_row_item(row, rank, entity_spans))
    return items


def _inside(span: tuple[int, int] | None, row: dict) -> bool | None:
    if span is None:
        return None
    return row["evidence_start"] <= span[0] and span[1] <= row["evidence_end"]


def _row_item(row: dict, rank: int, entity_spans: dict[str, tuple[int, int]]) -> dict:
    return {
        "kind": "row",
        "type": row["type"],
        "rank": rank,
        "doc_id": row["doc_id"],
        "relation_id": row["relation_id"],
        "head_text": row["head_text"],
        "tail_text": row["tail_text"],
        "tail_phrase": row.get("tail_phrase"),
        "head_concept_id": row["head_concept_id"],
        "tail_concept_id": row["tail_concept_id"],
        "score": round(float(row["score"]), 4),
        "method": row["method"],
        "model_version": row["model_version"],
        "head_in_evidence": _inside(entity_spans.get(row["head_entity_id"]), row),
        "tail_in_evidence": _inside(entity_spans.get(row["tail_entity_id"]), row),
        "evidence": row["evidence"],
        "correct": None,
        "error": None,
        "note": "",
    }


def top_pairs(
    document_relations: list[dict], n: int = TOP_PAIRS, rel_type: str = PAIR_TYPE, sentence_stated: bool = True
) -> list[dict]:
    """The ``n`` (head key, tail key) pairs of ``rel_type`` found in the most documents (not negated; with
    ``sentence_stated``, only documents where a sentence states the pair: rows not ``cross_sentence``).

    Ties are broken by the keys, so the list is the same for the same output.  Each pair carries
    up to :data:`PAIR_EVIDENCE` evidence sentences from distinct documents, best score first.
    """
    docs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in document_relations:
        if row["type"] != rel_type or row["negated"] or (sentence_stated and row.get("cross_sentence")):
            continue
        head = row["head_concept_id"] or _collapse(row["head_text"]).lower()
        tail = row["tail_concept_id"] or _collapse(row["tail_text"]).lower()
        docs[(head, tail)].append(row)
    ranked = sorted(docs.items(), key=lambda kv: (-len({r["doc_id"] for r in kv[1]}), kv[0]))[:n]
    items = []
    for rank, ((head, tail), rows) in enumerate(ranked):
        rows = sorted(rows, key=lambda r: (-float(r["score"]), r["doc_id"]))
        names_head = Counter(r["head_text"].lower() for r in rows).most_common(1)[0][0]
        names_tail = Counter(r["tail_text"].lower() for r in rows).most_common(1)[0][0]
        items.append(
            {
                "kind": "pair",
                "type": rel_type,
                "rank": rank,
                "head_key": head,
                "tail_key": tail,
                "head_name": names_head,
                "tail_name": names_tail,
                "n_documents": len({r["doc_id"] for r in rows}),
                "evidence": [
                    {
                        "doc_id": r["doc_id"],
                        "head_text": r["head_text"],
                        "tail_text": r["tail_text"],
                        "evidence": r["evidence"],
                    }
                    for r in rows[:PAIR_EVIDENCE]
                ],
                "correct": None,
                "error": None,
                "note": "",
            }
        )
    return items


def draw_sample(out: Path, seed: int = 0, per_type: int = ROWS_PER_TYPE, n_pairs: int = TOP_PAIRS) -> list[dict]:
    """The audit items of an output folder: sampled rows of every type, then the top pairs."""
    entities = read_table(Path(out), "entities").select(["entity_id", "start", "end"]).to_pylist()
    spans = {e["entity_id"]: (e["start"], e["end"]) for e in entities}
    rows = sample_rows(_rows(out, "relations"), spans, seed, per_type)
    return rows + top_pairs(_rows(out, "document_relations"), n_pairs)


def write_items(path: Path, items: Iterable[dict]) -> int:
    """Write items as JSON lines; returns how many."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
            n += 1
    return n


def validate_judgment(item: dict) -> None:
    """Raise ValueError when a judged line is malformed (``correct`` not a bool, unknown error kind)."""
    if item.get("kind") not in ("row", "pair"):
        raise ValueError(f"kind must be 'row' or 'pair', not {item.get('kind')!r}")
    if not isinstance(item.get("correct"), bool):
        raise ValueError(f"correct must be true or false, not {item.get('correct')!r}")
    if item["correct"] and item.get("error"):
        raise ValueError("a correct item has no error kind")
    if not item["correct"] and item.get("error") not in ERROR_KINDS:
        raise ValueError(f"error must be one of {', '.join(ERROR_KINDS)}, not {item.get('error')!r}")


def load_judgments(path: Path) -> dict[Key, dict]:
    """Judged items by key; lines whose ``correct`` is still null are skipped, later lines win."""
    judgments: dict[Key, dict] = {}
    path = Path(path)
    if not path.exists():
        return judgments
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item.get("correct") is None:
            continue
        try:
            validate_judgment(item)
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
        judgments[item_key(item)] = item
    return judgments


def _tally(items: list[dict], judgments: dict[Key, dict]) -> tuple[dict, list[dict]]:
    judged = [judgments[item_key(i)] for i in items if item_key(i) in judgments]
    unjudged = [i for i in items if item_key(i) not in judgments]
    correct = sum(j["correct"] for j in judged)
    errors = Counter(j["error"] for j in judged if not j["correct"])
    return {
        "sampled": len(items),
        "judged": len(judged),
        "correct": correct,
        "precision": round(correct / len(judged), 3) if judged else None,
        "unjudged": len(unjudged),
        "errors": {k: errors[k] for k in ERROR_KINDS if errors[k]},
    }, unjudged


def score_items(items: list[dict], judgments: dict[Key, dict]) -> dict:
    """Precision per relation type and for the top pairs over the judged items; ``unjudged`` lists the rest."""
    result: dict = {"types": {}, "unjudged_items": []}
    for rel_type in RELATION_TYPES:
        tally, unjudged = _tally([i for i in items if i["kind"] == "row" and i["type"] == rel_type], judgments)
        result["types"][rel_type] = tally
        result["unjudged_items"].extend(unjudged)
    tally, unjudged = _tally([i for i in items if i["kind"] == "pair"], judgments)
    result["top_pairs"] = tally
    result["unjudged_items"].extend(unjudged)
    all_errors = Counter()
    for tally in (*result["types"].values(), result["top_pairs"]):
        all_errors.update(tally["errors"])
    result["errors"] = {k: all_errors[k] for k in ERROR_KINDS if all_errors[k]}
    return result


def score(
    out: Path, judgments_path: Path, seed: int = 0, per_type: int = ROWS_PER_TYPE, n_pairs: int = TOP_PAIRS
) -> dict:
    """Draw the audit sample of ``out`` and score it against the judgments file."""
    items = draw_sample(out, seed, per_type, n_pairs)
    judgments = load_judgments(judgments_path)
    result = score_items(items, judgments)
    # the list before the fifteenth session (documents where the pair is made only across sentences count too)
    all_documents = top_pairs(_rows(out, "document_relations"), n_pairs, sentence_stated=False)
    result["top_pairs_all_documents"], _ = _tally(all_documents, judgments)  # for the record: not in the sample
    versions = sorted({i["model_version"] for i in items if i["kind"] == "row"})
    return {"output": str(out), "judgments": str(judgments_path), "seed": seed, "model_versions": versions, **result}
