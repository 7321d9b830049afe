"""Training views whose mentions are the pipeline's own NER output, labelled from the gold corpora.

The relation model scores pairs of *predicted* entities, which differ from gold ones: extra
mentions (indications, populations, symptoms a corpus does not annotate), missed ones, other
boundaries.  Trained on gold mentions only, it never saw those distractors: on ADE fold 0 end to
end, 496 of its 913 false positives came from ADE-NEG sentences and about a fifth from diseases the
ADE corpus does not pair with the drug.  These views add the same sentences and abstracts as the NER stage
sees them (clean + ner through :func:`extract.runner.run_texts`), with labels carried over from
the gold annotation by span overlap:

* ADE: a predicted (chemical, disease) pair is positive when the chemical overlaps a gold drug
  and the disease overlaps that drug's gold effect; every other predicted pair is negative;
* BC5CDR: a predicted mention gets the MeSH ids of the gold mentions of its label it overlaps;
  pairs are labelled from the CID concept pairs as for gold mentions.

A document whose cleaned text differs from the corpus text is left out (offsets would not agree).
The same ADE alignment gives the examples of the adverse-event phrase
(:mod:`extract.relations.event_phrase`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from extract.corpora.ade import AdeSentence
from extract.corpora.pubtator import PubtatorDocument, raw_document_rows
from extract.relations.event_phrase import EventPhrase, Span
from extract.relations.types import ADVERSE_EFFECT, DocumentView, EntityView
from extract.settings import Settings
from extract.training.relations.documents import LabelledView, pubtator_view


@dataclass
class PredictedAde:
    """One ADE sentence and the pipeline's view of it (None: rejected or text changed by cleaning)."""

    sentence: AdeSentence
    view: DocumentView | None


def run_ner(rows: list[dict], settings: Settings | None = None) -> dict[str, DocumentView]:
    """Clean + NER (with linking) over raw rows, as views keyed by doc_id (``settings``: default the process's)."""
    from extract.relations.stage import build_views
    from extract.runner import run_texts

    if not rows:
        return {}
    tables = run_texts(rows, stages=("clean", "ner"), settings=settings)
    views = {v.doc_id: v for _, v in build_views(tables["documents"], tables["sentences"], tables["entities"])}
    # The CHEMICAL / DISEASE mentions only: the shipped adverse-effect tagger learnt from the whole ADE corpus, so its
    # spans would leak held-out folds into training and evaluation (``evaluate_ade`` adds each fold's own).
    return {
        k: v
        if all(e.label != ADVERSE_EFFECT for e in v.entities)
        else replace(v, entities=[e for e in v.entities if e.label != ADVERSE_EFFECT])
        for k, v in views.items()
    }


def predict_ade(sentences: Sequence[AdeSentence], settings: Settings | None = None) -> list[PredictedAde]:
    """The NER stage's mentions of each ADE sentence (``settings``: e.g. another NER model; default the process's)."""
    rows = [{"doc_id": f"ADE{i}", "format": "text", "title": None, "text": s.text} for i, s in enumerate(sentences)]
    views = run_ner(rows, settings)
    out = []
    for i, s in enumerate(sentences):
        v = views.get(f"ADE{i}")
        ok = v is not None and v.text == s.text
        out.append(PredictedAde(s, replace(v, doc_id=f"ADE:{s.pmid}:p{i}") if ok else None))
    return out


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def _with(view: DocumentView, label: str) -> list[EntityView]:
    return [e for e in view.entities if e.label == label]


def ade_views(predicted: Sequence[PredictedAde]) -> list[LabelledView]:
    out = []
    for p in predicted:
        if p.view is None:
            continue
        chems, diseases = _with(p.view, "CHEMICAL"), _with(p.view, "DISEASE")
        positive = {
            (c.entity_id, d.entity_id)
            for drug, effect in p.sentence.pairs
            for c in chems
            if _overlaps(c, drug)
            for d in diseases
            if _overlaps(d, effect) and not _overlaps(c, d)
        }
        out.append(LabelledView(view=p.view, positive_mentions=positive, group=p.sentence.pmid))
    return out


def bc5cdr_views(docs: Sequence[PubtatorDocument]) -> list[LabelledView]:
    """Predicted-mention views of BC5CDR abstracts (the pipeline text is title, blank line, abstract)."""
    views = run_ner(raw_document_rows(docs))
    out = []
    for d in docs:
        v = views.get(f"PMID:{d.pmid}")
        if v is None or v.text != d.title + "\n\n" + d.abstract:
            continue
        gold = pubtator_view(d)
        t_end = len(d.title)
        # Gold offsets count "title abstract"; the pipeline puts one more character after the title.
        spans = [(Span(e.start + (e.start > t_end), e.end + (e.start > t_end)), e) for e in gold.view.entities]
        ids: dict[str, tuple[str, ...]] = {}
        for x in v.entities:
            got = {
                i
                for span, g in spans
                if g.label == x.label and _overlaps(span, x)
                for i in gold.ids_by_entity.get(g.entity_id, ())
            }
            ids[x.entity_id] = tuple(sorted(got))
        out.append(LabelledView(view=v, ids_by_entity=ids, positive_concepts=gold.positive_concepts, group=d.pmid))
    return out


def fit_event_phrase(predicted: Sequence[PredictedAde], **params) -> EventPhrase:
    """Neighbour-word counts of predicted disease mentions that overlap a gold adverse effect."""
    phrase = EventPhrase(**params)
    for p in predicted:
        if p.view is None:
            continue
        text, bounds = p.view.text, (0, len(p.view.text))
        chems, diseases = _with(p.view, "CHEMICAL"), _with(p.view, "DISEASE")
        for drug, effect in p.sentence.pairs:
            head = next((c for c in chems if _overlaps(c, drug)), None)
            for d in diseases:
                if _overlaps(d, effect):
                    phrase.observe(text, bounds, d, effect, head)
    return phrase
