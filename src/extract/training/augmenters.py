"""Training-only data augmenters, registered in spaCy's ``augmenters`` registry.

``extract.lexicon_dropout.v1`` (``[corpora.train.augmenter]`` of ``configs/ner-lexicon.cfg``;
also the ``spacy_augmenters`` entry point, so ``spacy train`` finds it) stamps each training
doc with a dropout rate and a seed in ``Doc.user_data``; the lexicon-features component
(:mod:`extract.ner.lexicon_features`) then drops each dictionary match with that probability,
so the NER model also learns to find mentions the dictionaries lack.  Docs without the stamp
(dev evaluation, inference) keep every match.  The seed sequence is fixed, so training stays
reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry

from extract.ner.lexicon_features import DROPOUT_RATE_KEY, DROPOUT_SEED_KEY

__all__ = ["create_lexicon_dropout"]


@registry.augmenters("extract.lexicon_dropout.v1")
def create_lexicon_dropout(rate: float, seed: int = 0) -> Callable[[Language, Example], Iterator[Example]]:
    """Stamp each example's predicted doc with the dropout ``rate`` and the next seed."""
    counter = iter(range(seed * 1_000_003, 1 << 62))

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        example.predicted.user_data[DROPOUT_RATE_KEY] = rate
        example.predicted.user_data[DROPOUT_SEED_KEY] = next(counter)
        yield example

    return augment
