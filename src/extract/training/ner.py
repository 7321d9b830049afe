"""Train the project's CHEMICAL/DISEASE NER model with spaCy's own training machinery.

:func:`train_ner` is the library entry point behind ``biomed-extract train ner``:

1. converts the gold corpora (BC5CDR train + optional extra corpora, with every
   BC5CDR *dev* PMID excluded) and BC5CDR dev to ``DocBin`` files under
   ``data/work/ner-<version>/``;
2. runs ``spacy.cli.train.train`` on CPU with the given config (fixed seeds);
3. copies the best checkpoint to ``<output_dir>/ner-<version>/`` (a folder
   ``spacy.load`` can open; pipeline ``["ner"]``, labels CHEMICAL and DISEASE).

Evaluating it on BC5CDR dev and writing ``MODEL_CARD.md`` is the evaluation layer's job
(:func:`extract.evaluation.ner_card.write_model_card`); the ``train-ner`` flow runs both.

The same arguments reproduce the same model (spaCy seeds Python, NumPy and
thinc from ``training.seed``; the data conversion is deterministic).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import spacy
from spacy.cli.train import train as spacy_train
from spacy.tokens import DocBin
from spacy.util import load_config

from extract.ner import effect_head as _effect_head  # noqa: F401  (registers the component)
from extract.ner import lexicon_features as _lexicon_features  # noqa: F401  (registers the component)
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import PROJECT_ROOT
from extract.training import augmenters as _augmenters  # noqa: F401  (registers the augmenter)
from extract.training.corpus import CORPORA, LABELS, ConversionStats, CorpusSpec, load_documents, write_docbin

__all__ = ["DEFAULT_CONFIG", "DEFAULT_EXTRA_CORPORA", "WORK_DIR", "prepare_data", "train_ner", "package_model"]

log = logging.getLogger(__name__)

#: The shipped model's config (vectors + lexicon features); ``configs/ner.cfg`` is the plain baseline.
DEFAULT_CONFIG = PROJECT_ROOT / "configs" / "ner-lexicon.cfg"
#: Extra corpora of the shipped model.
DEFAULT_EXTRA_CORPORA: tuple[str, ...] = ("biored_train", "biored_dev")
#: Components a packaged NER model may contain (no parser/senter): with the adverse-effect head
#: (``configs/ner-effects-multitask.cfg``) a shared ``tok2vec`` that ``ner`` and ``effect_head`` listen to.
ALLOWED_PIPES = frozenset({"extract_lexicon_features", "lexicon_features", "tok2vec", "ner", "effect_head"})
WORK_DIR = PROJECT_ROOT / "data" / "work"


def _resolve_specs(names: Sequence[str | CorpusSpec]) -> list[CorpusSpec]:
    specs = []
    for item in names:
        if isinstance(item, CorpusSpec):
            specs.append(item)
        elif item in CORPORA:
            specs.append(CORPORA[item])
        else:
            raise ValueError(f"unknown corpus {item!r}; known: {sorted(CORPORA)}")
    return specs


def prepare_data(
    work_dir: Path,
    *,
    extra_corpora: Sequence[str | CorpusSpec] = (),
    include_dev_in_train: bool = False,
    limit: int | None = None,
    corpora_dir: Path | None = None,
    effect_sentences: Sequence | None = None,
) -> dict[str, Any]:
    """Write ``train.spacy`` and ``dev.spacy`` to ``work_dir``; return paths and conversion stats.

    Train = BC5CDR train (+ BC5CDR dev when ``include_dev_in_train``) + extra
    corpora.  Unless dev is trained on, every PMID of BC5CDR dev is excluded from
    all training data.  ``limit`` caps documents per corpus (for tests).
    """
    nlp = make_blank_nlp()
    dev_spec = CORPORA["bc5cdr_dev"]
    dev_pmids = {d.pmid for d in load_documents(dev_spec, corpora_dir)}
    train_specs = [CORPORA["bc5cdr_train"]]
    if include_dev_in_train:
        train_specs.append(dev_spec)
    train_specs += _resolve_specs(extra_corpora)
    exclude = frozenset() if include_dev_in_train else frozenset(dev_pmids)
    train_path = work_dir / "train.spacy"
    dev_path = work_dir / "dev.spacy"
    train_stats = write_docbin(
        train_specs, nlp, train_path, exclude_pmids=exclude, limit=limit, corpora_dir=corpora_dir
    )
    dev_stats = write_docbin([dev_spec], nlp, dev_path, limit=limit, corpora_dir=corpora_dir)
    effect_stats = None
    if effect_sentences:
        # ADE sentences for the effect head: BIO tags, no entities (their CHEMICAL / DISEASE loss is missing)
        from extract.training.adverse_effects import TaggerStats, effect_tag_docs

        effect_stats = TaggerStats()
        docs = list(DocBin().from_disk(train_path).get_docs(nlp.vocab))
        docs += effect_tag_docs(effect_sentences[:limit] if limit else effect_sentences, nlp, effect_stats)
        DocBin(docs=docs).to_disk(train_path)
    return {
        "train": train_path,
        "dev": dev_path,
        "train_stats": train_stats,
        "dev_stats": dev_stats,
        "excluded_dev_pmids": len(exclude),
        "effect_stats": effect_stats,
    }


def train_ner(
    output_dir: Path,
    *,
    config: Path = DEFAULT_CONFIG,
    version: str,
    extra_corpora: Sequence[str | CorpusSpec] = DEFAULT_EXTRA_CORPORA,
    max_steps: int | None = None,
    seed: int = 0,
    vectors: Path | str | None = "floret",
    include_dev_in_train: bool = False,
    work_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    limit: int | None = None,
    corpora_dir: Path | None = None,
    exclude_ade_pmids: Sequence[str] = (),
) -> Path:
    """Train, evaluate and package ``<output_dir>/ner-<version>/``; return that folder.

    Args:
        output_dir: models folder (normally ``get_settings().models_dir``).
        config: spaCy training config (default ``configs/ner-lexicon.cfg``, the shipped
            model's; ``configs/ner.cfg`` is the plain baseline without vectors/lexicon).
        version: model version, e.g. ``"0.1.0"``.
        extra_corpora: names from :data:`extract.training.corpus.CORPORA`
            (``"biored_train"``, ``"biored_dev"``, ``"ncbi_train"``, ``"ncbi_dev"``);
            default BioRED train+dev, as shipped.
        max_steps: override ``training.max_steps`` (``None``: keep the config's).
        seed: ``system.seed`` / ``training.seed``.
        vectors: a spaCy vectors folder, or ``"floret"`` for the project's floret
            vectors (:func:`extract.training.vectors.default_vectors`, built on
            first use); sets ``paths.vectors`` — use ``configs/ner-vectors.cfg``
            (``include_static_vectors = true``); ``None`` for configs without vectors.
            Defaults (with ``max_steps=4500``) reproduce ``models/ner-0.2.0``.
        include_dev_in_train: also train on BC5CDR dev (final retrain only;
            the dev figures in the card are then not held out and say so).
        work_dir: where DocBins and checkpoints go (default ``data/work/ner-<version>``).
        overrides: further spaCy config overrides (``{"training.patience": 500}``).
        limit: documents per corpus (tests).
        exclude_ade_pmids: with a config holding the adverse-effect head (``effect_head``), the ADE PMIDs
            not to train on (the ADE evaluation's held-out fold); the relation audit's PMIDs are never trained on.
    """
    started = time.time()
    output_dir = Path(output_dir)
    vectors_info = None
    if vectors == "floret":
        from extract.training.vectors import default_vectors

        vectors = default_vectors()
    if vectors is not None:
        vectors = Path(vectors)
        info_file = vectors.parent / "INFO.txt"
        vectors_info = info_file.read_text().strip() if info_file.exists() else None
    work = Path(work_dir) if work_dir else WORK_DIR / f"ner-{version}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    effect_sentences = _effect_sentences(config, corpora_dir, exclude_ade_pmids)
    data = prepare_data(
        work,
        extra_corpora=extra_corpora,
        include_dev_in_train=include_dev_in_train,
        limit=limit,
        corpora_dir=corpora_dir,
        effect_sentences=effect_sentences,
    )
    cfg_overrides: dict[str, Any] = {
        "paths.train": str(data["train"]),
        "paths.dev": str(data["dev"]),
        "system.seed": seed,
        "training.seed": seed,
    }
    if vectors is not None:
        cfg_overrides["paths.vectors"] = str(vectors)
    if max_steps is not None:
        cfg_overrides["training.max_steps"] = max_steps
    cfg_overrides.update(overrides or {})
    run_dir = work / "run"
    log.info("training NER %s with %s", version, cfg_overrides)
    train_started = time.time()
    spacy_train(Path(config), run_dir, use_gpu=-1, overrides=cfg_overrides)
    train_seconds = time.time() - train_started

    best = run_dir / "model-best"
    if not best.exists():
        best = run_dir / "model-last"
    target = output_dir / f"ner-{version}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target)
    _stamp_meta(target, version)
    nlp = spacy.load(target)
    labels = tuple(sorted(nlp.get_pipe("ner").labels))
    if labels != LABELS or nlp.pipe_names[-1] not in ("ner", "effect_head") or not set(nlp.pipe_names) <= ALLOWED_PIPES:
        raise RuntimeError(f"unexpected pipeline {nlp.pipe_names} / labels {labels}")

    training_info = {
        "version": version,
        "config": str(
            Path(config).resolve().relative_to(PROJECT_ROOT)
            if Path(config).resolve().is_relative_to(PROJECT_ROOT)
            else config
        ),
        "seed": seed,
        "max_steps": max_steps,
        "vectors": str(vectors) if vectors else None,
        "vectors_info": vectors_info,
        "extra_corpora": [s.name for s in _resolve_specs(extra_corpora)],
        "include_dev_in_train": include_dev_in_train,
        "overrides": {k: v for k, v in cfg_overrides.items() if not k.startswith("paths.")},
        "train_stats": [asdict(s) for s in data["train_stats"]],
        "dev_stats": [asdict(s) for s in data["dev_stats"]],
        "excluded_dev_pmids": data["excluded_dev_pmids"],
        "effect_head": None
        if data["effect_stats"] is None
        else {
            "stats": asdict(data["effect_stats"]),
            "excluded_ade_pmids": len(set(exclude_ade_pmids)),
            "excluded_ade_pmids_sha256": pmids_digest(exclude_ade_pmids),
        },
        "train_seconds": round(train_seconds, 1),
        "best_checkpoint": best.name,
        "spacy_version": spacy.__version__,
    }
    (target / "training.json").write_text(json.dumps(training_info, indent=2, default=str))
    log.info("NER model %s written in %.0f s", target, time.time() - started)
    return target


def pmids_digest(pmids: Sequence[str]) -> str:
    """SHA-256 of the sorted distinct PMIDs: which ADE PMIDs a fold model was trained without."""
    return hashlib.sha256("\n".join(sorted(set(pmids))).encode()).hexdigest()


def _effect_sentences(config: Path, corpora_dir: Path | None, exclude_pmids: Sequence[str]) -> list | None:
    """The ADE DRUG-AE sentences the effect head learns from, when the config has one (else None): every PMID but
    ``exclude_pmids`` and the relation audit's."""
    if "effect_head" not in load_config(Path(config), interpolate=False)["nlp"]["pipeline"]:
        return None
    from extract.corpora.ade import read_ade
    from extract.settings import get_settings
    from extract.training.adverse_effects import audit_pmids

    ade_dir = (Path(corpora_dir) if corpora_dir else get_settings().corpora_dir) / "ade_corpus_v2"
    skip = set(exclude_pmids) | audit_pmids()
    return [s for s in read_ade(ade_dir, negatives=False) if s.pairs and s.pmid not in skip]


def package_model(candidate: Path, output_dir: Path, version: str) -> Path:
    """Copy a model written by :func:`train_ner` (e.g. an experiment under ``data/work``) to
    ``<output_dir>/ner-<version>/``, and re-stamp its version
    (then :func:`extract.evaluation.ner_card.write_model_card` rewrites its card).

    The weights are not changed: ``train_ner`` with the arguments in the candidate's
    ``training.json`` (and this ``version``) reproduces them.
    """
    candidate = Path(candidate)
    target = Path(output_dir) / f"ner-{version}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(candidate, target)
    _stamp_meta(target, version)
    info = json.loads((target / "training.json").read_text())
    info["trained_as_version"] = info.get("trained_as_version", info["version"])
    info["version"] = version
    if info.get("vectors") and not info.get("vectors_info"):
        info_file = Path(info["vectors"]).parent / "INFO.txt"
        info["vectors_info"] = info_file.read_text().strip() if info_file.exists() else None
    (target / "training.json").write_text(json.dumps(info, indent=2, default=str))
    return target


def _stamp_meta(model_dir: Path, version: str) -> None:
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta.update(
        {
            "name": "biomed_extract_ner",
            "version": version,
            "description": "biomed-extract CHEMICAL/DISEASE NER (see MODEL_CARD.md)",
            "license": "MIT (model); trained on BC5CDR and other corpora, see MODEL_CARD.md",
        }
    )
    meta_path.write_text(json.dumps(meta, indent=2))


def stats_table(stats: Sequence[ConversionStats]) -> str:
    """Markdown table of conversion statistics."""
    rows = [
        "| corpus | docs | skipped (dev/dup PMIDs) | mentions | CHEMICAL | DISEASE | misaligned | overlapping |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in stats:
        rows.append(
            f"| {s.corpus} | {s.documents} | {s.skipped_documents} | {s.mentions} | {s.per_label.get('CHEMICAL', 0)} "
            f"| {s.per_label.get('DISEASE', 0)} | {s.misaligned} | {s.overlapping} |"
        )
    return "\n".join(rows)
