"""Disease words that are part of a product's name: no row reads them as a disease.

"Infants receiving all three doses of DPT/Hepatitis B vaccines", "two HIV-MVA vaccinations", "immunization with a
seasonal influenza vaccine": the NER stage tags the disease a vaccine is named for ("Hepatitis B", "seasonal
influenza"), as BC5CDR would, and the relation model then reads the vaccine given next to it as the disease's
cause ("DPT -> Hepatitis B" as an adverse event).  The disease names the vaccine, not a condition anyone had.
Likewise a chemical and a disease joined by a slash alone ("first dose of DPT/Hepatitis B", "IND/GLY" where the
short form "IND" is tagged as a disease) name one product or combination, never a relation between the two.
Of the judged rows of ``data/gold/relation_annotations/`` (draws 2-11) with such a mention or pair, 8 are wrong and 1
right (a vaccine trial's title: "a novel Clade B HIV-1 vaccine combination ... a modified vaccinia Ankara vaccine
boost", judged as the vector treating HIV).

:func:`names_a_vaccine` and :func:`joined_by_slash` are read by the relation stage
(:class:`extract.relations.extractor.CoordinationAware`); the mentions stay in the ``entities`` table.
"""

from __future__ import annotations

import re

from extract.relations.types import DocumentView, EntityView

#: After the disease: up to two slash- or hyphen-joined parts ("/Hib", "-MVA"), a qualifier, and a vaccine word.
_VACCINE_AFTER = re.compile(
    r"(?:\s*[-/]\s*[\w-]+){0,2}\s*(?:(?:fully|partially|conjugate|polysaccharide|live|attenuated|inactivated)\s+)?"
    r"(?:vaccin\w*|immuni[sz]\w*|toxoids?)\b",
    re.I,
)
_SLASH = re.compile(r"\s*/\s*")


def names_a_vaccine(doc: DocumentView, disease: EntityView) -> bool:
    """The disease mention is the name of a vaccine or an immunization ("Hepatitis B vaccines", "HIV-MVA
    vaccinations", "DPT-3/Hepatitis B fully immunized")."""
    return _VACCINE_AFTER.match(doc.text, disease.end, min(len(doc.text), disease.end + 60)) is not None


def joined_by_slash(doc: DocumentView, a: EntityView, b: EntityView) -> bool:
    """Only a slash stands between the two mentions ("DPT/Hepatitis B", "IND/GLY")."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    return first.end <= second.start and _SLASH.fullmatch(doc.text, first.end, second.start) is not None
