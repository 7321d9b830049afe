"""The NER stage's spaCy pipeline, built in one place from one config: ``configs/ner_stage.cfg``.

The config lists the pipeline: the trained model's pipes (``lexicon_features``, ``ner``)
sourced from the model folder, then the post-processing components, each a registered
factory with its settings in the config (:mod:`extract.ner.postprocess` lists them).
:func:`build_ner_nlp` is the only place that turns the config into a ``Language``; the
stage, the evaluations and the benchmarks all get their pipeline from it.  It

* fills ``[paths]`` from the settings (``resolve_model_dir``: the NER model folder, the
  linker index; ``shared/`` for the lexicon fallback);
* sources the pipes the model folder really has (its own config's pipeline) where the config
  sources ``lexicon_features`` + ``ner``, or, without a model folder, puts the dictionary
  matcher ``extract_lexicon_ner`` there;
* excludes the components the settings switch off (``drug_classes``, ``biologic_drugs``, ``class_words``) or
  that need a linker index when there is none, and, with ``only``, every pipe not named
  (the gold-mention linking evaluation runs abbreviations + linker only);
* records the versions in ``nlp.meta["extract"]``: ``ner`` (``<model folder>@<version>`` or
  ``lexicon-0.1``), ``linker`` (the linker folder's name), ``postprocessing`` (the
  post-processing pipes, in order) and ``model_version``, the string the stage writes to
  ``entities.model_version``: ``<ner>+<linker>``, or ``<ner>+<pipe>+<pipe>...`` without a linker
  (None for a pipeline without the NER pipes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.util import load_config, load_model_from_config, registry
from thinc.api import Config

# Imported for their registered factories and tokenizer, which the config names.
from extract.ner import effect_head, lexicon, lexicon_features, postprocess  # noqa: F401
from extract.nlp import tokenizer  # noqa: F401
from extract.nlp.inference_ops import use_gemm
from extract.nlp.vectors import load_cached_vectors
from extract.schemas import ENTITY_LABELS
from extract.settings import PROJECT_ROOT, Settings, get_settings, resolve_model_dir

__all__ = [
    "CONFIG_PATH",
    "LABELS",
    "build_ner_nlp",
    "component_batches",
    "get_ner_nlp",
    "model_version",
    "release_ner_nlp",
]

LABELS = ENTITY_LABELS
CONFIG_PATH = PROJECT_ROOT / "configs" / "ner_stage.cfg"
#: ``nlp.meta`` key of the versions (see module docstring).
META_KEY = "extract"
#: The dictionary matcher used when there is no NER model folder, and its version.
LEXICON_FALLBACK = "extract_lexicon_ner"
LEXICON_VERSION = "lexicon-0.1"
#: Pipes of a model folder the stage never runs (sentences come from the clean stage).
MODEL_PIPES_LEFT_OUT = frozenset({"parser", "senter", "tagger", "lemmatizer"})

log = logging.getLogger(__name__)
_CACHE: dict[tuple, Language] = {}


@registry.callbacks("extract.model_vectors.v1")
def create_model_vectors(model: str | None) -> Callable[[Language], Language]:
    """``[nlp.after_pipeline_creation]``: load the static vectors of the model folder ``model``.

    spaCy sources components with the source's vocab but then restores the new pipeline's
    (empty) vectors; the NER model's tok2vec reads the vectors of the doc's vocab, so they are
    loaded here.  (``[initialize] vectors`` would do the same by loading the whole model
    folder a second time, its lexicon index included.)  Floret vectors are read through a per-key memo
    (:class:`extract.nlp.vectors.CachedFloretVectors`: the same vectors, computed once per word).
    """

    def load_vectors(nlp: Language) -> Language:
        if model:
            folder = Path(model) / "vocab"
            if not folder.is_dir():
                raise FileNotFoundError(f"no vocab folder in the NER model folder {model!r}")
            nlp.vocab.vectors = load_cached_vectors(folder, nlp.vocab.strings)
        return nlp

    return load_vectors


def _ner_version(model_dir: Path | None) -> str:
    if model_dir is None:
        return LEXICON_VERSION
    meta = model_dir / "meta.json"
    if meta.exists():
        return f"{model_dir.name}@{json.loads(meta.read_text()).get('version', '0')}"
    return model_dir.name


def _model_pipes(model_dir: Path) -> list[str]:
    """The pipes of a model folder the stage runs: its config's pipeline without disabled pipes
    and :data:`MODEL_PIPES_LEFT_OUT`."""
    model_nlp = load_config(model_dir / "config.cfg", interpolate=False)["nlp"]
    disabled = set(model_nlp.get("disabled", []))
    return [name for name in model_nlp["pipeline"] if name not in MODEL_PIPES_LEFT_OUT and name not in disabled]


def _place_ner_pipes(config: Config, ner_pipes: list[str]) -> None:
    """Put ``ner_pipes`` where the config sources the model's pipes (new ones sourced from
    ``paths.ner_model``) and drop the NER component sections not used."""
    components = config["components"]
    pipeline = list(config["nlp"]["pipeline"])
    sourced = [name for name in pipeline if "source" in components[name]]
    at = pipeline.index(sourced[0])
    rest = [name for name in pipeline if name not in sourced]
    for name in ner_pipes:
        components.setdefault(name, {"source": "${paths.ner_model}"})
    for name in [*sourced, LEXICON_FALLBACK]:
        if name not in ner_pipes:
            components.pop(name, None)
    config["nlp"]["pipeline"] = rest[:at] + ner_pipes + rest[at:]


def _switched_off(
    settings: Settings, linker_dir: Path | None, wanted: set[str], model_dir: Path | None = None
) -> set[str]:
    """Post-processing pipes the settings switch off or that need a linker index there is not."""
    off = set()
    if not settings.drug_classes:
        off.add("extract_drug_classes")
    if not settings.biologic_drugs:
        off.add("extract_biologic_drugs")
    if not settings.class_words:
        off.add("extract_class_words")
    if not settings.ade_effects or (
        resolve_model_dir("", "ade-effects") is None and not effect_head.has_effect_head(model_dir)
    ):
        off.add("extract_adverse_effects")
    if linker_dir is None:
        off.update({"extract_biologic_drugs", "extract_class_words", "extract_disease_names", "extract_linker"})
        if "extract_linker" in wanted:
            log.warning("no linker index (models/linker-*): entities are not linked")
    return off


def _versions(nlp: Language, ner_pipes: list[str], model_dir: Path | None) -> dict[str, Any]:
    has_ner = any(name in nlp.pipe_names for name in ner_pipes)
    ner = _ner_version(model_dir) if has_ner else None
    linker = nlp.get_pipe("extract_linker").folder.name if "extract_linker" in nlp.pipe_names else None
    post = [name for name in nlp.pipe_names if name not in ner_pipes]
    if ner is None:
        version = None
    elif linker:
        version = f"{ner}+{linker}"
    elif post:
        version = f"{ner}+{'+'.join(post)}"
    else:
        version = ner
    return {"ner": ner, "linker": linker, "postprocessing": post, "model_version": version}


def build_ner_nlp(
    settings: Settings | None = None,
    *,
    only: Iterable[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    config_path: Path = CONFIG_PATH,
) -> Language:
    """The NER stage's pipeline from ``config_path`` and the settings (see module docstring).

    ``only``: build just these pipes of the config (the model is not loaded unless named;
    a model folder's pipes are named as in its config, e.g. ``"ner"``).  ``overrides``:
    spaCy config overrides in dot notation, e.g. ``{"components.extract_linker.threshold": 0.7}``.
    """
    settings = settings or get_settings()
    model_dir = resolve_model_dir(settings.ner_model, "ner")
    if settings.ner_model and model_dir is None:
        raise FileNotFoundError(f"NER model {settings.ner_model!r} not found (looked in {settings.models_dir})")
    linker_dir = resolve_model_dir(settings.linker_index, "linker")
    paths = {"paths.vocab": str(settings.vocab_dir), "paths.corpora": str(settings.corpora_dir)}
    if model_dir is not None:
        paths["paths.ner_model"] = str(model_dir)
    if linker_dir is not None:
        paths["paths.linker"] = str(linker_dir)
    # The linker links a class word the model tagged ("calcium antagonists") whether or not extract_class_words tags
    # the ones it missed: the setting governs the tagging, which BC5CDR's annotation does not reward.
    config = load_config(config_path, overrides={**paths, **(overrides or {})}, interpolate=False)
    if "extract_adverse_effects" in config["components"] and not any(
        key.startswith("components.extract_adverse_effects.only_with_disease") for key in overrides or {}
    ):
        # Without effect tails the spans only give phrases of DISEASE tails: the sentences holding no disease need none.
        config["components"]["extract_adverse_effects"]["only_with_disease"] = not settings.ade_effect_tails
    ner_pipes = _model_pipes(model_dir) if model_dir is not None else [LEXICON_FALLBACK]
    _place_ner_pipes(config, ner_pipes)
    pipeline = config["nlp"]["pipeline"]
    wanted = set(pipeline) if only is None else set(only)
    exclude = {name for name in pipeline if name not in wanted} | _switched_off(settings, linker_dir, wanted, model_dir)
    # The model's adverse-effect head never runs as a pipe over whole documents: extract_adverse_effects runs it on the
    # sentences holding a drug (extract.ner.effect_head.EffectHead.tag_ranges), or, switched off, it is not loaded.
    disable = []
    if effect_head.HEAD_PIPE in pipeline:
        if "extract_adverse_effects" in exclude:
            exclude.add(effect_head.HEAD_PIPE)
        else:
            disable.append(effect_head.HEAD_PIPE)
    # Interpolated first: spaCy resolves [nlp] (the vectors callback) without [paths].
    nlp = load_model_from_config(config.interpolate(), auto_fill=True, exclude=sorted(exclude), disable=disable)
    use_gemm(nlp, settings.ner_gemm)
    nlp.meta[META_KEY] = _versions(nlp, ner_pipes, model_dir)
    return nlp


def component_batches(nlp: Language, batch_size: int) -> dict[str, dict[str, int]]:
    """``nlp.pipe``'s ``component_cfg`` for a batch of ``batch_size`` docs: a shared encoder (a ``tok2vec`` pipe the
    ``ner`` listens to) runs on a quarter of the batch at a time, as the ``ner`` with its own encoder does (spaCy's
    parser splits each batch into quarters).  On the whole batch at once its intermediate arrays took the NER stage's
    peak memory from 947 to 1,119 MB over the 500 BC5CDR dev abstracts (models/EXPERIMENTS.md, sixteenth session)."""
    if "tok2vec" not in nlp.pipe_names:
        return {}
    return {"tok2vec": {"batch_size": max(batch_size // 4, 2)}}


def pipeline_key(settings: Settings) -> tuple:
    """What :func:`get_ner_nlp` caches a pipeline under: the settings the pipeline depends on."""
    return (
        str(settings.models_dir),
        settings.ner_model,
        settings.linker_index,
        str(settings.shared_dir),
        settings.ner_gemm,
        settings.drug_classes,
        settings.biologic_drugs,
        settings.class_words,
        settings.ade_effects,
        settings.ade_effect_tails,
    )


def get_ner_nlp(settings: Settings | None = None) -> Language:
    """The stage's pipeline for these settings, built once per process (the stage's forked NER
    workers inherit it)."""
    settings = settings or get_settings()
    key = pipeline_key(settings)
    if key not in _CACHE:
        _CACHE[key] = build_ner_nlp(settings)
    return _CACHE[key]


def release_ner_nlp() -> None:
    """Drop this process's pipelines of :func:`get_ner_nlp` and what only they hold (the linker index,
    the lexicon's terms) and return the memory to the system (:func:`extract.parallel.release_memory`).

    ``run`` calls it once the NER stage is done: the relation stage and the ``concept_pairs`` summary
    need none of it, and the relation workers forked afterwards do not inherit it.  The next
    :func:`get_ner_nlp` builds the pipeline again.  A pipeline a caller still references stays usable.
    """
    from extract.linking.index import release_linker_resources
    from extract.parallel import release_memory

    _CACHE.clear()
    release_linker_resources()
    lexicon.release_terms()
    release_memory()


def model_version(nlp: Language) -> str:
    """The ``entities.model_version`` of a pipeline built by :func:`build_ner_nlp`."""
    return nlp.meta[META_KEY]["model_version"]
