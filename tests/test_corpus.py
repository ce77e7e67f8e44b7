"""The labeled corpus is valid, and caplint does not get worse on its test split.

The first group is fast and needs no model: it runs ``corpus/check_corpus.py``'s checks.
The regression test lints the test split with caplint and compares the leak rate and the
false-alarm rate with the values recorded in ``benchmarks/thresholds.json`` (written by
``python benchmarks/accuracy.py --write-thresholds benchmarks/thresholds.json``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = ROOT / "benchmarks" / "thresholds.json"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check_corpus = _load("check_corpus", ROOT / "corpus" / "check_corpus.py")
accuracy = _load("caplint_accuracy_benchmark", ROOT / "benchmarks" / "accuracy.py")


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {
        s: check_corpus.load(check_corpus.CORPUS_DIR / f"{s}.jsonl") for s in check_corpus.SPLITS
    }


@pytest.mark.parametrize("split", check_corpus.SPLITS)
def test_split_is_valid(splits: dict[str, list[dict]], split: str) -> None:
    assert check_corpus.validate(splits[split], split) == []


def test_coverage_targets_are_met() -> None:
    paths = [check_corpus.CORPUS_DIR / f"{s}.jsonl" for s in check_corpus.SPLITS]
    errors, per_split, total = check_corpus.check(paths)
    assert errors == []
    assert check_corpus.coverage_problems(per_split, total) == []


def test_no_caption_is_in_both_splits(splits: dict[str, list[dict]]) -> None:
    dev = {r["text"] for r in splits["dev"]}
    assert not dev & {r["text"] for r in splits["test"]}


def _record(**changes: object) -> dict:
    record = {
        "id": "dev-0001",
        "style": "figure1",
        "text": "A 7 yo with an epidural hematoma; the 7 yo did well.",
        "expect": [{"category": "AGE", "text": "7 yo"}],
        "keep": ["epidural hematoma"],
    }
    record.update(changes)
    return record


def test_validator_accepts_a_good_record() -> None:
    assert check_corpus.validate_record(_record(), "dev") == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"style": "tweet"}, "style"),
        ({"id": "test-0001"}, "id must start"),
        ({"expect": [{"category": "AGES", "text": "7 yo"}]}, "category"),
        ({"expect": [{"category": "AGE", "text": "7-year-old"}]}, "not a substring"),
        ({"expect": [{"category": "AGE", "text": "7 yo", "occurrence": 3}]}, "not a substring"),
        ({"expect": [{"category": "AGE", "text": " 7 yo"}]}, "whitespace"),
        ({"keep": ["subdural"]}, "keep[1]"),
        ({"keep": ["A 7 yo"]}, "inside a labeled"),
        ({"extra": 1}, "unknown keys"),
    ],
)
def test_validator_rejects(changes: dict, problem: str) -> None:
    errors = check_corpus.validate_record(_record(**changes), "dev")
    assert any(problem in e for e in errors), errors


def test_occurrence_selects_a_later_match() -> None:
    record = _record(expect=[{"category": "AGE", "text": "7 yo", "occurrence": 2}])
    (span,) = check_corpus.spans(record)
    assert record["text"][span.start :].startswith("7 yo did well")


@dataclass(frozen=True)
class F:
    """A stand-in finding."""

    category: str
    severity: str
    start: int
    end: int


def test_scoring_counts_leaks_and_false_alarms() -> None:
    """Caught-but-miscategorized spans do not leak; warnings on clean captions are no alarm."""
    violating = _record()
    clean = _record(
        id="dev-0002", text="Neonate with a Wilms tumor.", expect=[], keep=["Wilms tumor"]
    )
    # The first 7 yo is caught as a DATE (caught, not recalled); the clean caption gets a warning.
    score = accuracy.score_corpus(
        [violating, clean], [[F("DATE", "error", 2, 6)], [F("NAME", "warning", 15, 20)]]
    )
    assert (score.spans["AGE"], score.caught["AGE"], score.recalled["AGE"]) == (1, 1, 0)
    assert score.leak_rate == 0.0
    assert score.false_alarm_rate == 0.0  # warnings are not false alarms
    assert score.precision == 0.5 and score.strict_precision == 0.0


def test_caplint_does_not_regress_on_the_test_split(linter, splits: dict[str, list[dict]]) -> None:
    if not THRESHOLDS.exists():
        pytest.skip(
            f"{THRESHOLDS.relative_to(ROOT)} does not exist yet: record it with "
            "`python benchmarks/accuracy.py --write-thresholds benchmarks/thresholds.json`"
        )
    recorded = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    records = splits["test"]
    score = accuracy.score_corpus(records, linter.lint_many([r["text"] for r in records]))
    assert score.leak_rate <= recorded["leak_rate"], (
        f"leak rate {score.leak_rate:.4f} > recorded {recorded['leak_rate']} "
        f"({len(score.misses)} labeled spans missed; list them with accuracy.py --misses)"
    )
    assert score.false_alarm_rate <= recorded["false_alarm_rate"], (
        f"false-alarm rate {score.false_alarm_rate:.4f} > recorded {recorded['false_alarm_rate']}: "
        f"{', '.join(score.false_alarm_ids)}"
    )
