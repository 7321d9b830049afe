"""Train the adverse-effect span tagger on the ADE corpus's own effect spans.

The NER follows BC5CDR (CHEMICAL / DISEASE) and must stay so; the ADE corpus annotates adverse effects more broadly
(findings, lab changes, "lithium intoxication", "lost consciousness", "decreased oxygen saturation").  This module
trains a small spaCy tagger of one span label, :data:`LABEL` (``ADVERSE_EFFECT``), on those spans with spaCy's own training
machinery, as :mod:`extract.training.ner` trains the NER:

1. :func:`effect_docs` turns ADE sentences into ``Doc`` objects of the project's tokenizer (``DRUG-AE`` sentences with
   their effect spans as entities, overlapping effects resolved to the longest; ``ADE-NEG`` sentences, when asked,
   with no entity: their effects are not annotated, so they teach "not an adverse effect in this context");
2. :func:`train_tagger` writes them as DocBins (a tenth of the training PMIDs, dealt deterministically, is the
   checkpoint-selection dev set), writes a vectors pipeline with the NER model's floret static vectors, and runs
   ``spacy.cli.train.train`` on CPU with ``configs/ade_effects.cfg`` (or another config) and a fixed seed;
3. the best checkpoint's pipe (a transition-based ``ner``, or a BIO ``tagger`` with ``configs/ade_effects_bio.cfg``)
   is the tagger (:class:`extract.ner.adverse_effects.AdverseEffectTagger` saves and
   loads it with its own settings).

Never trained on: BC5CDR (not read here), the PMIDs of the relation audit (``data/gold/relation_audit/audit_ids.txt``)
nor, in the evaluation's folds, the held-out fold's PMIDs (the caller passes the sentences to train on).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import asdict, dataclass
from io import StringIO
from pathlib import Path

import spacy
from spacy.cli.train import train as spacy_train
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from extract.corpora.ade import AdeSentence, read_ade
from extract.ner.adverse_effects import LABEL, AdverseEffectTagger, bio_tags
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import PROJECT_ROOT, get_settings, resolve_model_dir

__all__ = ["DEFAULT_CONFIG", "TaggerStats", "effect_docs", "effect_tag_docs", "train_tagger", "train_shipped_tagger"]

log = logging.getLogger(__name__)

DEFAULT_CONFIG = PROJECT_ROOT / "configs" / "ade_effects.cfg"
AUDIT_IDS = PROJECT_ROOT / "data" / "gold" / "relation_audit" / "audit_ids.txt"
WORK_DIR = PROJECT_ROOT / "data" / "work"


@dataclass
class TaggerStats:
    positive_sentences: int = 0
    negative_sentences: int = 0
    effects: int = 0
    overlapping_dropped: int = 0  # effect spans inside / across a longer one of the same sentence
    expanded: int = 0  # effect spans not on token boundaries, widened to them
    audit_pmids_excluded: int = 0
    dev_sentences: int = 0


def audit_pmids(path: Path = AUDIT_IDS) -> set[str]:
    """PMIDs of the relation audit sample: never trained on."""
    return {line.strip() for line in path.read_text().splitlines() if line.strip()} if path.exists() else set()


def effect_docs(sentences: Sequence[AdeSentence], nlp=None, stats: TaggerStats | None = None) -> list[Doc]:
    """One Doc per sentence: its gold effects as ``ADVERSE_EFFECT`` entities, every other token outside."""
    nlp = nlp or make_blank_nlp()
    stats = stats if stats is not None else TaggerStats()
    docs = []
    for s in sentences:
        doc = nlp.make_doc(s.text)
        spans = []
        for e in s.effects:
            span = doc.char_span(e.start, e.end, label=LABEL)
            if span is None:
                span = doc.char_span(e.start, e.end, label=LABEL, alignment_mode="expand")
                stats.expanded += span is not None
            if span is not None and len(span):
                spans.append(span)
        kept = filter_spans(spans)
        stats.overlapping_dropped += len({(x.start, x.end) for x in spans}) - len(kept)
        doc.ents = kept  # the rest of the sentence is outside (not missing)
        for token, tag in zip(doc, bio_tags(doc)):
            token.tag_ = tag  # the same spans as BIO tags, for the ``tagger`` architecture
        docs.append(doc)
        if s.pairs:
            stats.positive_sentences += 1
            stats.effects += len(kept)
        else:
            stats.negative_sentences += 1
    return docs


def effect_tag_docs(sentences: Sequence[AdeSentence], nlp=None, stats: TaggerStats | None = None) -> list[Doc]:
    """One Doc per sentence with its effects as BIO token tags and *no* entity annotation: the training documents of
    the NER model's effect head (:mod:`extract.ner.effect_head`), on which the CHEMICAL / DISEASE loss is missing."""
    nlp = nlp or make_blank_nlp()
    out = []
    for doc in effect_docs(sentences, nlp, stats):
        tagged = nlp.make_doc(doc.text)
        for token, tag in zip(tagged, bio_tags(doc), strict=True):
            token.tag_ = tag
        out.append(tagged)
    return out


def _split(sentences: Sequence[AdeSentence], every: int = 10) -> tuple[list[AdeSentence], list[AdeSentence]]:
    """(train, dev): every ``every``-th PMID (sorted numerically) is the checkpoint-selection dev set."""
    pmids = sorted({s.pmid for s in sentences}, key=lambda p: (len(p), p))
    dev = {p for i, p in enumerate(pmids) if i % every == every // 2}
    return [s for s in sentences if s.pmid not in dev], [s for s in sentences if s.pmid in dev]


def _negatives(sentences: Sequence[AdeSentence], share: float) -> list[AdeSentence]:
    """The ADE-NEG sentences to train on: ``share`` of them per positive sentence, dealt deterministically."""
    pos = [s for s in sentences if s.pairs]
    neg = [s for s in sentences if s.negative]
    n = min(len(neg), round(share * len(pos)))
    if n <= 0:
        return []
    step = len(neg) / n
    return [neg[int(i * step)] for i in range(n)]


def vectors_pipeline(work: Path, ner_model: Path | None = None) -> Path:
    """A blank pipeline of the project's tokenizer holding the NER model's static vectors (``[initialize] vectors``)."""
    ner_model = ner_model or resolve_model_dir(get_settings().ner_model, "ner")
    if ner_model is None or not (Path(ner_model) / "vocab" / "vectors").exists():
        raise FileNotFoundError("the adverse-effect tagger needs the NER model folder's static vectors")
    nlp = make_blank_nlp()
    nlp.vocab.vectors.from_disk(Path(ner_model) / "vocab")
    out = work / "vectors"
    nlp.to_disk(out)
    return out


def train_tagger(
    sentences: Sequence[AdeSentence],
    out_dir: Path,
    *,
    config: Path = DEFAULT_CONFIG,
    negative_share: float = 0.0,
    seed: int = 0,
    max_steps: int | None = None,
    work_dir: Path | None = None,
    ner_model: Path | None = None,
    overrides: dict | None = None,
    quiet: bool = True,
) -> AdverseEffectTagger:
    """Train a tagger on ``sentences`` (their DRUG-AE sentences; ``negative_share`` ADE-NEG sentences per DRUG-AE
    one), save it to ``out_dir`` and return it.  Sentences of audit PMIDs are left out."""
    started = time.time()
    stats = TaggerStats()
    audit = audit_pmids()
    kept = [s for s in sentences if s.pmid not in audit]
    stats.audit_pmids_excluded = len({s.pmid for s in sentences} - {s.pmid for s in kept})
    chosen = [s for s in kept if s.pairs] + _negatives(kept, negative_share)
    train, dev = _split(chosen)
    work = Path(work_dir) if work_dir else WORK_DIR / f"ade-effects-{Path(out_dir).name}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    nlp = make_blank_nlp()
    DocBin(docs=effect_docs(train, nlp, stats), store_user_data=False).to_disk(work / "train.spacy")
    dev_stats = TaggerStats()
    DocBin(docs=effect_docs([s for s in dev if s.pairs], nlp, dev_stats)).to_disk(work / "dev.spacy")
    stats.dev_sentences = dev_stats.positive_sentences
    cfg = {
        "paths.train": str(work / "train.spacy"),
        "paths.dev": str(work / "dev.spacy"),
        "paths.vectors": str(vectors_pipeline(work, ner_model)),
        "system.seed": seed,
        "training.seed": seed,
    }
    if max_steps is not None:
        cfg["training.max_steps"] = max_steps
    cfg.update(overrides or {})
    train_started = time.time()
    log_text = StringIO()
    if quiet:
        with redirect_stdout(log_text):
            spacy_train(Path(config), work / "run", use_gpu=-1, overrides=cfg)
    else:
        spacy_train(Path(config), work / "run", use_gpu=-1, overrides=cfg)
    (work / "train.log").write_text(log_text.getvalue())
    train_seconds = time.time() - train_started
    best = work / "run" / "model-best"
    if not best.exists():
        best = work / "run" / "model-last"
    meta = json.loads((best / "meta.json").read_text())
    training = {
        "config": str(Path(config).resolve().relative_to(PROJECT_ROOT))
        if Path(config).resolve().is_relative_to(PROJECT_ROOT)
        else str(config),
        "seed": seed,
        "negative_share": negative_share,
        "overrides": {k: v for k, v in cfg.items() if not k.startswith("paths.")},
        "stats": asdict(stats),
        "train_seconds": round(train_seconds, 1),
        "seconds": round(time.time() - started, 1),
        "dev_scores": {k: meta.get("performance", {}).get(k) for k in ("ents_p", "ents_r", "ents_f")},
        "spacy_version": spacy.__version__,
    }
    tagger = AdverseEffectTagger.from_pipeline(spacy.load(best), training=training)
    tagger.to_disk(Path(out_dir))
    log.info("adverse-effect tagger %s written in %.0f s", out_dir, time.time() - started)
    return tagger


def train_shipped_tagger(
    output_dir: Path,
    version: str,
    *,
    corpus_dir: Path | None = None,
    negative_share: float = 0.0,
    seed: int = 0,
    max_steps: int | None = None,
    config: Path = DEFAULT_CONFIG,
) -> Path:
    """``<output_dir>/ade-effects-<version>/`` trained on the whole ADE corpus (its DRUG-AE sentences)."""
    corpus_dir = Path(corpus_dir or get_settings().corpora_dir / "ade_corpus_v2")
    sents = read_ade(corpus_dir)
    target = Path(output_dir) / f"ade-effects-{version}"
    tagger = train_tagger(sents, target, config=config, negative_share=negative_share, seed=seed, max_steps=max_steps)
    tagger.training["data"] = {"ade": str(corpus_dir), "pmids": len({s.pmid for s in sents})}
    tagger.training["version"] = version
    tagger.to_disk(target)
    return target


def _held_out_lines(result: dict) -> list[str]:
    """The card's table of an ``evaluate --task ade --json`` result with ``effect_tagger`` figures."""
    et = result.get("effect_tagger") or {}
    if not et:
        return []

    def cell(x: dict) -> str:
        return f"{x['precision']:.3f} / {x['recall']:.3f} / {x['f1']:.3f}"

    lines = [
        "",
        f"Held out (`biomed-extract evaluate --task ade`, own {result.get('folds')} PMID folds, one tagger per fold "
        f"trained without it, config `{et.get('config', 'configs/ade_effects.cfg')}`): exact effect spans of the "
        f"DRUG-AE sentences P / R / F1 {cell(et['effect_spans'])}; drug → adverse-effect pairs end to end, P / R / F1:",
        "",
        "| tagger spans used as | all sentences | DRUG-AE sentences |",
        "|---|---|---|",
    ]
    names = {
        "without": "not used",
        "phrases": "(a) tail_phrase of an overlapping DISEASE tail",
        "tails": "(b) adverse-event tails where no DISEASE mention is",
        "phrases+tails": "(a) + (b)",
    }
    for key, name in names.items():
        if key in et:
            lines.append(f"| {name} | {cell(et[key])} | {cell(et[key]['positive_sentences'])} |")
    return lines


def write_model_card(folder: Path, held_out: dict | None = None) -> Path:
    """``MODEL_CARD.md`` of a tagger folder from its saved training record (``held_out``: an ``evaluate --task ade``
    result with the tagger's fold figures)."""
    folder = Path(folder)
    settings = json.loads((folder / "adverse_effects.json").read_text())
    t = settings.get("training") or {}
    stats = t.get("stats") or {}
    dev = t.get("dev_scores") or {}
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    lines = [
        f"# ade-effects-{t.get('version', folder.name)}: adverse-effect span tagger",
        "",
        "A small spaCy tagger of `ADVERSE_EFFECT` spans trained on the ADE corpus v2's own adverse-effect spans, run "
        "by the NER stage's `extract_adverse_effects` component (`src/extract/ner/adverse_effects.py`; the "
        "`ade_effects` setting, off by default: `BIOMED_EXTRACT_ADE_EFFECTS=true`) on the sentences that "
        "hold a CHEMICAL and a DISEASE entity (every sentence holding a CHEMICAL with `BIOMED_EXTRACT_ADE_EFFECT_TAILS="
        "true`).  Its spans are written as `entities` rows labelled `ADVERSE_EFFECT` beside the BC5CDR-style CHEMICAL "
        "/ DISEASE mentions, which it does not change; the relation stage reads them as adverse-event phrases "
        "(`relations.tail_phrase`) and, with the tails setting, as adverse-event-only tails "
        "(`src/extract/relations/effect_spans.py`).",
        "",
        "## Training",
        "",
        f"- Built by `biomed-extract train ade-effects --version {t.get('version', '?')}` "
        f"(`extract.training.adverse_effects`), config `{t.get('config')}`, seed {t.get('seed')}, "
        f"overrides {json.dumps(t.get('overrides') or {})}, spaCy {t.get('spacy_version')}.",
        f"- Data: {(t.get('data') or {}).get('ade', 'the ADE corpus')} — {stats.get('positive_sentences')} DRUG-AE "
        f"sentences ({stats.get('effects')} effect spans; {stats.get('overlapping_dropped')} overlapping spans resolved "
        f"to the longest, {stats.get('expanded')} widened to token boundaries), {stats.get('negative_sentences')} ADE-NEG "
        f"sentences (negative share {t.get('negative_share')}); {stats.get('dev_sentences')} DRUG-AE sentences of every "
        "tenth PMID held out for checkpoint selection; relation-audit PMIDs excluded "
        f"({stats.get('audit_pmids_excluded')} found).  No BC5CDR text.",
        "- Static vectors: the NER model's floret table (the tagger shares the NER stage's vocab and its vectors).",
        f"- Training time: {t.get('train_seconds')} s on 2 CPU cores.  Folder size: {size:.1f} MB.",
        "",
        "## Figures",
        "",
        f"- Checkpoint-selection split (exact spans): P {_fmt(dev.get('ents_p'))} / R {_fmt(dev.get('ents_r'))} / "
        f"F1 {_fmt(dev.get('ents_f'))} (seen during selection: not a held-out figure).",
        "- Held out: `biomed-extract evaluate --task ade` trains one tagger per PMID fold without the held-out fold "
        "and reports its effect-span P/R/F1 and the pair figures with and without it (`effect_tagger` in the output); "
        'recorded in `models/EXPERIMENTS.md` ("ADE effect tagger (ninth session)", twenty-third session).',
        *_held_out_lines(held_out or {}),
        "",
        "## Limits",
        "",
        "- Trained on case-report sentences that state a drug's adverse effect; on ADE-NEG sentences it still tags "
        "effect-like phrases (the relation model decides whether a drug caused them).",
        "- Spans are unlinked; an effect-span tail can only become a same-sentence `drug_adverse_event` row.",
        "",
    ]
    out = folder / "MODEL_CARD.md"
    out.write_text("\n".join(lines))
    return out


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"
