"""Entity-linking evaluation: the BC5CDR document-level concept measure.

Per document and label, the set of gold MeSH ids (``-1`` ignored; each part of a
composite id counts) is compared with the set of predicted concept ids
(``MESH:`` prefix stripped; every id in ``concept_ids``, so both conjuncts of
"renal or hepatic toxicity" count, like the parts of a composite gold id).  As in a BC5CDR submission, only MeSH predictions
take part: a mention linked to ``HP:``/``DOID:``/``OMIM:``/``DRUGBANK:`` has no MeSH id,
like a gold ``-1``.  The stricter figure in which those predictions count as false
positives is reported too (``all_ids``), with the number of non-MeSH predictions.
Micro P/R/F1 per label (CHEMICAL, DISEASE) and over both.

* default (end to end): raw rows (format ``pubtator``, ``title``, ``text`` = abstract)
  through ``extract.runner.run_texts(rows, stages=("clean", "ner"))``;
* ``gold_entities=True``: the gold mentions (with their labels) become ``doc.ents``
  and only abbreviation propagation + the linker of the same pipeline run, isolating the linker.

Ids change over time (BC5CDR is from 2015): a predicted id counts for an old gold id only through
the linker's equivalence table (``equivalences.json``, :mod:`extract.linking.equivalence`, built
from the vocabularies and training splits only): both sides are mapped to their current ids before
they are compared.  The result says how many gold ids the table touches (``equivalences``) and
gives the scores without it (``without_equivalences``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from extract.corpora.pubtator import PubtatorDocument, raw_document_rows
from extract.evaluation.ner import GOLD_LABEL_MAP, LABELS, load_corpus, ner_stage_switches
from extract.linking.equivalence import EquivalenceTable, load_equivalences
from extract.metrics import precision_recall_f1
from extract.settings import Settings

__all__ = ["LABELS", "evaluate_link", "score_concepts", "link_gold_mentions"]

ConceptSets = dict[tuple[str, str], set[str]]  # (pmid, label) -> ids

#: The NER stage's components that run on gold mentions (``gold_entities=True``).
GOLD_MENTION_PIPES = ("extract_abbreviations", "extract_linker")


def _strip(concept_id: str) -> str:
    return concept_id[5:] if concept_id.startswith("MESH:") else concept_id


def _mention_concepts(concept_id: str | None, concept_ids: list[str] | None) -> list[str]:
    """Every concept a predicted mention names: all conjuncts of a coordination (``concept_ids``),
    as every part of a composite gold id counts."""
    return list(concept_ids or ([concept_id] if concept_id else []))


def current_ids(sets: ConceptSets, table: EquivalenceTable) -> ConceptSets:
    """``sets`` with every bare MeSH id replaced by its current id in ``table`` (other ids unchanged)."""
    return {
        key: {_strip(table.current_id(f"MESH:{i}")) if ":" not in i else i for i in ids} for key, ids in sets.items()
    }


def equivalence_report(gold: ConceptSets, table: EquivalenceTable) -> dict:
    """How much of the gold the equivalence table touches: distinct gold ids that are old ids of the
    table, per label, and the (document, id) gold pairs they make."""
    per_label = {
        label: sorted({i for (_, lab), ids in gold.items() if lab == label for i in ids if f"MESH:{i}" in table})
        for label in LABELS
    }
    return {
        "table_entries": len(table),
        "table_sources": table.sources(),
        "gold_ids_touched": sum(len(v) for v in per_label.values()),
        "gold_document_ids_touched": sum(1 for ids in gold.values() for i in ids if f"MESH:{i}" in table),
        "gold_ids_touched_by_label": per_label,
    }


def gold_concepts(docs: list[PubtatorDocument]) -> ConceptSets:
    gold: ConceptSets = defaultdict(set)
    for doc in docs:
        for mention in doc.mentions:
            label = GOLD_LABEL_MAP.get(mention.type)
            if label:
                gold[(doc.pmid, label)].update(_strip(i) for i in mention.ids if i and i != "-1")
    return gold


def score_concepts(gold: ConceptSets, predicted: ConceptSets, pmids: list[str]) -> dict:
    """Micro P/R/F1 per label and overall over per-document concept sets."""
    per_label = {}
    totals = [0, 0, 0]
    for label in LABELS:
        tp = fp = fn = 0
        for pmid in pmids:
            g = gold.get((pmid, label), set())
            p = predicted.get((pmid, label), set())
            tp += len(g & p)
            fp += len(p - g)
            fn += len(g - p)
        precision, recall, f1 = precision_recall_f1(tp, fp, fn)
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    precision, recall, f1 = precision_recall_f1(*totals)
    return {
        "per_label": per_label,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": totals[0],
        "fp": totals[1],
        "fn": totals[2],
    }


def _recall_ceiling(gold: ConceptSets, linker_dir: Path) -> dict[str, float]:
    """Per label, the share of gold (document, id) pairs whose MeSH id (current ids: ``gold`` passed
    through the equivalence table) is a concept of the KB."""
    from extract.linking.index import load_linker_resources

    concepts = load_linker_resources(linker_dir).data.concepts
    out = {}
    for label in LABELS:
        pairs = [i for (_, lab), ids in gold.items() if lab == label for i in ids]
        known = sum(1 for i in pairs if (c := concepts.get(f"MESH:{i}")) is not None and c.label == label)
        out[label] = round(known / len(pairs), 4) if pairs else 0.0
    return out


def link_gold_mentions(docs: list[PubtatorDocument], settings: Settings | None = None, **linker_config) -> ConceptSets:
    """Predicted concept sets when the gold mentions are the entities.

    The NER stage's pipeline (:func:`extract.ner.pipeline.build_ner_nlp`) with only its
    abbreviation and linker components; ``linker_config`` overrides the linker's settings
    (``threshold=0.7``...).
    """
    from spacy.util import filter_spans

    from extract.ner.pipeline import build_ner_nlp

    overrides = {f"components.extract_linker.{key}": value for key, value in linker_config.items()}
    nlp = build_ner_nlp(settings, only=GOLD_MENTION_PIPES, overrides=overrides)
    if "extract_linker" not in nlp.pipe_names:
        raise FileNotFoundError("no linker index: run `biomed-extract build-linker` first")
    predicted: ConceptSets = defaultdict(set)
    for doc_gold in docs:
        doc = nlp.make_doc(doc_gold.text)
        spans = []
        for mention in doc_gold.mentions:
            label = GOLD_LABEL_MAP.get(mention.type)
            span = doc.char_span(mention.start, mention.end, label=label, alignment_mode="expand") if label else None
            if span is not None:
                spans.append(span)
        doc.ents = filter_spans(spans)
        for _, pipe in nlp.pipeline:
            doc = pipe(doc)
        for ent in doc.ents:
            for concept_id in _mention_concepts(ent._.concept_id, ent._.concept_ids):
                predicted[(doc_gold.pmid, ent.label_)].add(_strip(concept_id))
    return predicted


def evaluate_link(
    corpus: Path,
    fmt: str = "pubtator",
    gold_entities: bool = False,
    limit: int | None = None,
    *,
    linker: str | Path | None = None,
) -> dict:
    """BC5CDR document-level concept P/R/F1 per label (see module docstring).

    ``linker`` selects the linker folder (name under ``models_dir`` or a path;
    default: the settings' choice, i.e. the newest ``models/linker-*``).

    Returns ``{"task": "link", "per_label": {"CHEMICAL": {...}, "DISEASE": {...}},
    "precision", "recall", "f1", "n_docs", "gold_entities", ...}``.
    """
    from extract.settings import get_settings, resolve_model_dir

    docs = load_corpus(Path(corpus), fmt, limit, task="linking")
    pmids = [d.pmid for d in docs]
    settings = get_settings()
    if linker is not None:
        settings = settings.model_copy(update={"linker_index": str(linker)})
    linker_dir = resolve_model_dir(settings.linker_index, "linker")
    started = time.time()
    ner = None
    if gold_entities:
        predicted = link_gold_mentions(docs, settings)
    else:
        from extract.runner import run_texts

        tables = run_texts(raw_document_rows(docs), stages=("clean", "ner"), settings=settings)
        predicted = defaultdict(set)
        entities = tables["entities"].select(["doc_id", "label", "concept_id", "concept_ids", "model_version"])
        for row in entities.to_pylist():
            ner = ner or row["model_version"]
            if row["label"] in LABELS:
                for concept_id in _mention_concepts(row["concept_id"], row["concept_ids"]):
                    predicted[(row["doc_id"].removeprefix("PMID:"), row["label"])].add(_strip(concept_id))
    seconds = time.time() - started
    raw_gold = gold_concepts(docs)
    table = load_equivalences(linker_dir) if linker_dir is not None else EquivalenceTable()
    gold = current_ids(raw_gold, table)
    raw_mesh_only = {key: {i for i in ids if ":" not in i} for key, ids in predicted.items()}
    without = score_concepts(raw_gold, raw_mesh_only, pmids)
    predicted = current_ids(predicted, table)
    mesh_only = {key: {i for i in ids if ":" not in i} for key, ids in predicted.items()}
    scores = score_concepts(gold, mesh_only, pmids)
    strict = score_concepts(gold, predicted, pmids)
    ceiling = _recall_ceiling(gold, linker_dir) if linker_dir is not None else None
    return {
        "task": "link",
        **scores,
        "equivalences": equivalence_report(raw_gold, table),
        "without_equivalences": {
            "per_label": {k: round(v["f1"], 4) for k, v in without["per_label"].items()},
            "f1": without["f1"],
        },
        "all_ids": {
            "per_label": {k: round(v["f1"], 4) for k, v in strict["per_label"].items()},
            "f1": strict["f1"],
            "non_mesh_predictions": sum(len(p) - len(mesh_only[k]) for k, p in predicted.items()),
        },
        "recall_ceiling": ceiling,
        "n_docs": len(docs),
        "gold_entities": gold_entities,
        "linker": linker_dir.name if linker_dir else None,
        "ner": ner,
        "ner_stage": None if gold_entities else ner_stage_switches(settings),
        "corpus": str(corpus),
        "seconds": round(seconds, 2),
    }
