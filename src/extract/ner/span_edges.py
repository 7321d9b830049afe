"""Mentions that begin or end with a dangling punctuation token: "CP/" of "(CP/CPPS)", "vitamin," of "vitamin, protein
deficiencies", "nausea and vomiting of pregnancy (" before its short form, "PEG:" of a list, "Simvastatin/" of a
combination.

The tokenizer makes "/", ",", ";", ":" and brackets tokens of their own, and the NER model now and then takes one
into a mention at its edge.  No gold Chemical or Disease mention of BC5CDR train or dev, NCBI-disease train or
BioRED train begins or ends with one, the linker looks the dangling token up as part of the name ("CP/" became
Captopril, a relation row's head reads "CP/"), and the abbreviation step cannot find a short form inside such a
mention.  The component ``extract_span_edges`` runs right after the model and takes these tokens off a mention's
edges; a mention with nothing left is dropped.  A trailing hyphen stays: "LDL- and HDL-cholesterol" is a coordination
the model tags that way on purpose, and BC5CDR annotates the charge of "O2-"; a leading hyphen goes ("]-urea" of
"[14C]-urea": "urea"), and a trailing dash after a space ("impulsivity symptoms –").
"""

from __future__ import annotations

import logging

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.nlp.entity_edits import edit_entities

__all__ = ["LEADING", "TRAILING", "SpanEdges", "trimmed"]

log = logging.getLogger(__name__)

#: Tokens no mention begins with ("-" too: "[14C]-urea" left "]-urea", then "-urea").
LEADING = frozenset({"/", ",", ";", ":", ")", "]", "}", "-", "–", "--"})
#: Dashes: a mention ends with one only when it ends a word ("LDL-", "O2-").
DASHES = frozenset({"-", "–", "—", "--"})
#: Tokens no mention ends with.
TRAILING = frozenset({"/", ",", ";", ":", "(", "[", "{"})


def trimmed(ent: Span) -> tuple[int, int]:
    """``(start, end)`` of ``ent`` without its dangling edge tokens (``start == end``: nothing is left)."""
    doc = ent.doc
    start, end = ent.start, ent.end
    while start < end and doc[start].text in LEADING:
        start += 1
    while end > start and (doc[end - 1].text in TRAILING or _spaced_dash(doc, end - 1, start)):
        end -= 1
    return start, end


def _spaced_dash(doc: Doc, i: int, start: int) -> bool:
    """Token ``i`` is a dash written after a space ("impulsivity symptoms –"), not a hyphen ending a word ("LDL-")."""
    return doc[i].text in DASHES and i > start and bool(doc[i - 1].whitespace_)


class SpanEdges:
    """Take dangling punctuation tokens off the edges of every mention (module docstring)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        return edit_entities(doc, self._edit)

    @staticmethod
    def _edit(ent: Span) -> Span | None:
        start, end = trimmed(ent)
        if (start, end) == (ent.start, ent.end):
            return ent
        if start == end:
            log.debug("mention %r dropped: punctuation only", ent.text)
            return None
        return Span(ent.doc, start, end, label=ent.label, kb_id=ent.kb_id)


@Language.factory("extract_span_edges")
def make_span_edges(nlp: Language, name: str) -> SpanEdges:
    return SpanEdges(nlp, name)
