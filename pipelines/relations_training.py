"""Prefect flow for training the relation model (thin wrapper over ``extract.relations.training``)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from extract.relations.training import train_relations
from extract.settings import get_settings


@task(name="train-relation-model")
def train_relations_task(models_dir: Path, version: str | None, C: float, cv_folds: int, limit: int | None) -> Path:
    return train_relations(models_dir, version=version, C=C, cv_folds=cv_folds, limit=limit)


@flow(name="train-relations")
def train_relations_flow(
    version: str | None = None,
    models_dir: str | None = None,
    C: float = 0.1,
    cv_folds: int = 3,
    limit: int | None = None,
) -> Path:
    """Train on BC5CDR train + ADE corpus and write ``models_dir/relations-<version>/``."""
    target = Path(models_dir) if models_dir else get_settings().models_dir
    return train_relations_task(target, version, C, cv_folds, limit)
