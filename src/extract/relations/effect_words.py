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
"""

from __future__ import annotations

import re

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
