"""A second reading of each same-sentence adverse-event row: a neural text classifier over the marked sentence.

The joint model (:mod:`extract.relations.joint`) is a logistic regression over hashed words and cues; it cannot
compose them ("pruritus occurred *less frequently with* X", "breakthrough seizures ... although X was
therapeutic").  :class:`SentenceModel` is a spaCy ``textcat`` (exclusive classes ``none`` / ``adverse_event`` /
``treats``, :data:`extract.relations.joint.CLASSES`) over the sentence with the drug in ``[[ ]]`` and the disease
in ``{{ }}`` (:func:`marked_sentence`): spaCy's ensemble of a bag-of-words model and a CNN over hashed word
embeddings plus the project's own static floret vectors (those the NER model was trained with, learnt from
``../shared/unlabeled/``; the pipeline keeps its own copy), trained from scratch on the joint model's examples
(:mod:`extract.training.relations.sentence_model`).

The extractor keeps a same-sentence adverse-event row that the joint model keeps only when the average of the
two models' class probabilities (``weight`` on the joint model) also passes the joint model's vetoes.  Only the
pairs the joint model keeps without being sure (P(adverse_event) below ``read_below``) are read, all documents
of a batch in one call.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language
from spacy.vectors import Vectors

from extract.nlp.floret import batch_floret_vectors
from extract.relations.joint import ADVERSE_EVENT, CLASSES, JointModel
from extract.relations.token_embeddings import memoise_token_embeddings
from extract.relations.types import DocumentView, EntityView

ARTIFACT = "sentence_textcat"
SETTINGS = "decision.json"
DRUG_MARKS = ("[[ ", " ]]")
DISEASE_MARKS = ("{{ ", " }}")


def marked_sentence(doc: DocumentView, chem: EntityView, dis: EntityView) -> str:
    """The chemical's sentence with the drug in ``[[ ]]`` and the disease in ``{{ }}`` (an overlapping second
    mention is left unmarked)."""
    sent = doc.sentences[chem.sentence_index]
    spans = sorted([(chem.start, chem.end, DRUG_MARKS), (dis.start, dis.end, DISEASE_MARKS)])
    out, pos = [], sent.start
    for start, end, (left, right) in spans:
        if start < pos:
            continue
        out += [doc.text[pos:start], left, doc.text[start:end], right]
        pos = end
    out.append(doc.text[pos : sent.end])
    return "".join(out).strip()


def textcat_config(width: int = 96, static_vectors: bool = True) -> dict:
    """spaCy's TextCatEnsemble: bag of words + CNN over NORM/PREFIX/SUFFIX/SHAPE hash embeddings (and the
    vocabulary's static vectors when ``static_vectors``)."""
    return {
        "model": {
            "@architectures": "spacy.TextCatEnsemble.v2",
            "nO": None,
            "linear_model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "length": 262144,
                "ngram_size": 2,
                "no_output_layer": False,
            },
            "tok2vec": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": width,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": [5000, 1000, 2500, 2500],
                    "include_static_vectors": static_vectors,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": width,
                    "depth": 2,
                    "window_size": 1,
                    "maxout_pieces": 3,
                },
            },
        }
    }


def new_pipeline(width: int = 96, vectors: Path | None = None) -> Language:
    """A blank English pipeline with the textcat; ``vectors``: a spaCy vocabulary folder whose static vectors
    the model reads (e.g. ``models/ner-*/vocab``), None for none."""
    nlp = spacy.blank("en")
    if vectors is not None:
        nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings).from_disk(vectors)
    textcat = nlp.add_pipe("textcat", config=textcat_config(width, static_vectors=vectors is not None))
    for label in CLASSES:
        textcat.add_label(label)
    return nlp


class SentenceModel:
    """The textcat pipeline, the joint model's share of the averaged probabilities, the adverse-event threshold
    of the averaged reading (None: the joint model's ``ae_min``) and ``read_below``: a pair the joint model gives
    P(adverse_event) of at least this is not read again (chosen on held-out judged rows: the same precision at
    a higher recall, and a quarter to half of the rows to read)."""

    def __init__(
        self,
        nlp: Language,
        weight: float = 0.5,
        ae_min: float | None = None,
        read_below: float = 1.01,
        batch_size: int = 256,
    ):
        self.nlp = nlp
        self.weight = weight
        self.ae_min = ae_min
        self.read_below = read_below
        self.batch_size = batch_size

    def reads(self, joint_probs: np.ndarray) -> bool:
        """Whether a pair with these joint-model probabilities gets the second reading."""
        return float(joint_probs[ADVERSE_EVENT]) < self.read_below

    def probs(self, texts: list[str]) -> np.ndarray:
        """``(n, 3)`` class probabilities in :data:`CLASSES` order."""
        if not texts:
            return np.zeros((0, len(CLASSES)))
        docs = self.nlp.pipe(texts, batch_size=self.batch_size)
        return np.array([[d.cats.get(c, 0.0) for c in CLASSES] for d in docs])

    def combine(self, joint: np.ndarray, sentence: np.ndarray) -> np.ndarray:
        return self.weight * joint + (1.0 - self.weight) * sentence

    def vetoes_adverse_event(self, joint: JointModel, joint_probs: np.ndarray, sentence_probs: np.ndarray) -> bool:
        """The joint model's vetoes applied to the averaged probabilities (``ae_min`` replaced when set)."""
        return joint.vetoes_adverse_event(self.combine(joint_probs, sentence_probs), ae_min=self.ae_min)

    def save(self, path: Path) -> None:
        path = Path(path)
        self.nlp.to_disk(path)
        settings = {"weight": self.weight, "ae_min": self.ae_min, "read_below": self.read_below}
        (path / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SentenceModel:
        """The saved model, reading its floret vectors many words at a time (:mod:`extract.relations.floret`) and
        computing each distinct token's embedding once (:mod:`extract.relations.token_embeddings`): the same
        probabilities, faster."""
        path = Path(path)
        settings = json.loads((path / SETTINGS).read_text(encoding="utf-8"))
        nlp = spacy.load(path)
        batch_floret_vectors(nlp)
        memoise_token_embeddings(nlp)
        return cls(nlp, settings["weight"], settings.get("ae_min"), settings.get("read_below", 1.01))
