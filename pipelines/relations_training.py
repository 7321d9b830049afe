"""Prefect flows for training the relation models (thin wrappers over ``extract.relations.training``)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from extract.relations.training import train_manifestation_release, train_relations
from extract.settings import get_settings


@task(name="train-relation-model")
def train_relations_task(models_dir: Path, version: str | None, C: float, cv_folds: int, limit: int | None) -> Path:
    return train_relations(models_dir, version=version, C=C, cv_folds=cv_folds, limit=limit)


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
) -> Path:
    """Train on BC5CDR train + ADE corpus and write ``models_dir/relations-<version>/``.

    ``manifestation=True`` also trains the distantly supervised ``disease_manifestation``
    classifier into the folder; with ``base_model`` (a ``relations-*`` folder) the drug model is
    copied from there instead of retrained.
    """
    target = Path(models_dir) if models_dir else get_settings().models_dir
    if manifestation:
        from extract.relations.training import new_version

        base = Path(base_model) if base_model else None
        return train_manifestation_task(target, version or new_version(), base, cv_folds, limit)
    return train_relations_task(target, version, C, cv_folds, limit)
