"""spaCy component ``extract_abbreviations``: propagate long forms to their short forms.

scispaCy's :class:`~scispacy.abbreviation.AbbreviationDetector` (Schwartz & Hearst)
finds definitions "long form (SF)" and every later occurrence of SF in the document.
For each definition whose long form overlaps an entity, every occurrence of the
short form

* that is already an entity takes the long form's label;
* that no entity covers becomes an entity (``span._.method = "abbreviation"``);

and gets ``span._.abbreviation_of`` = the long-form entity's text, which the linker
links in place of the short form (so "SSc" gets the concept of "systemic sclerosis").
The long-form entity must make up most of the long form and end where it ends (not run on over the parenthesis:
"angiotensin converting enzyme (ACE) inhibitors" is a drug class, its "ACE" the enzyme), except that a
disease may follow its cause ("ribavirin-induced hemolytic anemia (RIHA)": RIHA is the anemia).
Short-form entities whose long form is no entity still get ``abbreviation_of``
(the long form text), which helps linking, and ``unsupported_short_form``: the linker drops
those it cannot link ("vastus lateralis (VL)", "brachytherapy (BT)" — the document defines the
short form as something that is neither a known concept nor an entity of the model).
A lower-case English function word is never a short form: "time on (all subjects treated with oral insulin)" matches
Schwartz & Hearst's letters ("on" = "oral insulin") and would make every "on" of the document insulin.  Nor does a
long form begin with one ("serious AEs (hypoglycemia and metastatic malignant melanoma)": "and metastatic ..." is
no definition of "AEs"; "Treating to New Targets (TNT)" begins at "Treating").  A long form that names a study,
score or body of its entity ("Studies of Left Ventricular Dysfunction (SOLVD)") gives its short form neither the
entity's label nor its text to link by.  Two short forms in one parenthesis are each defined by their half of the
long form ("chronic prostatitis/chronic pelvic pain syndrome (CP/CPPS)", "perindopril/indapamide (Per/Ind)").
"""

from __future__ import annotations

import re
import warnings

import numpy as np
from scispacy.abbreviation import AbbreviationDetector, filter_matches, short_form_filter
from spacy.attrs import ORTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

import extract.nlp.extensions  # noqa: F401  (registers span attributes)
from extract.schemas import ENTITY_LABELS


def _long_form_entity(long_form: Span, ents: list[Span]) -> Span | None:
    """The entity that best covers the long form (largest overlap, ending latest)."""
    best: tuple[int, int] | None = None
    chosen = None
    for ent in ents:
        overlap = min(ent.end, long_form.end) - max(ent.start, long_form.start)
        if overlap <= 0 or ent.label_ not in ENTITY_LABELS:
            continue
        key = (overlap, ent.end)
        if best is None or key > best:
            best, chosen = key, ent
    # The entity must make up most of the long form (not one word of a long phrase) and end where it ends:
    # the last word is the head of the long form, so "nitric oxide synthase (NOS)", "hepatitis B virus
    # (HBV)", "acetylcholine receptor (AChR)" name an enzyme, a virus, a receptor, not the entity inside.
    if chosen is None or chosen.end < long_form.end:
        return None
    # An entity that runs on over the short form's parenthesis names something built on the long form, not it:
    # "angiotensin converting enzyme (ACE) inhibitors" is the drug class, "ACE" the enzyme.
    if chosen.end > long_form.end and long_form.end < len(long_form.doc) and long_form.doc[long_form.end].text == "(":
        return None
    if best[0] * 2 < len(long_form) and not _caused_disease(long_form, chosen):
        return None
    return chosen


#: Words that tie the entity of a long form to what the long form names: a study, score, model or body of it.
_LINK_WORDS = frozenset({"of", "for", "in", "on", "with", "to", "against", "after"})


def _names_something_about(long_form: Span, ents: list[Span]) -> bool:
    """The words before the entity that ends the long form hold a preposition: the long form names a study, a score
    or an organisation of the entity, not the entity ("Studies of Left Ventricular Dysfunction (SOLVD)", "Model for
    End-stage Liver Disease (MELD)", "Global Initiative for Chronic Obstructive Lung Disease (GOLD)", "children with
    specific language impairment (CwSLI)"), also where the entity makes up too little of the long form to label its
    short form ("Efficacy of Ranolazine in Chronic Angina (ERICA)", "Response Evaluation Criteria In Solid Tumors
    (RECIST)").  Its short form is no mention of the entity, and the long form's text is no name to link it by (the
    linker's back-off, which drops leading words, had made every "ERICA" angina).  "and" is no such word: "serotonin
    and norepinephrine reuptake inhibitors (SNRIs)" is the class."""
    doc = long_form.doc
    return any(
        ent.label_ in ENTITY_LABELS
        and ent.end == long_form.end
        and long_form.start < ent.start
        and any(token.lower_ in _LINK_WORDS for token in doc[long_form.start : ent.start])
        for ent in ents
    )


#: What may stand before a disease that heads a long form: its cause and at most one modifier word
#: ("ribavirin-induced hemolytic anemia (RIHA)", "cocaine-induced excited delirium (CIED)").
_CAUSE_PREFIX = re.compile(r"^[\w'.]+\s?-\s?(?:induced|associated|related)\s+(?:[\w'-]+\s+)?$", re.IGNORECASE)


def _caused_disease(long_form: Span, ent: Span) -> bool:
    """The long form is "X-induced <DISEASE>": the short form names the disease (BC5CDR train: HIT, LID, CIMD)."""
    if ent.label_ != "DISEASE" or ent.start <= long_form.start:
        return False
    doc = long_form.doc
    return bool(_CAUSE_PREFIX.match(doc.text[doc[long_form.start].idx : ent.start_char]))


#: Punctuation that ends a short form at the start of a longer parenthesis ("(DEN: 10 mg/kg/day)").
_AFTER_SHORT = frozenset({":", ";", ","})


def _with_long_form_candidate(doc: Doc, short: Span, length: int) -> tuple[Span, Span]:
    """(long form candidate, ``short``): the words before the parenthesis, as many as scispaCy's ``filter_matches``
    takes for a short form of ``length`` characters."""
    max_words = min(length + 5, length * 2)
    return doc[max(short.start - max_words - 1, 0) : short.start - 1], short


def _punctuated_short_forms(inner: list[tuple[int, int, int]], doc: Doc) -> list[tuple[Span, Span]]:
    """(long form candidate, short form candidate) pairs of parentheses that open with a short form followed by
    ":", ";" or "," and more text: "diethylnitrosamine (DEN: 10 mg/kg/day)", "phenobarbital (PB; 15 mg)".
    Schwartz & Hearst take the text before such a separator as the short form; scispaCy's ``filter_matches`` reads
    a parenthesis of more than three tokens as a long form only.  The long form candidate is taken as scispaCy does
    for the short form case, and ``find_abbreviation`` (run by the detector) still has to match its letters."""
    out = []
    for _, start, end in inner:
        for k in (1, 2):
            if end - start > k + 1 and doc[start + k].text in _AFTER_SHORT:
                short = doc[start : start + k]
                if short_form_filter(short) and start > 1:
                    out.append(_with_long_form_candidate(doc, short, sum(len(t) for t in short)))
                break
    return out


#: The longest hyphenated short form taken (characters): "LDL-C", "HAM-D", "IL-6", "TNF-alpha".
MAX_HYPHENATED_CHARS = 10


def _hyphenated_short_forms(inner: list[tuple[int, int, int]], doc: Doc) -> list[tuple[Span, Span]]:
    """(long form candidate, short form candidate) pairs of parentheses that hold one hyphenated short form:
    "low-density lipoprotein cholesterol (LDL-C)", "Hamilton Depression Rating Scale (HAM-D)".  The tokenizer splits
    it at the hyphen, and scispaCy's ``short_form_filter`` wants every token two characters or longer, so the
    detector never saw such a short form.  Taken: up to three words joined by hyphens with no space, at most
    :data:`MAX_HYPHENATED_CHARS` characters, starting with a letter, at least half letters; the long form candidate
    as scispaCy takes it, and ``find_abbreviation`` still has to match its letters."""
    out = []
    for _, start, end in inner:
        short = doc[start:end]
        if not 3 <= len(short) <= 5 or start <= 1 or "-" not in [t.text for t in short]:
            continue
        if any(t.whitespace_ for t in short[:-1]) or short[0].text == "-" or short[-1].text == "-":
            continue
        text = short.text
        if len(text) > MAX_HYPHENATED_CHARS or not text[0].isalpha() or sum(c.isalpha() for c in text) < len(text) / 2:
            continue
        if short_form_filter(short):
            continue  # scispaCy's own filter takes it
        out.append(_with_long_form_candidate(doc, short, len(text)))
    return out


#: What joins the two long forms of a pair of short forms: "chronic prostatitis/chronic pelvic pain syndrome
#: (CP/CPPS)", "galacto-oligosaccharides and fructo-oligosaccharides (GOS/FOS)".
_PAIR_JOINS = frozenset({"/", "and", "or"})


def _paired_short_forms(inner: list[tuple[int, int, int]], doc: Doc) -> list[tuple[Span, Span]]:
    """(long form candidate, short form candidate) pairs of a parenthesis that holds two short forms joined by "/"
    with no space ("(CP/CPPS)"): the tokenizer splits them at the slash, and scispaCy's ``short_form_filter`` wants
    every token two characters or longer, so the detector never saw them and the model tagged "CP" and "CPPS" as
    drugs.  The words before the parenthesis are split at the last "/", "and" or "or" among them: the second short
    form's long form candidate is what follows it, the first one's what precedes it (as many words as scispaCy
    takes for a short form of its length), and ``find_abbreviation`` still has to match each one's letters."""
    out = []
    for _, start, end in inner:
        if end - start != 3 or start <= 1 or doc[start + 1].text != "/":
            continue
        first, second = doc[start : start + 1], doc[start + 2 : start + 3]
        if first[0].whitespace_ or doc[start + 1].whitespace_:
            continue
        if not (short_form_filter(first) and short_form_filter(second)):
            continue
        paren = start - 1  # the "(" token
        max_words = min(len(second.text) + 5, len(second.text) * 2)
        join = next(
            (i for i in range(paren - 2, max(paren - max_words - 2, 0), -1) if doc[i].lower_ in _PAIR_JOINS), None
        )
        if join is None or join < 1:
            continue
        first_words = min(len(first.text) + 5, len(first.text) * 2)
        out.append((doc[max(join - first_words, 0) : join], first))
        out.append((doc[join + 1 : paren], second))
    return out


def _whole_word_start(ent: Span, long_form: Span) -> str:
    """The long-form entity's text, begun where its hyphenated word begins when the model cut the entity at a hyphen
    inside the long form: the model tags "macrophage colony-stimulating factor" of "granulocyte-macrophage
    colony-stimulating factor (GM-CSF)", and GM-CSF is the granulocyte-macrophage factor."""
    doc = ent.doc
    start = ent.start
    while (
        start - 2 >= long_form.start
        and doc[start - 1].text == "-"
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
    ):
        start -= 2  # "granulocyte" "-" | "macrophage"
    if start == ent.start:
        return ent.text
    return doc[start : ent.end].text


def _names_itself(short: Span, long_form: Span) -> bool:
    """The long form holds the short form as a word, so it defines nothing (Schwartz & Hearst reject such a long form):
    "iloprost but not nifedipine reduced the skin score (iloprost: from 13.26 to 9.26)" made every "iloprost" of the
    article a short form of that clause.  An upper-case short form is matched as written: "Mini-International
    Neuropsychiatric Interview (MINI)" is a definition whose first word only looks like its short form."""
    if short.text.isupper():
        return any(token.text == short.text for token in long_form) or f" {short.text} " in f" {long_form.text} "
    word = short.text.lower()
    return any(token.lower_ == word for token in long_form) or f" {word} " in f" {long_form.text.lower()} "


#: Words no long form begins with: Schwartz & Hearst match a short form's first letter to the first letter of any word,
#: so "serious AEs (hypoglycemia and metastatic malignant melanoma)" read "and metastatic malignant melanoma" as the
#: long form of "AEs", and every "AEs" of the article became melanoma.
_FUNCTION_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or than that the to which who with".split()
)


def _long_form_start(long_form: Span, short: Span) -> Span | None:
    """The long form, begun one word earlier when Schwartz & Hearst matched the short form's first letter to a
    lower-case article, conjunction or preposition and the word before it begins with that letter ("Treating to New
    Targets (TNT)", "(Antihypertensive and Lipid-Lowering Treatment ...)" for ALLHAT); None when no such word is
    there: the match is no definition."""
    if not len(long_form) or long_form[0].text not in _FUNCTION_WORDS:
        return long_form
    doc = long_form.doc
    before = doc[long_form.start - 1] if long_form.start > 0 else None
    first = next((c for c in short.text if c.isalnum()), "").lower()
    if (
        before is None
        or not before.is_alpha
        or before.text[0].lower() != first
        or before.i in range(short.start, short.end)
    ):
        return None
    return doc[before.i : long_form.end]


def parenthesis_matches(doc: Doc) -> list[tuple[int, int, int]]:
    """What scispaCy's parenthesis matcher (``[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]``) finds, in its order:
    every "(" ... ")" token span with at least one token inside, by end, then by start from the last.  The same list
    read from the token array, without the matcher's per-token objects (a fifth of this component's time)."""
    orth = doc.to_array(ORTH)
    opens = np.flatnonzero(orth == doc.vocab.strings["("]).tolist()
    if not opens:
        return []
    closes = np.flatnonzero(orth == doc.vocab.strings[")"])
    spans = [(i, j + 1) for i in opens for j in closes[closes >= i + 2].tolist()]
    spans.sort(key=lambda m: (m[1], -m[0]))
    return [(0, start, end) for start, end in spans]


class AbbreviationPropagator:
    """Runs the scispaCy detector and rewrites ``doc.ents`` as described above."""

    def __init__(self, nlp: Language, name: str = "extract_abbreviations") -> None:
        self.detector = AbbreviationDetector(nlp)

    def __call__(self, doc: Doc) -> Doc:
        with warnings.catch_warnings():
            # W036: the detector's per-document matcher is often empty; harmless.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            # The detector's own steps (``AbbreviationDetector.__call__``) with one more kind of candidate.
            inner = [(m, start + 1, end - 1) for m, start, end in parenthesis_matches(doc)]
            candidates = (
                filter_matches(inner, doc)
                + _punctuated_short_forms(inner, doc)
                + _hyphenated_short_forms(inner, doc)
                + _paired_short_forms(inner, doc)
            )
            for found, shorts in self.detector.find_matches_for(candidates, doc):
                for short in shorts:
                    if short.text in STOP_WORDS:  # "time on (... oral insulin)": "on" is a word, not a short form
                        continue
                    long_form = _long_form_start(found, short)
                    if long_form is None or _names_itself(short, long_form):
                        continue
                    short._.long_form = long_form
                    doc._.abbreviations.append(short)
        abbreviations = doc._.abbreviations
        if not abbreviations:
            return doc
        ents = list(doc.ents)
        by_long: dict[tuple[int, int], list[Span]] = {}
        long_spans: dict[tuple[int, int], Span] = {}
        for short in abbreviations:
            long_form = short._.long_form
            key = (long_form.start, long_form.end)
            by_long.setdefault(key, []).append(short)
            long_spans[key] = long_form

        starts = {ent.start: ent for ent in ents}
        taken = [False] * len(doc)
        for ent in ents:
            for i in range(ent.start, ent.end):
                taken[i] = True

        updated: dict[int, Span] = {}  # start -> replacement entity
        added: list[Span] = []
        for key, shorts in by_long.items():
            long_form = long_spans[key]
            long_ent = _long_form_entity(long_form, ents)
            about = _names_something_about(long_form, ents)
            if about:
                long_ent = None
            long_text = _whole_word_start(long_ent, long_form) if long_ent is not None else long_form.text
            for short in sorted(shorts, key=lambda s: s.start):
                ent = starts.get(short.start)
                if ent is not None and ent.end == short.end:
                    label = long_ent.label_ if long_ent is not None else ent.label_
                    new = Span(doc, ent.start, ent.end, label=label)
                    new._.method = ent._.method
                    new._.abbreviation_of = None if about else long_text
                    new._.unsupported_short_form = long_ent is None
                    updated[ent.start] = new
                elif long_ent is not None and not any(taken[short.start : short.end]):
                    new = Span(doc, short.start, short.end, label=long_ent.label_)
                    new._.method = "abbreviation"
                    new._.abbreviation_of = long_text
                    added.append(new)
                    for i in range(short.start, short.end):
                        taken[i] = True
        if updated or added:
            rebuilt = [updated.get(ent.start, ent) if ent.start in updated else ent for ent in ents]
            # Span extension values live in doc.user_data keyed by (start, end): a
            # relabelled span keeps the method/other attributes of the old one.
            doc.ents = sorted(rebuilt + added, key=lambda s: s.start)
        return doc


@Language.factory("extract_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationPropagator:
    return AbbreviationPropagator(nlp, name)
