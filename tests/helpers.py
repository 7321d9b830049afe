"""Helpers shared by the test modules: paths, the seed documents as views, the CLI in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from extract.corpora.pubtator import read_pubtator
from extract.evaluation.ner import GOLD_LABEL_MAP
from extract.nlp.sentences import split_sentences
from extract.relations.candidates import sentence_index_of
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.settings import get_settings, resolve_model_dir

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
PAGES = get_settings().shared_dir / "samples" / "pages"
#: The NER stage's post-processing pipes, in the order configs/ner_stage.cfg runs them.
POSTPROCESSING = [
    "extract_span_edges",
    "extract_mention_noise",
    "extract_place_names",
    "extract_genus_initials",
    "extract_product_codes",
    "extract_biologic_drugs",
    "extract_disease_names",
    "extract_annotation_rates",
    "extract_label_consistency",
    "extract_drug_classes",
    "extract_abbreviations",
    "extract_linker",
    "extract_context",
]


#: Gold corpora (train and dev splits) whose Chemical / Disease mentions the NER stage's span rules must leave alone.
GOLD_CORPORA = [
    "bc5cdr/CDR_TrainingSet.PubTator.txt",
    "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
    "ncbi_disease/NCBItrainset_corpus.txt",
    "ncbi_disease/NCBIdevelopset_corpus.txt",
    "biored/Train.PubTator",
    "biored/Dev.PubTator",
]


def gold_mentions(name: str) -> list[tuple[str, object]]:
    """``(title + " " + abstract, mention)`` for every Chemical / Disease gold mention of the corpus ``name`` (a
    path under the shared corpora folder); the test is skipped when the file is missing."""
    path = get_settings().corpora_dir / name
    if not path.exists():
        pytest.skip(f"{path} missing")
    return [
        (f"{doc.title} {doc.abstract}", m)
        for doc in read_pubtator(path)
        for m in doc.mentions
        if m.type in GOLD_LABEL_MAP
    ]


def build_view(doc_id: str, text: str, terms: dict[str, str], title: str | None = None) -> DocumentView:
    """Sentences from the pipeline's splitter; every case-insensitive whole-word occurrence of each
    term becomes a mention (longest terms first, no overlaps)."""
    sentences = [SentenceView(i, s, e) for i, (s, e, _) in enumerate(split_sentences(text, []))]
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, str]] = []
    for term in sorted(terms, key=len, reverse=True):
        for m in re.finditer(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text, re.I):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), terms[term]))
    found.sort()
    entities = [
        EntityView(
            entity_id=f"{doc_id}#e{i}",
            start=s,
            end=e,
            text=text[s:e],
            label=label,
            sentence_index=sentence_index_of(sentences, s),
            negated=bool(re.search(r"\bwithout\s+(?:[\w-]+\s+){0,2}$", text[max(0, s - 40) : s], re.I)),
        )
        for i, (s, e, label) in enumerate(found)
    ]
    return DocumentView(doc_id=doc_id, text=text, sentences=sentences, entities=entities, title=title)


TERIPARATIDE_TERMS = {
    "teriparatide": "CHEMICAL",
    "hypercalcemia": "DISEASE",
    "dystrophic calcification": "DISEASE",
    "osteoporosis": "DISEASE",
    "osteoporotic": "DISEASE",
    "autoimmune disorders": "DISEASE",
    "autoimmune disorder": "DISEASE",
}
CALCINOSIS_TERMS = {
    "calcinosis cutis": "DISEASE",
    "calcinosis": "DISEASE",
    "dermatomyositis": "DISEASE",
    "systemic sclerosis": "DISEASE",
    "rheumatic diseases": "DISEASE",
    "minocylcine": "CHEMICAL",
    "warfarin": "CHEMICAL",
    "calcium channel blockers": "CHEMICAL",
    "bisphosphonates": "CHEMICAL",
    "methotrexate": "CHEMICAL",
}


def doc_with_entities(text: str, mentions: list[tuple]):
    """A blank-tokenizer doc with ``(mention, label)`` or ``(mention, label, nth occurrence)`` entities, as the NER
    model would leave them for the components after it."""
    from extract.nlp.tokenizer import make_blank_nlp

    doc = make_blank_nlp().make_doc(text)
    ents = []
    for mention, label, *nth in mentions:
        start = -1
        for _ in range((nth[0] if nth else 0) + 1):
            start = text.index(mention, start + 1)
        ents.append(doc.char_span(start, start + len(mention), label=label))
    doc.ents = ents
    return doc


def pair_view(text: str, terms: dict[str, str], head: str, tail: str) -> tuple[DocumentView, EntityView, EntityView]:
    """:func:`build_view` of ``text`` and its first mentions whose lower-cased texts are ``head`` and ``tail``."""
    view = build_view("pair", text, terms)
    first = {}
    for e in view.entities:
        first.setdefault(e.text.lower(), e)
    return view, first[head], first[tail]


def needs_shipped(*kinds: str):
    """A skip marker for tests that run the shipped ``models/<kind>-*`` folders (``ner``, ``linker``, ``relations``)."""
    missing = [kind for kind in kinds if resolve_model_dir("", kind) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs the shipped models/{{{','.join(kinds)}}}-*")


def stage_linker():
    """The NER stage's linker component (``extract_linker``) as the settings build it; skips without a linker index."""
    from extract.ner.pipeline import get_ner_nlp

    nlp = get_ner_nlp()
    if "extract_linker" not in nlp.pipe_names:
        pytest.skip("no linker index (models/linker-*)")
    return nlp.get_pipe("extract_linker")


def linker_and_mesh_terms():
    """The settings' linker resources and MeSH 2024 terms file; skips when either is missing."""
    from extract.linking.index import load_linker_resources
    from extract.vocab.files import VocabFiles

    folder = resolve_model_dir(get_settings().linker_index, "linker")
    terms = VocabFiles(get_settings().vocab_dir).mesh_terms
    if folder is None or not terms.exists():
        pytest.skip("no linker index or MeSH terms")
    return load_linker_resources(folder), terms


def text_rows(texts: dict[str, str]) -> list[dict]:
    """``raw_documents`` rows of plain texts keyed by name (doc id ``test:<name>``), for ``extract.runner.run_texts``."""
    return [
        {"doc_id": f"test:{key}", "source": "test", "source_index": i, "format": "text", "text": text}
        for i, (key, text) in enumerate(texts.items())
    ]


def relation_pairs(cands, rel_type: str, negated: bool = False) -> set[tuple[str, str]]:
    """(head text, tail text) of the candidates of one relation type, lower-cased."""
    return {(c.head.text.lower(), c.tail.text.lower()) for c in cands if c.type == rel_type and c.negated == negated}


def tiny_ner_model(folder: Path) -> Path:
    """A small spaCy NER model (entity ruler over a few words), so tests do not load the big one."""
    from extract.nlp.tokenizer import make_blank_nlp

    path = folder / "ner-tiny"
    if path.exists():
        return path
    nlp = make_blank_nlp()
    ruler = nlp.add_pipe("entity_ruler")
    chemicals = (
        "aspirin",
        "cisplatin",
        "lithium",
        "tacrolimus",
        "amiodarone",
        "budesonide",
        "terbutaline",
        "teriparatide",
        "metformin",
        "levothyroxine",
        "formoterol",
        "haloperidol",
        "warfarin",
    )
    diseases = (
        "headache",
        "nephrotoxicity",
        "hypothyroidism",
        "seizures",
        "asthma",
        "neurotoxicity",
        "hepatotoxicity",
        "calcinosis",
        "polyuria",
        "hypomagnesemia",
        "pancreatitis",
        "cardiomyopathy",
    )
    ruler.add_patterns(
        [{"label": "CHEMICAL", "pattern": [{"LOWER": w}]} for w in chemicals]
        + [{"label": "DISEASE", "pattern": [{"LOWER": w}]} for w in diseases]
    )
    nlp.meta.update({"name": "tiny", "version": "0.0.1"})
    nlp.to_disk(path)
    return path


def cli_env(model: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
    env.update({"BIOMED_EXTRACT_NER_MODEL": str(model), "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **extra})
    return env


def biomed_extract(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """``biomed-extract ARGS`` in a subprocess.  In a session of its own: if it times out (or the test
    is interrupted) its whole group is killed, the temporary Prefect server it started included, which
    ``subprocess.run`` alone would leave running (it kills only the CLI process)."""
    with subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except BaseException:
            kill_group(proc)
            raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s process group (it was started with ``start_new_session``) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
