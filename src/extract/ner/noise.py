"""Mentions that cannot name a chemical or a disease: numbers, statistics, registry ids, pronouns.

The NER model tags citation numbers ("[394827", "398785"), statistics ("N = 9", "P<.0001") and trial
registration ids ("NCT01476631") as CHEMICAL, and now and then a pronoun ("himself") as DISEASE; each then heads
or ends relation rows ("398785" treats tumor).  The component ``extract_mention_noise`` runs right after the
model, before anything copies a mention elsewhere (label consistency, abbreviations), and drops every mention
one of its rules matches.  The rules are data (:data:`RULES`, medspaCy style: a name, the labels it applies to,
a pattern over the mention's text, why); ``configs/ner_stage.cfg`` names the ones the stage runs.

* ``no_letter`` — no letter at all: numbers, citation numbers, percentages, dates ("[394827", "6057", "5%").
* ``statistic`` — a statistic written as a letter or two, a comparison sign and a number: "N = 9", "P<.0001",
  "n=12", "OR = 2.1", "r ≥ 0.3", "p<0·0001" (the Lancet's decimal point).
* ``registry_id`` — a trial registration number: "NCT01476631", "ISRCTN12345678", "ACTRN12610000000000",
  "EudraCT 2004-000000-00".
* ``closed_class`` — a DISEASE mention that is one closed-class word (pronoun, determiner, preposition,
  conjunction, auxiliary): "himself", "which".  Written in lower case or capitalised only: "ON" (optic neuritis),
  "AT", "IT" are short forms and stay.
* ``instrument`` — the short form of a rating scale or clinical instrument, as written in the data file
  ``instrument_names.tsv`` beside this module, with an item count where the file gives one: "HAM-D" and "HAM-A"
  (tagged CHEMICAL), "HAM-D-17", "HDRS", "HRSD", "HADS", "ECOG" (tagged DISEASE), "MADRS", "PANSS"...
* ``greek_letter`` — one spelled-out Greek letter, lower case or capitalised: "Mu" of "Mu-rhythm" (tagged
  CHEMICAL); "Pi" (inorganic phosphate) is left out.
* ``dispersion`` — a standard error or deviation written as its short form where a statistic stands: after "±",
  "+/-" or "mean", or before a number or "'s" ("mean ± SE", "(± SD)", "SE 1.85", "SE's"); the model tags "SE" as
  status epilepticus and "SD" as the short form a document defines (sleep debt).  The same letters elsewhere stay
  ("status epilepticus (SE)", "SD" for sexual dysfunction).  In a document that also defines "SE" as a disease,
  the abbreviation step, which runs later, still makes every "SE" a mention of it.
* ``toxicity_grade`` — a toxicity grade written as "G" and its number or range: "diarrhoea (G3-4: 12%)",
  "neutropenia (G3/4)"; the model tags "G3-4" as a chemical (a drug code's shape), and each then headed an
  adverse-event row of the toxicities listed beside it (17 rows of one trial report's body).
* ``author`` — a capitalised name followed by "et al" or "and colleagues": the model tags authors' names of
  trial-report bodies as chemicals ("the study by Tamborlane et al. showed lispro had ...", "Mason et al. cited 5
  placebo-controlled trials", "Nolan et al examined ..."), and each then headed the rows of the drugs' diseases beside it.
* ``chemical_prefix`` — a CHEMICAL mention that is a chemical name's prefix on its own, in lower case: "cyclo" of
  "cyclo-oxygenase" (17 mentions of the 5,000 audit abstracts, which headed rows such as "cyclo treats arthritis"),
  "methyl", "oxy". Capitalised or upper-case forms stay: "Oxy" is oxybutynin's short form, "ISO" and "TRI" BC5CDR
  chemicals.

No annotated mention of BC5CDR train or dev, NCBI-disease train/dev or BioRED train/dev matches a rule
(``tests/test_mention_noise.py`` checks).  On BC5CDR dev the rules drop 3 predicted mentions, all false
positives ("97201", "5711", "1,2"; NER precision 0.8924 -> 0.8926, recall unchanged); on 300 drug-trial abstracts,
10 ("N = 9" x2, "[394827", "398785", "[406923", "P<.0001" x2, "NCT01476631", "6057", "himself") and with them
4 document relations.  ``instrument`` and ``greek_letter`` drop nothing on BC5CDR dev (scores unchanged); on 150
shared/unlabeled abstracts holding scale names they drop 47 mentions ("HAM-D" x26, "HAM-A" x5, "HDRS" x4, "Mu" x4,
"HAM-D-17" x2, "CGI-I" x2, "PANSS" x2, "HRSD", "HAM-D-24") and with them the rows "HAM-A treats GAD" and
"Mu -> Asperger's syndrome".  Each dropped mention is logged at DEBUG level with its rule.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.nlp.entity_edits import edit_entities

__all__ = ["INSTRUMENT_NAMES_PATH", "NoiseRule", "RULES", "MentionNoise", "instrument_pattern", "matching_rule"]

log = logging.getLogger(__name__)

CHEMICAL = "CHEMICAL"
DISEASE = "DISEASE"

#: Pronouns (personal, reflexive, possessive, relative, demonstrative, indefinite), determiners, prepositions,
#: conjunctions, auxiliaries and modals.  None of them names a disease.
CLOSED_CLASS_WORDS = frozenset(
    """i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves one oneself who whom whose which what that this
    these those whoever whatever whichever someone somebody something anyone anybody anything everyone everybody
    everything nobody nothing none each either neither both all any some few many much several such other another
    the a an no every
    of in on at by for with without within into onto from to toward towards upon over under above below between
    among amongst through throughout during before after since until till against about around across along
    beside besides beyond despite except inside outside per via versus vs than
    and or nor but yet so if unless whether because although though while whereas when whenever where wherever
    whereby thus hence therefore however also
    be am is are was were been being have has had having do does did done doing will would shall should can could
    may might must ought""".split()
)


#: Substituent and multiplying prefixes of chemical names, which the tokenizer leaves on their own when a hyphen
#: follows ("cyclo-oxygenase" -> "cyclo", "methyl-" of a split name).  Lower case only: "Oxy" and "ISO", "TRI" are
#: short forms a document defines (oxybutynin; BC5CDR annotates "ISO" and "TRI" as chemicals).
CHEMICAL_PREFIXES = (
    "cyclo oxy hydroxy methyl dimethyl ethyl propyl butyl acetyl amino nitro chloro fluoro bromo iodo oxo keto dihydro "
    "tetrahydro deoxy desmethyl phospho sulfo thio carboxy benzyl phenyl iso neo nor di tri mono poly bis"
).split()

#: Short forms of rating scales and clinical instruments (``name<TAB>item counts<TAB>instrument``; ``#`` comments).
INSTRUMENT_NAMES_PATH = Path(__file__).with_name("instrument_names.tsv")

#: Greek letters spelled out; "pi" is left out ("Pi" is inorganic phosphate).
GREEK_LETTERS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron rho sigma tau upsilon phi chi "
    "psi omega"
).split()


def instrument_pattern(path: Path = INSTRUMENT_NAMES_PATH) -> re.Pattern[str]:
    """One pattern matching every name of the instrument file, each with its item counts ("HAM-D", "HAM-D-17",
    "HAMD17", "HAM-D 21") where the file gives them."""
    alternatives = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[0].strip() or not all(n.isdigit() for n in fields[1].split()):
            raise ValueError(f"{path}:{number}: expected 'name<TAB>item counts<TAB>instrument', got {line!r}")
        name, counts = re.escape(fields[0].strip()), fields[1].split()
        alternatives.append(f"{name}(?:[- ]?(?:{'|'.join(counts)}))?" if counts else name)
    return re.compile("(?:" + "|".join(alternatives) + ")")


@dataclass(frozen=True)
class NoiseRule:
    """Drop a mention of one of ``labels`` whose whole text matches ``pattern`` (``re.fullmatch``); a rule with
    ``before`` / ``after`` patterns drops it only where one of them matches the text just before (``re.search``) or
    just after (``re.match``) the mention (:data:`CONTEXT_CHARS` characters each side)."""

    name: str
    labels: frozenset[str]
    pattern: re.Pattern[str]
    reason: str
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None

    def matches(self, text: str, label: str, before: str = "", after: str = "") -> bool:
        if label not in self.labels or self.pattern.fullmatch(text) is None:
            return False
        if self.before is None and self.after is None:
            return True
        return bool(
            (self.before is not None and self.before.search(before))
            or (self.after is not None and self.after.match(after))
        )


#: Characters of context a rule with ``before`` / ``after`` patterns reads on each side of a mention.
CONTEXT_CHARS = 16


_BOTH = frozenset({CHEMICAL, DISEASE})
#: A number; "·" is the decimal point of the Lancet's style ("p<0·0001").
_NUMBER = r"[-+−]?\s*(?:\d[\d,]*(?:[.·]\d+)?|[.·]\d+)\s*%?"

RULES: tuple[NoiseRule, ...] = (
    NoiseRule("no_letter", _BOTH, re.compile(r"[\W\d_]+"), "no letter: a number, a citation, a date"),
    NoiseRule(
        "statistic",
        _BOTH,
        re.compile(rf"[(\[]?\s*[A-Za-z]{{1,2}}\s*(?:[<>=≤≥]=?|<>)\s*{_NUMBER}\s*[)\]]?"),
        "a statistic: N = 9, P<.0001, OR = 2.1",
    ),
    NoiseRule(
        "registry_id",
        _BOTH,
        re.compile(
            r"(?:NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|ChiCTR[-\w]*\d{6,}|(?:EudraCT\s*(?:No\.?\s*)?)?\d{4}-\d{6}-\d{2})"
        ),
        "a trial registration number",
    ),
    NoiseRule(
        "closed_class",
        frozenset({DISEASE}),
        re.compile(
            "(?:" + "|".join(sorted(CLOSED_CLASS_WORDS | {w.capitalize() for w in CLOSED_CLASS_WORDS})) + ")",
        ),
        "a pronoun, determiner, preposition, conjunction or auxiliary",
    ),
    NoiseRule("instrument", _BOTH, instrument_pattern(), "a rating scale or clinical instrument: HAM-D, PANSS"),
    NoiseRule(
        "greek_letter",
        _BOTH,
        re.compile("(?:" + "|".join(GREEK_LETTERS + [w.capitalize() for w in GREEK_LETTERS]) + ")"),
        "a Greek letter spelled out: Mu (-rhythm)",
    ),
    NoiseRule(
        "dispersion",
        _BOTH,
        re.compile(r"SE|SEM|SD|S\.E\.|S\.D\."),
        "a standard error or deviation: mean ± SE, (± SD), SE 1.85, SE's",
        before=re.compile(r"(?:±|\+/-|\+-|\bmeans?)\s*[(\[]?\s*$"),
        after=re.compile(r"\s*(?:[=:]\s*)?[-+]?\.?\d|'s\b"),
    ),
    NoiseRule(
        "toxicity_grade",
        _BOTH,
        re.compile(r"G[0-5](?:\s*[-–/]\s*[0-5])?"),
        "a toxicity grade written with its letter: G3-4, G3/4, G2",
    ),
    NoiseRule(
        "author",
        _BOTH,
        re.compile(r"[A-Z][a-z'’-]+(?:[- ][A-Z][a-z'’-]+)?"),
        "an author's name before et al.: Richardson et al., Kleinjung et al.",
        after=re.compile(r"\s*(?:et\.?\s*al\b|and\s+(?:colleagues|co-?workers)\b)"),
    ),
    NoiseRule(
        "chemical_prefix",
        frozenset({CHEMICAL}),
        re.compile("(?:" + "|".join(CHEMICAL_PREFIXES) + ")-?"),
        "a chemical name's prefix on its own: cyclo (of cyclo-oxygenase), methyl",
    ),
)
_BY_NAME = {rule.name: rule for rule in RULES}


def matching_rule(
    text: str, label: str, rules: Iterable[NoiseRule] = RULES, before: str = "", after: str = ""
) -> NoiseRule | None:
    """The first of ``rules`` that drops a ``label`` mention reading ``text`` (``before`` / ``after``: the text
    around it, for the rules that read context), else None."""
    for rule in rules:
        if rule.matches(text, label, before, after):
            return rule
    return None


class MentionNoise:
    """Drop the mentions the named rules match (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, rules: list[str]) -> None:
        unknown = [r for r in rules if r not in _BY_NAME]
        if unknown:
            raise ValueError(f"extract_mention_noise: unknown rules {unknown}; known: {sorted(_BY_NAME)}")
        self.name = name
        self.rules = tuple(_BY_NAME[r] for r in rules)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text

        def keep(ent: Span) -> Span | None:
            before = text[max(0, ent.start_char - CONTEXT_CHARS) : ent.start_char]
            after = text[ent.end_char : ent.end_char + CONTEXT_CHARS]
            rule = matching_rule(ent.text, ent.label_, self.rules, before, after)
            if rule is None:
                return ent
            log.debug("mention %r (%s) dropped: %s", ent.text, ent.label_, rule.name)
            return None

        return edit_entities(doc, keep)


@Language.factory("extract_mention_noise", default_config={"rules": [rule.name for rule in RULES]})
def make_mention_noise(nlp: Language, name: str, rules: list[str]) -> MentionNoise:
    return MentionNoise(nlp, name, rules)
