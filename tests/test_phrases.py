"""caplint.phrases: a phrase list finds exactly what one RE2 alternation over its phrases finds.

The reference is the alternation caplint compiled before the look-ups replaced it: each phrase
as ``\\b`` + its words joined by ``\\s+`` + ``\\b`` (a boundary only beside a letter or digit),
longest phrase first, case-insensitive unless the list is case-sensitive, searched with
``finditer``.  The texts mix the corpus, the phrases themselves in other cases and spacings, and
characters whose case folding or word-ness differs between RE2 and Python.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from caplint.engine import CompiledAllow, CompiledRule
from caplint.patterns import compile_pattern
from caplint.phrases import PhraseList, PhraseMatcher, _Fold
from caplint.rules import load_rules

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
RULESET = load_rules()
BUNDLED = [
    c.phrases
    for c in [*map(CompiledRule.build, RULESET.rules), *map(CompiledAllow.build, RULESET.allow)]
    if c.phrases is not None
]
#: phrases that start or end with punctuation, one letter, non-ASCII letters, letters RE2
#: folds with non-ASCII ones ("k": the Kelvin sign, "s": the long s), an underscore
ODD = [
    "#hashtag",
    "-ray",
    "x-ray",
    "T2*",
    "k-space",
    "ſtraße",
    "Ångström",
    "ÉCOLE",
    "é",
    "a",
    "A b",
    "’s",
    "q",
    "_x",
    "x_",
    "K",
    "s s",
    "ß",
    "ǅ",
    "Ω",
    "θ",
    "café au lait",
    "3D",
]
LISTS = [
    *BUNDLED,
    PhraseList.build(ODD),
    PhraseList.build([*ODD, "MRI", "Mri"], case_sensitive=True),
]
SEPARATORS = [
    " ",
    "  ",
    "\t",
    "\n",
    "\v",
    "\xa0",
    "\f",
    "\r\n",
    "-",
    ".",
    ",",
    "",
    "_",
    "x",
    "é",
    "’",
    "'",
    "(",
    "#",
    "\u017f",
    "\u212a",
    "\u2000",
    "ǅ",
]


def _reference(phrases: PhraseList):
    def one(phrase: str) -> str:
        body = r"\s+".join(re.escape(word) for word in phrase.split())
        left = r"\b" if phrase[:1].isalnum() else ""
        right = r"\b" if phrase[-1:].isalnum() else ""
        return f"(?:{left}{body}{right})"

    return compile_pattern(
        "|".join(map(one, phrases.phrases)), case_sensitive=phrases.case_sensitive
    )


def _corpus() -> list[str]:
    texts = []
    for name in ("dev.jsonl", "test.jsonl"):
        path = CORPUS / name
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def _mangled(rng: random.Random, phrase: str) -> str:
    """The phrase in other spacing and case, sometimes cut short or with RE2-only case twins."""
    words = phrase.split()
    if rng.random() < 0.3:
        words = words[: rng.randint(1, len(words))]
    text = rng.choice(SEPARATORS[:6]).join(words)
    twins = {"k": "\u212a", "K": "\u212a", "s": "\u017f", "S": "\u017f", "å": "\u212b"}
    out = []
    for char in text:
        roll = rng.random()
        if roll < 0.2:
            char = char.upper()
        elif roll < 0.3 and char in twins:
            char = twins[char]
        out.append(char)
    return "".join(out)


def _generated(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    corpus = _corpus() or ["A 7 yo with Wilms tumor on CT."]
    phrases = [p for phrases in LISTS for p in phrases.phrases]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 8)):
            roll = rng.random()
            if roll < 0.5:
                parts.append(_mangled(rng, rng.choice(phrases)))
            elif roll < 0.8:
                text = rng.choice(corpus)
                start = rng.randint(0, len(text))
                parts.append(text[start : start + rng.randint(0, 40)])
            else:
                parts.append(rng.choice(SEPARATORS) * rng.randint(1, 2))
        texts.append(rng.choice(["", " ", "\n", "é", "_"]).join(parts))
    return texts


def _check(texts: list[str]) -> None:
    matcher = PhraseMatcher(LISTS)
    references = [_reference(phrases) for phrases in LISTS]
    for text in texts:
        for phrases, reference in zip(LISTS, references, strict=True):
            expected = [m.span() for m in reference.finditer(text)]
            assert matcher.spans(text, phrases) == expected, (text, phrases.phrases[:3])


def test_same_spans_as_the_alternation_on_the_corpus() -> None:
    _check(_corpus())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_spans_as_the_alternation_on_mangled_phrases(seed) -> None:
    _check(_generated(600, seed))


def test_longest_phrase_wins_and_matches_do_not_overlap() -> None:
    phrases = PhraseList.build(["salter harris", "salter", "harris fracture", "Salter-Harris II"])
    matcher = PhraseMatcher([phrases])
    text = "Salter   Harris fracture; salter-harris ii; SALTER"
    assert [text[s:e] for s, e in matcher.spans(text, phrases)] == [
        "Salter   Harris",
        "salter-harris ii",
        "SALTER",
    ]


def test_lists_are_kept_apart_and_deduplicated() -> None:
    first = PhraseList.build(["wilms tumor"])
    second = PhraseList.build(["wilms"], case_sensitive=True)
    matcher = PhraseMatcher([first, second, PhraseList.build(["wilms tumor"])])
    assert len(matcher.lists) == 2
    text = "Wilms tumor, wilms"
    assert matcher.spans(text, first) == [(0, 11)]
    assert matcher.spans(text, second) == [(13, 18)]
    assert PhraseList.build(["  ", ""]) is None


def test_ascii_folds_as_lower() -> None:
    """An ASCII caption is folded with str.lower(): the fold table must agree with it."""
    fold = _Fold("".join({c for phrases in LISTS for p in phrases.phrases for c in p}))
    ascii_text = "".join(map(chr, range(128)))
    assert fold(ascii_text + "é") == ascii_text.lower() + fold.char("é")
    assert fold("\u212a\u017f") == "ks"  # the Kelvin sign and the long s are RE2's "k" and "s"
