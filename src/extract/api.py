"""Annotate texts from Python (a notebook, a script) with the shipped pipeline, loaded once.

    import extract

    nlp = extract.load()  # NER + linker + context pipeline and the relation extractor
    result = nlp.annotate("Teriparatide-induced hypercalcemia in a woman with osteoporosis.")
    result.entities[0]["concept_id"]  # 'MESH:D019379'
    result.to_pandas("relations")  # the columns of the relations Parquet table

A text goes through the real clean, NER and relation stages (:func:`extract.runner.run_texts`)
with the pipeline built by :func:`extract.ner.pipeline.build_ner_nlp` and the extractor of
:func:`extract.relations.extractor.load_extractor`, both cached per process (the stages of a
``run`` in the same process use the same objects).  Rows are dicts with the columns of the
output tables (``extract.schemas``); offsets refer to :attr:`Annotation.text`, the cleaned text
(the input with whitespace and Unicode normalized, the title and a blank line before it when a
title is given), which equals the input for ordinary text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from extract import schemas
from extract.runner import run_texts
from extract.settings import Settings, get_settings

__all__ = ["Annotation", "AnnotationBatch", "AnnotationError", "Pipeline", "load"]

#: ``batch_id`` of the rows the API makes.
BATCH_ID = "api"
#: The tables an annotation holds, as the stages write them.
TABLES = ("documents", "sentences", "entities", "relations", "document_relations", "rejects")


class AnnotationError(RuntimeError):
    """A stage could not process the text (its ``rejects`` row is the message)."""


def _table_name(table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; an annotation has {', '.join(TABLES)}")
    return table


@dataclass(frozen=True)
class Annotation:
    """One text's rows of every table the pipeline writes (dicts, columns as in ``extract.schemas``).

    ``entities``: mention ``text``, ``label``, ``start``/``end`` offsets, ``concept_id``,
    ``concept_name``, ``drug_classes``, ``negated``, ``uncertain``...; ``relations``: ``type``,
    ``head_text``/``tail_text``, ``evidence``, ``score``, ``negated``... (pairs stated in one
    sentence); ``document_relations``: one row per concept pair, cross-sentence pairs included.
    """

    doc_id: str
    text: str
    rows: dict[str, list[dict]] = field(repr=False)

    @property
    def entities(self) -> list[dict]:
        return self.rows["entities"]

    @property
    def relations(self) -> list[dict]:
        return self.rows["relations"]

    @property
    def document_relations(self) -> list[dict]:
        return self.rows["document_relations"]

    @property
    def sentences(self) -> list[dict]:
        return self.rows["sentences"]

    @property
    def rejects(self) -> list[dict]:
        return self.rows["rejects"]

    def to_dict(self) -> dict[str, Any]:
        """``doc_id``, ``text``, ``entities``, ``relations``, ``document_relations`` (JSON-ready)."""
        return {
            "doc_id": self.doc_id,
            "text": self.text,
            "entities": self.entities,
            "relations": self.relations,
            "document_relations": self.document_relations,
        }

    def to_arrow(self, table: str = "entities") -> pa.Table:
        """The rows of ``table`` with the schema of the Parquet table."""
        name = _table_name(table)
        return schemas.to_table(name, self.rows[name])

    def to_pandas(self, table: str = "entities"):
        """The rows of ``table`` as a pandas DataFrame (needs pandas)."""
        return self.to_arrow(table).to_pandas()

    def __repr__(self) -> str:
        return (
            f"Annotation(doc_id={self.doc_id!r}, {len(self.text)} chars, {len(self.entities)} entities, "
            f"{len(self.relations)} relations, {len(self.document_relations)} document relations)"
        )


@dataclass(frozen=True)
class AnnotationBatch:
    """The annotations of several texts, in input order, and their tables."""

    annotations: list[Annotation]
    tables: dict[str, pa.Table] = field(repr=False)

    def __len__(self) -> int:
        return len(self.annotations)

    def __iter__(self) -> Iterator[Annotation]:
        return iter(self.annotations)

    def __getitem__(self, i: int) -> Annotation:
        return self.annotations[i]

    def to_arrow(self, table: str = "entities") -> pa.Table:
        """Every text's rows of ``table`` (``doc_id`` tells them apart), schema of the Parquet table."""
        return self.tables[_table_name(table)]

    def to_pandas(self, table: str = "entities"):
        return self.to_arrow(table).to_pandas()

    def to_dicts(self) -> list[dict[str, Any]]:
        return [a.to_dict() for a in self.annotations]


def _check_text(text: object, max_chars: int, where: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{where} must be a str, not {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"{where} is empty (nothing but whitespace)")
    if len(text) > max_chars:
        raise ValueError(f"{where} has {len(text):,} characters, more than max_doc_chars={max_chars:,}")
    return text


class Pipeline:
    """The shipped pipeline, loaded once: :attr:`language` (the NER stage's spaCy ``Language``:
    NER model, drug classes, biologics, abbreviations, linker, negation/uncertainty) and
    :attr:`extractor` (the relation model).  Get one with :func:`load`."""

    def __init__(self, language, extractor, settings: Settings):
        self.language = language
        self.extractor = extractor
        self.settings = settings

    @property
    def versions(self) -> dict[str, str]:
        """``entities.model_version`` and ``relations.model_version`` of the rows it makes."""
        from extract.ner.pipeline import model_version

        return {"entities": model_version(self.language), "relations": self.extractor.version}

    def annotate(self, text: str, *, title: str | None = None) -> Annotation:
        """Entities and relations of one text (with ``title``, the text is the body under that title).

        Raises ``TypeError`` / ``ValueError`` for a text that is not a non-empty str, and
        :class:`AnnotationError` when a stage rejects it.
        """
        _check_text(text, self.settings.max_doc_chars, "text")
        if title is not None:
            _check_text(title, self.settings.max_doc_chars, "title")
        annotation = self._run([{"text": text, "title": title, "doc_id": "text-0"}]).annotations[0]
        if annotation.rejects:
            reject = annotation.rejects[0]
            raise AnnotationError(f"the {reject['stage']} stage rejected the text: {reject['detail']}")
        return annotation

    def annotate_many(self, texts: Iterable[str], *, ids: Iterable[str] | None = None) -> AnnotationBatch:
        """Annotations of several texts in one pass of each stage (faster than one ``annotate`` each).

        ``ids``: a ``doc_id`` per text (default ``text-0``, ``text-1``...).  A text a stage could
        not process has no rows but its ``rejects`` row.
        """
        if isinstance(texts, str | bytes):
            raise TypeError("annotate_many() takes a list of texts; for one text use annotate()")
        try:
            texts = list(texts)
        except TypeError:
            raise TypeError(f"annotate_many() takes a list of texts, not {type(texts).__name__}") from None
        for i, text in enumerate(texts):
            _check_text(text, self.settings.max_doc_chars, f"texts[{i}]")
        doc_ids = [f"text-{i}" for i in range(len(texts))] if ids is None else list(ids)
        if len(doc_ids) != len(texts) or not all(isinstance(d, str) and d for d in doc_ids):
            raise ValueError("ids must be one non-empty str per text")
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("ids must be unique")
        return self._run([{"text": t, "doc_id": d} for t, d in zip(texts, doc_ids)])

    def _run(self, raw_rows: list[dict]) -> AnnotationBatch:
        tables = run_texts(
            raw_rows, settings=self.settings, nlp=self.language, extractor=self.extractor, batch_id=BATCH_ID
        )
        by_doc: dict[str, dict[str, list[dict]]] = {r["doc_id"]: {t: [] for t in TABLES} for r in raw_rows}
        for name in TABLES:
            for row in tables[name].to_pylist():
                if row["doc_id"] in by_doc:
                    by_doc[row["doc_id"]][name].append(row)
        annotations = []
        for raw in raw_rows:
            rows = by_doc[raw["doc_id"]]
            text = rows["documents"][0]["text"] if rows["documents"] else raw["text"]
            annotations.append(Annotation(doc_id=raw["doc_id"], text=text, rows=rows))
        return AnnotationBatch(annotations, {name: tables[name] for name in TABLES})

    def __repr__(self) -> str:
        v = self.versions
        return f"Pipeline(entities={v['entities']!r}, relations={v['relations']!r}, pipes={self.language.pipe_names})"


def load(settings: Settings | None = None) -> Pipeline:
    """The shipped NER pipeline and relation extractor for ``settings`` (default: the environment's),
    loaded once per process (:func:`extract.ner.pipeline.get_ner_nlp`,
    :func:`extract.relations.stage.get_extractor`)."""
    from extract.ner.pipeline import get_ner_nlp
    from extract.relations.stage import get_extractor

    settings = settings or get_settings()
    return Pipeline(get_ner_nlp(settings), get_extractor(settings), settings)
