"""Drug-class words as CHEMICAL mentions: "beta-blockers", "antihypertensives", "ACE inhibitors", "NSAIDs".

BC5CDR annotates a class word only sometimes, and the NER model follows it: in 5,000 trial abstracts "beta-blockers"
was never inside an entity (663 times), "antihypertensive(s)" 728 of 728, "diuretic(s)" 346 of 349.  An analyst
counting adverse events or treatments per drug class (``entities.drug_classes``) misses them.  The component
``extract_class_words`` runs after the model's own post-processing and before the abbreviation step and the linker,
and tags a class word as CHEMICAL (``span._.method = "class_word"``) where no entity overlaps it.

The words are those of :func:`extract.linking.class_words.class_word_forms`: the names and entry terms of the MeSH
class descriptors, singular and plural, and the heads of the terms MeSH inverts ("beta-Blockers, Adrenergic" ->
"beta-blockers"), each naming one class descriptor; the linker links each to that descriptor.  A spaCy
``PhraseMatcher`` on the lower-cased tokens finds them (hyphenated forms also written with a space), the longest
match first.

Only nouns: a singular class word followed by a word is an adjective or a modifier ("antihypertensive efficacy",
"opioid receptor", "diuretic treatment", "muscarinic M3", "antithrombin III") and is no mention, unless that word is a
drug word (``DRUG_HEADS``): "antihypertensive drugs", "antipsychotic medication" are mentions, the drug word
included.  A class word that ends a longer name of the index is no mention either ("hormone" of "luteinizing
hormone", "growth hormone") or another class's name ("enzyme inhibitors" after "converting"), and so is one ending a hyphenated compound ("estrogen-progestin").
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

import extract.nlp.extensions  # noqa: F401  (registers Span._.method)
from extract.linking.class_words import DRUG_HEADS, class_word_form, class_word_forms
from extract.linking.normalize import normalize
from extract.vocab.files import VocabFiles

__all__ = ["ClassWords", "spellings"]

#: Forms of more words than this are matched as MeSH and the index spell them only.
MAX_SPELLING_WORDS = 5
#: A word this short may also be written joined to the next ("nonsteroidal", "antiinflammatory").
MAX_PREFIX_CHARS = 4


def spellings(form: str) -> list[str]:
    """A normalised form with each word break a space or a hyphen, after a short word also none ("non steroidal
    anti inflammatory drugs" -> "non-steroidal anti-inflammatory drugs", "nonsteroidal antiinflammatory drugs"...)."""
    words = form.split(" ")
    if len(words) > MAX_SPELLING_WORDS:
        return [form]
    out = [words[0]]
    for before, word in zip(words, words[1:]):
        seps = (" ", "-", "") if len(before) <= MAX_PREFIX_CHARS else (" ", "-")
        out = [f"{head}{sep}{word}" for head in out for sep in seps]
    return out


#: ``span._.method`` of the mentions added.
METHOD = "class_word"


class ClassWords:
    """Tag drug-class words no entity overlaps as CHEMICAL (see module docstring)."""

    def __init__(self, nlp: Language, name: str, linker_path: str, vocab_dir: str) -> None:
        self.name = name
        self.nlp = nlp
        self.linker_path = linker_path
        self.vocab_dir = vocab_dir
        self._matcher: PhraseMatcher | None = None
        self._forms: dict | None = None
        self._aliases: dict = {}
        self._cut: dict[str, set[str]] = {}

    def _build(self) -> None:
        from extract.linking.index import load_linker_resources

        resources = load_linker_resources(Path(self.linker_path))
        self._aliases = resources.alias_to_ids
        self._forms = class_word_forms(resources, VocabFiles(Path(self.vocab_dir)).mesh_terms)
        texts: set[str] = set()
        for form, word in self._forms.items():
            texts.add(word.text.lower())
            texts.update(spellings(form))
        # "enzyme inhibitors" ends "angiotensin converting enzyme inhibitors", another class: after "converting" it is
        # that class's name cut, not Enzyme Inhibitors.
        cut: dict[str, set[str]] = {}
        for longer, word in self._forms.items():
            words = longer.split(" ")
            for i in range(1, len(words)):
                shorter = self._forms.get(" ".join(words[i:]))
                if shorter is not None and shorter.concept_id != word.concept_id:
                    cut.setdefault(" ".join(words[i:]), set()).add(words[i - 1])
        self._cut = cut
        matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        matcher.add("CLASS_WORD", list(self.nlp.tokenizer.pipe(sorted(texts))))
        self._matcher = matcher

    def _mention(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        """The mention a class-word match makes, or None when it is used as an adjective, ends a hyphenated compound
        ("estrogen-progestin"), or ends a longer name of the index ("luteinizing hormone") or of another class
        ("enzyme inhibitors" after "converting")."""
        if start >= 2 and doc[start - 1].text == "-" and not doc[start - 2].is_punct:
            return None  # the end of a compound: "estrogen-progestin", "vasodilator-beta-blocker"
        if start >= 1 and normalize(doc[start - 1].text) in self._cut.get(normalize(doc[start:end].text), ()):
            return None  # "converting enzyme inhibitors": another class's name cut
        for before in (1, 2):
            if start - before >= 0 and not doc[start - before].is_punct:
                longer = normalize(doc[start - before : end].text)
                if longer not in self._forms and longer in self._aliases:
                    return None
        if doc[end - 1].lower_.endswith("s") or end >= len(doc):
            return start, end
        after = doc[end]
        if after.lower_ in DRUG_HEADS:
            return start, end + 1
        if not after.is_punct and not after.is_space:  # "efficacy", "receptor", "M3", "III"
            return None
        return start, end

    def __call__(self, doc: Doc) -> Doc:
        if self._matcher is None:
            self._build()
        matches = self._matcher(doc)
        if not matches:
            return doc
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        found = []
        for _, start, end in matches:
            if class_word_form(self._forms, doc[start:end].text) is None:
                continue
            mention = self._mention(doc, start, end)
            if mention is None or any(i in taken for i in range(*mention)):
                continue
            found.append(Span(doc, *mention, label="CHEMICAL"))
        if not found:
            return doc
        added = filter_spans(found)
        for span in added:
            span._.method = METHOD
        doc.ents = sorted([*doc.ents, *added], key=lambda s: s.start)
        return doc


@Language.factory("extract_class_words", default_config={"linker_path": "", "vocab_dir": ""})
def make_class_words(nlp: Language, name: str, linker_path: str, vocab_dir: str) -> ClassWords:
    if not linker_path or not vocab_dir:
        raise ValueError("extract_class_words needs the linker folder and the vocab folder (MeSH names the classes)")
    component = ClassWords(nlp, name, linker_path, vocab_dir)
    component._build()  # now, once per process: the stage's forked NER workers inherit it
    return component
