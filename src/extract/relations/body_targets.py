"""Chemical mentions that name a part of the body's machinery, not a drug given: "opioid receptors", "potassium channels".

"it is a potent short-acting opioid that affects different opioid receptors and may have side effects such as
nausea and vomiting", "blockade of potassium channels, and torsade de pointes", "inhibition of prostaglandin
biosynthesis is related to side effects including hyperkalemia", "estrogen receptor-positive breast cancer": the NER
stage tags the ligand of a receptor, the ion of a channel or the product of a pathway as a chemical (BC5CDR does), and
the joint model reads the side effects (or the disease) of the sentence as that chemical's.  A drug -> disease row with such a head
tells an analyst that "opioid" or "potassium" caused the event; the judging guideline of
``data/gold/relation_annotations/`` reads it as no drug's.  Over the judged rows of the first to eighth draws, 10
rows have a head right before "receptor(s)", "channel(s)", "transporter", "signalling", "pathway" or "biosynthesis",
and all 10 are wrong; one more, judged right, names a receptor antagonist ("Angiotensin II receptor subtype-1
antagonists"), and such a mention stays a drug: the drug is the antagonist it begins.  A "system" after the mention
stays too: a drug's delivery system is the drug ("transdermal fentanyl system").

:func:`names_a_body_target` is read by the relation stage (:class:`extract.relations.extractor.CoordinationAware`),
which writes no drug -> disease row with such a head; the mention stays in the ``entities`` table.
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
