"""Adverse-effect spans as the ADE corpus annotates them, beside the BC5CDR-style mentions.

The NER follows BC5CDR (CHEMICAL / DISEASE: "toxicity", "hepatitis") and must stay so.  The ADE corpus, and an analyst
reading a drug's adverse events, take the effect as stated: "aluminum toxicity", "lost consciousness", "decreased
oxygen saturation", "lithium intoxication", findings and lab changes the disease NER does not tag at all.
:class:`AdverseEffectTagger` is a small spaCy model of one span label, :data:`LABEL`, trained on the ADE corpus's own effect
spans (:mod:`extract.training.adverse_effects`).  It writes its spans to ``doc.spans[SPANS_KEY]``, never to
``doc.ents``: the CHEMICAL / DISEASE entities, their NER and link figures, are untouched.  The NER stage turns the
spans into ``entities`` rows labelled ``ADVERSE_EFFECT`` (``extract.schemas``), which the relation stage reads as
adverse-event phrases and adverse-event-only tails (:mod:`extract.relations.effect_spans`).

It is the NER stage component ``extract_adverse_effects`` (``configs/ner_stage.cfg``), off by default (the
``ade_effects`` setting, ``BIOMED_EXTRACT_ADE_EFFECTS=true``, switches it on when a ``models/ade-effects-*`` folder
exists).  When the NER model has an effect head of its own (:mod:`extract.ner.effect_head`) the component runs that
head instead.  ``only_with_chemical`` tags only the sentences that hold a CHEMICAL entity (an adverse effect needs a
drug); ``only_with_disease`` (the stage sets it unless the ``ade_effect_tails`` setting is on) only those that also
hold a DISEASE entity, the only spans the relation stage then reads: models/ade-effects-0.2.0 costs about 10% more
NER-stage CPU so (models/EXPERIMENTS.md, twenty-third session).  The tagger shares the pipeline's vocab and its static
vectors, which must be the NER model's (it was trained with them; with other vectors it tags nothing), and computes
on the stage's matrix-product backend (:func:`extract.nlp.inference_ops.use_gemm`).  The trained pipe is a
transition-based ``ner`` (``configs/ade_effects.cfg``; ``configs/ade_effects_w96.cfg`` is 0.1.0's wider encoder) or a
cheaper ``tagger`` of BIO tags (``configs/ade_effects_bio.cfg``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

log = logging.getLogger(__name__)

LABEL = "ADVERSE_EFFECT"
SPANS_KEY = "adverse_effects"
#: Where the NER model's own effect head (:mod:`extract.ner.effect_head`) writes every span it finds.
HEAD_SPANS_KEY = "adverse_effects_head"
SETTINGS_FILE = "adverse_effects.json"
#: Token tags of the ``tagger`` architecture: begin / inside an effect, outside.
BEGIN, INSIDE, OUTSIDE = f"B-{LABEL}", f"I-{LABEL}", "O"
TAGS = (BEGIN, INSIDE, OUTSIDE)


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int]]:
    """Token spans of a BIO tag sequence (an ``I`` after ``O`` begins a span)."""
    spans, start = [], None
    for i, tag in enumerate(tags):
        if tag == BEGIN or (tag == INSIDE and start is None):
            if start is not None:
                spans.append((start, i))
            start = i
        elif tag != INSIDE and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(tags)))
    return spans


def bio_tags(doc: Doc) -> list[str]:
    """The BIO tags of ``doc``'s ``ADVERSE_EFFECT`` entities."""
    tags = [OUTSIDE] * len(doc)
    for e in doc.ents:
        tags[e.start] = BEGIN
        for i in range(e.start + 1, e.end):
            tags[i] = INSIDE
    return tags


@spacy.registry.scorers("extract.bio_span_scorer.v1")
def make_bio_span_scorer():
    """Exact-span P/R/F1 (``ents_p`` / ``ents_r`` / ``ents_f``) of a BIO ``tagger`` against the reference entities:
    the checkpoint selection of the ``tagger`` architecture scores spans, as the ``ner`` one does."""

    def score(examples, **kwargs) -> dict:
        tp = fp = fn = 0
        for eg in examples:
            pred = set(bio_spans([t.tag_ for t in eg.predicted]))
            gold = set()
            for e in eg.reference.ents:
                span = eg.predicted.char_span(e.start_char, e.end_char)
                gold.add((span.start, span.end) if span is not None else (-1, e.start))
            tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"ents_p": p, "ents_r": r, "ents_f": 2 * p * r / (p + r) if p + r else 0.0}

    return score


class AdverseEffectTagger:
    """A trained one-label pipeline (a transition-based ``ner`` pipe, or a ``tagger`` pipe of BIO tags: cheaper, no
    transition loop), run on sentences; its spans go to ``doc.spans[SPANS_KEY]``."""

    def __init__(
        self,
        nlp: Language | None = None,
        name: str = "extract_adverse_effects",
        only_with_chemical: bool = True,
        training: dict | None = None,
        only_with_disease: bool = False,
    ) -> None:
        self.name = name
        self.only_with_chemical = only_with_chemical
        self.only_with_disease = only_with_disease
        self.training = dict(training or {})
        self.tagger: Language | None = nlp  # the trained pipeline (its tokenizer, vocab and ``ner`` or ``tagger``)
        self.head = None  # or the NER model's own effect head (extract.ner.effect_head.EffectHead), used instead
        # loaded into a shared vocab: the tagger's own copy of the table the pipeline's vectors must be (checked once)
        self.vectors_folder: Path | None = None

    # ------------------------------------------------------------------ construction / state
    @classmethod
    def from_pipeline(cls, nlp: Language, training: dict | None = None, **kwargs) -> AdverseEffectTagger:
        ok = (nlp.pipe_names == ["ner"] and tuple(nlp.get_pipe("ner").labels) == (LABEL,)) or (
            nlp.pipe_names == ["tagger"] and set(nlp.get_pipe("tagger").labels) == set(TAGS)
        )
        if not ok:
            raise ValueError(f"not an adverse-effect tagger: pipes {nlp.pipe_names}")
        return cls(nlp, training=training, **kwargs)

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        if self.tagger is None:
            raise ValueError("no trained tagger to save")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.tagger.to_disk(path / "pipeline")
        settings = {"label": LABEL, "only_with_chemical": self.only_with_chemical, "training": self.training}
        (path / SETTINGS_FILE).write_text(json.dumps(settings, indent=2, default=str))

    def from_disk(
        self, path: str | Path, exclude: Iterable[str] = (), vocab=None, keep_settings: bool = False
    ) -> AdverseEffectTagger:
        """Load a saved tagger.  ``vocab``: share that vocab (the NER stage's, whose static vectors are the same
        table) instead of loading the saved one."""
        path = Path(path)
        settings = json.loads((path / SETTINGS_FILE).read_text())
        if settings.get("label") != LABEL:
            raise ValueError(f"{path} is not an adverse-effect tagger")
        if not keep_settings:
            self.only_with_chemical = bool(settings.get("only_with_chemical", True))
        self.training = settings.get("training") or {}
        self.vectors_folder = path / "pipeline" / "vocab" if vocab is not None else None
        if vocab is not None:
            self.tagger = spacy.load(path / "pipeline", vocab=vocab, exclude=["vocab"])
            for label in (LABEL, *TAGS):
                vocab.strings.add(label)
        else:
            self.tagger = spacy.load(path / "pipeline")
        return self

    @classmethod
    def load(cls, path: str | Path, vocab=None) -> AdverseEffectTagger:
        return cls().from_disk(path, vocab=vocab)

    # ------------------------------------------------------------------ use
    def _token_spans(self, docs: list[Doc], batch_size: int = 256) -> list[list[tuple[int, int]]]:
        """Token spans of the effects of each doc (docs without any entity annotation)."""
        assert self.tagger is not None
        if "ner" in self.tagger.pipe_names:
            ner = self.tagger.get_pipe("ner")
            return [[(e.start, e.end) for e in d.ents] for d in ner.pipe(docs, batch_size=batch_size)]
        tagger = self.tagger.get_pipe("tagger")
        labels = tagger.labels
        out: list[list[tuple[int, int]]] = []
        for i in range(0, len(docs), batch_size):
            batch = docs[i : i + batch_size]
            if batch:
                out.extend(bio_spans([labels[k] for k in ids.tolist()]) for ids in tagger.predict(batch))
        return out

    def tag_texts(self, texts: Sequence[str], batch_size: int = 256) -> list[list[tuple[int, int]]]:
        """Character spans of the effects of each text (the tagger's own tokenizer; every text tagged)."""
        assert self.tagger is not None
        docs = [self.tagger.make_doc(t) for t in texts]
        return [
            [(d[a].idx, d[b - 1].idx + len(d[b - 1])) for a, b in spans]
            for d, spans in zip(docs, self._token_spans(docs, batch_size), strict=True)
        ]

    def _parts(self, doc: Doc) -> list[Span]:
        """The stretches of ``doc`` to tag: its sentences (all, or those holding a CHEMICAL entity)."""
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        if not self.only_with_chemical:
            return sents
        chem_starts = [e.start for e in doc.ents if e.label_ == "CHEMICAL"]
        if not chem_starts:
            return []
        parts = [s for s in sents if any(s.start <= c < s.end for c in chem_starts)]
        if self.only_with_disease:
            dis_starts = [e.start for e in doc.ents if e.label_ == "DISEASE"]
            parts = [s for s in parts if any(s.start <= d < s.end for d in dis_starts)]
        return parts

    def _ranges(self, doc: Doc) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self._parts(doc)]

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterable[Doc]:
        if self.head is None and self.tagger is None:  # no tagger folder: nothing to tag
            yield from docs
            return
        for batch in minibatch(docs, size=batch_size):
            batch = list(batch)
            if self.vectors_folder is not None and batch:
                self._check_vectors(batch[0].vocab.vectors)
            yield from self._tag_batch(batch, batch_size) if self.tagger is not None or self.head is not None else batch

    def _check_vectors(self, vectors) -> None:
        """A tagger trained with other static vectors than the pipeline's tags nothing (without any, every document
        would fail in it): checked on the first batch, once the pipeline's vectors are loaded."""
        folder, self.vectors_folder = self.vectors_folder, None
        if not same_vectors(vectors, folder):
            log.warning(
                "the adverse-effect tagger in %s was trained with static vectors the NER model does not have: no "
                "ADVERSE_EFFECT spans (`biomed-extract train ade-effects` trains one with the NER model's vectors)",
                folder.parent.parent,
            )
            self.tagger = None

    def _tag_batch(self, docs: list[Doc], batch_size: int) -> list[Doc]:
        if self.head is not None:  # the NER model's own effect head, on the sentences holding a drug
            for doc, spans in zip(docs, self.head.tag_ranges(docs, [self._ranges(d) for d in docs]), strict=True):
                doc.spans[SPANS_KEY] = spans
            return docs
        parts: list[tuple[Doc, Span]] = [(doc, s) for doc in docs for s in self._parts(doc)]
        arrays = {id(doc): doc.to_array([ORTH, SPACY]) for doc in docs}
        subdocs = [_blank_copy(s, arrays[id(doc)]) for doc, s in parts]
        found: dict[int, list[Span]] = {}
        for (doc, s), spans in zip(parts, self._token_spans(subdocs, batch_size), strict=True):
            found.setdefault(id(doc), []).extend(Span(doc, s.start + a, s.start + b, label=LABEL) for a, b in spans)
        for doc in docs:
            doc.spans[SPANS_KEY] = found.get(id(doc), [])
        return docs


def _blank_copy(span: Span, orth_spacy) -> Doc:
    """The sentence as a doc of its own with no entity annotation at all (a preset entity or "outside" token would
    constrain the tagger); ``orth_spacy``: the doc's ORTH / SPACY array (no Token objects made)."""
    rows = orth_spacy[span.start : span.end]
    strings = span.doc.vocab.strings
    return Doc(span.doc.vocab, words=[strings[o] for o in rows[:, 0].tolist()], spaces=rows[:, 1].astype(bool).tolist())


def effect_spans(doc: Doc) -> list[Span]:
    """The adverse-effect spans a tagger wrote on ``doc`` (none when it did not run)."""
    return list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []


@Language.factory(
    "extract_adverse_effects",
    default_config={"model_path": "", "only_with_chemical": True, "only_with_disease": False, "use_head": True},
)
def make_adverse_effects(
    nlp: Language, name: str, model_path: str, only_with_chemical: bool, only_with_disease: bool, use_head: bool
) -> AdverseEffectTagger:
    """``model_path``: the tagger folder; empty: the NER model's own effect head when the pipeline has one
    (``use_head``: its spans of the sentences holding a drug are kept, no tagger runs), else the newest
    ``models/ade-effects-*`` (none: the component tags nothing)."""
    from extract.settings import resolve_model_dir

    component = AdverseEffectTagger(
        name=name, only_with_chemical=only_with_chemical, only_with_disease=only_with_disease
    )
    if not model_path and use_head and "effect_head" in nlp.component_names:
        component.head = nlp.get_pipe("effect_head")
        return component
    folder = Path(model_path) if model_path else resolve_model_dir("", "ade-effects")
    if folder is None or not (Path(folder) / SETTINGS_FILE).exists():
        if model_path:
            raise FileNotFoundError(f"no adverse-effect tagger in {model_path}")
        log.warning("no adverse-effect tagger (models/ade-effects-*): no ADVERSE_EFFECT spans")
        return component
    component.from_disk(folder, vocab=nlp.vocab, keep_settings=True)  # now: forked NER workers inherit it
    return component


def same_vectors(vectors, vocab_folder: Path) -> bool:
    """Whether ``vectors`` (the NER stage's) are the static vector table saved in a tagger's ``vocab_folder``."""
    saved = vocab_folder / "vectors"
    if not saved.exists() or vectors is None or not vectors.shape[0]:
        return False
    table = np.load(saved, mmap_mode="r")
    cfg = vocab_folder / "vectors.cfg"
    mode = json.loads(cfg.read_text()).get("mode", "default") if cfg.exists() else "default"
    return (
        vectors.mode == mode and tuple(vectors.shape) == table.shape and np.array_equal(np.asarray(vectors.data), table)
    )
