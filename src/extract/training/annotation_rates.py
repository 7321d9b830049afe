"""Build the annotation-rate table of ``extract_annotation_rates`` from the BC5CDR training split.

``python -m extract.training.annotation_rates`` (re)writes ``data/annotation_rates/bc5cdr_train_disease.json.gz``
from ``shared/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt`` and ``shared/vocab`` (CTD MEDIC names and synonyms,
MeSH C / F03 entry terms); ``--cv`` prints the cross-validation over training documents the component's cuts were
chosen by.  Only the training split is read: never the development or test split.

What is counted (:func:`count_phrases`): the text of every training document is tokenized by the NER stage's
tokenizer, and every occurrence of a *phrase* is classified by the gold Disease mentions inside it (its pattern,
:func:`extract.ner.annotation_rates.pattern_of`) or as crossed by one.  Occurrences strictly inside a longer Disease
mention are not counted, nor those glued to a word by a hyphen.  The phrases (:func:`candidate_phrases`):

* *names*: vocabulary disease names (CTD MEDIC names and synonyms, MeSH C / F03 entry terms) and the texts of the
  training Disease mentions (the only phrases the component adds);
* every single word with a letter (what the model may tag alone: "inflammatory");
* the phrases around each training Disease mention: it with up to :data:`CONTEXT` words on either side ("acute
  hepatitis"), and two mentions with the up to :data:`CONTEXT` words between them ("nausea and vomiting").

Phrases are kept with at least :data:`MIN_COUNT` counted occurrences.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from extract.corpora.pubtator import PubtatorDocument, read_pubtator
from extract.ner.annotation_rates import (
    CROSSING,
    DEFAULT_RATES_PATH,
    INSIDE,
    AnnotationRates,
    Phrase,
    RateTable,
    glued,
    name_key,
    pattern_of,
    resolve_rates_path,
)
from extract.ner.lexicon_features import load_vocab_terms
from extract.nlp.tokenizer import make_blank_nlp
from extract.settings import get_settings

__all__ = [
    "TRAIN_FILE",
    "build_table",
    "candidate_phrases",
    "count_phrases",
    "cross_validate",
    "tokenized_documents",
    "training_names",
]

TRAIN_FILE = "bc5cdr/CDR_TrainingSet.PubTator.txt"
MAX_WORDS = 8
CONTEXT = 2
MIN_COUNT = 2


@dataclass(frozen=True)
class TokenizedDocument:
    pmid: str
    texts: list[str]
    spaces: list[str]
    diseases: list[tuple[int, int]]  # token spans of the gold Disease mentions

    @property
    def lowers(self) -> list[str]:
        return [t.lower() for t in self.texts]


def tokenized_documents(docs: Iterable[PubtatorDocument]) -> list[TokenizedDocument]:
    """The documents' text (title + " " + abstract) in the stage's tokens, with their gold Disease mentions as
    token spans (a mention that cuts a token takes in the whole token)."""
    nlp = make_blank_nlp()
    out = []
    for doc_gold in docs:
        doc = nlp.make_doc(doc_gold.text)
        diseases = set()
        for mention in doc_gold.mentions:
            if mention.type != "Disease":
                continue
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None and len(span):
                diseases.add((span.start, span.end))
        texts = [t.text for t in doc]
        out.append(TokenizedDocument(doc_gold.pmid, texts, [t.whitespace_ for t in doc], sorted(diseases)))
    return out


def name_keys(names: Iterable[str]) -> set[str]:
    """Names keyed as the component keys them (at most :data:`MAX_WORDS` tokens)."""
    nlp = make_blank_nlp()
    keys = set()
    for doc in nlp.pipe(names, batch_size=2000):
        if 0 < len(doc) <= MAX_WORDS:
            keys.add(name_key(t.text for t in doc))
    return keys


def training_names(docs: Sequence[PubtatorDocument], vocab_dir: Path) -> set[str]:
    """Vocabulary disease names (CTD MEDIC names and synonyms, MeSH C / F03 entry terms) and the texts of the
    training split's Disease mentions."""
    terms = load_vocab_terms(vocab_dir, include_mesh=True)["DIS"]
    mentions = {m.text for d in docs for m in d.mentions if m.type == "Disease"}
    return name_keys([*terms, *sorted(mentions)])


def _word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def candidate_phrases(docs: Sequence[TokenizedDocument], names: set[str]) -> set[str]:
    """The phrases to count (module docstring)."""
    phrases = set(names)
    for doc in docs:
        lowers = doc.lowers
        phrases.update(word for word in lowers if any(c.isalpha() for c in word))
        spans = doc.diseases
        around = [
            (a - left, b + right) for a, b in spans for left in range(CONTEXT + 1) for right in range(CONTEXT + 1)
        ]
        around += [(a, d) for (a, b), (c, d) in zip(spans, spans[1:]) if b <= c <= b + CONTEXT]
        for start, end in around:
            if 0 <= start and end <= len(lowers) and end - start <= MAX_WORDS:
                if _word(lowers[start]) and _word(lowers[end - 1]):
                    phrases.add(" ".join(lowers[start:end]))
    return phrases


def occurrence_pattern(start: int, end: int, diseases: Sequence[tuple[int, int]]) -> str:
    """The pattern of the phrase at ``start:end``: :data:`CROSSING` when a Disease mention crosses its edge,
    :data:`INSIDE` when it lies strictly inside a longer Disease mention."""
    inside = []
    for a, b in diseases:
        if b <= start or end <= a:
            continue
        if start <= a and b <= end:
            inside.append((a - start, b - start))
        elif a <= start and end <= b:
            return INSIDE
        else:
            return CROSSING
    return pattern_of(inside)


def count_phrases(docs: Sequence[TokenizedDocument], phrases: set[str]) -> dict[str, Counter]:
    """Per phrase, its counted occurrences by pattern (module docstring)."""
    first = {key.split(" ")[0] for key in phrases}
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        lowers = doc.lowers
        for i, word in enumerate(lowers):
            if word not in first:
                continue
            for end in range(i + 1, min(len(lowers), i + MAX_WORDS) + 1):
                key = " ".join(lowers[i:end])
                if key not in phrases or glued(doc.texts, doc.spaces, i, end):
                    continue
                counts[key][occurrence_pattern(i, end, doc.diseases)] += 1
    return counts


def build_table(docs: Sequence[TokenizedDocument], names: set[str], meta: dict | None = None) -> RateTable:
    counts = count_phrases(docs, candidate_phrases(docs, names))
    phrases = {key: Phrase(dict(c), key.count(" ") + 1) for key, c in counts.items()}
    phrases = {key: phrase for key, phrase in phrases.items() if phrase.occurrences >= MIN_COUNT}
    return RateTable(phrases, frozenset(k for k in phrases if k in names), meta or {})


def _folds(n: int, folds: int, seed: int) -> list[set[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [{i for k, i in enumerate(order) if k % folds == fold} for fold in range(folds)]


def cross_validate(
    docs: Sequence[PubtatorDocument],
    vocab_dir: Path,
    *,
    folds: int = 5,
    seed: int = 0,
    add_rates: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    add_counts: Sequence[int] = (2, 3, 5),
    add_insides: Sequence[float] = (1.0, 0.5, 0.25),
    recut_shares: Sequence[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    recut_counts: Sequence[int] = (2, 3, 5),
    min_chars: int = 4,
) -> list[dict]:
    """Held-out counts per setting over ``folds`` folds of training documents: the table built from the other
    folds, applied to the held-out fold's text and compared with its gold.

    * ``rule="add"``: the names the setting adds, matched as the component matches them (longest first, no
      overlaps, not glued) in the whole held-out text; ``inside``: those strictly inside a longer gold Disease
      mention (a part of a name when the model misses that name, else blocked by the model's mention), ``matches``
      the others, ``exact`` of them exactly a gold Disease mention;
    * ``rule="recut"`` (drop included): the held-out occurrences of the phrases the setting re-cuts;
      ``right`` of them are annotated as the re-cut says, ``whole`` as the whole phrase (what re-cutting a
      correct model mention there would cost), ``drops`` / ``drops_whole`` the same for the phrases it drops.
    """
    names = training_names(docs, vocab_dir)
    tokenized = tokenized_documents(docs)
    nlp = make_blank_nlp()
    results: dict[tuple, Counter] = defaultdict(Counter)
    for held in _folds(len(tokenized), folds, seed):
        table = build_table([d for i, d in enumerate(tokenized) if i not in held], names)
        held_docs = [tokenized[i] for i in sorted(held)]
        spacy_docs = [nlp.make_doc("".join(t + s for t, s in zip(d.texts, d.spaces))) for d in held_docs]
        for min_rate, min_count, max_inside in product(add_rates, add_counts, add_insides):
            rule = AnnotationRates(nlp, "cv", table, min_rate, min_count, min_chars, max_inside, 2.0, 10**9, 2.0, 10**9)
            counter = results[("add", min_rate, min_count, max_inside)]
            for doc, spacy_doc in zip(held_docs, spacy_docs):
                for span in rule._added(spacy_doc, [False] * len(spacy_doc)):
                    pattern = occurrence_pattern(span.start, span.end, doc.diseases)
                    counter["inside" if pattern == INSIDE else "matches"] += 1
                    counter["exact"] += pattern == f"0-{len(span)}"
        held_counts = count_phrases(held_docs, set(table.phrases))
        for min_share in recut_shares:
            for min_count in recut_counts:
                rule = AnnotationRates(
                    nlp, "cv", table, 2.0, 10**9, min_chars, 1.0, min_share, min_count, min_share, min_count
                )
                counter = results[("recut", min_share, min_count, None)]
                for key, parts in rule._recut.items():
                    held_key = held_counts.get(key)
                    if not held_key:
                        continue
                    whole = f"0-{key.count(' ') + 1}"
                    n = sum(v for p, v in held_key.items() if p != INSIDE)
                    right = held_key.get(pattern_of(parts), 0)
                    prefix = "drops" if not parts else "recuts"
                    counter["phrases"] += 1
                    counter[prefix] += n
                    counter[f"{prefix}_right"] += right
                    counter[f"{prefix}_whole"] += held_key.get(whole, 0)
    rows = []
    for (rule, cut, count, inside), c in sorted(results.items(), key=lambda item: tuple(map(str, item[0]))):
        setting = {"rule": rule, "cut": cut, "min_count": count} | ({"max_inside": inside} if inside else {})
        rows.append(setting | dict(sorted(c.items())))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_RATES_PATH, help="the table (relative: from the project root)")
    parser.add_argument("--cv", action="store_true", help="print the cross-validation over training documents")
    args = parser.parse_args(argv)
    settings = get_settings()
    docs = list(read_pubtator(settings.corpora_dir / TRAIN_FILE))
    if args.cv:
        for row in cross_validate(docs, settings.vocab_dir):
            print(row)
        return
    meta = {
        "corpus": "BC5CDR " + TRAIN_FILE.split("/")[-1],
        "documents": len(docs),
        "names": "CTD MEDIC names and synonyms, MeSH C/F03 entry terms, training Disease mention texts",
        "phrases": f"names, single words, training Disease mentions with up to {CONTEXT} words around / between",
        "min_count": MIN_COUNT,
        "max_words": MAX_WORDS,
        "built_by": "python -m extract.training.annotation_rates",
    }
    table = build_table(tokenized_documents(docs), training_names(docs, settings.vocab_dir), meta)
    out = resolve_rates_path(args.out)
    table.save(out)
    print(f"{out}: {len(table.phrases)} phrases, {len(table.names)} of them names")


if __name__ == "__main__":
    main()
