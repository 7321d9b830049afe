"""Per-document memo for the pure helpers the rules, features and classifiers share.

The drug–disease rules, the pair features and the manifestation classifier ask for the same
pair contexts, rule signals and sentence mention lists many times per document.  These helpers
depend only on the document view and their (frozen) entity arguments, so their results are kept
for the document being processed: one document at a time per thread (the memo is replaced when
another document comes), so memory stays bounded however many views a caller holds.

A memo is dropped when the view's text, sentence list or entity list is replaced or changes length.
"""

from __future__ import annotations

import functools
import threading

_LOCAL = threading.local()


def doc_memo(doc) -> dict:
    """The memo dict of ``doc`` (a fresh one when ``doc`` is not the current document)."""
    cur = getattr(_LOCAL, "current", None)
    if cur is not None and cur[0] is doc:
        _d, text, ents, n_ents, sents, n_sents, memo = cur
        if (
            text is doc.text
            and ents is doc.entities
            and n_ents == len(ents)
            and sents is doc.sentences
            and n_sents == len(sents)
        ):
            return memo
    memo = {}
    _LOCAL.current = (doc, doc.text, doc.entities, len(doc.entities), doc.sentences, len(doc.sentences), memo)
    return memo


def per_document(fn):
    """Memoise ``fn(doc, *args)`` per document, keyed by the identity of ``args`` (entities, sentences).

    The memo holds the arguments, so an id cannot be reused while its entry exists."""

    @functools.wraps(fn)
    def wrapper(doc, *args):
        cur = getattr(_LOCAL, "current", None)
        if (
            cur is not None
            and cur[0] is doc
            and cur[1] is doc.text
            and cur[2] is doc.entities
            and cur[3] == len(cur[2])
            and cur[4] is doc.sentences
            and cur[5] == len(cur[4])
        ):
            memo = cur[6]
        else:
            memo = doc_memo(doc)
        table = memo.get(fn)
        if table is None:
            table = memo[fn] = {}
        n = len(args)
        key = id(args[0]) if n == 1 else (id(args[0]), id(args[1])) if n == 2 else tuple(map(id, args))
        hit = table.get(key)
        if hit is not None:
            return hit[1]
        value = fn(doc, *args)
        table[key] = (args, value)
        return value

    wrapper.uncached = fn
    return wrapper


def sentence_entities(doc, index: int) -> tuple:
    """``doc.entities_in(index)`` as a tuple, computed once per document for all sentences."""
    memo = doc_memo(doc)
    by_sent = memo.get("sentence_entities")
    if by_sent is None:
        by_sent = {}
        for e in doc.entities:
            by_sent.setdefault(e.sentence_index, []).append(e)
        by_sent = {k: tuple(v) for k, v in by_sent.items()}
        memo["sentence_entities"] = by_sent
    return by_sent.get(index, ())


def release() -> None:
    """Drop this thread's memo (and its reference to the last document)."""
    _LOCAL.current = None
