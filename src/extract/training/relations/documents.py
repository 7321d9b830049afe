"""Turn corpus documents (PubTator abstracts, ADE sentences) into :class:`DocumentView` objects.

Training and gold-entity evaluation see the same view type the relation stage builds from the
pipeline tables, so features are computed by one code path.  Gold concept ids become
``MESH:<id>`` like the linker's output; every id of a composite mention is kept in
``ids_by_entity`` for labelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

from extract.corpora.ade import AdeSentence
from extract.corpora.pubtator import PubtatorDocument
from extract.nlp.sentences import split_sentences
from extract.relations.candidates import sentence_index_of
from extract.relations.instances import Instance, drug_disease_instances
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.schemas import ENTITY_LABELS

LABELS = {label.lower(): label for label in ENTITY_LABELS}


@dataclass
class LabelledView:
    """A document view plus gold relation labels."""

    view: DocumentView
    # entity_id -> all gold concept ids (normalised "MESH:D..."), for document-level labels.
    ids_by_entity: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Document-level positive (chemical id, disease id) pairs (BC5CDR CID).
    positive_concepts: set[tuple[str, str]] = field(default_factory=set)
    # Mention-level positive (chemical entity_id, disease entity_id) pairs (ADE corpus).
    positive_mentions: set[tuple[str, str]] = field(default_factory=set)
    group: str = ""  # PMID, used for folds


def mesh_id(raw: str) -> str:
    raw = raw.strip()
    return raw if ":" in raw else f"MESH:{raw}"


def gold_document_view(
    doc: PubtatorDocument, labels: dict[str, str], skip_ids: frozenset[str] | None = None
) -> tuple[DocumentView, dict[str, tuple[str, ...]]]:
    """A PubTator abstract as a view with its gold mentions of the ``labels`` types (lower-cased type ->
    CHEMICAL/DISEASE) and each mention's MeSH ids; ``skip_ids``: raw ids that mean "no id" (``None`` keeps all)."""
    text = doc.title + " " + doc.abstract
    t_end = len(doc.title)
    sections = [("title", 0, t_end), ("abstract", t_end + 1, len(text))]
    sentences = [SentenceView(i, s, e, name) for i, (s, e, name) in enumerate(split_sentences(text, sections))]
    entities: list[EntityView] = []
    ids_by_entity: dict[str, tuple[str, ...]] = {}
    for i, m in enumerate(sorted(doc.mentions, key=lambda m: (m.start, m.end))):
        label = labels.get(m.type.lower())
        if label is None:
            continue
        eid = f"{doc.pmid}#e{i}"
        raw = m.ids if skip_ids is None else [x for x in m.ids if x and x not in skip_ids]
        ids = tuple(mesh_id(x) for x in raw)
        entities.append(
            EntityView(
                entity_id=eid,
                start=m.start,
                end=m.end,
                text=text[m.start : m.end],
                label=label,
                sentence_index=sentence_index_of(sentences, m.start),
                concept_id=ids[0] if ids else None,
            )
        )
        ids_by_entity[eid] = ids
    view = DocumentView(
        doc_id=f"PMID:{doc.pmid}", text=text, sentences=sentences, entities=entities, title=doc.title, sections=sections
    )
    return view, ids_by_entity


def pubtator_view(doc: PubtatorDocument) -> LabelledView:
    """A BC5CDR abstract with its gold chemical/disease mentions and CID pairs."""
    view, ids_by_entity = gold_document_view(doc, LABELS)
    cid = {(mesh_id(a), mesh_id(b)) for t, a, b in doc.relations if t.split("|")[0] == "CID"}
    return LabelledView(view=view, ids_by_entity=ids_by_entity, positive_concepts=cid, group=doc.pmid)


def ade_view(sent: AdeSentence, index: int, lexicon: MentionLexicon | None = None) -> LabelledView:
    """One ADE sentence as a one-sentence document; gold pairs as mention-level positives.

    With ``lexicon``, sentences without gold pairs (ADE-NEG) get mentions by dictionary
    matching, so they yield negative candidate pairs.
    """
    text = sent.text
    spans: dict[tuple[int, int], str] = {}
    for d, e in sent.pairs:
        spans.setdefault((d.start, d.end), "CHEMICAL")
        spans.setdefault((e.start, e.end), "DISEASE")
    if lexicon is not None and not sent.pairs:
        for s, e, label in lexicon.match(text):
            spans.setdefault((s, e), label)
    sentences = [SentenceView(0, 0, len(text), None)]
    ent_by_span: dict[tuple[int, int, str], str] = {}
    entities = []
    for i, ((s, e), label) in enumerate(sorted(spans.items())):
        eid = f"ADE{index}#e{i}"
        ent_by_span[(s, e, label)] = eid
        entities.append(EntityView(eid, s, e, text[s:e], label, 0, concept_id=None))
    positives = {
        (ent_by_span[(d.start, d.end, "CHEMICAL")], ent_by_span[(e.start, e.end, "DISEASE")])
        for d, e in sent.pairs
        if (d.start, d.end, "CHEMICAL") in ent_by_span and (e.start, e.end, "DISEASE") in ent_by_span
    }
    view = DocumentView(doc_id=f"ADE:{sent.pmid}:{index}", text=text, sentences=sentences, entities=entities)
    return LabelledView(view=view, positive_mentions=positives, group=sent.pmid)


class MentionLexicon:
    """Case-insensitive whole-word dictionary of drug and effect names (longest match first)."""

    def __init__(self, terms: dict[str, str]):
        self.terms = {t.lower(): lab for t, lab in terms.items() if len(t) >= 3}
        alternation = "|".join(re.escape(t) for t in sorted(self.terms, key=len, reverse=True))
        self._rx = re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)", re.I) if alternation else None

    @classmethod
    def from_ade(cls, sentences: list[AdeSentence]) -> MentionLexicon:
        terms: dict[str, str] = {}
        for s in sentences:
            for d, e in s.pairs:
                terms.setdefault(d.text.lower(), "CHEMICAL")
                terms.setdefault(e.text.lower(), "DISEASE")
        return cls(terms)

    def match(self, text: str) -> list[tuple[int, int, str]]:
        if self._rx is None:
            return []
        return [(m.start(), m.end(), self.terms[m.group(0).lower()]) for m in self._rx.finditer(text)]


def label_instances(lv: LabelledView, instances: Iterable[Instance]) -> list[Instance]:
    """Labels from CID concept pairs (any id combination of composite mentions) or gold mention pairs."""
    out = []
    for inst in instances:
        inst.group = lv.group
        if lv.positive_mentions or not lv.positive_concepts and not lv.ids_by_entity:
            inst.label = int((inst.chem.entity_id, inst.dis.entity_id) in lv.positive_mentions)
        else:
            c_ids = lv.ids_by_entity.get(inst.chem.entity_id, ())
            d_ids = lv.ids_by_entity.get(inst.dis.entity_id, ())
            inst.label = int(any(p in lv.positive_concepts for p in product(c_ids, d_ids)))
        out.append(inst)
    return out


def labelled_instances(views: Iterable[LabelledView], neighbours: bool = False) -> list[Instance]:
    out: list[Instance] = []
    for lv in views:
        out.extend(label_instances(lv, drug_disease_instances(lv.view, neighbours=neighbours)))
    return out
