"""Prefect flow for training the NER model (thin wrapper over ``extract.training``)."""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, task

from extract.evaluation.ner_card import write_model_card
from extract.settings import get_settings
from extract.training.ner import DEFAULT_CONFIG, DEFAULT_EXTRA_CORPORA, train_ner


@task(name="train-ner-model")
def train_ner_task(
    output_dir: Path,
    config: Path,
    version: str,
    extra_corpora: list[str],
    max_steps: int | None,
    seed: int,
    vectors: str | None,
    include_dev_in_train: bool,
) -> Path:
    return train_ner(
        output_dir,
        config=config,
        version=version,
        extra_corpora=extra_corpora,
        max_steps=max_steps,
        seed=seed,
        vectors=vectors,
        include_dev_in_train=include_dev_in_train,
    )


@task(name="write-ner-model-card")
def write_ner_card_task(target: Path) -> dict:
    """Evaluate the trained model on BC5CDR dev and write its ``MODEL_CARD.md``."""
    return write_model_card(target, json.loads((target / "training.json").read_text()))


@flow(name="train-ner")
def train_ner_flow(
    version: str,
    config: Path = DEFAULT_CONFIG,
    extra_corpora: list[str] | None = None,
    max_steps: int | None = None,
    seed: int = 0,
    vectors: str | None = "floret",
    include_dev_in_train: bool = False,
    output_dir: Path | None = None,
) -> str:
    """Train ``models/ner-<version>/``, write its card and return its path (``vectors="floret"``: the project vectors)."""
    target = train_ner_task(
        output_dir or get_settings().models_dir,
        config,
        version,
        list(DEFAULT_EXTRA_CORPORA if extra_corpora is None else extra_corpora),
        max_steps,
        seed,
        vectors,
        include_dev_in_train,
    )
    write_ner_card_task(target)
    return str(target)


if __name__ == "__main__":
    import sys

    train_ner_flow(version=sys.argv[1] if len(sys.argv) > 1 else "dev")
