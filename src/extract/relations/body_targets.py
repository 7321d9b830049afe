"""Mentions that name a part of the body's machinery: a chemical that is no drug given ("opioid receptors", "potassium
channels"), and disease words that are a protein's name ("tumour necrosis factor").

"it is a potent short-acting opioid that affects different opioid receptors and may have side effects such as
nausea and vomiting", "blockade of potassium channels, and torsade de pointes", "inhibition of prostaglandin
biosynthesis is related to side effects including hyperkalemia", "estrogen receptor-positive breast cancer": the NER
stage tags the ligand of a receptor, the ion of a channel or the product of a pathway as a chemical (BC5CDR does), and
the joint model reads the side effects (or the disease) of the sentence as that chemical's.  A drug -> disease row with
such a head tells an analyst that "opioid" or "potassium" caused the event; the judging guideline of
``data/gold/relation_annotations/`` reads it as no drug's.  Over the judged rows of the first to eighth draws, 10
rows have a head right before "receptor(s)", "channel(s)", "transporter", "signalling", "pathway" or "biosynthesis",
and all 10 are wrong; one more, judged right, names a receptor antagonist ("Angiotensin II receptor subtype-1
antagonists"), and such a mention stays a drug: the drug is the antagonist it begins.  A "system" after the mention
stays too: a drug's delivery system is the drug ("transdermal fentanyl system").

"tumour necrosis factor α": the model tags "tumour necrosis" (or "necrosis") as a disease, as BC5CDR annotates it, and
the row "LPS -> tumour necrosis" of "LPS-induced ... tumour necrosis factor α" followed; the judged draws hold 2 such
rows, both wrong (:func:`names_a_protein`).

:func:`names_a_body_target` and :func:`names_a_protein` are read by the relation stage
(:class:`extract.relations.extractor.CoordinationAware`), which writes no drug -> disease row with such a head and no
row with such a disease; the mentions stay in the ``entities`` table.
"""

from __future__ import annotations

import re

from extract.relations.types import DocumentView, EntityView

#: What right after the mention makes it a part of the body: "opioid receptors", "potassium channels", "NO-signalling
#: pathway", "prostaglandin biosynthesis", "dopamine transporter".  Not "system": a drug's delivery system is the drug
#: ("transdermal fentanyl system plus ketorolac for the treatment of postoperative pain").
BODY_TARGET_AFTER = re.compile(
    r"^[ -]?(?:receptors?|channels?|transporters?|binding\s+sites?|signall?ing|pathways?|biosynthesis)\b",
    re.I,
)
#: A drug named after the target within the next few words: "angiotensin II receptor subtype-1 antagonists",
#: "calcium channel-blocking agents", "opioid receptor agonist", "selective estrogen receptor modulators".
DRUG_AFTER_TARGET = re.compile(
    r"^[^.;:,()]{0,40}?\b(?:antagonis\w*|agonis\w*|block\w*|inhibit\w*|modulat\w*|openers?|activators?|"
    r"ligands?)\b",
    re.I,
)
#: How far after the mention the target words are looked for.
WINDOW = 80


def names_a_body_target(doc: DocumentView, entity: EntityView) -> bool:
    """The chemical mention ``entity`` is followed by a word naming a receptor, a channel, a transporter or a pathway
    of the body (:data:`BODY_TARGET_AFTER`), and no drug that acts on it follows (:data:`DRUG_AFTER_TARGET`)."""
    after = doc.text[entity.end : entity.end + WINDOW]
    m = BODY_TARGET_AFTER.match(after)
    return m is not None and DRUG_AFTER_TARGET.match(after[m.end() :]) is None


#: Disease words that begin a protein's name, and what follows them there: "tumour necrosis factor".
PROTEIN_NAME_WORDS = re.compile(r"(?:tumou?r\s+)?necro(?:sis|tic)", re.I)
PROTEIN_NAME_AFTER = re.compile(r"^[\s-]*factor\b", re.I)


def names_a_protein(doc: DocumentView, entity: EntityView) -> bool:
    """The disease mention ``entity`` is the disease words of a protein's name: "tumour necrosis" of "tumour necrosis
    factor" (:data:`PROTEIN_NAME_WORDS` followed by :data:`PROTEIN_NAME_AFTER`)."""
    return (
        PROTEIN_NAME_WORDS.fullmatch(entity.text) is not None
        and PROTEIN_NAME_AFTER.match(doc.text[entity.end : entity.end + 16]) is not None
    )
