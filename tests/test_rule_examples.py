"""Every rule's examples are tests: each ``fail`` example is flagged by that rule, and each
``pass`` example gets no finding in the rule's category."""

from __future__ import annotations

import pytest

from caplint.rules import load_rules

RULES = load_rules().rules
FAIL = [
    pytest.param(r, e, id=f"{r.code}-fail-{i}")
    for r in RULES
    for i, e in enumerate(r.examples_fail)
]
PASS = [
    pytest.param(r, e, id=f"{r.code}-pass-{i}")
    for r in RULES
    for i, e in enumerate(r.examples_pass)
]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_has_examples_both_ways(rule) -> None:
    assert rule.examples_fail, f"{rule.code} ({rule.path}) has no 'fail' examples"
    assert rule.examples_pass, f"{rule.code} ({rule.path}) has no 'pass' examples"


@pytest.mark.parametrize(("rule", "example"), FAIL)
def test_fail_example_is_flagged_by_its_rule(linter, rule, example) -> None:
    codes = [f.code for f in linter.lint(example)]
    assert rule.code in codes, f"{rule.code} missed {example!r}; got {codes}"


@pytest.mark.parametrize(("rule", "example"), PASS)
def test_pass_example_is_not_flagged_in_its_category(linter, rule, example) -> None:
    hits = [(f.code, f.text) for f in linter.lint(example) if f.category == rule.category]
    assert not hits, f"{rule.code}: {example!r} must pass in {rule.category}; got {hits}"
