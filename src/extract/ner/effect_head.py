"""Adverse-effect spans from a head on the NER model's own encoder (multi-task training).

:mod:`extract.ner.adverse_effects` tags the ADE corpus's effect spans with a model of its own (its own encoder: ~45%
more NER-stage CPU, so it ships switched off).  Here the effect tagger is a second head of the NER model: the model's
``tok2vec`` is a shared component that both the CHEMICAL / DISEASE ``ner`` and this head listen to, trained together
on BC5CDR-style documents (entities, no effect tags: the head's loss is missing there) and ADE sentences (effect tags
as BIO token tags, no entities: the NER's loss is missing there).  At inference the head is one softmax layer over the
encoder output the NER computed anyway.

:class:`EffectHead` is spaCy's ``Tagger`` reading its gold from the reference ``Token.tag`` (BIO of
:data:`~extract.ner.adverse_effects.TAGS`) but writing its spans to ``doc.spans[SPANS_KEY]``, never to ``Token.tag``
(the lexicon features keep their marks there) nor to ``doc.ents`` (the BC5CDR conventions stay untouched).

The head writes every span it finds to ``doc.spans[HEAD_SPANS_KEY]``; the NER stage's ``extract_adverse_effects``
component, when the ``ade_effects`` setting is on, keeps those of the sentences holding a drug as the stage's
adverse-effect spans (``doc.spans[SPANS_KEY]``, written as ``ADVERSE_EFFECT`` entities), as it does with its own
tagger's.  :class:`HeadTagger` tags plain texts with a model folder's head (the ADE evaluation's folds).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.tokens import Span
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
