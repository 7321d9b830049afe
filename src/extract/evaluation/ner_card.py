"""Evaluate a packaged NER model and write its ``MODEL_CARD.md`` (+ ``metrics.json``)."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import spacy

from extract.corpora.pubtator import read_pubtator, unique_documents
from extract.evaluation.ner import evaluate_model_direct, evaluate_ner
from extract.settings import get_settings
from extract.training.alignment import compare_tokenizers
from extract.training.corpus import CORPORA, ConversionStats

__all__ = ["folder_size_mb", "write_model_card", "append_benchmark"]


def folder_size_mb(path: Path) -> float:
    """Total size of the files under ``path`` in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _fmt(x: float) -> str:
    return f"{x:.4f}"


def _score_table(scores: dict) -> str:
    rows = ["| label | precision | recall | F1 | TP | FP | FN |", "|---|---|---|---|---|---|---|"]
    for label, s in scores["per_label"].items():
        rows.append(
            f"| {label} | {_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} | {s['tp']} | {s['fp']} | {s['fn']} |"
        )
    rows.append(
        f"| **overall (micro)** | **{_fmt(scores['precision'])}** | **{_fmt(scores['recall'])}** | **{_fmt(scores['f1'])}** "
        f"| {scores['tp']} | {scores['fp']} | {scores['fn']} |"
    )
    return "\n".join(rows)


def write_model_card(
    model_dir: Path, info: dict[str, Any], *, eval_limit: int | None = None, pipeline_eval: bool = True
) -> dict:
    """Evaluate ``model_dir`` on BC5CDR dev, write ``metrics.json`` and ``MODEL_CARD.md``; return metrics."""
    corpora = get_settings().corpora_dir
    dev_path = corpora / CORPORA["bc5cdr_dev"].path
    train_path = corpora / CORPORA["bc5cdr_train"].path
    direct = evaluate_model_direct(model_dir, dev_path, limit=eval_limit)
    pipeline: dict | None = None
    pipeline_error = ""
    if pipeline_eval:
        try:
            pipeline = evaluate_ner(dev_path, limit=eval_limit, model=model_dir)
        except Exception as exc:  # the pipeline stages belong to other modules; report, don't fail training
            pipeline_error = f"{type(exc).__name__}: {exc}"
    align = {}
    for split, path in (("train", train_path), ("dev", dev_path)):
        docs = list(unique_documents(read_pubtator(path)))
        default, ours = compare_tokenizers(docs)
        align[split] = {"default": default.__dict__, "ours": ours.__dict__}
    size = folder_size_mb(model_dir)
    metrics = {
        "dev_direct": direct,
        "dev_pipeline": pipeline,
        "pipeline_error": pipeline_error,
        "alignment": align,
        "size_mb": round(size, 2),
    }
    (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))

    stats = [ConversionStats(**s) for s in info["train_stats"]]
    from extract.training.ner import stats_table

    held_out = not info["include_dev_in_train"]
    pipe_names = json.loads((model_dir / "meta.json").read_text()).get("pipeline", ["ner"])
    vectors_arg = '"floret"' if info["vectors"] else "None"
    other = {
        k: v for k, v in info["overrides"].items() if k not in ("system.seed", "training.seed", "training.max_steps")
    }
    extra_overrides = f",\n            overrides={other!r}" if other else ""
    cfg = (
        spacy.util.load_config(model_dir / "config.cfg", interpolate=False)
        if (model_dir / "config.cfg").exists()
        else {}
    )
    lexicon_cfg = cfg.get("components", {}).get("lexicon_features", {})
    sources = "DrugBank/CTD" + ("/HPO" if lexicon_cfg.get("include_hpo") else "")
    sources += "/MeSH (chemical and disease names)" if lexicon_cfg.get("include_mesh") else ""
    augmenter = cfg.get("corpora", {}).get("train", {}).get("augmenter") or {}
    dropout = (
        f" During training each match was dropped with probability {augmenter.get('rate')} (augmenter "
        "`extract.lexicon_dropout.v1`), so the model also finds mentions the dictionaries lack."
        if augmenter.get("@augmenters") == "extract.lexicon_dropout.v1"
        else ""
    )
    lines = [
        f"# NER model `ner-{info['version']}` — CHEMICAL and DISEASE",
        "",
        "spaCy pipeline (`spacy.load` this folder): tokenizer `extract.biomedical_tokenizer.v1`, components "
        f"`{'`, `'.join(pipe_names)}`; `ner` is transition-based with its CNN tok2vec inline and has labels exactly "
        "CHEMICAL and DISEASE. No parser or senter: sentence starts are set by the NER stage from the clean "
        "stage's `sentences` table."
        + (
            " `lexicon_features` (factory `extract_lexicon_features`, `extract.ner.lexicon_features`) writes "
            f"{sources} dictionary matches into `Token.tag` as an input feature of the tok2vec; it never creates "
            f"entities itself.{dropout}"
            if len(pipe_names) > 1
            else ""
        ),
        "",
        "## Training data",
        "",
        stats_table(stats),
        "",
        f"* BC5CDR dev PMIDs excluded from all training data: {info['excluded_dev_pmids']} "
        f"({'dev held out' if held_out else 'NOT held out: this model was retrained on train+dev'}).",
        "* Repeated PMIDs across corpora are used once (BC5CDR first); BioRED documents also in BC5CDR are skipped.",
        "* Label mapping and guideline differences: see `extract.training.corpus` (docstring) and `models/EXPERIMENTS.md`.",
        "* Mentions not on token boundaries are marked *missing* (neither entity nor O) during training.",
        "",
        "## Configuration and reproduction",
        "",
        f"* config: `{info['config']}` (copy in this folder: `config.cfg`); overrides: `{json.dumps(info['overrides'])}`",
        (
            f"* static vectors: floret, trained by `extract.training.vectors.default_vectors` on shared/unlabeled "
            f"(BC5CDR dev PMIDs excluded): {info.get('vectors_info') or info['vectors']}; stored in this folder"
        )
        if info["vectors"]
        else "* static vectors: none",
        f"* seed: {info['seed']} (system.seed and training.seed); spaCy {info['spacy_version']}, CPU only",
        f"* best checkpoint used: `{info['best_checkpoint']}` (selected on BC5CDR dev ents_f)",
        f"* training time: {info['train_seconds'] / 60:.1f} min on {platform.machine()} (2 shared cores)"
        + (
            "; from scratch add the one-off floret vector training (~27 min of one busy core, 25M tokens × 5 epochs) "
            "and ~10 s of corpus conversion"
            if info["vectors"]
            else ""
        ),
        "* reproduce (same seed → same weights on CPU):",
        "",
        "  ```python",
        "  from pathlib import Path",
        "  from extract.settings import get_settings",
        "  from extract.training.ner import train_ner",
        f"  train_ner(get_settings().models_dir, config=Path({info['config']!r}), version={info['version']!r},",
        f"            extra_corpora={info['extra_corpora']!r}, max_steps={info['max_steps']!r}, seed={info['seed']!r},",
        f"            vectors={vectors_arg}, include_dev_in_train={info['include_dev_in_train']!r}{extra_overrides})",
        "  ```",
        "",
        "## BC5CDR development set (500 abstracts), strict (start, end, label) matching",
        "",
        '### Model alone (`spacy.load`, text = title + "\\n\\n" + abstract)',
        "",
        _score_table(direct),
        "",
        f"Speed (model alone, 1 process): {direct['words_per_second']:.0f} words/s, {direct['docs_per_second']:.1f} abstracts/s "
        f"({direct['n_docs']} abstracts in {direct['seconds']} s) — measured while writing this card, machine load not "
        "controlled; the benchmark figures (`benchmarks/bench_ner.py`) are in the Benchmark section / `benchmarks/README.md`.",
        "",
        "### Real stages (`extract.runner.run_texts`, clean + ner incl. post-processing)",
        "",
    ]
    if pipeline:
        lines += [
            _score_table(pipeline),
            "",
            f"{pipeline['n_docs']} abstracts in {pipeline['seconds']} s; "
            f"texts changed by cleaning: {pipeline['texts_changed_by_clean']}; unaligned predictions: {pipeline['unaligned_predictions']}.",
        ]
    else:
        lines.append(f"Not measured: {pipeline_error or 'disabled'}")
    lines += [
        "",
        "## Tokenizer alignment loss (gold mentions not on token boundaries)",
        "",
        "| split | mentions | spaCy default English | extract.biomedical_tokenizer.v1 |",
        "|---|---|---|---|",
    ]
    for split, a in align.items():
        lines.append(
            f"| BC5CDR {split} | {a['default']['mentions']} | {a['default']['misaligned']} | {a['ours']['misaligned']} |"
        )
    lines += [
        "",
        "Remaining examples (ours, dev): " + "; ".join(align["dev"]["ours"]["examples"][:8]),
        "",
        "## Size",
        "",
        f"{size:.1f} MB on disk.",
        "",
        "## Intended use and limits",
        "",
        "Abstract-style biomedical text (PubMed). Trained on annotations of chemicals/drugs and diseases/"
        "symptoms per the BC5CDR guidelines; genes, species and phenotype ontologies are out of scope. "
        "Accuracy on full texts, web pages and non-English text is not measured.",
        "",
    ]
    (model_dir / "MODEL_CARD.md").write_text("\n".join(lines))
    return metrics


def append_benchmark(model_dir: Path, bench: dict, note: str = "") -> None:
    """Add the JSON printed by ``benchmarks/bench_ner.py`` to the card (section "Benchmark")."""
    card = model_dir / "MODEL_CARD.md"
    text = card.read_text().split("\n## Benchmark\n")[0].rstrip("\n")
    rows = ["| measurement | abstracts/s | words/s | peak RSS MB |", "|---|---|---|---|"]
    for key, value in bench.items():
        if isinstance(value, dict) and "abstracts_per_s" in value:
            rows.append(
                f"| {key} | {value['abstracts_per_s']} | {value.get('words_per_s', '')} | {value['peak_rss_mb']} |"
            )
    section = [
        "",
        "## Benchmark",
        "",
        f"`benchmarks/bench_ner.py` over the 500 BC5CDR dev abstracts. {note}".rstrip(),
        "",
        *rows,
        "",
        f"Model folder: {bench.get('model_size_mb')} MB.",
        "",
    ]
    card.write_text(text + "\n" + "\n".join(section))
