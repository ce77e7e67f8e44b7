"""The disease-focused rewrite (caplint.rewrite, ``Linter.rewrite``): policy.md's example, and
the corpus targets of issue 5 on the dev split (the test split is measured by
``benchmarks/rewrite.py``)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caplint.cli import app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from rewrite import keeps  # noqa: E402  (benchmarks/rewrite.py: the keep-word matching)

DEV = [
    json.loads(line)
    for line in (ROOT / "corpus" / "dev.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
POLICY_EXAMPLE = (
    "A 7-year-old boy from Dayton fell off his trampoline at a birthday party on "
    "March 3 and died two days later. CT shows an epidural hematoma with a lucent "
    "swirl sign. #pedsrad"
)


def test_policy_example_keeps_the_disease_and_drops_the_person(linter) -> None:
    out = linter.rewrite(POLICY_EXAMPLE)
    for kept in ("epidural hematoma", "swirl sign", "#pedsrad"):
        assert kept in out
    assert not re.search(r"\d", out), out  # no age, no date
    for gone in ("year", "Dayton", "March", "died", "trampoline", "birthday", "later"):
        assert gone not in out, out
    assert not linter.lint(out), out
    # today: "A child with head trauma. CT shows an epidural hematoma with a lucent swirl
    # sign. #pedsrad" (the exact words may change with the rule packs)


def test_policy_example_rewrite_checks_clean_from_the_command_line() -> None:
    runner = CliRunner()
    rewritten = runner.invoke(app, ["rewrite", POLICY_EXAMPLE])
    assert rewritten.exit_code == 0, rewritten.output
    checked = runner.invoke(app, ["check", "-"], input=rewritten.stdout)
    assert checked.exit_code == 0, checked.output


def test_a_clean_caption_is_left_as_it_is(linter) -> None:
    text = "Findings: Crescentic extra-axial collection.\r\nDiagnosis: Subdural hematoma. 🧠"
    assert linter.rewrite(text) == text


def test_the_memo_rewrites_as_the_linter_does(linter, lint_memo) -> None:
    for record in DEV[:40]:
        assert lint_memo.rewrite(record["text"]) == linter.rewrite(record["text"]), record["id"]


@pytest.fixture(scope="module")
def dev_rewrites(lint_memo) -> list[tuple[dict, str]]:
    return [(r, lint_memo.rewrite(r["text"])) for r in DEV if r["expect"]]


def test_dev_rewrites_lint_clean(lint_memo, dev_rewrites) -> None:
    dirty = [
        r["id"] for r, out in dev_rewrites
        if any(f.severity == "error" for f in lint_memo.lint(out))
    ]
    assert len(dirty) <= 0.03 * len(dev_rewrites), dirty


def test_dev_rewrites_keep_the_diagnosis(dev_rewrites) -> None:
    lost = {r["id"]: keeps(out, r["keep"]) for r, out in dev_rewrites if keeps(out, r["keep"])}
    assert len(lost) <= 0.05 * len(dev_rewrites), lost


def test_dev_rewrite_is_idempotent(lint_memo, dev_rewrites) -> None:
    unstable = [r["id"] for r, out in dev_rewrites if lint_memo.rewrite(out) != out]
    assert not unstable, unstable


def test_dev_clean_captions_are_unchanged(lint_memo) -> None:
    for record in DEV:
        if not lint_memo.lint(record["text"]):
            assert lint_memo.rewrite(record["text"]) == record["text"], record["id"]
