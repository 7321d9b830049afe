"""One document, one reading of a drug name: repeat the model's mentions where it missed the same words.

The NER model labels each occurrence from its context, so a drug it tags in one sentence can go untagged in the
next (the MeSH-marks candidate tagged "teriparatide" in 2 of its 6 places in the seed case report).  BC5CDR's
annotators, like an analyst, mark every occurrence.  The component ``extract_label_consistency`` runs after the
model's other post-processing and adds a mention wherever the exact words of a mention of the same document
(compared lower-cased, token by token) occur again outside any entity, with that mention's label: the "one sense
per discourse" rule of document-level NER post-processing.

* Labels: CHEMICAL only by default (``labels``).  On BC5CDR dev, repeating DISEASE names left disease F1 where it
  was and, on the audit's trial abstracts, repeated the model's own disease errors ("oral hypoglycaemic").
* A name is repeated only when the document gives it one label, it has at least ``min_chars`` characters, a
  letter, and a letter or digit at both ends ("non-steroidal anti-", a cut span, is not repeated).  Short forms
  are :mod:`extract.context.abbreviations`' business.
* The new occurrence may not be the end of a hyphenated word ("anti-", "non-"); "cocaine-induced" keeps its
  "cocaine", as BC5CDR annotates it.
* A name the document only has before a drug-class head ("angiotensin" of "angiotensin converting enzyme
  inhibitors", which ``extract_drug_classes`` widens next) is repeated only before a class head ("angiotensin II
  receptor blockers"), not as the peptide of "angiotensin II type 1 receptor blockade".

New mentions get ``span._.method = "consistency"``; the linker links them like any other.
"""

from __future__ import annotations

from collections import defaultdict

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.ner.drug_classes import class_head_end

__all__ = ["LabelConsistency"]


def _word_edges(text: str) -> bool:
    """A name that starts and ends with a letter or digit and has a letter: a model span cut at a hyphen
    ("non-steroidal anti-") is no name to repeat."""
    return text[0].isalnum() and text[-1].isalnum() and any(c.isalpha() for c in text)


class LabelConsistency:
    """Add the document's own names where the model missed them (module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "extract_label_consistency",
        min_chars: int = 4,
        labels: tuple[str, ...] = ("CHEMICAL",),
    ) -> None:
        self.name = name
        self.min_chars = min_chars
        self.labels = frozenset(labels)

    def _names(
        self, ents: tuple[Span, ...], lowers: list[int], in_entities: set[int]
    ) -> dict[int, list[tuple[tuple[int, ...], str, bool]]]:
        """First word -> [(words, label, before a class head only)] of the names to repeat: lower-cased word ids
        (``lowers``: the document's ``LOWER`` ids), those the document gives one label of :attr:`labels`, longest
        first; ``in_entities``: the tokens the entities cover."""
        labels: dict[tuple[int, ...], set[str]] = defaultdict(set)
        texts: dict[tuple[int, ...], str] = {}
        bare: set[tuple[int, ...]] = set()  # names the document has with no class head after them
        for ent in ents:
            words = tuple(lowers[ent.start : ent.end])
            labels[words].add(ent.label_)
            texts.setdefault(words, ent.text)
            if class_head_end(ent.doc, ent.end, in_entities) is None:
                bare.add(words)
        names: dict[int, list[tuple[tuple[int, ...], str, bool]]] = defaultdict(list)
        for words, found in labels.items():
            label = next(iter(found))
            text = texts[words]
            if len(found) == 1 and label in self.labels and len(text) >= self.min_chars and _word_edges(text):
                names[words[0]].append((words, label, words not in bare))
        for candidates in names.values():
            candidates.sort(key=lambda c: -len(c[0]))  # longest name first
        return names

    def __call__(self, doc: Doc) -> Doc:
        ents = doc.ents
        if not ents or not any(e.label_ in self.labels for e in ents):
            return doc
        lowers = doc.to_array(LOWER).tolist()
        in_entities = {i for ent in ents for i in range(ent.start, ent.end)}
        names = self._names(ents, lowers, in_entities)
        if not names:
            return doc
        taken = [i in in_entities for i in range(len(doc))]
        added: list[Span] = []
        i = 0
        while i < len(doc):
            found = None
            if not taken[i]:
                for words, label, class_only in names.get(lowers[i], ()):
                    end = i + len(words)
                    if (
                        end <= len(doc)
                        and tuple(lowers[i:end]) == words
                        and not any(taken[i:end])
                        and self._whole(doc, i)
                        and not (class_only and class_head_end(doc, end, in_entities) is None)
                    ):
                        found = (end, label)
                        break
            if found is None:
                i += 1
                continue
            span = Span(doc, i, found[0], label=found[1])
            span._.method = "consistency"
            added.append(span)
            i = found[0]
        if added:
            doc.ents = sorted([*ents, *added], key=lambda s: s.start)
        return doc

    @staticmethod
    def _whole(doc: Doc, start: int) -> bool:
        """Not glued by a hyphen to the word before ("anti-inflammatory")."""
        return not (
            start > 1
            and doc[start - 1].text == "-"
            and not doc[start - 1].whitespace_
            and not doc[start - 2].whitespace_
        )


@Language.factory("extract_label_consistency", default_config={"min_chars": 4, "labels": ["CHEMICAL"]})
def make_label_consistency(nlp: Language, name: str, min_chars: int, labels: list[str]) -> LabelConsistency:
    return LabelConsistency(nlp, name, min_chars, tuple(labels))
