"""Adverse-event phrase: learnt neighbour words widen a drug_adverse_event tail within its sentence."""

from __future__ import annotations

import json

from extract.corpora.ade import AdeMention, AdeSentence
from extract.relations.event_phrase import EventPhrase, Span
from extract.relations.types import DocumentView, EntityView, SentenceView
from extract.training.relations.predicted_mentions import PredictedAde, ade_views, fit_event_phrase


def _span(text: str, part: str) -> Span:
    start = text.index(part)
    return Span(start, start + len(part))


def _example(text: str, mention: str, gold: str, drug: str | None = None):
    return text, (0, len(text)), _span(text, mention), _span(text, gold), _span(text, drug) if drug else None


TRAIN = [
    _example("Severe hepatitis developed after isoniazid.", "hepatitis", "Severe hepatitis"),
    _example("She had severe hypotension on captopril.", "hypotension", "severe hypotension"),
    _example("Acute renal failure followed cisplatin.", "renal failure", "Acute renal failure"),
    _example("He developed methotrexate toxicity.", "toxicity", "methotrexate toxicity", "methotrexate"),
    _example("Carbamazepine toxicity was seen.", "toxicity", "Carbamazepine toxicity", "Carbamazepine"),
    _example("Hypersensitivity reactions to abacavir occurred.", "Hypersensitivity", "Hypersensitivity reactions"),
    _example(
        "Abacavir hypersensitivity reactions were fatal.", "hypersensitivity", "hypersensitivity reactions", "Abacavir"
    ),
    # "patients with" is met left of a gold effect but never inside it.
    _example("In patients with hepatitis after isoniazid.", "hepatitis", "hepatitis"),
    _example("In patients with neutropenia after clozapine.", "neutropenia", "neutropenia"),
]


def test_learns_qualifying_words_and_the_drug_slot():
    phrase = EventPhrase().fit(TRAIN)
    assert phrase.takes("left", "severe") and phrase.takes("left", "<drug>") and phrase.takes("right", "reactions")
    assert not phrase.takes("left", "with")  # seen twice, never inside
    assert not phrase.takes("left", "acute")  # inside once: below min_count
    text = "A woman on valproate had severe pancreatitis with hypersensitivity reactions."
    start, end = phrase.widen(text, (0, len(text)), _span(text, "pancreatitis"))
    assert text[start:end] == "severe pancreatitis"
    start, end = phrase.widen(text, (0, len(text)), _span(text, "hypersensitivity"))
    assert text[start:end] == "hypersensitivity reactions"
    text = "Lithium toxicity and vancomycin toxicity."
    start, end = phrase.widen(text, (0, len(text)), _span(text, "toxicity"), drug=_span(text, "Lithium"))
    assert text[start:end] == "Lithium toxicity"
    # Another drug's name is a plain word, unknown to the model: no widening over it.
    last = text.rindex("toxicity")
    start, end = phrase.widen(text, (0, len(text)), Span(last, last + 8), drug=_span(text, "Lithium"))
    assert text[start:end] == "toxicity"


def test_widening_stays_in_its_sentence_and_round_trips():
    phrase = EventPhrase().fit(TRAIN)
    text = "It was severe. Hepatitis followed."
    sentence = (text.index("Hepatitis"), len(text))
    start, end = phrase.widen(text, sentence, _span(text, "Hepatitis"))
    assert text[start:end] == "Hepatitis"
    copy = EventPhrase.from_dict(json.loads(json.dumps(phrase.to_dict())))
    assert copy.counts == phrase.counts and copy.vocabulary("left") == phrase.vocabulary("left")


def _predicted(text: str, pairs: list[tuple[str, str]], entities: list[tuple[str, str]]) -> PredictedAde:
    sent = AdeSentence(pmid="1", text=text)
    for drug, effect in pairs:
        d, e = _span(text, drug), _span(text, effect)
        sent.pairs.append((AdeMention(d.start, d.end, drug), AdeMention(e.start, e.end, effect)))
    ents = []
    for i, (t, label) in enumerate(entities):
        span = _span(text, t)
        ents.append(EntityView(f"e{i}", span.start, span.end, t, label, 0))
    view = DocumentView("ADE:1:p0", text, [SentenceView(0, 0, len(text))], ents)
    return PredictedAde(sent, view)


def test_predicted_mentions_are_labelled_by_overlap_with_the_gold_pairs():
    p = _predicted(
        "Severe hepatitis and rash in a patient with asthma on isoniazid.",
        [("isoniazid", "Severe hepatitis"), ("isoniazid", "rash")],
        [("hepatitis", "DISEASE"), ("rash", "DISEASE"), ("asthma", "DISEASE"), ("isoniazid", "CHEMICAL")],
    )
    (lv,) = ade_views([p])
    assert lv.positive_mentions == {("e3", "e0"), ("e3", "e1")}  # asthma: a predicted pair, negative
    phrase = fit_event_phrase([p, p], min_count=2)
    assert phrase.takes("left", "severe")


def test_a_phrase_never_ends_on_punctuation():
    slash = [_example(f"Quinine caused TTP/HUS in case {i}.", "HUS", "TTP/HUS") for i in range(3)]
    phrase = EventPhrase().fit(slash)
    assert phrase.takes("left", "/") and phrase.takes("left", "ttp")
    text = "Quinine caused TTP/HUS again."
    start, end = phrase.widen(text, (0, len(text)), _span(text, "HUS"))
    assert text[start:end] == "TTP/HUS"
    text = "Quinine caused thrombocytopenia/HUS again."
    start, end = phrase.widen(text, (0, len(text)), _span(text, "HUS"))
    assert text[start:end] == "HUS"  # "/" alone would start the phrase
