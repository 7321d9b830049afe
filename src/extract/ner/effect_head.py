"""Adverse-effect spans from a head on the NER model's own encoder (multi-task training).

:mod:`extract.ner.adverse_effects` can tag the ADE corpus's effect spans with a model of its own (its own encoder:
~45% more NER-stage CPU).  Here the effect tagger is a second head of the NER model: the model's ``tok2vec`` is a
shared component that both the CHEMICAL / DISEASE ``ner`` and this head listen to, trained together on BC5CDR-style
documents (entities, no effect tags: the head's loss is missing there) and ADE sentences (effect tags as BIO token
tags, no entities: the NER's loss is missing there).  The head has two window CNN layers of its own over the shared
encoder's output (``extract.ListenerWindow.v1``: more context for multi-word effects) and a softmax
(``configs/ner-effects-window.cfg``).

:class:`EffectHead` is spaCy's ``Tagger`` reading its gold from the reference ``Token.tag`` (BIO of
:data:`~extract.ner.adverse_effects.TAGS`) but writing its spans to ``doc.spans[HEAD_SPANS_KEY]``, never to
``Token.tag`` (the lexicon features keep their marks there) nor to ``doc.ents`` (the BC5CDR conventions stay
untouched).  That is how it runs in training and in :class:`HeadTagger` (plain texts, the ADE evaluation's folds).

In the NER stage the pipe is disabled: the ``extract_adverse_effects`` component calls :meth:`EffectHead.tag_ranges`
on the sentences holding a drug only, from the encoder output the ``ner`` already listened to (``doc.tensor``), and
writes those spans as the stage's ``ADVERSE_EFFECT`` entities.  Each sentence is tagged on its own, as the head was
trained (one ADE sentence per document).  With the ``ade_effects`` setting off the head is not loaded at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.tokens import Doc, Span
from spacy.util import registry

from extract.ner.adverse_effects import HEAD_SPANS_KEY, LABEL, bio_spans

__all__ = ["HEAD_PIPE", "HEAD_SPANS_KEY", "EffectHead", "HeadTagger", "has_effect_head", "make_effect_head"]

#: The head's pipe name in a NER model folder, and where it writes its spans.
HEAD_PIPE = "effect_head"


class EffectHead(Tagger):
    """A BIO tagger of adverse-effect spans whose output is ``doc.spans[SPANS_KEY]``."""

    def set_annotations(self, docs, batch_tag_ids) -> None:
        if isinstance(docs, Span) or not isinstance(docs, list):
            docs = list(docs)
        labels = self.labels
        for doc, ids in zip(docs, batch_tag_ids, strict=True):
            tags = [labels[k] for k in (ids.tolist() if hasattr(ids, "tolist") else ids)]
            doc.spans[HEAD_SPANS_KEY] = [Span(doc, a, b, label=LABEL) for a, b in bio_spans(tags)]

    def tag_ranges(self, docs: Sequence[Doc], ranges: Sequence[Sequence[tuple[int, int]]]) -> list[list[Span]]:
        """The head's effect spans of the token ranges ``ranges[i]`` of ``docs[i]`` (e.g. the sentences holding a
        drug), each range tagged on its own from the shared encoder's output the ``ner`` listened to
        (``doc.tensor``): the head's own window layers and softmax run on those rows only, as in training, where
        every effect-tagged document is one ADE sentence.  The NER stage calls this instead of running the pipe over
        whole documents (~1.5 ms per abstract), so only the drug sentences cost."""
        listener_window, output = self.model.layers
        encoder = listener_window.layers[1]
        pieces: list[tuple[int, int, int]] = []
        rows = []
        for k, (doc, spans) in enumerate(zip(docs, ranges, strict=True)):
            if doc.tensor.shape[0] != len(doc):
                raise ValueError("the effect head needs the shared encoder's output in doc.tensor (run tok2vec first)")
            for a, b in spans:
                if b > a:
                    pieces.append((k, a, b))
                    rows.append(doc.tensor[a:b])
        found: list[list[Span]] = [[] for _ in docs]
        if not rows:
            return found
        labels = self.labels
        for (k, a, _b), scores in zip(pieces, output.predict(encoder.predict(rows)), strict=True):
            tags = [labels[i] for i in scores.argmax(axis=1).tolist()]
            found[k].extend(Span(docs[k], a + x, a + y, label=LABEL) for x, y in bio_spans(tags))
        return found


@registry.scorers("extract.effect_head_scorer.v1")
def make_effect_head_scorer():
    """Exact-span P/R/F1 of the head (``effects_p`` / ``effects_r`` / ``effects_f``) over the examples whose reference
    has effect tags; documents without them (BC5CDR-style) are not scored."""

    def score(examples, **kwargs) -> dict:
        tp = fp = fn = 0
        for eg in examples:
            if not eg.reference.has_annotation("TAG"):
                continue
            gold = set(bio_spans([t.tag_ for t in eg.reference]))
            pred = {(s.start, s.end) for s in eg.predicted.spans.get(HEAD_SPANS_KEY, [])}
            tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"effects_p": p, "effects_r": r, "effects_f": 2 * p * r / (p + r) if p + r else 0.0}

    return score


@Language.factory(
    "extract_effect_head",
    default_config={
        "model": {
            "@architectures": "spacy.Tagger.v2",
            "nO": None,
            "normalize": False,
            "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"},
        },
        "scorer": {"@scorers": "extract.effect_head_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
    },
)
def make_effect_head(nlp: Language, name: str, model, scorer, neg_prefix: str, label_smoothing: float) -> EffectHead:
    return EffectHead(
        nlp.vocab,
        model,
        name,
        overwrite=False,
        scorer=scorer,
        neg_prefix=neg_prefix,
        label_smoothing=label_smoothing,
    )


def has_effect_head(model_dir: Path | None) -> bool:
    """Whether a NER model folder has the adverse-effect head (its config's pipeline names :data:`HEAD_PIPE`)."""
    if model_dir is None or not (Path(model_dir) / "config.cfg").exists():
        return False
    from spacy.util import load_config

    return HEAD_PIPE in load_config(Path(model_dir) / "config.cfg", interpolate=False)["nlp"]["pipeline"]


class HeadTagger:
    """Effect spans of plain texts from a NER model folder's head (every text tagged; the ``ner`` pipe not run)."""

    def __init__(self, model_dir: Path, training: dict | None = None) -> None:
        self.nlp = spacy.load(model_dir, exclude=["ner"])
        self.training = dict(training or {})

    def tag_texts(self, texts: Sequence[str], batch_size: int = 256) -> list[list[tuple[int, int]]]:
        return [
            [(s.start_char, s.end_char) for s in doc.spans.get(HEAD_SPANS_KEY, [])]
            for doc in self.nlp.pipe(texts, batch_size=batch_size)
        ]


@registry.architectures("extract.ListenerWindow.v1")
def listener_window(width: int, upstream: str = "*", depth: int = 1, window_size: int = 1, maxout_pieces: int = 3):
    """A listener of the shared encoder followed by window CNN layers of the head's own (more context for multi-word
    effects than the shared encoder's ±4 tokens)."""
    listener = registry.architectures.get("spacy.Tok2VecListener.v1")(width=width, upstream=upstream)
    encoder = registry.architectures.get("spacy.MaxoutWindowEncoder.v2")(
        width=width, window_size=window_size, maxout_pieces=maxout_pieces, depth=depth
    )
    from thinc.api import chain

    model = chain(listener, encoder)
    model.set_dim("nO", width)
    return model
