"""Plain data passed to relation extractors: one document's text, sentences and entities."""

from __future__ import annotations

from dataclasses import dataclass, field

DRUG_ADVERSE_EVENT = "drug_adverse_event"
DRUG_TREATS_DISEASE = "drug_treats_disease"
DISEASE_MANIFESTATION = "disease_manifestation"
RELATION_TYPES = (DRUG_ADVERSE_EVENT, DRUG_TREATS_DISEASE, DISEASE_MANIFESTATION)
#: Label of the adverse-effect spans the NER stage's tagger writes beside CHEMICAL / DISEASE mentions
#: (``extract.ner.adverse_effects``); read only through ``extract.relations.effect_spans``.
ADVERSE_EFFECT = "ADVERSE_EFFECT"


@dataclass(frozen=True)
class SentenceView:
    index: int
    start: int
    end: int
    section: str | None = None


@dataclass(frozen=True)
class EntityView:
    entity_id: str
    start: int
    end: int
    text: str
    label: str  # CHEMICAL or DISEASE (ADVERSE_EFFECT: an adverse-effect span, see extract.relations.effect_spans)
    sentence_index: int
    concept_id: str | None = None
    abbreviation_of: str | None = None
    negated: bool = False
    uncertain: bool = False
    # MeSH pharmacological actions of the linked chemical (``entities.drug_classes``); () when unknown.
    drug_classes: tuple[str, ...] = ()
    # Every concept the mention names (``entities.concept_ids``: "hemorrhagic cystitis" -> Hemorrhage, Cystitis;
    # "renal or hepatic toxicity"); () when it names one or none (``concept_id`` then says which).
    concept_ids: tuple[str, ...] = ()

    @property
    def linked_ids(self) -> frozenset[str]:
        """Every concept the mention is linked to (``concept_ids`` and ``concept_id``); empty when unlinked."""
        return frozenset(self.concept_ids) | ({self.concept_id} if self.concept_id else frozenset())


@dataclass
class DocumentView:
    doc_id: str
    text: str
    sentences: list[SentenceView]
    entities: list[EntityView]
    title: str | None = None
    sections: list[tuple[str, int, int]] = field(default_factory=list)

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.text[s.start : s.end]

    def entities_in(self, index: int) -> list[EntityView]:
        return [e for e in self.entities if e.sentence_index == index]


@dataclass(frozen=True)
class RelationCandidate:
    """One extracted relation; the stage adds ids, texts and evidence columns."""

    type: str
    head: EntityView
    tail: EntityView
    sentence_index: int  # evidence sentence
    score: float
    negated: bool = False
    method: str = "rules"
    # drug_adverse_event: the adverse event as stated around the tail (document offsets); None: not computed.
    phrase_start: int | None = None
    phrase_end: int | None = None
    # drug_adverse_event stated in its sentence whose disease has a more specific form (a MeSH descendant) reported
    # for the same drug in the document: the row stays a ``relations`` row, the document-level pair
    # (``document_relations``) is left to the specific disease, as BC5CDR keys a document's CID pairs.
    subsumed: bool = False
