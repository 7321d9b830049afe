"""Assemble the NER stage's spaCy pipeline: trained model (or lexicon fallback) + post-processing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

import extract.nlp.tokenizer  # noqa: F401  (registers the tokenizer for spacy.load)
from extract.ner import lexicon  # noqa: F401  (registers extract_lexicon_ner)
from extract.ner import lexicon_features  # noqa: F401  (registers extract_lexicon_features for spacy.load)
from extract.ner.postprocess import add_postprocessing
from extract.nlp import extensions  # noqa: F401
from extract.nlp.inference_ops import use_gemm
from extract.nlp.tokenizer import make_blank_nlp
from extract.schemas import ENTITY_LABELS
from extract.settings import Settings, get_settings, resolve_model_dir

LABELS = ENTITY_LABELS
_CACHE: dict[tuple, "NerPipeline"] = {}


@dataclass
class NerPipeline:
    nlp: Language
    version: str
    model_dir: Path | None


def _model_version(model_dir: Path) -> str:
    meta = model_dir / "meta.json"
    if meta.exists():
        data = json.loads(meta.read_text())
        return f"{model_dir.name}@{data.get('version', '0')}"
    return model_dir.name


def build_pipeline(settings: Settings | None = None) -> NerPipeline:
    settings = settings or get_settings()
    model_dir = resolve_model_dir(settings.ner_model, "ner")
    if settings.ner_model and model_dir is None:
        raise FileNotFoundError(f"NER model {settings.ner_model!r} not found (looked in {settings.models_dir})")
    if model_dir is not None:
        nlp = spacy.load(model_dir, exclude=["parser", "senter", "tagger", "lemmatizer"])
        use_gemm(nlp, settings.ner_gemm)
        version = _model_version(model_dir)
    else:
        nlp = make_blank_nlp()
        nlp.add_pipe("extract_lexicon_ner", config={"vocab_dir": str(settings.vocab_dir),
                                                     "corpora_dir": str(settings.corpora_dir)})
        version = "lexicon-0.1"
    before = set(nlp.pipe_names)
    nlp = add_postprocessing(nlp, settings)
    extra = [name for name in nlp.pipe_names if name not in before]
    linker_version = getattr(nlp, "_extract_linker_version", None)
    if linker_version:
        version = f"{version}+{linker_version}"
    elif extra:
        version = f"{version}+{'+'.join(extra)}"
    return NerPipeline(nlp=nlp, version=version, model_dir=model_dir)


def get_pipeline(settings: Settings | None = None) -> NerPipeline:
    """The pipeline for these settings, built once per process (the stage's forked NER workers inherit it)."""
    settings = settings or get_settings()
    key = (str(settings.models_dir), settings.ner_model, settings.linker_index, str(settings.shared_dir),
           settings.ner_gemm, settings.drug_classes,
           settings.biologic_drugs)
    if key not in _CACHE:
        _CACHE[key] = build_pipeline(settings)
    return _CACHE[key]
