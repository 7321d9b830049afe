"""A placebo is no drug: no drug -> disease row has one as its head.

"randomized to bupropion SR (BUP) or placebo (PLA)", "nausea after PLA", "flatulence was reported by two participants
during the PLA trial": the NER stage does not tag "placebo" itself (BC5CDR annotates no placebo), but a short form a
document defines for it ("PLA", "PL") is tagged as a chemical and links to MeSH Placebos (D010919, filed under
Pharmaceutical Preparations).  The rows it then heads ("PLA -> schizophrenia" as a treatment, "PLA -> nausea" as an
adverse event) tell an analyst that a placebo treats or causes a disease; the judging guideline of
``data/gold/relation_annotations/`` reads a placebo arm's event as no drug's.

:func:`names_a_placebo` is read by the relation stage (:class:`extract.relations.extractor.CoordinationAware`); the
mention stays in the ``entities`` table, linked to Placebos, so "PLA" still reads as what the document defines it.
"""

from __future__ import annotations

from extract.relations.types import EntityView

#: MeSH Placebos.
PLACEBOS = "MESH:D010919"


def names_a_placebo(entity: EntityView) -> bool:
    """The chemical mention ``entity`` is linked to Placebos (and to no other concept)."""
    return entity.linked_ids == {PLACEBOS}
