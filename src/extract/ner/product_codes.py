"""Product, device and trial codes: "SPN-804", "ABT-450", "HIT-6", "PHPT-1", "AX-4280" are one word, not a short form.

The tokenizer splits a code at its hyphen ("SPN" "-" "804"), and the NER model tags the letters alone: "SPN" (CHEMICAL,
the extended-release oxcarbazepine a trial report tests), "HIT" of the Headache Impact Test "HIT-6" (DISEASE, which the
linker then reads as heparin-induced thrombocytopenia), "PHPT" of the Perinatal HIV Prevention Trial "PHPT-1" (DISEASE),
"CA" of the tumour marker "CA-125" (CHEMICAL, linked to Calcium), "AL" of a breath analyser "AL-600" (Aluminum), "PD"
of the receptor "PD-1" (Parkinson Disease).  The component ``extract_product_codes`` runs right after the noise rules
and reads such a mention with its code:

* the mention is one word of two characters or more, letters only, beginning and ending with a capital letter;
* a hyphen follows it with no space on either side, then a token beginning with a digit;
* the code runs on over letters, digits and hyphens written together (up to the first space or other character).

A CHEMICAL mention is widened over the whole code ("SPN-804", "ABT-450", "CA-125"), which the linker then links by its
own name or leaves unlinked; a DISEASE mention is dropped: no disease is named by a code ("HIT-6", "GAD-7", "PHPT-1",
"PD-1", device models "HEM-907XL", "TD-3250").  A CHEMICAL code whose widening would reach another mention is left as it
is.  No gold Chemical or Disease mention of BC5CDR train or dev, NCBI-disease train or BioRED train is such a cut word
(the one BioRED mention, "FAS" of "FAS-670", is a gene); BC5CDR annotates drug codes whole ("MK-801", "NIK-247",
"SM-5887"), and on its dev split NER goes from 8,362 / 1,001 / 1,229 (TP / FP / FN) to 8,365 / 999 / 1,226.  On the
5,000 audit abstracts and the seventh draw's 700 trial-report bodies 160 mentions were cut this way
(`models/EXPERIMENTS.md`, twenty-fifth session).
"""

from __future__ import annotations

import logging
import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.nlp.entity_edits import edit_entities

__all__ = ["ProductCodes", "code_end"]

log = logging.getLogger(__name__)

#: The letters of a code as the model tags them: "SPN", "HIT", "CA", "ABT", "IGF".
CODE_LETTERS = re.compile(r"[A-Z][A-Za-z]*[A-Z]")
#: What a code's part after the hyphen is made of: "804", "450", "4280", "907XL", "1".
_CODE_PART = re.compile(r"[A-Za-z0-9]+")

CHEMICAL = "CHEMICAL"
DISEASE = "DISEASE"


def code_end(doc: Doc, ent: Span) -> int | None:
    """The end (token index) of the code a mention is the first part of, else None (module docstring)."""
    if not CODE_LETTERS.fullmatch(ent.text) or len(ent) != 1:
        return None
    i = ent.end
    if i + 1 >= len(doc) or ent[-1].whitespace_ or doc[i].text != "-" or doc[i].whitespace_:
        return None
    if not (doc[i + 1].text[:1].isdigit() and _CODE_PART.fullmatch(doc[i + 1].text)):
        return None
    end = i + 1
    while end < len(doc):
        token = doc[end]
        if not (_CODE_PART.fullmatch(token.text) or (token.text == "-" and end > i + 1)):
            break
        end += 1
        if token.whitespace_:
            break
    while doc[end - 1].text == "-":  # "SPN-804-" at the end of a line: the last hyphen is no part of the code
        end -= 1
    return end


class ProductCodes:
    """Widen a CHEMICAL mention cut at a code's hyphen over the code; drop such a DISEASE mention (module docstring)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        starts = [ent.start for ent in ents]

        def read_code(ent: Span) -> Span | None:
            end = code_end(doc, ent)
            if end is None or ent.label_ not in (CHEMICAL, DISEASE):
                return ent
            if ent.label_ == DISEASE:
                log.debug("mention %r dropped: part of the code %r", ent.text, doc[ent.start : end].text)
                return None
            if any(ent.end <= start < end for start in starts):
                return ent  # the code reaches another mention: leave both as they are
            log.debug("mention %r widened to the code %r", ent.text, doc[ent.start : end].text)
            return Span(doc, ent.start, end, label=ent.label, kb_id=ent.kb_id)

        return edit_entities(doc, read_code, ents)


@Language.factory("extract_product_codes")
def make_product_codes(nlp: Language, name: str) -> ProductCodes:
    return ProductCodes(nlp, name)
