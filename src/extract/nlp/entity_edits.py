"""One pass over a document's mentions that keeps, replaces or drops each: the loop the NER stage's span repairs share.

The post-processing components that widen, trim or drop mentions one at a time (``extract_span_edges``,
``extract_mention_noise``, ``extract_genus_initials``, ``extract_product_codes``, ``extract_drug_classes``) each decide
per mention; :func:`edit_entities` applies the decisions and writes ``doc.ents`` only when one of them changed
something.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span

__all__ = ["edit_entities"]


def edit_entities(doc: Doc, edit: Callable[[Span], Span | None], ents: list[Span] | None = None) -> Doc:
    """``doc`` with each mention replaced by ``edit(mention)``: the mention itself to keep it, a new span, or None to
    drop it, in the mentions' order.  ``ents``: the document's mentions when the caller has read them already (to
    look at them all before deciding)."""
    ents = list(doc.ents) if ents is None else ents
    out: list[Span] = []
    changed = False
    for ent in ents:
        new = edit(ent)
        if new is not ent:
            changed = True
        if new is not None:
            out.append(new)
    if changed:
        doc.ents = out
    return doc
