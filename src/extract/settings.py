"""Runtime settings (environment variables prefixed ``BIOMED_EXTRACT_``).

``shared_dir`` points at the read-only corpora/vocabulary folder; it defaults
to ``../shared`` beside the repository and is never copied into it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BIOMED_EXTRACT_")

    shared_dir: Path = PROJECT_ROOT.parent / "shared"
    models_dir: Path = PROJECT_ROOT / "models"
    out_dir: Path = PROJECT_ROOT / "data" / "output"
    # Which NER model folder to load (name under models_dir or a path). Empty:
    # the newest ``ner-*`` folder in models_dir, else the lexicon fallback.
    ner_model: str = ""
    # Which linker index to load (name under models_dir or a path). Empty: newest ``linker-*``.
    linker_index: str = ""
    relation_model: str = ""
    # Processes inside one NER task: forked workers share the loaded pipeline and each runs
    # all of it (model, abbreviations, linker, context) on its share of the documents (1: no workers).
    ner_processes: int = 2
    # Matrix products of the NER model: "numpy" (numpy's BLAS, one thread per process) or
    # "blis" (spaCy's default).  Same entities; numpy is faster here (extract.nlp.inference_ops).
    ner_gemm: Literal["numpy", "blis"] = "numpy"
    # Processes inside one relations task (forked workers sharing the loaded relation models; 1: none).
    relation_processes: int = 2
    # Widen CHEMICAL mentions over drug-class heads ("calcium channel blockers"; BC5CDR tags "calcium" only).
    drug_classes: bool = True
    # Add biologic drugs the model leaves out (infliximab, etanercept, interferon alfa; BC5CDR omits proteins).
    biologic_drugs: bool = True
    # Tag drug-class words no entity overlaps ("beta-blockers", "antihypertensives") as CHEMICAL mentions of their MeSH
    # class (extract.ner.class_words).  Off: BC5CDR annotates such words only sometimes, and on its dev split they cost
    # NER F1 0.8822 -> 0.8755 and CHEMICAL concept F1 0.8808 -> 0.8511 (111 false concepts).  Either way the linker
    # links a class word the model tagged ("calcium antagonists" -> Calcium Channel Blockers).
    class_words: bool = False
    # Keep only the disease_manifestation rows the row filter trained on hand-judged trial/review rows takes for
    # right (relations >= 0.8.0; extract.relations.manifestation_filter).  Precision on drug literature up,
    # recall on case-report style text down: see models/relations-0.10.0/MODEL_CARD.md.
    manifestation_filter: bool = True
    # The row filter's decision threshold (probability of a row being right); None: the one the filter was trained
    # with (0.5 since relations-0.8.0).  Lower keeps more rows, for case-report style text: on the dev gold set 0.3
    # gives P 0.97 / R 0.57 (0.5: 0.95 / 0.43), but the judged drug-literature rows the filter scores between 0.3 and
    # 0.5 (cross-validated) are right 4 times in 10, so the default stays.
    manifestation_filter_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Read each same-sentence drug_adverse_event row the joint model is not sure of again with the sentence text
    # classifier (relations >= 0.11.0; extract.relations.sentence_model).  Adverse-event precision on drug
    # literature up (audit 0.76 -> 0.80); costs ~0.7 ms per abstract on adverse-event-dense case reports.
    sentence_classifier: bool = True
    # Tag adverse effects as the ADE corpus annotates them (NER stage component extract_adverse_effects: the NER
    # model's own effect head when it has one, else the newest models/ade-effects-*): ADVERSE_EFFECT entities read by
    # the relation stage as adverse-event phrases (and tails, with ade_effect_tails).  Without tails only the
    # sentences holding a drug and a disease are tagged: models/ade-effects-0.2.0 there costs about 10% more NER-stage
    # CPU and gives ADE pairs end to end +0.016 (0.532 -> 0.549).  Off by default: on trial literature the phrases it
    # gives are as often worse as better ("Extrapyramidal Symptoms Scale", "decrease in upper GI toxicity" against
    # "lower extremity edema", "life threatening hyperkalaemia"; models/EXPERIMENTS.md, twenty-third session).
    ade_effects: bool = False
    # With ade_effects: an adverse-effect span that overlaps no DISEASE mention also becomes an adverse-event tail of
    # its own (unlinked; extract.relations.effect_spans "tails"), and every sentence holding a drug is tagged.  Off:
    # the spans only give adverse-event phrases (relations.tail_phrase) of DISEASE tails and the relation rows are
    # those without the tagger.  On the ADE folds tails add recall for precision (all sentences P 0.603 -> 0.551,
    # F1 0.549 -> 0.553), and unlinked tails to trial literature's rows.
    ade_effect_tails: bool = False
    # Seconds since its last change before a watched file is taken (``serve --watch``): a file still being copied
    # into the folder waits for the next run instead of being ingested half-written.
    watch_min_age: float = 60.0
    # Documents per task when a stage maps over a batch.
    chunk_size: int = 200
    # Seconds a run waits for another run on the same output folder to finish (0: refuse at once).
    lock_timeout: float = 0
    # Documents longer than this (characters, after cleaning) are truncated and noted in rejects.
    max_doc_chars: int = 2_000_000

    @property
    def vocab_dir(self) -> Path:
        return self.shared_dir / "vocab"

    @property
    def corpora_dir(self) -> Path:
        return self.shared_dir / "corpora"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def resolve_model_dir(name: str, prefix: str) -> Path | None:
    """Return the model folder for ``name`` (path or folder name), else the newest ``prefix-*``."""
    settings = get_settings()
    if name:
        candidate = Path(name)
        if not candidate.is_absolute() and not candidate.exists():
            candidate = settings.models_dir / name
        return candidate if candidate.exists() else None
    if not settings.models_dir.exists():
        return None
    folders = sorted(
        (p for p in settings.models_dir.glob(f"{prefix}-*") if p.is_dir()),
        key=lambda p: _version_key(p.name[len(prefix) + 1 :]),
    )
    return folders[-1] if folders else None


def _version_key(version: str) -> tuple:
    parts = []
    for piece in version.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)
