"""Inline suppressions: ignore / disable-enable, reasons required, unused ones reported, the
allow-suppressions switch, and the SUP rules' own examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_cli import IGNORE_LEARNED, invoke, one_model_load  # noqa: F401

from caplint.checking import CheckOptions, CheckRun
from caplint.rules import load_rules


def lint(
    folder: Path, name: str, text: str, config: str | None = None, options: tuple[str, ...] = ()
) -> list[dict]:
    (folder / name).write_text(text, encoding="utf-8")
    if config is not None:
        (folder / ".caplint.toml").write_text(config, encoding="utf-8")
    result = invoke("check", "--format", "json", "--no-cache", *options, str(folder / name))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def summary(found: list[dict]) -> list[tuple[str, int]]:
    return [(f["code"], f["line"]) for f in found]


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ignore_covers_the_next_paragraph(folder) -> None:
    text = (
        '<!-- caplint: ignore AGE reason="teaching file, consent on record" -->\n'
        "A 7 yo with a limp.\nSalter-Harris II fracture.\n\nA 7 yo again.\n"
    )
    # the learned sentence rules left out, as below: "A 7 yo again." may read as a story
    # sentence (HIST015, a warning), which is not what this test is about
    assert summary(lint(folder, "post.md", text, options=IGNORE_LEARNED)) == [("AGE002", 5)]


def test_ignore_on_the_same_line_covers_that_line(folder) -> None:
    text = 'A 7 yo with a limp. <!-- caplint: ignore AGE002 reason="consent" -->\nA 7 yo again.\n'
    # the learned sentence rules left out: the suppression names AGE002 only, and the story-
    # sentence warning the model may put on line 1 is not what this test is about
    assert summary(lint(folder, "post.md", text, options=IGNORE_LEARNED)) == [("AGE002", 2)]


def test_disable_enable_region(folder) -> None:
    text = (
        '<!-- caplint: disable age-abbreviation reason="a series, consent on record" -->\n'
        "A 7 yo.\n\nA 9 yo.\n<!-- caplint: enable age-abbreviation -->\nA 5 yo.\n"
    )
    # the learned sentence rules left out (the region names age-abbreviation only)
    assert summary(lint(folder, "post.md", text, options=IGNORE_LEARNED)) == [("AGE002", 6)]


def test_text_files_take_hash_comment_lines(folder) -> None:
    text = '# caplint: ignore AGE reason="consent on record"\nA 7 yo with a limp.\n'
    assert lint(folder, "draft.txt", text) == []


def test_yaml_comments_suppress_the_next_field(folder) -> None:
    text = (
        'cases:\n  # caplint: ignore AGE reason="consent on record"\n'
        "  - caption: A 7 yo with a limp.\n  - caption: A 5 yo.\n"
    )
    # the learned sentence rules left out (the suppression names AGE only)
    assert summary(lint(folder, "cases.yaml", text, options=IGNORE_LEARNED)) == [("AGE002", 4)]


def test_unused_suppression_is_a_warning_at_the_comment(folder) -> None:
    text = '<!-- caplint: ignore NAME reason="eponym" -->\nChiari I malformation.\n'
    found = lint(folder, "post.md", text)
    assert summary(found) == [("SUP001", 1)]
    assert found[0]["severity"] == "warning"
    assert "NAME" in found[0]["message"]
    assert (found[0]["column"], found[0]["end_column"]) == (1, len(text.split("\n")[0]) + 1)


@pytest.mark.parametrize(
    ("comment", "why"),
    [
        ("<!-- caplint: ignore AGE -->", "no reason given"),
        ('<!-- caplint: ignore AGE reason="" -->', "no reason given"),
        ('<!-- caplint: ignore reason="consent" -->', "names no rule"),
        ('<!-- caplint: ignore NOPE reason="consent" -->', "'NOPE' names no rule"),
        ('<!-- caplint: silence AGE reason="consent" -->', "unknown action"),
        ("<!-- caplint: enable AGE -->", "enable without a matching disable"),
    ],
)
def test_invalid_suppression_is_an_error_and_suppresses_nothing(folder, comment, why) -> None:
    found = lint(folder, "post.md", f"{comment}\nA 7 yo with a limp.\n")
    assert summary(found) == [("SUP002", 1), ("AGE002", 2)]
    assert found[0]["severity"] == "error" and why in found[0]["message"]


def test_allow_suppressions_false_makes_every_suppression_an_error(folder) -> None:
    text = '<!-- caplint: ignore AGE reason="consent on record" -->\nA 7 yo with a limp.\n'
    found = lint(folder, "post.md", text, config="allow-suppressions = false\n")
    assert summary(found) == [("SUP002", 1), ("AGE002", 2)]
    assert "allow-suppressions = false" in found[0]["message"]


def test_the_reason_is_never_linted(folder) -> None:
    text = (
        '<!-- caplint: ignore AGE reason="Dr. John Smith, Dayton, 3/14/2024" -->\n'
        "A 7 yo with a limp.\n"
    )
    assert lint(folder, "post.md", text) == []


def test_suppressions_are_listed_as_rules() -> None:
    listing = invoke("rules")
    assert "SUP001" in listing.stdout and "unused-suppression" in listing.stdout
    assert "SUP002" in listing.stdout and "invalid-suppression" in listing.stdout
    assert invoke("rule", "SUP002").exit_code == 0


SUP_RULES = [rule for rule in load_rules().rules if rule.category == "SUPPRESSION"]


@pytest.mark.parametrize("rule", SUP_RULES, ids=[r.code for r in SUP_RULES])
def test_suppression_rule_examples_hold_in_files(tmp_path, monkeypatch, rule) -> None:
    """In a file (not just the library), the fail examples produce the rule's finding and the
    pass examples do not."""
    monkeypatch.chdir(tmp_path)
    for index, example in enumerate(rule.examples_fail + rule.examples_pass):
        path = tmp_path / f"example{index}.txt"
        path.write_text(example + "\nA child with a limp.\n", encoding="utf-8")
        codes = {
            item.finding.code
            for report in CheckRun([str(path)], CheckOptions(use_cache=False))
            for item in report.findings
        }
        assert (rule.code in codes) == (example in rule.examples_fail), (example, codes)
