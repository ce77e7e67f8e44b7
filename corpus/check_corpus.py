"""Validate the labeled caption corpus and print its counts.

Usage::

    python corpus/check_corpus.py                 # checks corpus/dev.jsonl and corpus/test.jsonl
    python corpus/check_corpus.py path/to/x.jsonl # checks other files (split = file stem)

Exit status 0 when every file is valid and meets the coverage targets, 1 otherwise.
The functions are imported by ``tests/test_corpus.py`` and ``benchmarks/accuracy.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
SPLITS = ("dev", "test")
STYLES = ("instagram", "figure1", "teaching-file", "case-report")
CATEGORIES = (
    "AGE",
    "DATE",
    "NAME",
    "LOCATION",
    "ID",
    "HISTORY",
    "OUTCOME",
    "HIGH_PROFILE",
    "DEMOGRAPHIC",
)
RECORD_KEYS = {"id", "style", "text", "expect", "keep"}
EXPECT_KEYS = {"category", "text", "occurrence"}

#: Coverage targets: captions per category in each split / over all splits, clean share.
MIN_CAPTIONS_PER_CATEGORY_SPLIT = 14
MIN_CAPTIONS_PER_CATEGORY_TOTAL = 30
MIN_CLEAN_SHARE = 0.35


@dataclass(frozen=True)
class Span:
    """A labeled forbidden span: character offsets into the caption text."""

    category: str
    start: int
    end: int


@dataclass
class Stats:
    """Counts for one split (or the union of splits)."""

    captions: int = 0
    clean: int = 0
    styles: Counter[str] = field(default_factory=Counter)
    captions_per_category: Counter[str] = field(default_factory=Counter)
    spans_per_category: Counter[str] = field(default_factory=Counter)
    without_keep: int = 0

    @property
    def violating(self) -> int:
        """Captions with at least one labeled span."""
        return self.captions - self.clean

    @property
    def clean_share(self) -> float:
        """Share of captions without any labeled span."""
        return self.clean / self.captions if self.captions else 0.0

    def add(self, record: dict) -> None:
        """Count one valid record."""
        self.captions += 1
        self.styles[record["style"]] += 1
        cats = [e["category"] for e in record["expect"]]
        if not cats:
            self.clean += 1
        self.spans_per_category.update(cats)
        self.captions_per_category.update(set(cats))
        if not record["keep"]:
            self.without_keep += 1


def find_occurrence(text: str, sub: str, occurrence: int = 1) -> int:
    """Return the start of the ``occurrence``-th (1-based, overlapping) match of ``sub``, or -1."""
    pos = -1
    for _ in range(occurrence):
        pos = text.find(sub, pos + 1)
        if pos == -1:
            return -1
    return pos


def spans(record: dict) -> list[Span]:
    """The labeled spans of a valid record, in the order they are listed."""
    out = []
    for item in record["expect"]:
        start = find_occurrence(record["text"], item["text"], item.get("occurrence", 1))
        out.append(Span(item["category"], start, start + len(item["text"])))
    return out


def load(path: Path | str) -> list[dict]:
    """Read a JSONL file; raise ``ValueError`` naming the line if one is not a JSON object."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON: {exc}") from exc
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object")
            records.append(obj)
    return records


def validate_record(record: dict, split: str) -> list[str]:
    """Return the problems of one record (empty when it is valid)."""
    rid = record.get("id", "<no id>")
    errors: list[str] = []

    def err(msg: str) -> None:
        errors.append(f"{rid}: {msg}")

    missing = RECORD_KEYS - record.keys()
    if missing:
        err(f"missing keys {sorted(missing)}")
    unknown = record.keys() - RECORD_KEYS
    if unknown:
        err(f"unknown keys {sorted(unknown)} (valid: {sorted(RECORD_KEYS)})")
    if missing:
        return errors
    if not isinstance(rid, str) or not rid.startswith(f"{split}-"):
        err(f"id must start with '{split}-'")
    if record["style"] not in STYLES:
        err(f"style {record['style']!r} is not one of {', '.join(STYLES)}")
    text = record["text"]
    if not isinstance(text, str) or not text.strip():
        err("text must be a non-empty string")
        return errors
    if not isinstance(record["expect"], list) or not isinstance(record["keep"], list):
        err("expect and keep must be lists")
        return errors

    labeled: list[tuple[int, int]] = []
    seen: set[tuple[str, int, int]] = set()
    for n, item in enumerate(record["expect"], 1):
        if not isinstance(item, dict):
            err(f"expect[{n}] must be an object")
            continue
        if set(item) - EXPECT_KEYS or not {"category", "text"} <= set(item):
            err(f"expect[{n}] keys must be category, text and optionally occurrence")
            continue
        cat, sub = item["category"], item["text"]
        occ = item.get("occurrence", 1)
        if cat not in CATEGORIES:
            err(f"expect[{n}] category {cat!r} is not one of {', '.join(CATEGORIES)}")
        if not isinstance(sub, str) or not sub or sub != sub.strip():
            err(f"expect[{n}] text must be non-empty without surrounding whitespace")
            continue
        if not isinstance(occ, int) or isinstance(occ, bool) or occ < 1:
            err(f"expect[{n}] occurrence must be a positive integer")
            continue
        start = find_occurrence(text, sub, occ)
        if start == -1:
            err(f"expect[{n}] {sub!r} (occurrence {occ}) is not a substring of text")
            continue
        key = (cat, start, start + len(sub))
        if key in seen:
            err(f"expect[{n}] {sub!r} is listed twice")
        seen.add(key)
        labeled.append((start, start + len(sub)))

    for n, sub in enumerate(record["keep"], 1):
        if not isinstance(sub, str) or not sub.strip():
            err(f"keep[{n}] must be a non-empty string")
            continue
        starts = [i for i in range(len(text)) if text.startswith(sub, i)]
        if not starts:
            err(f"keep[{n}] {sub!r} is not a substring of text")
        elif all(any(s < e2 and s2 < s + len(sub) for s2, e2 in labeled) for s in starts):
            err(f"keep[{n}] {sub!r} only occurs inside a labeled forbidden span")
    return errors


def validate(records: Sequence[dict], split: str) -> list[str]:
    """Return the problems of a split: every record's, plus duplicate ids and texts."""
    errors: list[str] = []
    ids = Counter(r.get("id") for r in records)
    errors += [f"{i}: duplicate id" for i, n in ids.items() if n > 1]
    texts = Counter(r.get("text") for r in records)
    errors += [f"duplicate text: {t[:60]!r}" for t, n in texts.items() if n > 1]
    for record in records:
        errors += validate_record(record, split)
    return errors


def compute_stats(records: Iterable[dict]) -> Stats:
    """Count captions, clean captions, styles and labels of valid records."""
    stats = Stats()
    for record in records:
        stats.add(record)
    return stats


def coverage_problems(per_split: dict[str, Stats], total: Stats) -> list[str]:
    """Return the coverage targets that are not met."""
    problems = []
    for split, st in per_split.items():
        if st.clean_share < MIN_CLEAN_SHARE:
            problems.append(f"{split}: clean share {st.clean_share:.2f} < {MIN_CLEAN_SHARE}")
        for cat in CATEGORIES:
            if st.captions_per_category[cat] < MIN_CAPTIONS_PER_CATEGORY_SPLIT:
                problems.append(
                    f"{split}: {cat} in {st.captions_per_category[cat]} captions "
                    f"< {MIN_CAPTIONS_PER_CATEGORY_SPLIT}"
                )
        missing_styles = [s for s in STYLES if not st.styles[s]]
        if missing_styles:
            problems.append(f"{split}: no captions of style {', '.join(missing_styles)}")
    for cat in CATEGORIES:
        if total.captions_per_category[cat] < MIN_CAPTIONS_PER_CATEGORY_TOTAL:
            problems.append(
                f"all: {cat} in {total.captions_per_category[cat]} captions "
                f"< {MIN_CAPTIONS_PER_CATEGORY_TOTAL}"
            )
    return problems


def format_table(per_split: dict[str, Stats], total: Stats) -> str:
    """A fixed-width table: captions (spans) per category, styles and clean share."""
    cols = [*per_split, "all"]
    stats = [*per_split.values(), total]
    width = 16
    lines = [f"{'':<{width}}" + "".join(f"{c:>14}" for c in cols)]

    def row(label: str, values: Iterable[str]) -> None:
        lines.append(f"{label:<{width}}" + "".join(f"{v:>14}" for v in values))

    row("captions", (str(s.captions) for s in stats))
    row("clean", (f"{s.clean} ({s.clean_share:.0%})" for s in stats))
    row("violating", (str(s.violating) for s in stats))
    for style in STYLES:
        row(f"  {style}", (str(s.styles[style]) for s in stats))
    lines.append("captions (spans) per category")
    for cat in CATEGORIES:
        row(
            f"  {cat}",
            (f"{s.captions_per_category[cat]} ({s.spans_per_category[cat]})" for s in stats),
        )
    row("without keep", (str(s.without_keep) for s in stats))
    return "\n".join(lines)


def check(paths: Sequence[Path]) -> tuple[list[str], dict[str, Stats], Stats]:
    """Validate files (split name = file stem); return errors, per-split stats and the total."""
    errors: list[str] = []
    per_split: dict[str, Stats] = {}
    all_records: list[dict] = []
    for path in paths:
        split = Path(path).stem
        try:
            records = load(path)
        except (OSError, ValueError) as exc:
            errors.append(str(exc))
            continue
        problems = validate(records, split)
        errors += [f"{path}: {p}" for p in problems]
        per_split[split] = compute_stats(records) if not problems else Stats()
        all_records += records
    texts = Counter(r.get("text") for r in all_records)
    errors += [f"text in more than one split: {t[:60]!r}" for t, n in texts.items() if n > 1]
    total = compute_stats(all_records) if not errors else Stats()
    return errors, per_split, total


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[CORPUS_DIR / f"{s}.jsonl" for s in SPLITS],
        help="JSONL files (default: corpus/dev.jsonl corpus/test.jsonl)",
    )
    args = parser.parse_args(argv)
    errors, per_split, total = check(args.paths)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} error(s)", file=sys.stderr)
        return 1
    print(format_table(per_split, total))
    problems = coverage_problems(per_split, total)
    if problems:
        print("\ncoverage targets not met:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("\nOK: all files valid, coverage targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
