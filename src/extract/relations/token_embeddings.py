"""The sentence classifier's token embeddings, computed once per distinct token.

The embedding layer of spaCy's ``Tok2Vec`` (``MultiHashEmbed``: hash embeddings of the token's NORM, PREFIX,
SUFFIX and SHAPE and its static floret vector, mixed by a maxout layer with layer normalisation) gives each token
a vector that depends on that token alone: not on its neighbours, nor on the other texts of the batch.  The
sentence classifier (:mod:`extract.relations.sentence_model`) reads marked sentences that repeat the same tokens
over and over (one sentence with another pair marked, the markers, drug names, function words): about 3,000
distinct tokens in 20,000 on 500 BC5CDR abstracts, where the layer took about half of the model's time.
:func:`memoise_token_embeddings` makes the layer compute, in one call, only the tokens it has not seen yet and
read the others from a memo.

The vectors are the ones the layer computes (each row is computed on its own; ``tests/test_relations_speed.py``
compares the class probabilities with and without the memo); the model's graph and weights are untouched, so
saving the pipeline writes the same files.
"""

from __future__ import annotations

import numpy as np
from spacy.attrs import NORM, ORTH, intify_attr
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Model

#: The memo starts again when it would hold more tokens than this (96 floats a token: about 8 MB).
MAX_TOKENS = 20_000


def memoise_token_embeddings(nlp: Language, pipe: str = "textcat", max_tokens: int = MAX_TOKENS) -> bool:
    """Read the token embeddings of ``nlp``'s ``pipe`` through a per-token memo; False (and nothing changed) when
    the pipe's model has no ``tok2vec`` -> ``embed`` layer of the expected kind."""
    if pipe not in nlp.pipe_names:
        return False
    model = nlp.get_pipe(pipe).model
    tok2vec = model.get_ref("tok2vec") if model.has_ref("tok2vec") else None
    embed = tok2vec.get_ref("embed") if tok2vec is not None and tok2vec.has_ref("embed") else None
    extractor = next((n for n in embed.walk() if n.name == "extract_features"), None) if embed else None
    if extractor is None or isinstance(getattr(embed._func, "__self__", None), TokenMemo):
        return False
    memo = TokenMemo(nlp, embed, [intify_attr(c) for c in extractor.attrs["columns"]], max_tokens)
    embed._func = memo.forward  # the layer's forward function; its graph and parameters stay as they are
    return True


class TokenMemo:
    """The forward function of an embedding layer ``List[Doc] -> List[Floats2d]`` that computes each distinct
    token (its ORTH, which keys the static vectors, and the attributes the layer's hash embeddings read) once."""

    def __init__(self, nlp: Language, layer: Model, columns: list[int], max_tokens: int):
        self.vocab = nlp.vocab
        self.layer = layer
        self.compute = layer._func
        self.attrs = [ORTH] + [c for c in columns if c != ORTH]
        self.norm_at = self.attrs.index(NORM) if NORM in self.attrs else None
        self.max_tokens = max_tokens
        #: Token key -> its row of ``table`` (the embeddings computed so far, one row per key, in the first
        #: ``len(rows)`` rows; the table grows by doubling).
        self.rows: dict[tuple[int, ...], int] = {}
        self.table: np.ndarray | None = None

    def forward(self, model: Model, docs: list[Doc], is_train: bool):
        if is_train or model is not self.layer:
            return self.compute(model, docs, is_train)
        keys = [tuple(row) for doc in docs for row in doc.to_array(self.attrs).reshape(-1, len(self.attrs)).tolist()]
        if not keys:
            return self.compute(model, docs, is_train)
        rows = self.rows
        new = list(dict.fromkeys(k for k in keys if k not in rows))
        if new:
            if len(rows) + len(new) > self.max_tokens:  # a full memo starts again
                rows = self.rows = {}
                self.table = None
                new = list(dict.fromkeys(keys))
            probe = self._probe(new)
            if probe is None:  # a token attribute a made-up doc cannot reproduce: no memo for these docs
                return self.compute(model, docs, is_train)
            self._add(new, self.compute(model, [probe], False)[0][0])
        table = self.table[[rows[k] for k in keys]]
        out, at = [], 0
        for doc in docs:
            out.append(table[at : at + len(doc)])
            at += len(doc)
        return out, _no_backprop

    def _add(self, keys: list[tuple[int, ...]], vectors: np.ndarray) -> None:
        """Append the rows of ``keys`` (not in the memo yet) to the table."""
        n = len(self.rows)
        if self.table is None or n + len(keys) > len(self.table):
            grown = np.empty((max(2 * n, n + len(keys), 1024), vectors.shape[1]), dtype=vectors.dtype)
            if self.table is not None:
                grown[:n] = self.table[:n]
            self.table = grown
        self.table[n : n + len(keys)] = vectors
        self.rows.update(zip(keys, range(n, n + len(keys))))

    def _probe(self, keys: list[tuple[int, ...]]) -> Doc | None:
        """A doc of one token per key whose attribute rows are those keys, or None."""
        strings = self.vocab.strings
        probe = Doc(self.vocab, words=[strings[k[0]] for k in keys])
        if self.norm_at is not None:
            for token, key in zip(probe, keys):
                if token.norm != key[self.norm_at]:
                    token.norm_ = strings[key[self.norm_at]]
        if [tuple(row) for row in probe.to_array(self.attrs).reshape(-1, len(self.attrs)).tolist()] != keys:
            return None
        return probe


def _no_backprop(d_output):
    raise NotImplementedError("the token memo is for inference only")
