"""caplint.lemmas: the rule lemmatizer's look-up ``pipe`` gives every token the lemma the stock
component gives it."""

from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")

from test_attributes import _texts  # noqa: E402

from caplint.attributes import speed_up  # noqa: E402
from caplint.lemmas import FastLemmatize, speed_up_lemmatizer  # noqa: E402
from caplint.model import EXCLUDED_PIPES, resolve_model_name  # noqa: E402

#: inflections, proper nouns, spaces, symbols and words the tables have exceptions for
TRICKY = [
    "The children's feet were X-rayed; she has had two fractures and is healing.",
    "Mice, geese, oxen, criteria, vertebrae; better, worst, fitter, was, were, been, 's.",
    "Dr. Jones saw the Joneses in Ohio; MRI'd twice, CT'ed once, #radiology @user 5.2 cm.",
    "  \n\t a\n\nb ... !!! ??? -- ''",
]


@pytest.fixture(scope="module")
def pipelines():
    name = resolve_model_name()
    stock = spacy.load(name, exclude=list(EXCLUDED_PIPES))
    fast = spacy.load(name, exclude=list(EXCLUDED_PIPES))
    for nlp in (stock, fast):
        speed_up(nlp)  # as caplint loads it (the ruler sets some lemmas itself)
    assert speed_up_lemmatizer(fast)
    return stock, fast


def test_same_lemmas_as_the_stock_lemmatizer(pipelines) -> None:
    stock, fast = pipelines
    texts = TRICKY + _texts()
    pairs = zip(stock.pipe(texts, batch_size=32), fast.pipe(texts, batch_size=32), strict=True)
    for a, b in pairs:
        assert [(t.lemma, t.lemma_) for t in a] == [(t.lemma, t.lemma_) for t in b], a.text
    # and nlp(text), which calls the stock component, agrees as well
    for text in TRICKY:
        assert [t.lemma_ for t in fast(text)] == [t.lemma_ for t in stock(text)]


def test_every_token_is_lemmatized_again_with_overwrite(pipelines) -> None:
    _, fast = pipelines
    lemmatizer = fast.get_pipe("lemmatizer")
    looked_up = lemmatizer.pipe.__self__
    assert isinstance(looked_up, FastLemmatize)
    with fast.select_pipes(disable=["lemmatizer"]):
        docs = list(fast.pipe(TRICKY))
    expected = [[lemmatizer.rule_lemmatize(t)[0] for t in doc] for doc in docs]
    lemmatizer.overwrite = True
    try:
        assert [[t.lemma_ for t in doc] for doc in looked_up.pipe(docs)] == expected
    finally:
        lemmatizer.overwrite = False


def test_only_the_english_rule_lemmatizer_is_replaced() -> None:
    assert speed_up_lemmatizer(spacy.blank("en")) is False  # no lemmatizer
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    assert speed_up_lemmatizer(nlp) is False
