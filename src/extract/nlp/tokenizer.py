"""Biomedical-aware tokenizer: spaCy's English rules plus extra infix and suffix splits.

Registered as ``extract.biomedical_tokenizer.v1`` so trained pipelines name it
in their config and load it through the ``spacy_tokenizers`` entry point.
Which gold mentions align to token boundaries is measured by
:mod:`extract.training.alignment` and reported in the NER model card
(gold mentions not on token boundaries, spaCy default English → this tokenizer:
BC5CDR train 121 → 3 of 9,385; BC5CDR dev 131 → 16 of 9,591).

The extra rules target chemical and disease notation: ion charges (``Na+/K+``,
``Ca+2``), parenthesised abbreviations glued to a following ``-induced``
(``(PAN)-induced``), locants (``A(1)-adenosine``), isotopes (``thallium-201``),
slash compounds (``5-FU/leucovorin``), dangling coordination hyphens
(``Diazepam- and scopolamine-induced``) and sentence-final periods after a
capital (``vitamin D.``).
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_suffix_regex, registry

__all__ = ["EXTRA_INFIXES", "EXTRA_SUFFIXES", "create_biomedical_tokenizer", "make_blank_nlp"]

# Splits beyond spaCy's English defaults (which already split letter-letter hyphens):
EXTRA_INFIXES: list[str] = [
    r"(?<=[A-Za-z0-9+])/(?=[A-Za-z0-9])",  # and/or, 5-FU/leucovorin, Na+/K+
    r"(?<=[a-z0-9])[-–](?=[A-Za-z])",  # drug-induced, 5-fluorouracil-related
    r"(?<=[A-Za-z])[-–](?=[0-9])",  # thallium-201, ifosfamide-3
    r"(?<=[A-Za-z0-9])\+",  # Na+K, Ca+2, Na+ (charge as its own token)
    r"(?<=[+)\]])[-–](?=[A-Za-z0-9])",  # Na+-binding, (PAN)-induced, A(1)-adenosine
    r"(?<=[A-Za-z0-9])\((?=[A-Za-z0-9+])",  # GABA(A), K(+), K(Na)
    r"(?<=[A-Za-z0-9+])\)(?=[A-Za-z0-9-])",  # (Na+,K+)-ATPase, PAN)-induced
    r"(?<=[A-Za-z0-9+])\](?=[A-Za-z0-9-])",  # [Na]o, [verapamil]o
    r"(?<=[a-z])\((?=[a-z])",
    r"(?<=[a-z])\)(?=[a-z])",
]

EXTRA_SUFFIXES: list[str] = [
    r"(?<=^[A-Z])\.",  # "vitamin D." at the end of a sentence (single capital)
    r"(?<=[a-z0-9][A-Z])\.",  # "AmB." "TdP." at the end of a sentence
    r"(?<=[A-Za-z0-9])[-–]",  # "Diazepam- and ..." coordination hyphen
    r"(?<=[A-Za-z0-9])\+",  # "K+" at the end of a token
]


def _default_tokenizer_factory():
    return registry.tokenizers.get("spacy.Tokenizer.v1")()


@spacy.registry.tokenizers("extract.biomedical_tokenizer.v1")
def create_biomedical_tokenizer():
    """spaCy tokenizer factory: the language's default tokenizer with extra infixes/suffixes."""

    def make_tokenizer(nlp: Language) -> Tokenizer:
        tokenizer = _default_tokenizer_factory()(nlp)
        infixes = list(nlp.Defaults.infixes) + EXTRA_INFIXES
        suffixes = list(nlp.Defaults.suffixes) + EXTRA_SUFFIXES
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        return tokenizer

    return make_tokenizer


def make_blank_nlp() -> Language:
    """A blank English pipeline using the biomedical tokenizer."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "extract.biomedical_tokenizer.v1"}}})
