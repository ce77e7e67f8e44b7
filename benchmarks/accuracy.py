"""Accuracy of caplint beside a plain-Presidio baseline, on the labeled corpus and on ASQ-PHI.

Usage::

    python benchmarks/accuracy.py --split test            # tables for the test split
    python benchmarks/accuracy.py --split dev --misses    # also list the labeled spans missed
    python benchmarks/accuracy.py --split test --asq      # also score ASQ-PHI
    python benchmarks/accuracy.py --split test --json     # the same numbers as JSON
    python benchmarks/accuracy.py --write-thresholds benchmarks/thresholds.json

How the corpus is scored (``corpus/README.md`` describes the labels):

- *recall* of a category: share of its labeled spans overlapped by a finding of that category;
- *caught*: share of its labeled spans overlapped by any finding (whatever its category);
- *precision*: share of findings that overlap a labeled span of any category (a finding on a clean
  caption is a false positive); *strict precision* requires the same category;
- *leak rate*: share of violating captions with at least one labeled span that no finding overlaps;
- *false-alarm rate*: share of clean captions with at least one error-level finding;
- *flagged clean*: share of clean captions with any finding at all, warnings included (what an
  author sees on a clean caption, beside what blocks a commit).

Findings of every severity count for recall, caught, precision and leak rate; only error-level
findings count as false alarms (a warning on a clean caption does not block a commit).
Caption-level findings (HIST100 complete history, RISK001 combined quasi-identifiers) span from the
first to the last element they count, so they are left out of recall, caught, precision and leak
rate (they would "catch" every word in between); they do count as false alarms.

ASQ-PHI (``tests/data/asq-phi``) is scored on recall only, as its labels follow HIPAA (ages are not
labeled): a value is caught when any finding overlaps any occurrence of it in its query.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "corpus"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_corpus  # noqa: E402
from check_corpus import CATEGORIES, spans  # noqa: E402

ASQ_PATH = ROOT / "tests" / "data" / "asq-phi" / "synthetic_clinical_queries.txt"
ASQ_GROUPS = {"NAME": "names", "GEOGRAPHIC_LOCATION": "places", "DATE": "dates"}
ASQ_GROUP_ORDER = ("names", "places", "dates", "identifiers")
TOOLS = ("caplint", "baseline")


class FindingLike(Protocol):
    """What the benchmark reads from a finding (caplint's ``Finding`` or the baseline's)."""

    category: str
    severity: str
    start: int
    end: int


LintMany = Callable[[Sequence[str]], list[list[FindingLike]]]


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """True when the half-open ranges share at least one character."""
    return a_start < b_end and b_start < a_end


# --------------------------------------------------------------------------- corpus


@dataclass
class CorpusScore:
    """Counts behind the corpus metrics of one tool on one split."""

    spans: Counter[str] = field(default_factory=Counter)
    recalled: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    true_positive: int = 0
    true_positive_strict: int = 0
    violating: int = 0
    leaked: int = 0
    clean: int = 0
    false_alarms: int = 0
    flagged_clean: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    false_alarm_ids: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Findings overlapping a labeled span (any category) / findings."""
        return _ratio(self.true_positive, self.findings, empty=1.0)

    @property
    def strict_precision(self) -> float:
        """Findings overlapping a labeled span of their own category / findings."""
        return _ratio(self.true_positive_strict, self.findings, empty=1.0)

    @property
    def leak_rate(self) -> float:
        """Violating captions with a labeled span nothing overlaps / violating captions."""
        return _ratio(self.leaked, self.violating)

    @property
    def false_alarm_rate(self) -> float:
        """Clean captions with an error-level finding / clean captions."""
        return _ratio(self.false_alarms, self.clean)

    @property
    def flagged_clean_rate(self) -> float:
        """Clean captions with any finding (warnings included) / clean captions."""
        return _ratio(self.flagged_clean, self.clean)

    def recall(self, category: str) -> float:
        """Labeled spans of ``category`` overlapped by a finding of that category."""
        return _ratio(self.recalled[category], self.spans[category])

    def caught_rate(self, category: str) -> float:
        """Labeled spans of ``category`` overlapped by any finding."""
        return _ratio(self.caught[category], self.spans[category])

    def as_dict(self) -> dict:
        """The metrics as plain JSON-ready values."""
        return {
            "categories": {
                cat: {
                    "spans": self.spans[cat],
                    "recall": round(self.recall(cat), 4),
                    "caught": round(self.caught_rate(cat), 4),
                }
                for cat in CATEGORIES
            },
            "findings": self.findings,
            "precision": round(self.precision, 4),
            "strict_precision": round(self.strict_precision, 4),
            "violating_captions": self.violating,
            "leaked_captions": self.leaked,
            "leak_rate": round(self.leak_rate, 4),
            "clean_captions": self.clean,
            "false_alarm_captions": self.false_alarms,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "flagged_clean_captions": self.flagged_clean,
            "flagged_clean_rate": round(self.flagged_clean_rate, 4),
        }


def _ratio(num: int, den: int, empty: float = 0.0) -> float:
    return num / den if den else empty


def score_corpus(records: Sequence[dict], findings: Sequence[Sequence[FindingLike]]) -> CorpusScore:
    """Score one tool's findings (one list per record, same order) against the labels."""
    score = CorpusScore()
    for record, all_found in zip(records, findings, strict=True):
        labeled = spans(record)
        # Caption-level findings (complete history, combined quasi-identifiers) span from the
        # first to the last element they count: they would "overlap" every word in between, so
        # they never count as catching a labeled span (nor as a finding for precision).  They
        # still count as false alarms: they are errors that block a commit.
        found = [f for f in all_found if getattr(f, "source", "rule") != "caption"]
        for f in found:
            score.findings += 1
            hits = [s for s in labeled if overlaps(s.start, s.end, f.start, f.end)]
            score.true_positive += bool(hits)
            score.true_positive_strict += any(s.category == f.category for s in hits)
        if not labeled:
            score.clean += 1
            score.flagged_clean += bool(all_found)
            if any(f.severity == "error" for f in all_found):
                score.false_alarms += 1
                score.false_alarm_ids.append(record["id"])
            continue
        score.violating += 1
        leaked = False
        for s in labeled:
            score.spans[s.category] += 1
            over = [f for f in found if overlaps(s.start, s.end, f.start, f.end)]
            if over:
                score.caught[s.category] += 1
            else:
                leaked = True
                score.misses.append((record["id"], s.category, record["text"][s.start : s.end]))
            if any(f.category == s.category for f in over):
                score.recalled[s.category] += 1
        score.leaked += leaked
    return score


# --------------------------------------------------------------------------- ASQ-PHI


@dataclass(frozen=True)
class AsqQuery:
    """One ASQ-PHI query and its labeled PHI values as (identifier_type, value)."""

    text: str
    values: tuple[tuple[str, str], ...]


def load_asq(path: Path = ASQ_PATH) -> list[AsqQuery]:
    """Parse the ``===QUERY===`` / ``===PHI_TAGS===`` file."""
    raw = path.read_text(encoding="utf-8")
    queries = []
    for chunk in raw.split("===QUERY===")[1:]:
        text, _, tags = chunk.partition("===PHI_TAGS===")
        values = tuple(
            (tag["identifier_type"], tag["value"])
            for tag in (json.loads(line) for line in tags.splitlines() if line.strip())
        )
        queries.append(AsqQuery(text.strip(), values))
    return queries


def asq_group(identifier_type: str) -> str:
    """names / places / dates / identifiers (every other HIPAA identifier type)."""
    return ASQ_GROUPS.get(identifier_type, "identifiers")


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def value_ranges(text: str, value: str) -> list[tuple[int, int]]:
    """Every occurrence of ``value`` in ``text``: exact, else ignoring case and curly quotes."""
    loose_text, loose_value = text.lower().translate(_QUOTES), value.lower().translate(_QUOTES)
    for hay, needle in ((text, value), (loose_text, loose_value)):
        found, pos = [], hay.find(needle)
        while pos != -1:
            found.append((pos, pos + len(needle)))
            pos = hay.find(needle, pos + 1)
        if found:
            return found
    return []


@dataclass
class AsqScore:
    """Recall counts of one tool on ASQ-PHI."""

    total: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    queries_with_phi: int = 0
    queries_with_miss: int = 0
    unlocated: int = 0

    def rate(self, key: str) -> float:
        """Share of the values of a type or group (or "overall") caught."""
        return _ratio(self.caught[key], self.total[key])

    @property
    def miss_query_rate(self) -> float:
        """Queries with PHI where at least one value was missed / queries with PHI."""
        return _ratio(self.queries_with_miss, self.queries_with_phi)

    def rows(self) -> list[str]:
        """Identifier types, most frequent first, then the groups and "overall"."""
        types = [k for k, _ in self.total.most_common() if k not in (*ASQ_GROUP_ORDER, "overall")]
        return [*types, *ASQ_GROUP_ORDER, "overall"]

    def as_dict(self) -> dict:
        """The metrics as plain JSON-ready values."""
        return {
            "values": {
                k: {"labeled": self.total[k], "caught": round(self.rate(k), 4)} for k in self.rows()
            },
            "queries_with_phi": self.queries_with_phi,
            "queries_with_a_missed_value": self.queries_with_miss,
            "missed_query_rate": round(self.miss_query_rate, 4),
            "unlocated_values": self.unlocated,
        }


def score_asq(queries: Sequence[AsqQuery], findings: Sequence[Sequence[FindingLike]]) -> AsqScore:
    """Score one tool's findings (one list per query, same order) against ASQ-PHI's values."""
    score = AsqScore()
    for query, found in zip(queries, findings, strict=True):
        if not query.values:
            continue
        score.queries_with_phi += 1
        missed = False
        for kind, value in query.values:
            ranges = value_ranges(query.text, value)
            if not ranges:
                score.unlocated += 1
                continue
            hit = any(overlaps(s, e, f.start, f.end) for s, e in ranges for f in found)
            missed = missed or not hit
            for key in (kind, asq_group(kind), "overall"):
                score.total[key] += 1
                score.caught[key] += hit
        score.queries_with_miss += missed
    return score


# --------------------------------------------------------------------------- tools


def load_tools(names: Sequence[str]) -> dict[str, LintMany]:
    """The requested tools that can run here; caplint is skipped with a message if missing."""
    tools: dict[str, LintMany] = {}
    for name in names:
        if name == "caplint":
            try:
                from caplint import Linter
            except ImportError as exc:
                print(
                    f"note: caplint is not importable ({exc}); install it with "
                    "`pip install -e .` to score it. Showing the baseline only.",
                    file=sys.stderr,
                )
                continue
            tools[name] = Linter().lint_many
        elif name == "baseline":
            from _baseline import baseline_lint_many

            tools[name] = baseline_lint_many
    return tools


def load_split(split: str, path: Path | None = None) -> list[dict]:
    """Read and validate ``corpus/<split>.jsonl`` (or ``path``, a file of the same format)."""
    path = path if path is not None else check_corpus.CORPUS_DIR / f"{split}.jsonl"
    records = check_corpus.load(path)
    errors = check_corpus.validate(records, split)
    if errors:
        raise SystemExit(f"{path} is not valid; run corpus/check_corpus.py:\n" + "\n".join(errors))
    return records


# --------------------------------------------------------------------------- output


def format_corpus_table(split: str, records: Sequence[dict], scores: dict[str, CorpusScore]) -> str:
    """A fixed-width table: per category recall and caught per tool, then the caption metrics."""
    tools = list(scores)
    any_score = next(iter(scores.values()))
    head = f"{'category':<14}{'spans':>6}" + "".join(
        f"{t + ' recall':>17}{t + ' caught':>17}" for t in tools
    )
    lines = [
        f"corpus split '{split}': {len(records)} captions, {any_score.violating} violating, "
        f"{any_score.clean} clean",
        head,
        "-" * len(head),
    ]
    for cat in CATEGORIES:
        lines.append(
            f"{cat:<14}{any_score.spans[cat]:>6}"
            + "".join(f"{s.recall(cat):>17.3f}{s.caught_rate(cat):>17.3f}" for s in scores.values())
        )
    lines.append("-" * len(head))
    rows = (
        ("findings", lambda s: f"{s.findings}"),
        ("precision", lambda s: f"{s.precision:.3f}"),
        ("strict precision", lambda s: f"{s.strict_precision:.3f}"),
        ("leak rate", lambda s: f"{s.leak_rate:.3f} ({s.leaked}/{s.violating})"),
        ("false-alarm rate", lambda s: f"{s.false_alarm_rate:.3f} ({s.false_alarms}/{s.clean})"),
        ("flagged clean", lambda s: f"{s.flagged_clean_rate:.3f} ({s.flagged_clean}/{s.clean})"),
    )
    lines.append(f"{'':<20}" + "".join(f"{t:>20}" for t in tools))
    for label, fmt in rows:
        lines.append(f"{label:<20}" + "".join(f"{fmt(s):>20}" for s in scores.values()))
    return "\n".join(lines)


def format_asq_table(scores: dict[str, AsqScore]) -> str:
    """A fixed-width table: share of ASQ-PHI values caught per type and group, per tool."""
    tools = list(scores)
    first = next(iter(scores.values()))
    head = f"{'ASQ-PHI value type':<32}{'labeled':>8}" + "".join(f"{t:>12}" for t in tools)
    lines = [head, "-" * len(head)]
    for key in first.rows():
        if key == ASQ_GROUP_ORDER[0]:
            lines.append("-" * len(head))
        lines.append(
            f"{key:<32}{first.total[key]:>8}"
            + "".join(f"{s.rate(key):>12.3f}" for s in scores.values())
        )
    lines.append(
        f"{'queries with a missed value':<32}{first.queries_with_phi:>8}"
        + "".join(f"{s.miss_query_rate:>12.3f}" for s in scores.values())
    )
    if first.unlocated:
        lines.append(f"({first.unlocated} labeled values not found in their query text, skipped)")
    return "\n".join(lines)


def format_misses(scores: dict[str, CorpusScore]) -> str:
    """The labeled spans each tool missed and its false alarms (dev tuning aid)."""
    lines = []
    for tool, s in scores.items():
        lines.append(f"\n{tool}: {len(s.misses)} missed spans")
        lines += [f"  {rid}  {cat:<13} {text!r}" for rid, cat, text in s.misses]
        lines.append(
            f"{tool}: false alarms on clean captions: {', '.join(s.false_alarm_ids) or '-'}"
        )
    return "\n".join(lines)


def ceil4(x: float) -> float:
    """Round up to 4 decimals, so a recorded threshold is never below the measured value."""
    return math.ceil(x * 10_000 - 1e-9) / 10_000


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Accuracy of caplint vs plain Presidio.")
    parser.add_argument("--split", default="test", choices=check_corpus.SPLITS)
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--asq", action="store_true", help="also score ASQ-PHI")
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--misses", action="store_true", help="list missed spans (tune on dev!)")
    parser.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="score a labeled JSONL file of the corpus format instead (e.g. fresh captions "
        "kept out of tuning); its ids must start with the --split name",
    )
    parser.add_argument(
        "--write-thresholds",
        type=Path,
        metavar="PATH",
        help="write caplint's test-split leak and false-alarm rates to PATH (JSON)",
    )
    args = parser.parse_args(argv)

    if args.write_thresholds:
        if args.split != "test" or args.file:
            parser.error("--write-thresholds records the test split; drop --split or use test")
        if "caplint" not in args.tools:
            parser.error("--write-thresholds needs caplint in --tools")
    tools = load_tools(args.tools)
    if not tools:
        print("no tool to run", file=sys.stderr)
        return 2
    if args.write_thresholds and "caplint" not in tools:
        print("--write-thresholds needs caplint, which is not importable", file=sys.stderr)
        return 2

    records = load_split(args.split, args.file)
    texts = [r["text"] for r in records]
    corpus_scores = {name: score_corpus(records, run(texts)) for name, run in tools.items()}
    report: dict = {
        "split": args.split,
        "captions": len(records),
        "corpus": {name: s.as_dict() for name, s in corpus_scores.items()},
    }
    asq_scores: dict[str, AsqScore] = {}
    if args.asq:
        queries = load_asq()
        qtexts = [q.text for q in queries]
        asq_scores = {name: score_asq(queries, run(qtexts)) for name, run in tools.items()}
        report["asq_phi"] = {name: s.as_dict() for name, s in asq_scores.items()}

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_corpus_table(args.split, records, corpus_scores))
        if asq_scores:
            print()
            print(format_asq_table(asq_scores))
        if args.misses:
            print(format_misses(corpus_scores))

    if args.write_thresholds:
        s = corpus_scores["caplint"]
        thresholds = {
            "leak_rate": ceil4(s.leak_rate),
            "false_alarm_rate": ceil4(s.false_alarm_rate),
        }
        args.write_thresholds.write_text(json.dumps(thresholds, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write_thresholds}: {thresholds}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
