"""String normalisation shared by the knowledge-base builder and the linker.

Both sides must agree exactly: aliases are stored in the index in normalised
form and mentions are normalised the same way before lookup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ω": "omega",
    "τ": "tau",
}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/,;:]+")
_DROP = re.compile(r"['’`\"]s\b|['’`\".*®™]")
_TRIM = re.compile(r"^[\s\(\[\{]+|[\s\)\]\}.]+$")
_PAREN = re.compile(r"\s*[\(\[][^\(\)\[\]]*[\)\]]\s*")


#: British -> American spellings (MeSH is American): haemorrhage, anaemia, oedema,
#: diarrhoea, foetal, paediatric, tumour, leucocyte, sulphate, aluminium, ...
_SPELLING = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=[a-z])aem", "em"),
        (r"\boe(?=(?:dem|soph|str))", "e"),
        (r"(?<=[a-z])oea\b", "ea"),
        (r"\bcoeli", "celi"),
        (r"\bphaeo", "pheo"),
        (r"\bfoet", "fet"),
        (r"(?<![a-z])(ortho)?paed", lambda m: f"{m.group(1) or ''}ped"),
        (r"\b(tum|col|behavi|hum)our", r"\1or"),
        (r"\bleuc(?=o|em)", "leuk"),
        (r"sulph", "sulf"),
        (r"\baluminium\b", "aluminum"),
        (r"\banaesth", "anesth"),
    )
]


def american_spelling(text: str) -> str:
    """American forms of the common British spellings in lower-cased ``text``.

    >>> american_spelling("gastrointestinal haemorrhage and oedema")
    'gastrointestinal hemorrhage and edema'
    """
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1 << 16)
def normalize(text: str) -> str:
    """Lower-case, fold accents and Greek letters, American spelling, unify separators, drop quotes (memoised: the
    linker normalises the same mention texts and words again and again).

    >>> normalize("Diabetes Mellitus, Type-2")
    'diabetes mellitus type 2'
    """
    text = unicodedata.normalize("NFKC", text)
    for letter, name in _GREEK.items():
        text = text.replace(letter, name).replace(letter.upper(), name)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = american_spelling(text.lower())
    text = _DROP.sub("", text)
    text = _SEPARATORS.sub(" ", text)
    text = _TRIM.sub("", text)
    return text.strip()


def inverted_forms(name: str) -> list[str]:
    """MeSH-style inverted names: "Diabetes Mellitus, Type 2" -> "Type 2 Diabetes Mellitus"."""
    parts = [p.strip() for p in name.split(", ")]
    if len(parts) == 2 and all(parts):
        return [f"{parts[1]} {parts[0]}"]
    return []


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("aches"):  # headaches, backaches
        return word[:-1]
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


_LETTER_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
#: Words written two ways in drug names: the INN's "alfa" for the Greek letter ("epoetin alfa", "dornase alfa"), and the
#: chemists' short "HCl" for hydrochloride.
_WORD_SWAPS = {"alpha": "alfa", "hcl": "hydrochloride"}


def lookup_variants(text: str) -> list[str]:
    """Normalised forms of a mention to try in the exact dictionary, best first."""
    base = normalize(text)
    variants = [base]
    without_paren = normalize(_PAREN.sub(" ", text))
    if without_paren and without_paren != base:
        variants.append(without_paren)
    words = base.split()
    if words:
        singular = " ".join(words[:-1] + [_singular(words[-1])])
        if singular != base:
            variants.append(singular)
        all_singular = " ".join(_singular(w) for w in words)
        if all_singular not in variants:
            variants.append(all_singular)
    for prefix in ("acute ", "chronic ", "severe ", "the ", "a "):
        if base.startswith(prefix) and len(base) > len(prefix) + 3:
            variants.append(base[len(prefix) :])
    if "-" in text:  # "thrombo-embolism" is "thromboembolism", "non-steroidal" is "nonsteroidal"
        # British spellings are read before the join: "gastro-oesophageal" is "gastroesophageal"
        joined = normalize(_LETTER_HYPHEN.sub("", american_spelling(text.lower())))
        if joined != base:
            variants.append(joined)
    swapped = " ".join(_WORD_SWAPS.get(word, word) for word in words)
    if swapped != base:  # "epoetin alpha" is "epoetin alfa", "bupivacaine HCl" "bupivacaine hydrochloride"
        variants.append(swapped)
    if len(words) >= 3 and words[-1] == "disease":  # "duodenal ulcer disease" is a duodenal ulcer
        variants.append(" ".join(words[:-1]))
    seen: set[str] = set()
    return [v for v in variants if v and not (v in seen or seen.add(v))]


_CONJ_SPLIT = re.compile(r"\s*,\s*(?:(?:and|or|and/or)\s+)?|\s+(?:and|or|and/or)\s+", re.IGNORECASE)
_OF_PREFIX = re.compile(r"^(.+?\bof)\s+\S")
_WORD = re.compile(r"[A-Za-z0-9]")


def conjuncts(text: str, is_name: Callable[[str], bool] = lambda item: False) -> list[str]:
    """Conjuncts of a coordinated mention sharing a head, each completed with it.

    "renal or hepatic toxicity" -> ["renal toxicity", "hepatic toxicity"];
    "haematological, renal and hepatic toxicities" -> three; "impairments of learning
    and memory" -> ["impairments of learning", "impairments of memory"]; "cleft lip and
    palate" -> ["cleft lip", "cleft palate"] (a shared modifier).  Empty when
    ``text`` is not such a coordination.  An item for which ``is_name`` is true is
    a name on its own ("hepatitis and renal failure") and is not completed.
    """
    if not re.search(r",|\b(?:and|or)\b", text, re.IGNORECASE):
        return []
    items = [item.strip() for item in _CONJ_SPLIT.split(text.strip())]
    if len(items) < 2 or not all(_WORD.search(item) for item in items):
        return []
    first, last = items[0], items[-1]
    of_form = _OF_PREFIX.match(first)
    if of_form and len(items[1:]) and all(" of " not in f" {item} " for item in items[1:]):
        prefix = of_form.group(1)
        return [first, *(f"{prefix} {item}" for item in items[1:])]
    last_words = last.split()
    if len(last_words) < 2:
        return _shared_modifier(items, is_name)
    head = last_words[-1]
    out = []
    for item in items[:-1]:
        words = item.split()
        if is_name(item):
            out.append(item)
        elif len(words) > 3 or words[-1].lower() == head.lower():
            return []  # a full phrase (or its own head): not a shared-head coordination
        else:
            out.append(f"{item} {head}")
    return [*out, last]


#: Two short forms written as one word: "TTP-HUS", "PAH-CHD", "TTP/HUS".
_SHORT_FORM_PAIR = re.compile(r"([A-Z][A-Z0-9]{1,7})[-/]([A-Z][A-Z0-9]{1,7})")


def short_form_pair(text: str) -> list[str]:
    """The two short forms of a mention written as one word ("TTP-HUS" -> ["TTP", "HUS"]): each is at least two
    characters, upper-case letters and digits beginning with a letter; empty for anything else."""
    found = _SHORT_FORM_PAIR.fullmatch(text.strip())
    return list(found.groups()) if found else []


def _shared_modifier(items: list[str], is_name: Callable[[str], bool]) -> list[str]:
    """Conjuncts of "<modifier> X and Y" whose later items are single words sharing the first item's modifier:
    "cleft lip and palate" -> ["cleft lip", "cleft palate"]; an item that is a name on its own ("renal failure
    and death") is not completed.  Empty unless the first item has two or more words and every later one one."""
    first_words = items[0].split()
    if len(first_words) < 2 or any(len(item.split()) != 1 for item in items[1:]):
        return []
    modifier = " ".join(first_words[:-1])
    return [items[0], *(item if is_name(item) else f"{modifier} {item}" for item in items[1:])]


#: Generic head nouns of disease mentions: "<site> toxicity" names the same thing as
#: "<site> disease" in the corpora (BC5CDR annotates organ-level toxicity, damage,
#: dysfunction ... with the organ's disease concept).  Singular and plural, most
#: specific last so ties go to "disease(s)"/"disorder(s)".
GENERIC_HEADS = (
    "disease",
    "diseases",
    "disorder",
    "disorders",
    "abnormality",
    "abnormalities",
    "dysfunction",
    "dysfunctions",
    "impairment",
    "impairments",
    "damage",
    "injury",
    "injuries",
    "lesion",
    "lesions",
    "toxicity",
    "toxicities",
    "complication",
    "complications",
    "problems",
    "deficits",
)
_GENERIC = frozenset(GENERIC_HEADS)


def generic_head_variants(text: str) -> list[str]:
    """Normalised forms of ``text`` with a generic head noun swapped for the others.

    "hepatic toxicity" -> ["hepatic disease", "hepatic diseases", ..., "hepatic injury", ...];
    empty unless ``text`` ends in a generic head after at least one other word.
    """
    words = normalize(text).split()
    if len(words) < 2 or words[-1] not in _GENERIC:
        return []
    modifier = " ".join(words[:-1])
    return [f"{modifier} {head}" for head in GENERIC_HEADS if head != words[-1]]


#: Heads too unspecific to link a mention to on their own ("adenovirus disease" is not
#: the concept Disease): the generic heads and a few more.
BARE_HEADS = _GENERIC | frozenset(
    {
        "syndrome",
        "syndromes",
        "condition",
        "conditions",
        "illness",
        "death",
        "deaths",
        "infection",
        "infections",
        "emergency",
        "emergencies",
    }
)


def head_backoffs(text: str) -> list[str]:
    """Shorter forms of ``text`` dropping leading whitespace-separated words, longest first.

    "postoperative cerebral sinus thrombosis" -> ["cerebral sinus thrombosis",
    "sinus thrombosis", "thrombosis"].  Hyphenated words are not split; forms starting
    with a function word and bare heads (:data:`BARE_HEADS`) are left out.
    """
    words = text.split()
    out = []
    for i in range(1, len(words)):
        raw = " ".join(words[i:])
        if raw.count("(") != raw.count(")"):
            continue  # cut inside a parenthesis
        if i == len(words) - 1 and (len(raw) <= 3 or raw.isupper()):
            continue  # a lone short form is ambiguous out of its context ("elevated ICP")
        rest = normalize(raw)
        first = rest.split(" ", 1)[0]
        if not rest or first in _FUNCTION_WORDS or rest in BARE_HEADS:
            continue
        if _sense_changed(normalize(" ".join(words[:i])).split(), rest):
            break  # every shorter form keeps the head the dropped words gave another sense
        out.append(rest)
    return out


#: Heads that a word of an organ, a physiological system or a measured trace turns from a disease into a lowered
#: function or reading: "depression" is the mood disorder, "CNS / myocardial / ST segment depression" are not.  A
#: mention with such a word is never reduced to its head (its own name, a cross-reference or nothing links it:
#: "respiratory depression" is Respiratory Insufficiency by name).  Dropped words only, lower-cased.
FUNCTION_SENSE_WORDS: dict[str, frozenset[str]] = {
    "depression": frozenset(
        {
            "st",
            "segment",
            "cns",
            "central",
            "nervous",
            "neurologic",
            "neurological",
            "neuromuscular",
            "myocardial",
            "cardiac",
            "cardiovascular",
            "cardiorespiratory",
            "cardiopulmonary",
            "circulatory",
            "hemodynamic",
            "haemodynamic",
            "respiratory",
            "ventilatory",
            "marrow",
            "medullary",
            "eeg",
            "cortical",
            "spreading",
            "synaptic",
            "immune",
            "contractile",
            "ventricular",
        }
    ),
}


def _sense_changed(dropped: list[str], rest: str) -> bool:
    """A dropped word gives the head of ``rest`` another sense (:data:`FUNCTION_SENSE_WORDS`)."""
    words = FUNCTION_SENSE_WORDS.get(rest.rsplit(" ", 1)[-1])
    return words is not None and any(word in words for word in dropped)


_FUNCTION_WORDS = frozenset({"of", "the", "and", "in", "with", "to", "by", "or", "for", "on", "a", "an", "due", "at"})


#: Adjective endings of disease words and the noun endings they come from, most specific first:
#: "psychotic" / psychosis, "dyskinetic" / dyskinesis, "ischemic" / ischemia, "thromboembolic" / thromboembolism,
#: "syncopal" / syncope, "hypertensive" / hypertension.
ADJECTIVE_ENDINGS = (
    ("otic", "osis"),
    ("etic", "esis"),
    ("ic", "ia"),
    ("ic", "y"),
    ("ic", "ism"),
    ("ous", "a"),
    ("al", "e"),
    ("al", "a"),
    ("ive", "ion"),
)
#: Nouns after a disease word that name an occurrence of the disease, not another condition ("heartburn symptoms",
#: "anginal attacks", "chronic pain syndromes"; BC5CDR annotates "syncopal attacks" as Syncope, "thromboembolic
#: episodes" as Thromboembolism, "depressive symptoms" as Depression).
EPISODE_NOUNS = frozenset(
    {
        "attack",
        "attacks",
        "episode",
        "episodes",
        "event",
        "events",
        "symptom",
        "symptoms",
        "state",
        "states",
        "complaint",
        "complaints",
        "syndromes",
    }
)


def noun_variants(text: str) -> list[str]:
    """Normalised forms of ``text`` with its last word, a disease adjective, turned into the noun it comes from
    (:data:`ADJECTIVE_ENDINGS`), after dropping an episode noun (:data:`EPISODE_NOUNS`): "syncopal attacks" ->
    ["syncope"], "thromboembolic episodes" -> ["thromboembolia", "thromboemboly", "thromboembolism"]; where an
    episode noun was dropped, the words before it come first as they are ("heartburn symptoms" -> ["heartburn"])."""
    words = normalize(text).split()
    out = []
    if len(words) > 1 and words[-1] in EPISODE_NOUNS:
        words = words[:-1]
        out.append(" ".join(words))
    if not words:
        return []
    last = words[-1]
    for adjective, noun in ADJECTIVE_ENDINGS:
        if last.endswith(adjective) and len(last) > len(adjective) + 3:
            out.append(" ".join([*words[:-1], last[: -len(adjective)] + noun]))
    return out
