"""Prefect flows for training the relation models (thin wrappers over ``extract.training.relations.trainer``)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from extract.settings import get_settings
from extract.training.relations.trainer import (
    CONCEPT_THRESHOLD,
    latest_manifestation_source,
    train_manifestation_release,
    train_relations,
)


@task(name="train-relation-model")
def train_relations_task(
    models_dir: Path,
    version: str | None,
    C: float,
    cv_folds: int,
    limit: int | None,
    concept_threshold: float | None = CONCEPT_THRESHOLD,
    manifestation_from: Path | None = None,
) -> Path:
    return train_relations(
        models_dir,
        version=version,
        C=C,
        cv_folds=cv_folds,
        limit=limit,
        concept_threshold=concept_threshold,
        manifestation_from=manifestation_from,
    )


@task(name="train-manifestation-model")
def train_manifestation_task(
    models_dir: Path, version: str, base_model: Path | None, cv_folds: int, limit: int | None
) -> Path:
    return train_manifestation_release(models_dir, version, base_model=base_model, cv_folds=cv_folds, limit=limit)


@flow(name="train-relations")
def train_relations_flow(
    version: str | None = None,
    models_dir: str | None = None,
    C: float = 0.1,
    cv_folds: int = 3,
    limit: int | None = None,
    manifestation: bool = False,
    base_model: str | None = None,
    concept_threshold: float | None = CONCEPT_THRESHOLD,
    manifestation_from: str | None = "latest",
) -> Path:
    """Train on BC5CDR train + ADE corpus and write ``models_dir/relations-<version>/``.

    ``manifestation=True`` also trains the distantly supervised ``disease_manifestation``
    classifier into the folder; with ``base_model`` (a ``relations-*`` folder) the drug model is
    copied from there instead of retrained.

    Otherwise only the drug model is trained; ``manifestation_from`` names the ``relations-*``
    folder whose ``disease_manifestation`` classifier is copied unchanged into the new folder
    (``"latest"``: the newest one in ``models_dir`` that has it; None: none, the rules decide).
    ``concept_threshold`` is the stage-2 threshold (default: selected on BC5CDR dev; None keeps
    the out-of-fold training threshold).
    """
    target = Path(models_dir) if models_dir else get_settings().models_dir
    if manifestation:
        from extract.training.relations.trainer import new_version

        base = Path(base_model) if base_model else None
        return train_manifestation_task(target, version or new_version(), base, cv_folds, limit)
    source: Path | None = None
    if manifestation_from == "latest":
        source = latest_manifestation_source(target, exclude=f"relations-{version}" if version else None)
    elif manifestation_from:
        source = Path(manifestation_from)
    return train_relations_task(target, version, C, cv_folds, limit, concept_threshold, source)
