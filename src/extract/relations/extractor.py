"""Entry point of the relation stage: :func:`load_extractor`.

Loads the newest ``models/relations-*`` folder (or ``settings.relation_model``) as a
:class:`extract.relations.model.ModelExtractor`; without a model folder it returns the
rule set of :mod:`extract.relations.rules`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from extract.relations import effect_spans
from extract.relations.analytes import drug_concepts, measured_heads
from extract.relations.body_targets import names_a_body_target, names_a_protein
from extract.relations.clause_scope import within_clauses
from extract.relations.effect_words import names_a_therapeutic_effect, names_an_effect, names_harm_in_general
from extract.relations.patient_states import names_a_patient_state
from extract.relations.placebos import names_a_placebo
from extract.relations.product_names import joined_by_slash, names_a_vaccine
from extract.relations.rules import RuleExtractor
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DRUG_ADVERSE_EVENT,
    DRUG_TREATS_DISEASE,
    DocumentView,
    RelationCandidate,
)
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
    elif extractor.manifestation_filter is not None and settings.manifestation_filter_threshold is not None:
        extractor.manifestation_filter.threshold = settings.manifestation_filter_threshold
    if not settings.sentence_classifier:
        extractor.sentence = None
    extractor.warm_up()
    return CoordinationAware(
        extractor,
        effect_tails=settings.ade_effect_tails,
        drugs=drug_concepts(resolve_model_dir(settings.linker_index, "linker")),
    )


def _try(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:
        return exc


def _distinct_concepts(view: DocumentView, cands: list[RelationCandidate]) -> list[RelationCandidate]:
    """No disease is its own manifestation: a ``disease_manifestation`` row whose two mentions are linked to the same
    concepts ("depression" -> "depressive symptoms", both Depression; "pain" -> "pain") is dropped.  Dropped after the
    rows are distributed over coordinated heads, so "depressive symptoms in depression and bipolar disorder" keeps
    bipolar disorder's row.  The judged draws of ``data/gold/relation_annotations/`` hold 8 such rows, all wrong.
    No row has a disease that is a protein's name ("tumour necrosis" of "tumour necrosis factor":
    :func:`extract.relations.body_targets.names_a_protein`) or a vaccine's ("Hepatitis B" of "Hepatitis B vaccines":
    :func:`extract.relations.product_names.names_a_vaccine`) either."""
    return [
        c
        for c in cands
        if (c.type != DISEASE_MANIFESTATION or not c.head.linked_ids or c.head.linked_ids != c.tail.linked_ids)
        and not names_a_protein(view, c.tail)
        and not names_a_vaccine(view, c.tail)
        and not (c.type == DISEASE_MANIFESTATION and (names_a_protein(view, c.head) or names_a_vaccine(view, c.head)))
    ]


class CoordinationAware:
    """Wrap an extractor so relations are distributed over coordinated head mentions, and the document's
    adverse-effect spans (``ADVERSE_EFFECT`` entities) give adverse-event phrases (``effect_phrases``) and
    adverse-event-only tails (``effect_tails``; :mod:`extract.relations.effect_spans`). A drug -> disease row whose
    drug mention names a substance measured in the patient ("serum creatinine", "oxygen saturation") is dropped
    (:mod:`extract.relations.analytes`; ``drugs``: the concepts with a MeSH pharmacological action), and so is a
    treatment row whose disease names the drug's effect ("ocular hypotensive effect", an adverse-event row only for
    a therapeutic one: :mod:`extract.relations.effect_words`) or harm in general ("toxicities"), and a drug ->
    disease row whose disease names the patient's state ("critically ill": :mod:`extract.relations.patient_states`)
    or whose drug is a placebo (a short form "PLA" linked to Placebos: :mod:`extract.relations.placebos`) or a part
    of the body's machinery ("opioid receptors": :mod:`extract.relations.body_targets`) or only a slash joins the
    two ("DPT/Hepatitis B": :mod:`extract.relations.product_names`); a ``disease_manifestation`` row read across a
    clause boundary is dropped when the tail's clause names its own disease (:mod:`extract.relations.clause_scope`),
    and so is one whose two mentions name the same concept."""

    def __init__(
        self, inner, effect_phrases: bool = True, effect_tails: bool = True, drugs: frozenset[str] = frozenset()
    ):
        self.inner = inner
        self.version = inner.version
        self.effect_phrases = effect_phrases
        self.effect_tails = effect_tails
        self.drugs = drugs

    def _drug_heads(self, view, cands: list[RelationCandidate]) -> list[RelationCandidate]:
        drug_rows = (DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE)
        if not any(c.type in drug_rows for c in cands):
            return cands
        measured = measured_heads(view, self.drugs)
        return [
            c
            for c in cands
            if c.type not in drug_rows
            or not (
                c.head.entity_id in measured
                or names_a_placebo(c.head)
                or names_a_body_target(view, c.head)
                or names_a_patient_state(c.tail)
                or joined_by_slash(view, c.head, c.tail)
                or (
                    c.type == DRUG_TREATS_DISEASE
                    and (names_an_effect(view, c.tail) or names_harm_in_general(view, c.tail))
                )
                or (c.type == DRUG_ADVERSE_EVENT and names_a_therapeutic_effect(view, c.tail))
            )
        ]

    def extract(self, doc):
        from extract.relations.coordination import distribute_over_coordination

        view, effects, added = effect_spans.prepare(doc, self.effect_tails)
        cands = distribute_over_coordination(view, self.inner.extract(view))
        return within_clauses(
            view,
            self._drug_heads(
                view, _distinct_concepts(view, effect_spans.finish(cands, effects, added, self.effect_phrases))
            ),
        )

    def extract_many(self, docs):
        """``extract`` per document (an exception in place of a failed document's candidates)."""
        from extract.relations.coordination import distribute_over_coordination

        prepared = [effect_spans.prepare(d, self.effect_tails) for d in docs]
        views = [p[0] for p in prepared]
        inner_many = getattr(self.inner, "extract_many", None)
        results = inner_many(views) if inner_many is not None else [_try(self.inner.extract, v) for v in views]
        out = []
        for (view, effects, added), r in zip(prepared, results):
            if not isinstance(r, Exception):
                r = _try(distribute_over_coordination, view, r)
            if not isinstance(r, Exception):
                r = _distinct_concepts(view, effect_spans.finish(r, effects, added, self.effect_phrases))
                r = _try(self._drug_heads, view, r)
            if not isinstance(r, Exception):
                r = _try(within_clauses, view, r)
            out.append(r)
        return out

    def __getattr__(self, name):
        return getattr(self.inner, name)
