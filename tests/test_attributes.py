"""caplint.attributes: the attribute ruler's look-up ``match`` finds exactly the stock matches,
so every token gets the same tag, part of speech, morphology and lemma as with the stock
component."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from caplint.attributes import CACHE_SIZE, FastMatch, speed_up  # noqa: E402
from caplint.model import EXCLUDED_PIPES, resolve_model_name  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
#: words and shapes the ruler's exception patterns are about (contractions, dialect spellings,
#: expletive "there is", auxiliaries, spaces), in captions' settings
TRICKY = [
    "",
    " ",
    "\n\n",
    "a\n\nb  c\t\td",
    "I ain't gonna do it, y'all gotta let's c'mon.",
    "He's got ta go. Don't. Y' all 'em 'nuff nothin' doin' goin' ol' somethin' 'll",
    "There is a mass. There were two. It is what it is; there are many.",
    "That was it, but I did have it. Gets got. She'd had it; we'd seen it.",
    "Can't won't shan't couldn't ca n't wo n't sha n't",
    "THE Patient WAS seen BY Dr. SMITH and HER sister; THEY were told.",
    "Anyone? Nobody, something, everything; myself, yourselves, themselves, its, theirs.",
    "Whether or not it grows, once seen, then here, there and well done.",
]


def _texts(limit: int = 400) -> list[str]:
    texts = list(TRICKY)
    for name in ("dev.jsonl", "test.jsonl"):
        path = CORPUS / name
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    rng = random.Random(4)
    words = " ".join(texts).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(200)]
    return texts[:limit] + texts[-200:]


@pytest.fixture(scope="module")
def pipelines():
    name = resolve_model_name()
    stock = spacy.load(name, exclude=list(EXCLUDED_PIPES))
    fast = spacy.load(name, exclude=list(EXCLUDED_PIPES))
    assert speed_up(fast)
    return stock, fast


def _annotations(doc) -> list[tuple]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_same_token_attributes_as_the_stock_ruler(pipelines) -> None:
    stock, fast = pipelines
    texts = _texts()
    for a, b in zip(stock.pipe(texts, batch_size=32), fast.pipe(texts, batch_size=32), strict=True):
        assert _annotations(a) == _annotations(b), a.text


def test_same_matches_in_the_same_order(pipelines) -> None:
    stock, fast = pipelines
    ruler = stock.get_pipe("attribute_ruler")
    looked_up = fast.get_pipe("attribute_ruler").match
    assert isinstance(looked_up, FastMatch)
    before = [name for name, _ in stock.pipeline]
    upto = before[: before.index("attribute_ruler")]
    with stock.select_pipes(enable=upto):
        docs = list(stock.pipe(_texts(), batch_size=32))
    for doc in docs:
        assert looked_up(doc) == ruler.match(doc), doc.text


def test_patterns_it_cannot_look_up_go_to_a_matcher() -> None:
    """Operators and other attributes are left to a Matcher; the matches still agree."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "big"}, {"LOWER": "mass", "OP": "+"}]], {"LEMMA": "BIGMASS"})
    ruler.add([[{"IS_DIGIT": True}]], {"LEMMA": "NUMBER"})
    ruler.add([[{"LOWER": {"IN": ["mass", "lesion"]}}]], {"LEMMA": "FINDING"})
    ruler.add([[{"LOWER": {"REGEX": "^cyst"}}, {"LOWER": "seen"}]], {"LEMMA": "CYSTSEEN"}, index=-1)
    looked_up = FastMatch(ruler)
    assert looked_up.rest_keys == 2
    for text in ("A big mass mass of 3 cm and a lesion.", "Cystic lesion seen.", "Cysts seen"):
        doc = nlp.make_doc(text)
        assert looked_up(doc) == ruler.match(doc), text


def test_the_row_cache_is_bounded(pipelines) -> None:
    _, fast = pipelines
    looked_up = fast.get_pipe("attribute_ruler").match
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghij") for _ in range(8)) for _ in range(CACHE_SIZE // 8)]
    for start in range(0, len(words), 500):
        fast(" ".join(words[start : start + 500]))
    assert len(looked_up._cache) <= CACHE_SIZE
    assert speed_up(spacy.blank("en")) is False  # no attribute ruler: nothing to do
