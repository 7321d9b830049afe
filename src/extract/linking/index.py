"""Build, save and load the linker index (``models/linker-<version>/``).

Layout of a linker folder::

    linker-<version>/
      kb.jsonl.gz          concepts (id, name, label, ontology, normalised aliases, xrefs)
      priors.json.gz       training-corpus counts: alias -> concept id -> n
      chemical/, disease/  one scispaCy ``LinkerPaths`` folder per label:
                           nmslib_index.bin, tfidf_vectorizer.joblib,
                           tfidf_vectors_sparse.npz, concept_aliases.json
      meta.json, MODEL_CARD.md

The per-label folders are exactly what ``scispacy.candidate_generation.LinkerPaths``
expects, so :class:`scispacy.candidate_generation.CandidateGenerator` loads and
queries them.  scispaCy's own ``create_tfidf_ann_index`` is not used: it insists
on float16 sparse vectors (refused by current SciPy) and a fixed ``min_df=10``.

nmslib indexes cannot be pickled, so :func:`load_linker_resources` keeps one
loaded copy per process (module-level cache); each ``nlp.pipe`` worker loads its own.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import nmslib
import numpy as np
import scipy.sparse
from scispacy.candidate_generation import CandidateGenerator, LinkerPaths
from scispacy.linking_utils import KnowledgeBase
from sklearn.feature_extraction.text import TfidfVectorizer

from extract.linking.knowledge_base import (
    CHEMICAL,
    DISEASE,
    KnowledgeBaseData,
    build_knowledge_base,
)

log = logging.getLogger(__name__)

LABELS = (CHEMICAL, DISEASE)

#: HNSW parameters: modest M keeps the folder small; efConstruction trades build time for recall.
HNSW_PARAMS = {"M": 16, "efConstruction": 120, "post": 0}
EF_SEARCH = 100


class AliasKnowledgeBase(KnowledgeBase):
    """A scispaCy ``KnowledgeBase`` over normalised aliases (what the ANN index stores).

    Only ``alias_to_cuis`` is filled: it is all ``CandidateGenerator`` reads.
    """

    def __init__(self, alias_to_ids: dict[str, set[str]]) -> None:
        self.cui_to_entity = {}
        self.alias_to_cuis = alias_to_ids

    @classmethod
    def for_label(cls, data: KnowledgeBaseData, label: str) -> AliasKnowledgeBase:
        table: dict[str, set[str]] = {}
        for concept in data.concepts.values():
            if concept.label == label:
                for alias in concept.aliases:
                    table.setdefault(alias, set()).add(concept.concept_id)
        return cls(table)


def _build_label_index(kb: AliasKnowledgeBase, folder: Path, threads: int) -> dict:
    """Fit a char-3-gram TF-IDF and an HNSW index over ``kb``'s aliases into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = LinkerPaths.from_directory(folder)
    aliases = sorted(kb.alias_to_cuis)
    min_df = 2 if len(aliases) > 5000 else 1
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=min_df, dtype=np.float32)
    vectors = vectorizer.fit_transform(aliases).astype(np.float32).tocsr()
    non_empty = np.asarray(vectors.getnnz(axis=1) > 0)
    aliases = [a for a, keep in zip(aliases, non_empty) if keep]
    vectors = vectors[non_empty]
    # The fitted stop_words_ set is only for introspection and can be large.
    vectorizer.stop_words_ = None
    joblib.dump(vectorizer, paths.tfidf_vectorizer, compress=3)
    scipy.sparse.save_npz(paths.tfidf_vectors, vectors, compressed=True)
    with open(paths.concept_aliases_list, "w", encoding="utf-8") as out:
        json.dump(aliases, out, ensure_ascii=False)
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse", data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex({**HNSW_PARAMS, "indexThreadQty": threads}, print_progress=False)
    index.saveIndex(paths.ann_index)
    return {"aliases": len(aliases), "ngrams": len(vectorizer.vocabulary_), "nnz": int(vectors.nnz)}


def build_index_files(data: KnowledgeBaseData, out: Path, *, threads: int = 1) -> dict[str, dict]:
    """Write kb/priors and one ANN index per label into ``out``; return per-label statistics."""
    out.mkdir(parents=True, exist_ok=True)
    data.save(out)
    stats = {}
    for label in LABELS:
        stats[label] = _build_label_index(AliasKnowledgeBase.for_label(data, label), out / label.lower(), threads)
        stats[label]["concepts"] = sum(1 for c in data.concepts.values() if c.label == label)
    return stats


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_linker_index(
    out_dir: Path, *, shared_dir: Path | None = None, version: str, threads: int | None = None
) -> Path:
    """Build ``out_dir/linker-<version>/`` from the shared vocabularies and training corpora.

    ``out_dir`` is the models folder; ``shared_dir`` defaults to the setting.  Writes
    ``meta.json`` and ``MODEL_CARD.md`` (evaluation figures are added by
    :func:`extract.linking.card.write_model_card` when given).  Returns the folder.
    """
    from extract.linking.card import write_model_card
    from extract.settings import get_settings

    shared_dir = Path(shared_dir or get_settings().shared_dir)
    # One thread by default: nmslib's HNSW graph built with several threads differs from build to build (the
    # fifteenth session measured 2 CHEMICAL false positives of difference end to end between two 2-thread builds
    # of the same data); with one it is byte-identical, ~40 s more.  ``threads`` > 1 trades that for speed.
    threads = threads or 1
    target = Path(out_dir) / f"linker-{version}"
    staging = Path(out_dir) / f".linker-{version}.tmp"
    if staging.exists():
        import shutil

        shutil.rmtree(staging)
    started = time.time()
    data = build_knowledge_base(shared_dir)
    kb_seconds = time.time() - started
    stats = build_index_files(data, staging, threads=threads)
    meta = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.time() - started, 1),
        "kb_seconds": round(kb_seconds, 1),
        "shared_dir": str(shared_dir),
        "sources": data.sources,
        "labels": stats,
        "hnsw": HNSW_PARAMS,
        "ef_search": EF_SEARCH,
        "size_bytes": folder_size(staging),
    }
    (staging / "meta.json").write_text(json.dumps(meta, indent=2))
    write_model_card(staging, meta, evaluation=None)
    if target.exists():
        import shutil

        shutil.rmtree(target)
    staging.rename(target)
    return target


# --------------------------------------------------------------------- loading


@dataclass
class LinkerResources:
    """Everything the linker needs, loaded once per process."""

    folder: Path
    data: KnowledgeBaseData
    alias_to_ids: dict[str, set[str]]
    generators: dict[str, CandidateGenerator]
    version: str
    load_seconds: float
    #: concept id -> its normalised aliases (``data.concepts[...].aliases`` is emptied at load).
    concept_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)


_CACHE: dict[Path, LinkerResources] = {}
_LOCK = threading.Lock()


def release_linker_resources() -> None:
    """Forget every loaded linker folder in this process (the next :func:`load_linker_resources` loads
    it again); its memory is freed once no linker holds it any more."""
    with _LOCK:
        _CACHE.clear()


def _load_generator(folder: Path, kb: AliasKnowledgeBase) -> CandidateGenerator:
    paths = LinkerPaths.from_directory(folder)
    vectors = scipy.sparse.load_npz(paths.tfidf_vectors).astype(np.float32)
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse", data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.loadIndex(paths.ann_index)
    index.setQueryTimeParams({"efSearch": EF_SEARCH})
    return CandidateGenerator(
        ann_index=index,
        tfidf_vectorizer=paths.get_tfidf_vectorizer(),
        ann_concept_aliases_list=paths.get_concept_aliases(),
        kb=kb,
    )


def load_linker_resources(folder: Path) -> LinkerResources:
    """Load (or return the cached) resources of the linker folder ``folder``."""
    folder = Path(folder).resolve()
    with _LOCK:
        cached = _CACHE.get(folder)
        if cached is not None:
            return cached
        started = time.time()
        data = KnowledgeBaseData.load(folder)
        alias_to_ids = data.alias_to_ids()
        concept_aliases = {}
        for concept in data.concepts.values():
            # Tuples are far smaller than the sets (the alias strings are shared with the table).
            concept_aliases[concept.concept_id] = tuple(concept.aliases)
            concept.aliases = set()
        # One alias table serves both generators; the linker filters candidates by label.
        shared_kb = AliasKnowledgeBase(alias_to_ids)
        generators = {
            label: _load_generator(folder / label.lower(), shared_kb)
            for label in LABELS
            if (folder / label.lower()).is_dir()
        }
        meta_path = folder / "meta.json"
        version = json.loads(meta_path.read_text()).get("version", folder.name) if meta_path.exists() else folder.name
        resources = LinkerResources(
            folder, data, alias_to_ids, generators, version, time.time() - started, concept_aliases
        )
        _CACHE[folder] = resources
        log.info("loaded linker %s in %.1fs", folder, resources.load_seconds)
        return resources
