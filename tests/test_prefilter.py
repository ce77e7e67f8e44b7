"""caplint.engine.Prefilter: the patterns' atoms, then the RE2 sets, say which patterns can match a
text; they may say too much (then more patterns are searched), never too little."""

from __future__ import annotations

import random

import pytest

import caplint.engine as engine
from caplint.engine import Prefilter
from caplint.patterns import LazyPattern
from caplint.rules import load_rules

WORDS = ["mass", "lesion", "cyst", "nodule", "tumor", "fracture", "stone", "polyp", "abscess"]


def _patterns(n: int) -> list:
    rng = random.Random(n)
    out = []
    for i in range(n):
        word = rng.choice(WORDS)
        out.append(LazyPattern(rf"\b{word}\w*\s+(?:no\.?\s*)?{i}\b"))
    out.append(LazyPattern("|".join(f"(?:zz{i}yy)" for i in range(900))))  # > 5,000 chars
    return out


def _texts() -> list[str]:
    rng = random.Random(7)
    return [
        " ".join(
            f"{rng.choice(WORDS)} {rng.choice(['', 'no. '])}{rng.randint(0, 60)}"
            for _ in range(rng.randint(0, 6))
        )
        + rng.choice(["", " zz5yy", " zz899yy"])
        for _ in range(300)
    ]


def _truth(patterns, text) -> set[int]:
    return {i for i, p in enumerate(patterns) if p.search(text)}


@pytest.mark.parametrize("n", [1, 2, 15, 16, 17, 40])
def test_hits_are_exactly_the_patterns_that_match(n) -> None:
    patterns = _patterns(n)
    prefilter = Prefilter(patterns)
    for text in _texts():
        hits = prefilter.hits(text)
        truth = _truth(patterns, text)
        assert all(i in hits for i in truth), text
        if n >= 2:  # built: only the matching patterns and the always-searched lexicon
            assert {i for i in range(len(patterns)) if i in hits} == truth | {len(patterns) - 1}


def test_sets_of_a_bounded_size_and_the_lexicon_outside() -> None:
    patterns = _patterns(40)
    prefilter = Prefilter(patterns)
    prefilter.hits("")
    assert [len(index) for _, index in prefilter._sets] == [16, 16, 8]
    assert prefilter._always == {40}


def test_built_only_after_enough_text() -> None:
    """Until then the atoms answer, and only the patterns they let through are compiled."""
    patterns = _patterns(20)
    text = f"{WORDS[0]} and {WORDS[1]} here"
    prefilter = Prefilter(patterns, after=3 * len(text) + 1)
    for _ in range(3):
        hits = prefilter.hits(text)
        assert prefilter._sets is None
        assert {i for i in range(21) if i in hits} == {
            i for i, p in enumerate(patterns) if p.may_match(text)
        }
        assert all(p._compiled is None for p in patterns)
    assert not any(i in prefilter.hits(text) for i in range(20))  # no number after the word
    assert prefilter._sets is not None
    assert all(p._compiled is not None for p in patterns[:20])  # the sets are built from them


def test_built_at_once_for_a_long_text() -> None:
    prefilter = Prefilter(_patterns(20), after=100)
    assert 0 not in prefilter.hits("nothing here " * 10)
    assert prefilter._sets is not None


def test_a_chunk_too_big_for_one_set_is_split_until_each_part_builds(monkeypatch) -> None:
    """A chunk RE2 cannot build within the memory budget is split in halves, not given up: a
    given-up set makes every one of its patterns be searched in every text."""
    built = engine._pattern_set

    def small_sets_only(patterns, max_mem):
        return built(patterns, max_mem) if len(patterns) <= 4 else None

    monkeypatch.setattr(engine, "_pattern_set", small_sets_only)
    patterns = _patterns(40)
    prefilter = Prefilter(patterns)
    prefilter.hits("")
    assert [len(index) for _, index in prefilter._sets] == [4] * 10
    assert all(matcher is not None for matcher, _ in prefilter._sets)
    for text in _texts():
        assert _truth(patterns, text) <= set(prefilter.hits(text))
    assert len(prefilter.hits("nothing matches here")) == 1  # only the lexicon, always searched


def test_a_set_that_cannot_be_used_means_search_its_patterns() -> None:
    """A set RE2 cannot build, or whose DFA gives up, answers 'all of mine'."""
    patterns = _patterns(40)
    prefilter = Prefilter(patterns)
    prefilter.hits("")
    prefilter._sets[1] = (None, prefilter._sets[1][1])

    class GivesUp:
        def Match(self, text):  # re2's method name
            return []  # an exhausted DFA reports nothing, not even the sentinel

    prefilter._sets[2] = (GivesUp(), prefilter._sets[2][1])
    for text in _texts()[:50]:
        hits = prefilter.hits(text)
        assert all(i in hits for i in _truth(patterns, text))
        assert all(i in hits for i in range(16, 40))


def test_the_rule_prefilter_agrees_with_searching(monkeypatch) -> None:
    monkeypatch.setattr(engine, "RULE_PREFILTER_AFTER", 0)
    ruleset = load_rules()
    built = engine.Engine(ruleset.rules, ruleset.allow, None)
    rule_patterns = [p for c in built.compiled for p in c.patterns]
    texts = [
        "A 7 yo from Dayton with Wilms tumor.",
        "MRN 1234567, seen at St. Mary's Hospital on 03/04/2021 by Dr. Smith.",
        "Chiari II malformation; Lyme disease; West Nile virus. #radiology #Ohio",
        "His wife said he died two weeks later after a fall from a ladder.",
        "",
    ]
    for text in texts:
        hits = built._rule_prefilter.hits(text)
        assert all(i in hits for i in _truth(rule_patterns, text)), text
