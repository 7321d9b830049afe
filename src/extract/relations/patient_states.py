"""Diseases that name the patient's state, not a condition a drug treats or causes: "critically ill", "chronic disease".

"meropenem in the critically ill", "filgrastim in critically ill patients", "citrate anticoagulation in critically ill
patients with acute kidney injury": the NER stage tags "critically ill" as a disease (BC5CDR annotates it, MeSH has
Critical Illness) and the joint model reads the drug as treating it.  Every such row the judged draws hold is wrong
(`data/gold/relation_annotations/`: 5 treatment rows of Critical Illness, 1 of Chronic Disease, all `neither`, the
population's state).  MeSH files these concepts under Disease Attributes (C23.550.291) and nowhere else; of that
branch, the concepts below describe the patient or diseases in general.  The ones that name a course of a disease
the sentence names — Recurrence, Reinfection, Symptom Flare Up, Disease Progression, Clinical Deterioration — stay
(the relation audit judged "ranitidine -> duodenal ulcer relapses", linked to Recurrence, right), and so does
Iatrogenic Disease (what a drug causes).

:func:`names_a_patient_state` is read by the relation stage, which writes no drug -> disease row with such a tail
(:class:`extract.relations.extractor.CoordinationAware`); the mentions themselves stay in the ``entities`` table.
"""

from __future__ import annotations

from extract.relations.types import EntityView

#: MeSH descriptors of Disease Attributes (C23.550.291, their only tree) that name the patient's state or diseases in
#: general, by id (name in the comment).
PATIENT_STATES = frozenset(
    {
        "MESH:D016638",  # Critical Illness
        "MESH:D002908",  # Chronic Disease
        "MESH:D000208",  # Acute Disease
        "MESH:D002388",  # Catastrophic Illness
        "MESH:D000071069",  # Multiple Chronic Conditions
        "MESH:D000073296",  # Noncommunicable Diseases
        "MESH:D035583",  # Rare Diseases
        "MESH:D058069",  # Neglected Diseases
        "MESH:D000080842",  # Undiagnosed Diseases
        "MESH:D058070",  # Asymptomatic Diseases
        "MESH:D000067562",  # Late Onset Disorders
        "MESH:D004200",  # Diseases in Twins
        "MESH:D003289",  # Convalescence
        "MESH:D020969",  # Disease Attributes
    }
)


def names_a_patient_state(entity: EntityView) -> bool:
    """The disease mention ``entity`` is linked to a concept of :data:`PATIENT_STATES` (and to no other concept)."""
    ids = entity.linked_ids
    return bool(ids) and ids <= PATIENT_STATES
