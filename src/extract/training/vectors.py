"""Static word vectors for the NER tok2vec, trained on ``shared/unlabeled`` with floret.

floret (fastText with hashed subword buckets) stores a fixed-size table of
``bucket × dim`` rows that covers *every* word through its character n-grams —
useful for unseen chemical names — and spaCy loads it natively (``--mode floret``).

Pipeline: raw text (``ID<TAB>text`` per line, gzip) → tokens from our own
biomedical tokenizer (so vector keys match model tokens) → one tokenized line
per document in ``data/work/vectors/corpus.txt`` → ``floret.train_unsupervised``
→ ``vectors.floret`` → ``spacy init vectors`` → a spaCy vectors folder usable as
``paths.vectors`` in ``configs/ner-vectors.cfg``.

Documents whose ID is a PMID of the BC5CDR dev split are left out, so dev text is
never seen, not even unlabelled.  Requires the optional ``train`` extra
(``pip install -e '.[train]'`` → floret).
"""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings

__all__ = ["UNLABELED_FILES", "iter_unlabeled", "write_tokenized_corpus", "train_floret_vectors"]

log = logging.getLogger(__name__)

#: Files under ``shared/unlabeled`` (evidence_inference: full texts, not their openings).
UNLABELED_FILES: tuple[str, ...] = (
    "sysrev_drug_reviews/abstracts.txt.gz",
    "ebmnlp_rct_abstracts/abstracts.txt.gz",
    "evidence_inference/fulltext.txt.gz",
)


def iter_unlabeled(files: Iterable[Path], exclude_ids: set[str] | frozenset[str] = frozenset()) -> Iterator[str]:
    """Texts of ``ID<TAB>text`` gzip files, skipping IDs in ``exclude_ids``."""
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                doc_id, _, text = line.rstrip("\n").partition("\t")
                if doc_id in exclude_ids or not text:
                    continue
                yield text


def write_tokenized_corpus(out: Path, exclude_ids: set[str] | frozenset[str] = frozenset()) -> int:
    """Tokenize the unlabeled corpus with our tokenizer; one document per line; returns token count."""
    nlp = make_blank_nlp()
    unlabeled = get_settings().shared_dir / "unlabeled"
    out.parent.mkdir(parents=True, exist_ok=True)
    n_tokens = 0
    with open(out, "w", encoding="utf-8") as handle:
        texts = iter_unlabeled([unlabeled / f for f in UNLABELED_FILES], exclude_ids)
        for doc in nlp.tokenizer.pipe(texts, batch_size=256):
            words = [t.text for t in doc if not t.is_space]
            n_tokens += len(words)
            handle.write(" ".join(words))
            handle.write("\n")
    return n_tokens


def train_floret_vectors(
    out_dir: Path,
    *,
    dim: int = 128,
    bucket: int = 50_000,
    epoch: int = 5,
    min_count: int = 3,
    minn: int = 3,
    maxn: int = 6,
    hash_count: int = 2,
    threads: int = 1,
    model: str = "cbow",
    exclude_ids: set[str] | frozenset[str] = frozenset(),
) -> Path:
    """Train floret vectors and convert them to a spaCy vectors folder ``out_dir/spacy``; return it.

    floret has no seed argument; it uses a fixed internal seed, so with one thread
    the result is reproducible.  An existing ``corpus.txt`` in ``out_dir`` is reused.
    ``model`` is floret's "cbow" (the shipped models' table) or "skipgram" (measured in
    ``models/EXPERIMENTS.md``, thirtieth session: not better for disease mentions).
    """
    import floret  # optional dependency (extra "train")

    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = out_dir / "corpus.txt"
    t0 = time.time()
    if corpus.exists() and corpus.stat().st_size > 0:
        n_tokens = sum(len(line.split()) for line in open(corpus, encoding="utf-8"))
    else:
        n_tokens = write_tokenized_corpus(corpus, exclude_ids)
    log.info("tokenized %d tokens in %.0f s", n_tokens, time.time() - t0)
    t0 = time.time()
    vectors = floret.train_unsupervised(
        str(corpus),
        model=model,
        mode="floret",
        hashCount=hash_count,
        bucket=bucket,
        minn=minn,
        maxn=maxn,
        minCount=min_count,
        dim=dim,
        epoch=epoch,
        thread=threads,
        verbose=0,
    )
    floret_path = out_dir / "vectors.floret"
    vectors.save_floret_vectors(str(floret_path))
    log.info("trained floret vectors in %.0f s", time.time() - t0)
    spacy_dir = out_dir / "spacy"
    subprocess.run(
        [sys.executable, "-m", "spacy", "init", "vectors", "en", str(floret_path), str(spacy_dir), "--mode", "floret"],
        check=True,
    )
    (out_dir / "INFO.txt").write_text(
        f"tokens={n_tokens} model={model} dim={dim} bucket={bucket} epoch={epoch} minCount={min_count} "
        f"minn={minn} maxn={maxn} hashCount={hash_count} threads={threads}\n"
    )
    return spacy_dir


#: Where :func:`default_vectors` builds the project's vectors (git-ignored).
DEFAULT_VECTORS_DIR = Path(__file__).resolve().parents[3] / "data" / "work" / "vectors-floret-128"


def default_vectors(out_dir: Path = DEFAULT_VECTORS_DIR) -> Path:
    """The project's floret vectors (128 dims, 50k buckets), built on first use; BC5CDR dev PMIDs excluded.

    Returns the spaCy vectors folder to pass as ``paths.vectors``.  Takes ~25 min
    of one core the first time (25M tokens, 5 epochs); later calls reuse the folder.
    """
    spacy_dir = out_dir / "spacy"
    if (spacy_dir / "vocab" / "vectors").exists():
        return spacy_dir
    from extract.training.corpus import CORPORA, load_documents

    dev_pmids = {d.pmid for d in load_documents(CORPORA["bc5cdr_dev"])}
    return train_floret_vectors(out_dir, exclude_ids=dev_pmids)
