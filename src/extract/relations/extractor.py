"""Entry point of the relation stage: :func:`load_extractor`.

Loads the newest ``models/relations-*`` folder (or ``settings.relation_model``) as a
:class:`extract.relations.model.ModelExtractor`; without a model folder it returns the
rule set of :mod:`extract.relations.rules`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from extract.relations.rules import RuleExtractor
from extract.relations.types import DocumentView, RelationCandidate
from extract.settings import Settings, get_settings, resolve_model_dir

log = logging.getLogger(__name__)


class RelationExtractor(Protocol):
    """What the relation stage needs from an extractor."""

    version: str

    def extract(self, doc: DocumentView) -> list[RelationCandidate]: ...


def load_extractor(settings: Settings | None = None) -> RelationExtractor:
    """The trained relation model when a ``relations-*`` folder exists, else the rules."""
    settings = settings or get_settings()
    model_dir = resolve_model_dir(settings.relation_model, "relations")
    if model_dir is None:
        if settings.relation_model:
            log.warning("relation model %r not found; using rules", settings.relation_model)
        return RuleExtractor()
    from extract.relations.model import ModelExtractor

    extractor = ModelExtractor.load(model_dir)
    if not settings.manifestation_filter:
        extractor.manifestation_filter = None
    if not settings.sentence_classifier:
        extractor.sentence = None
    extractor.warm_up()
    return CoordinationAware(extractor)


def _try(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:
        return exc


class CoordinationAware:
    """Wrap an extractor so relations are distributed over coordinated head mentions."""

    def __init__(self, inner):
        self.inner = inner
        self.version = inner.version

    def extract(self, doc):
        from extract.relations.coordination import distribute_over_coordination

        return distribute_over_coordination(doc, self.inner.extract(doc))

    def extract_many(self, docs):
        """``extract`` per document (an exception in place of a failed document's candidates)."""
        from extract.relations.coordination import distribute_over_coordination

        inner_many = getattr(self.inner, "extract_many", None)
        results = inner_many(docs) if inner_many is not None else [_try(self.inner.extract, d) for d in docs]
        return [
            r if isinstance(r, Exception) else _try(distribute_over_coordination, d, r) for d, r in zip(docs, results)
        ]

    def __getattr__(self, name):
        return getattr(self.inner, name)
