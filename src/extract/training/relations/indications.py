"""Build the known-indication table (:mod:`extract.relations.indications`) from pipeline outputs.

Input: output folders of ``biomed-extract run`` on training text (the draws of trial and review abstracts in
``data/gold/relation_annotations/source_ids*.txt``, disjoint from the relation audit).  For every
(drug concept, disease concept) pair the table counts the documents with a non-negated same-sentence
``drug_treats_disease`` row and those with a non-negated same-sentence ``drug_adverse_event`` row (the
``relations`` table: rows whose evidence sentence holds both mentions).  Pairs with fewer treatment
documents than the table's ``min_documents`` cannot be indications and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from extract.relations.indications import IndicationTable
from extract.relations.types import DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE
from extract.store import iter_partition, list_batches

_COLUMNS = ["doc_id", "type", "head_concept_id", "tail_concept_id", "negated"]


def _relation_rows(output: Path):
    for batch_id in list_batches(output, "relations"):
        for piece in iter_partition(output, "relations", batch_id, columns=_COLUMNS):
            yield from piece.to_pylist()


def count_documents(outputs: list[Path]) -> dict[tuple[str, str], tuple[int, int]]:
    """(drug concept, disease concept) -> (documents stating it as a treatment, as an adverse event)."""
    docs: dict[tuple[str, str], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for output in outputs:
        for r in _relation_rows(output):
            if r["negated"] or not r["head_concept_id"] or not r["tail_concept_id"]:
                continue
            if r["type"] == DRUG_TREATS_DISEASE:
                docs[(r["head_concept_id"], r["tail_concept_id"])][0].add(r["doc_id"])
            elif r["type"] == DRUG_ADVERSE_EVENT:
                docs[(r["head_concept_id"], r["tail_concept_id"])][1].add(r["doc_id"])
    return {key: (len(t), len(a)) for key, (t, a) in docs.items()}


def build_table(outputs: list[Path], min_documents: int = 3, ratio: float = 3.0, source: str = "") -> IndicationTable:
    counts = {k: v for k, v in count_documents(outputs).items() if v[0] >= min_documents}
    return IndicationTable(counts, min_documents, ratio, source)
