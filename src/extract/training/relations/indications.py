"""Build the known-indication table (:mod:`extract.relations.indications`) from pipeline outputs.

Input: output folders of ``biomed-extract run`` on training text (the draws of trial and review abstracts in
``data/gold/relation_annotations/source_ids*.txt``, disjoint from the relation audit).  For every (drug,
disease) pair — each side keyed by its concept id, else its lower-cased mention text — the table counts the
documents with a non-negated same-sentence ``drug_treats_disease`` row and those with a non-negated
same-sentence ``drug_adverse_event`` row (the ``relations`` table: rows whose evidence sentence holds both
mentions).  Pairs with fewer treatment
documents than the table's ``min_documents`` cannot be indications and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from extract.relations.indications import IndicationTable, side_key
from extract.relations.types import DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE
from extract.store import iter_partition, list_batches

_COLUMNS = ["doc_id", "type", "head_concept_id", "tail_concept_id", "head_text", "tail_text", "negated"]


def _relation_rows(output: Path):
    for batch_id in list_batches(output, "relations"):
        for piece in iter_partition(output, "relations", batch_id, columns=_COLUMNS):
            yield from piece.to_pylist()


def count_documents(outputs: list[Path]) -> dict[tuple[str, str], tuple[int, int]]:
    """(drug key, disease key) -> (documents stating it as a treatment, as an adverse event); keys as
    :func:`extract.relations.indications.side_key`."""
    docs: dict[tuple[str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for output in outputs:
        for r in _relation_rows(output):
            key = (side_key(r["head_concept_id"], r["head_text"]), side_key(r["tail_concept_id"], r["tail_text"]))
            if r["negated"] or not all(key):
                continue
            if r["type"] == DRUG_TREATS_DISEASE:
                docs[key][0].add(r["doc_id"])
            elif r["type"] == DRUG_ADVERSE_EVENT:
                docs[key][1].add(r["doc_id"])
    return {key: (len(t), len(a)) for key, (t, a) in docs.items()}


def build_table(outputs: list[Path], min_documents: int = 3, ratio: float = 3.0, source: str = "") -> IndicationTable:
    counts = {k: v for k, v in count_documents(outputs).items() if v[0] >= min_documents}
    return IndicationTable(counts, min_documents, ratio, source)
