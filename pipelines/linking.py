"""Prefect flow building the entity-linker index (thin wrapper over ``extract.linking``)."""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, task

from extract.linking.card import write_model_card
from extract.linking.index import build_linker_index
from extract.settings import get_settings, resolve_model_dir


@task(name="build-linker-index")
def build_index_task(models_dir: Path, shared_dir: Path, version: str) -> Path:
    return build_linker_index(models_dir, shared_dir=shared_dir, version=version)


@task(name="evaluate-linker")
def evaluate_task(folder: Path, corpus: Path, limit: int | None, gold_entities: bool = True) -> dict:
    from extract.evaluation.link import evaluate_link

    return evaluate_link(corpus, gold_entities=gold_entities, limit=limit, linker=folder)


@flow(name="build-linker")
def build_linker_flow(
    version: str,
    models_dir: str | None = None,
    shared_dir: str | None = None,
    evaluate: bool = True,
    eval_limit: int | None = None,
) -> Path:
    """Build ``models_dir/linker-<version>/``; score it on BC5CDR dev with gold mentions
    and end to end (with the settings' NER model, when there is one) and record the
    figures in its MODEL_CARD.md."""
    settings = get_settings()
    models = Path(models_dir or settings.models_dir)
    shared = Path(shared_dir or settings.shared_dir)
    folder = build_index_task(models, shared, version)
    if evaluate:
        corpus = shared / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
        results = [evaluate_task(folder, corpus, eval_limit)]
        ner = resolve_model_dir(settings.ner_model, "ner")
        if ner is not None and ner.exists():  # end to end needs an NER model
            results.append(evaluate_task(folder, corpus, eval_limit, gold_entities=False))
        meta = json.loads((folder / "meta.json").read_text())
        write_model_card(folder, meta, evaluation=results)
    return folder
