"""``edit_entities``: the one loop the NER stage's span repairs share (keep, replace or drop each mention)."""

from spacy.tokens import Span

from extract.nlp.entity_edits import edit_entities
from extract.nlp.tokenizer import make_blank_nlp


def _doc():
    doc = make_blank_nlp().make_doc("Aspirin and warfarin caused bleeding in rats.")
    doc.ents = [Span(doc, 0, 1, label="CHEMICAL"), Span(doc, 2, 3, label="CHEMICAL"), Span(doc, 4, 5, label="DISEASE")]
    return doc


def test_each_mention_is_kept_replaced_or_dropped_in_order():
    def edit(ent):
        if ent.text == "warfarin":
            return None
        if ent.text == "bleeding":
            return Span(ent.doc, ent.start, ent.end + 2, label=ent.label)
        return ent

    doc = edit_entities(_doc(), edit)
    assert [(e.text, e.label_) for e in doc.ents] == [("Aspirin", "CHEMICAL"), ("bleeding in rats", "DISEASE")]


def test_a_document_nothing_changes_keeps_its_mentions():
    doc = edit_entities(_doc(), lambda ent: ent)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Aspirin", "CHEMICAL"),
        ("warfarin", "CHEMICAL"),
        ("bleeding", "DISEASE"),
    ]
