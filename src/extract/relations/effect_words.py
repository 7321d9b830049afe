"""Disease mentions that name a drug's effect, not a condition: "the ocular hypotensive effect of timolol", "a
sustained hypoglycemic effect", "the analgetic effect of fluvoxamine", "an additive hypertensive effect".

The NER stage tags the adjective ("hypotensive", "hypoglycemic", "analgetic") as a disease, as BC5CDR often does, and
the relation models read "timolol -> ocular hypotensive" as a treatment or "repaglinide -> hypoglycemic" as an adverse
event: rows an analyst reads as a condition the drug treats or causes, where the sentence describes what the drug does.
A mention whose text ends in an adjective ("-ive", "-ic", "-ant", "-al", "-ary") right before "effect", "response",
"action", "activity", "properties", "potency", "agent" or "drug" names such an effect (:func:`names_an_effect`): the
relation stage writes no treatment row with it as the disease.

Adverse-event rows keep it, except for a therapeutic effect (:func:`names_a_therapeutic_effect`: hypoglycaemic,
analgesic, ocular hypotensive): BC5CDR's CID annotation counts the "nephrotoxic effects of aminoglycosides", the
"cataleptic response", even the "hypotensive effect of methyldopa" as chemical-induced diseases (in 26 of the dev
split's 37 such mentions), and dropping every such adverse-event row lost 4 of dev's CID pairs.

A mention that is harm in general -- "toxicity", "toxicities", "TEAE", "adverse events", "side effects" -- is no
condition a drug is given for (:func:`names_harm_in_general`): the joint model read "sorafenib prolongs OS with
manageable toxicities", "cumulative toxicities are its main limitation" as treatments (52 treatment rows of the
audit and trial-report runs, 50 of them wrong, 2 half-right).  Another drug's harm ("amifostine for cisplatin toxicity") keeps its
row; adverse-event rows keep such tails (the judged rows count "toxicity from X" as the drug's adverse event).
"""

from __future__ import annotations

import re

from extract.relations.memo import sentence_entities
from extract.relations.types import DocumentView, EntityView

#: The mention's last word is an adjective.
_ADJECTIVE_END = re.compile(r"(?:ive|ic|ant|al|ary)$", re.I)
#: The noun it qualifies, right after the mention.
_EFFECT_NOUN = re.compile(
    r"\s+(?:effects?|responses?|actions?|activity|activities|properties|potency|agents?|drugs?)\b", re.I
)
#: Effects drugs are given for, never a condition they cause.
_THERAPEUTIC = re.compile(r"(?:hypoglyc(?:a)?emic|analge[st]ic|ocular\s+hypotensive)$", re.I)


def names_an_effect(doc: DocumentView, mention: EntityView) -> bool:
    """``mention`` (a DISEASE mention) is an adjective qualifying a drug's effect ("hypotensive effect")."""
    return bool(_ADJECTIVE_END.search(mention.text)) and _EFFECT_NOUN.match(doc.text, mention.end) is not None


def names_a_therapeutic_effect(doc: DocumentView, mention: EntityView) -> bool:
    """:func:`names_an_effect` with an effect drugs are given for ("hypoglycemic effect", "analgetic effect")."""
    return bool(_THERAPEUTIC.search(mention.text)) and names_an_effect(doc, mention)


#: Harm in general, the whole text of a mention.
_HARM_IN_GENERAL = re.compile(
    r"(?:toxicit(?:y|ies)|(?:treatment-emergent\s+|serious\s+)?adverse\s+(?:drug\s+)?(?:events?|reactions?|effects?)|"
    r"side[-\s]effects?|TEAEs?|SAEs?|AEs?|ADRs?)",
    re.I,
)
#: How close before the mention another chemical must end to own the harm ("cisplatin toxicity", "cisplatin-induced
#: toxicity").
_OWNER_CHARS = 12


def names_harm_in_general(doc: DocumentView, mention: EntityView) -> bool:
    """``mention`` (a DISEASE mention) is harm in general ("toxicities", "TEAE") and no chemical right before it owns
    it ("cisplatin toxicity")."""
    if not _HARM_IN_GENERAL.fullmatch(mention.text.strip()):
        return False
    return not any(
        e.label == "CHEMICAL" and e.end <= mention.start and mention.start - e.end <= _OWNER_CHARS
        for e in sentence_entities(doc, mention.sentence_index)
    )
