"""Training of the sentence text classifier (:mod:`extract.relations.sentence_model`).

Examples are the joint model's (:mod:`extract.training.relations.joint`): the hand-judged trial and review
sentences, BioRED train+dev, BC5CDR train CID and ADE pairs, each as its marked sentence and class.  spaCy's
textcat takes no per-example weight, so the joint model's source weights are approximated by repetition and
sampling: an annotated example is seen three times per epoch, a BioRED one once, a BC5CDR or ADE one with
probability 0.3 (a fixed draw).  Training from scratch overfits the annotated pairs within an epoch or two;
the number of epochs is chosen on held-out judged rows (models/EXPERIMENTS.md).
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from extract.relations.joint import CLASSES
from extract.relations.sentence_model import SentenceModel, new_pipeline

log = logging.getLogger(__name__)

REPEAT = {"annotations": 3, "biored": 1}
SAMPLE = 0.3  # bc5cdr, ade
BATCH = 64
DROPOUT = 0.2


def training_pool(
    examples: list, seed: int = 0, repeat: dict[str, int] | None = None, sample: float = SAMPLE
) -> list[tuple[str, int]]:
    """``(marked sentence, class)`` pairs, weighted by repetition (``repeat``: times per source, default
    :data:`REPEAT`) and sampling (other sources kept with probability ``sample``)."""
    repeat = REPEAT if repeat is None else repeat
    rng = random.Random(seed)
    pool: list[tuple[str, int]] = []
    for e in examples:
        if e.source in repeat:
            pool += [(e.text, e.label)] * repeat[e.source]
        elif rng.random() < sample:
            pool.append((e.text, e.label))
    return pool


def train_sentence_model(
    examples: list,
    epochs: float = 1.5,
    width: int = 96,
    weight: float = 0.5,
    read_below: float = 0.9,
    vectors: Path | None = None,
    seed: int = 0,
    repeat: dict[str, int] | None = None,
    sample: float = SAMPLE,
) -> tuple[SentenceModel, dict]:
    """Fit the textcat on ``examples`` (``JointExample`` with ``text``) for ``epochs`` passes over the pool
    (a fraction stops part-way through the last pass); ``vectors``: a spaCy vocabulary folder with the static
    vectors to read (the NER model's ``vocab``)."""
    fix_random_seed(seed)
    nlp = new_pipeline(width, vectors)
    pool = training_pool(examples, seed, repeat, sample)

    def example(text: str, label: int) -> Example:
        return Example.from_dict(nlp.make_doc(text), {"cats": {c: float(i == label) for i, c in enumerate(CLASSES)}})

    data = [example(t, y) for t, y in pool]
    optimizer = nlp.initialize(lambda: data[:1000])
    rng = random.Random(seed)
    steps = int(round(epochs * len(data)))
    seen, losses, started = 0, {}, time.time()
    while seen < steps:
        order = data[:]
        rng.shuffle(order)
        for batch in minibatch(order[: steps - seen], size=BATCH):
            nlp.update(batch, sgd=optimizer, losses=losses, drop=DROPOUT)
        seen += min(len(order), steps - seen)
    stats = {
        "pool": len(data),
        "epochs": epochs,
        "width": width,
        "weight_of_joint_model": weight,
        "read_below": read_below,
        "static_vectors": str(vectors) if vectors is not None else None,
        "loss": round(float(losses.get("textcat", 0.0)), 3),
        "train_seconds": round(time.time() - started, 1),
        "repeat": REPEAT if repeat is None else repeat,
        "sample_other_sources": sample,
    }
    log.info("sentence textcat: %s", stats)
    return SentenceModel(nlp, weight, read_below=read_below), stats
