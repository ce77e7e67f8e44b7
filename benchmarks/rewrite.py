"""The disease-focused rewrite on the labeled corpus: does it lint clean, does it keep the disease?

Usage::

    python benchmarks/rewrite.py                          # the violating test captions
    python benchmarks/rewrite.py --split dev              # tune on dev only
    python benchmarks/rewrite.py --samples 10 --seed 7    # also ten random before/after pairs
    python benchmarks/rewrite.py --failures               # list the captions that miss a target
    python benchmarks/rewrite.py --json                   # the numbers as JSON

For each *violating* caption of the split (one with at least one labeled span), the rewrite is
what ``caplint rewrite`` prints (``Linter.rewrite``, which the command calls).  Two shares:

- *lints clean*: the rewrite has no error-level finding (``caplint check`` on it exits 0);
- *keeps the disease*: every one of the caption's ``keep`` words (the diagnosis and key findings,
  labeled in the corpus) is still in the rewrite (case-insensitive, quotes and dashes folded,
  spaces collapsed).

Targets (issue 5): lints clean >= 97 %, keeps the disease >= 95 %.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_CLEAN = 0.97
TARGET_KEEP = 0.95
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-",
                       "\u00a0": " "})


def fold(text: str) -> str:
    """Text for keep-word matching: NFKC, quotes and dashes folded, spaces collapsed, casefold."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return re.sub(r"\s+", " ", text).casefold()


def keeps(rewrite: str, words: list[str]) -> list[str]:
    """The keep words missing from ``rewrite``."""
    haystack = fold(rewrite)
    return [word for word in words if fold(word) not in haystack]


@dataclass
class Outcome:
    id: str
    style: str
    before: str
    after: str
    errors: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def load(split: str) -> list[dict]:
    path = ROOT / "corpus" / f"{split}.jsonl"
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def run(split: str) -> tuple[list[Outcome], float]:
    from caplint import Linter

    records = [r for r in load(split) if r["expect"]]
    linter = Linter()
    linter.lint("warm-up")
    began = time.perf_counter()
    outcomes = []
    for record in records:
        after = linter.rewrite(record["text"])
        errors = [f.code for f in linter.lint(after) if f.severity == "error"]
        outcomes.append(Outcome(record["id"], record["style"], record["text"], after, errors,
                                keeps(after, record["keep"])))
    return outcomes, time.perf_counter() - began


def _share(count: int, total: int) -> str:
    return f"{count / total:6.1%}" if total else "     -"


def table(outcomes: list[Outcome], split: str, seconds: float) -> str:
    styles = sorted({o.style for o in outcomes})
    rows = [("all", outcomes)] + [(s, [o for o in outcomes if o.style == s]) for s in styles]
    lines = [f"Disease-focused rewrite, violating {split} captions "
             f"({len(outcomes)} captions, {seconds:.1f} s)", "",
             f"{'style':<14} {'captions':>8} {'lints clean':>12} {'keeps disease':>14}",
             f"{'-' * 14} {'-' * 8} {'-' * 12} {'-' * 14}"]
    for name, group in rows:
        clean = sum(1 for o in group if not o.errors)
        kept = sum(1 for o in group if not o.lost)
        lines.append(f"{name:<14} {len(group):>8} {_share(clean, len(group)):>12} "
                     f"{_share(kept, len(group)):>14}")
    clean = sum(1 for o in outcomes if not o.errors) / max(1, len(outcomes))
    kept = sum(1 for o in outcomes if not o.lost) / max(1, len(outcomes))
    lines += ["", f"target: lints clean >= {TARGET_CLEAN:.0%} "
                  f"({'met' if clean >= TARGET_CLEAN else 'NOT met'}), keeps the disease >= "
                  f"{TARGET_KEEP:.0%} ({'met' if kept >= TARGET_KEEP else 'NOT met'})"]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="test", choices=("dev", "test"))
    parser.add_argument("--samples", type=int, default=0,
                        help="print this many random before/after pairs")
    parser.add_argument("--seed", type=int, default=0, help="seed for --samples")
    parser.add_argument("--failures", action="store_true",
                        help="list the captions that are not clean or lose a keep word")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    outcomes, seconds = run(args.split)
    total = max(1, len(outcomes))
    clean = sum(1 for o in outcomes if not o.errors) / total
    kept = sum(1 for o in outcomes if not o.lost) / total
    if args.json:
        print(json.dumps({"split": args.split, "captions": len(outcomes),
                          "lints_clean": round(clean, 4), "keeps_disease": round(kept, 4),
                          "seconds": round(seconds, 2)}))
    else:
        print(table(outcomes, args.split, seconds))
    if args.failures:
        for o in outcomes:
            if o.errors or o.lost:
                print(f"\n== {o.id}" + (f"  errors: {', '.join(o.errors)}" if o.errors else "")
                      + (f"  lost: {', '.join(o.lost)}" if o.lost else ""))
                print(_indent(o.before))
                print("  ->")
                print(_indent(o.after))
    if args.samples:
        rng = random.Random(args.seed)
        for o in rng.sample(outcomes, min(args.samples, len(outcomes))):
            print(f"\n== {o.id} ({o.style})")
            print("  before:")
            print(_indent(o.before))
            print("  after:")
            print(_indent(o.after))
    return 0 if clean >= TARGET_CLEAN and kept >= TARGET_KEEP else 1


if __name__ == "__main__":
    sys.exit(main())
