"""Species names keep their genus initial: "H. pylori infection", not "pylori infection".

The tokenizer splits the period off a single capital ("vitamin D." at the end of a sentence,
:mod:`extract.nlp.tokenizer`), so "H. pylori" is the three tokens "H" "." "pylori", and the NER model now and then
starts a mention at the species epithet: "pylori infection" (DISEASE), which names no disease and links to nothing.
The sentence splitter keeps "H. pylori" in one sentence; the tokenizer is what the model was trained on.  The
component ``extract_genus_initials`` runs right after the noise rules and widens such a mention to the initial:

* the mention's first token is a lower-case word of three letters or more (the epithet: "pylori", "coli",
  "aureus");
* the two tokens before it are one capital letter and a period written together ("H."), with a space after the
  period; the letter is a word of its own (text start, a space or an opening bracket or quote before it);
* the epithet does not start a sentence (the period then ends the one before) and the initial is in no other
  mention.

Gold annotation keeps the initial where it annotates such a name (BioRED dev: "S. virgaurea extract").  On BC5CDR dev
NER scores are unchanged (two false positives, "catarrhalis" and "pneumoniae", become "M. catarrhalis" and
"S. pneumoniae"); on 150 shared/unlabeled abstracts holding "X. epithet", 120 mentions were widened (104 "pylori
infection"/"pylori-infected" -> "H. pylori ..."; also "S. mansoni infection", "B. gibsoni infection").  The widening fixes
the text, not the label: plants the model tags DISEASE stay wrong ("A. paniculata", "C. ficifolia").  Not covered:
"H pylori" without the period, and a genus written out that the model leaves out ("Helicobacter").
"""

from __future__ import annotations

import logging

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from extract.nlp.entity_edits import edit_entities

__all__ = ["GenusInitials", "genus_initial_start"]

log = logging.getLogger(__name__)

#: Characters that may stand right before the initial, with no space: "(H. pylori", "“E. coli".
OPENERS = frozenset("([{\"'“‘")
#: The shortest species epithet taken ("coli").
MIN_EPITHET_CHARS = 3


def _is_epithet(token: Token) -> bool:
    text = token.text
    return len(text) >= MIN_EPITHET_CHARS and text.isalpha() and text.islower()


def genus_initial_start(doc: Doc, start: int) -> int | None:
    """The index of the genus initial before a mention starting at token ``start``, else None."""
    if start < 2 or not _is_epithet(doc[start]) or doc[start].is_sent_start:
        return None
    initial, period = doc[start - 2], doc[start - 1]
    if not (len(initial.text) == 1 and initial.text.isupper() and initial.text.isalpha()):
        return None
    if period.text != "." or initial.whitespace_ or not period.whitespace_:
        return None
    if start >= 3:
        before = doc[start - 3]
        if not before.whitespace_ and before.text[-1] not in OPENERS:
            return None  # "vitamin D." is not glued; "IL-2D." or "5D." would be
    return start - 2


class GenusInitials:
    """Widen a mention starting at a species epithet over the genus initial before it (module docstring)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        ends = {ent.end for ent in ents}

        def widen(ent: Span) -> Span:
            start = genus_initial_start(doc, ent.start)
            if start is None or any(start < end <= ent.start for end in ends):
                return ent
            log.debug("mention %r widened to %r", ent.text, doc[start : ent.end].text)
            return Span(doc, start, ent.end, label=ent.label, kb_id=ent.kb_id)

        return edit_entities(doc, widen, ents)


@Language.factory("extract_genus_initials")
def make_genus_initials(nlp: Language, name: str) -> GenusInitials:
    return GenusInitials(nlp, name)
