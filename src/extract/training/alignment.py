"""How many gold mentions can be expressed as whole tokens under a tokenizer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import spacy
from spacy.language import Language

from extract.corpora.pubtator import PubtatorDocument
from extract.nlp.tokenizer import make_blank_nlp

__all__ = ["AlignmentReport", "measure_alignment", "compare_tokenizers"]


@dataclass
class AlignmentReport:
    """Mentions whose (start, end) do not fall on token boundaries."""

    tokenizer: str
    mentions: int = 0
    misaligned: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def aligned(self) -> int:
        return self.mentions - self.misaligned


def measure_alignment(
    docs: Iterable[PubtatorDocument], nlp: Language, name: str, max_examples: int = 10
) -> AlignmentReport:
    """Count mentions for which ``doc.char_span(start, end)`` (strict) is ``None``."""
    report = AlignmentReport(name)
    for d in docs:
        doc = nlp.make_doc(d.text)
        for m in d.mentions:
            report.mentions += 1
            if doc.char_span(m.start, m.end) is None:
                report.misaligned += 1
                if len(report.examples) < max_examples:
                    wide = doc.char_span(m.start, m.end, alignment_mode="expand")
                    report.examples.append(f"{m.text!r} in token(s) {wide.text if wide is not None else '?'!r}")
    return report


def compare_tokenizers(docs: list[PubtatorDocument]) -> tuple[AlignmentReport, AlignmentReport]:
    """(spaCy default English, ``extract.biomedical_tokenizer.v1``) alignment reports."""
    return (
        measure_alignment(docs, spacy.blank("en"), "spaCy default English"),
        measure_alignment(docs, make_blank_nlp(), "extract.biomedical_tokenizer.v1"),
    )
