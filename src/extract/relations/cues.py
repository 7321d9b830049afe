"""Cue-word fragments shared by the relation rules and the manifestation patterns.

Each constant is an uncompiled regex alternation (no enclosing group, no flags): embed it as
``(?:FRAGMENT)`` in a pattern compiled with ``re.I``.  The word lists live here once, so a word
added to the population, causal or negation cues reaches every pattern that reads them.
"""

from __future__ import annotations

#: People a clinical statement is about: "patients treated with X", "Y in women receiving X".
PATIENTS = r"patients?|subjects?|wom[ae]n|m[ae]n|child(?:ren)?|cases?"
#: Laboratory animals of the abstracts: "Y in rats treated with X".
ANIMALS = r"mice|rats?"
#: Any population that can carry a disease: "in adults / families / those / mice with H".
POPULATION = PATIENTS + r"|adults?|individuals?|families|infants?|those|people|" + ANIMALS

#: Active causal verbs, cause before effect: "X causes / results in / leads to Y".
CAUSES = r"caus(?:e|es|ed|ing)|result(?:s|ed|ing)?\s+in|(?:lead|leads|leading|led)\s+to"
#: Passive causal phrases, effect before cause: "Y due to / secondary to / caused by X".
CAUSED_BY = r"due to|secondary to|caused by|result(?:s|ed|ing)? from|attribut(?:able|ed) to"
#: "as a complication / consequence / manifestation / result of": effect before cause.
AS_A_RESULT_OF = r"as a (?:complication|consequence|manifestation|result) of"

#: Plain negation words: "no", "not", "without", "neither ... nor".
NEGATION_WORDS = r"not|no|neither|nor|without"
#: Negation cues of a cue region: the words plus negated verbs and "absence", "rather than", ...
NEGATION_CUES = (
    NEGATION_WORDS
    + r"|never|absence|absent|failed to|unlikely|rather than|unrelated|did not|does not|was not|were not|cannot|n't"
)
#: The cues of :data:`NEGATION_CUES` that negate a predicate ("does not cause A or Y") and so scope over every object
#: after them; the others negate a noun phrase ("without A", "no A") and end with it.
PREDICATE_NEGATION_CUES = r"not|never|cannot|failed to|did not|does not|was not|were not|n't"


#: Words that make the condition after them a benefit, not an effect: "resulted in a marked decrease in pain",
#: "lower pain scores", "relief of nausea".
REDUCTION = (
    r"decreas\w*|reduc\w*|lower\w*|less|fewer|relie\w*|improv\w*|alleviat\w*|attenuat\w*|prevent\w*|"
    r"suppress\w*|abolish\w*|control\w*"
)

#: "less / fewer Y", "a lower incidence / risk of Y", "reduced the risk of Y": the comparative that says a drug had
#: *less* of an effect (:mod:`extract.relations.comparatives`).  "decreased" / "lower" alone are not enough
#: ("decreased appetite").
_RATE_NOUNS = (
    r"(?:incidences?|risks?|rates?|frequenc(?:y|ies)|occurrences?|prevalences?|numbers?|reports?|episodes?|cases?|"
    r"severity|likelihood|odds)"
)
#: Who an effect is counted in: "Y was observed in more patients in the X group" (after the effect).
PEOPLE = r"(?:patients|subjects|participants|persons|people|cases|women|men|children|infants|individuals|volunteers)"
LESS_BEFORE = (
    r"\b(?:less|fewer)\b|\b(?:lower|reduced|decreased|smaller|less|fewer|reduc(?:e|es|ing)|decreas(?:e|es|ing))\s+"
    rf"(?:the\s+)?{_RATE_NOUNS}\b"
)
#: "Y occurred less frequently / was less common / was significantly decreased with X / occurred in fewer patients given
#: X" (after the effect).
LESS_AFTER = (
    rf"\b(?:in|among)\s+fewer\s+{PEOPLE}\b|"
    r"\b(?:less|fewer|lower)\s+(?:frequent\w*|often|common\w*|likely|severe|pronounced|intense|marked)\b|"
    r"\b(?:was|were)\s+(?:(?:significantly|markedly|substantially|also)\s+)?(?:decreased|reduced|lower)\b(?!\s+to\s+\d)"
)
#: The other direction, "more / a higher incidence of Y (with Z) than with X", "Y was higher ... compared with X":
#: the comparator X had less of the effect.
MORE_BEFORE = rf"\b(?:more|greater)\b|\b(?:higher|increased|greater|more)\s+(?:the\s+)?{_RATE_NOUNS}\b"
MORE_AFTER = (
    rf"\b(?:in|among)\s+more\s+{PEOPLE}\b|"
    r"\b(?:more|higher|greater)\s+(?:frequent\w*|often|common\w*|likely|severe)\b|"
    r"\b(?:was|were)\s+(?:(?:significantly|markedly|substantially|also)\s+)?(?:higher|increased|greater)\b"
)
#: Words that make the drug after them the comparator arm: "than (with) X", "compared with X", "as effective as X".
COMPARATOR = (
    r"\b(?:than|compared\s+(?:with|to)|versus|vs\.?|relative\s+to|as\s+(?:effective|well|good|potent|efficacious)\s+as|"
    r"equipotent\s+to|equivalent\s+to|comparable\s+(?:efficacy\s+|effect\s+)?to|similar\s+to)"
)
#: Words that may stand between a comparator word and the drug: "than in those given X".
COMPARATOR_FILLER = r"with|in|the|those|patients|given|receiving|on|treated|that|induced|by|is|are|was|were|to|of"

#: A negation that opens a clause and scopes over all of it: "No nicardipine-related foetal distress occurred", "None
#: of the 30 deaths was related to X", "There were no Y attributed to X", "Neither A nor Y ... X", "Lack of Y in patients
#: sedated with X", "it is unlikely that X caused Y".  "no (significant) difference(s)" compares arms and is not one.
CLAUSE_NEGATION = (
    r"(?:^\s*(?:\w+ly,?\s+|overall,?\s+|also\s+)?|[,(]\s*|\b(?:and|or)\s+)(?:there\s+(?:was|were|is|are|had\s+been|has\s+been)\s+)?"
    r"(?:no|none\s+of(?:\s+the)?|neither|lack\s+of|absence\s+of|"
    r"it\s+(?:is|was|seems|seemed|appears|appeared)\s+(?:\w+\s+)?unlikely\s+that)\b(?!\s+(?:\w+\s+)?differences?\b)"
)
#: An event disowned right after it: "two serious AEs (A and Y) unrelated to study treatment", "Y, which was considered
#: not related to the study drug".  Between the disease and the cue only a closing parenthesis, a coordinated phrase and
#: "which was / were (deemed)" may stand.
DISAVOWED_AFTER = (
    r"^(?:\s*,?\s*(?:and|or)\s+[^.;:,()]{1,50}?)?\s*\)?\s*,?\s*(?:(?:which|that)\s+)?(?:(?:was|were|is|are)\s+)?"
    r"(?:(?:all|both)\s+)?(?:(?:deemed|considered|judged|assessed|classified)\s+(?:as\s+)?)?"
    r"(?:(?:probably|possibly|likely)\s+)?(?:unrelated|not\s+related|not\s+attributed)\s+to\s+(?:the\s+)?"
    r"(?:study|trial|investigational)?\s*(?:drugs?|treatments?|medications?|therapy|therapies|products?|"
    r"interventions?|agents?)\b"
)

#: Where such a negation's scope ends: a new clause (", and" too: "No patient withdrew, and Y occurred with X"), or an
#: exception ("no adverse effects other than Y with X"); not the "that" of "unlikely that", which the negation opens.
CLAUSE_BREAK = (
    r"\b(?:but|however|whereas|although|though|while|which|who|(?<!unlikely\s)that|yet|except|expect|other\s+than|"
    r"apart\s+from|"
    r"with\s+the\s+exception\s+of|in\s+contrast)\b|;|:|\)\s*,|,\s*and\b"
)

#: A negated group of people and the relative pronoun that opens what they did: "There was no patient in the X group who
#: developed Y" (``existential``: the negation denies the relative clause), "None of the patients who received X had Y"
#: (the negation denies the main clause; the relative clause only says who is meant, and "none of the patients on X who
#: developed Y exhibited Z" still says that some developed Y).  Group ``relative``: the "who" / "that".
NEGATED_PEOPLE_RELATIVE = (
    r"\b(?:(?P<existential>there\s+(?:was|were|is|are|had\s+been|has\s+been)\s+no)|no|"
    r"none\s+of\s+(?:the|our|these|those))"
    r"\s+(?:[\w-]+\s+){0,2}?"
    rf"(?:one|patient|subject|participant|person|case|woman|child|infant|individual|volunteer|{PEOPLE})"
    r"(?:\s+[\w-]+){0,4}?\s+(?P<relative>who|that)\b"
)

#: Where a sentence turns from one arm to the other: "X was associated with more A, whereas Z was associated with more
#: B", "A was more common with X; B with Z", "..., but ...", "in contrast".
ARM_CONTRAST = r",?\s*\b(?:whereas|while)\b|;|,\s*but\b|,?\s*\bin\s+contrast\b"
#: ", and" before a clause of its own, its subject (one or two words, maybe a parenthesis; group ``subject``) and verb:
#: "acetaminophen can cause liver toxicity, and NSAIDS (such as ibuprofen and aspirin) can cause bleeding".  A turn to
#: another arm only when the subject names a drug (:mod:`extract.relations.clause_arms`): the last item of a list is
#: followed by a verb too ("salivation, dizziness, and nausea were reported more often with clozapine").
ARM_AND_CLAUSE = (
    r",\s*and\s+(?P<subject>(?:the\s+)?[\w-]+(?:\s+[\w-]+)?(?:\s+\([^()]{0,60}\))?)\s+"
    r"(?:can|may|might|could|was|were|is|are|has|have|had|caused?|causes|induced?|induces|produced?|produces|led|leads|"
    r"resulted|results)\b"
)

#: Negation words that do not negate the pair around them: "Y, but not Z, ...", "not only", "if not", "not yet".
NOT_A_NEGATION = r"\bbut\s+not\b|\bnot\s+only\b|\bif\s+not\b|\bnot\s+(?:yet|always)\b"
