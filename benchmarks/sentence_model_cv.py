"""Leave-one-batch-out cross-validation of the learned sentence model on the dev split.

Usage::

    python benchmarks/sentence_model_cv.py                       # tables (~5 min on 2 cores)
    python benchmarks/sentence_model_cv.py --per-category        # ... plus one sweep per category
    python benchmarks/sentence_model_cv.py --thresholds 0.3,0.5  # other thresholds
    python benchmarks/sentence_model_cv.py --json                # the same numbers as JSON
    python benchmarks/sentence_model_cv.py --verify              # also check the reconstruction

Why: the thresholds (``min_score`` in ``rules/sentences.yaml``) and the features of the model were
chosen looking at fresh batches that are training data now, and the test split must not be used
to choose them.  This script gives every dev caption an *out-of-fold* score: the dev captions are
grouped by the batch they were written in (:data:`GROUPS`, from corpus/README.md "Fresh batches"),
and for each group the model is trained exactly as ``corpus/train_sentence_model.py`` trains the
shipped one (its functions, the other groups' captions plus every rule example of the model's
categories) and scores the held-out group's sentences.  A batch is a set of captions written
together by one writer with one focus, so holding out a whole batch measures what the shipped
model does on phrasings it has not seen, which is what fresh batches measured before tuning.

How a caption is scored: caplint runs once per caption with the learned rules ignored (the
*rules alone* findings, kept in memory and reused for every fold and threshold; nothing is
written to disk).  For *rules + model*, each sentence whose out-of-fold score for a category
reaches that category's threshold adds a warning of that category over the sentence, exactly as
the learned rules would (same sentence split and span; a DATE sentence finding is dropped when a
rule's DATE finding overlaps it, as ``findings.resolve_overlaps`` does; caption-level checks never
count learned findings, so the rules' findings do not change).  ``--verify`` checks that
reconstruction against a full caplint run with the shipped model.  The metrics are
``benchmarks/accuracy.py``'s, pooled over all held-out captions:

- *leak rate*: violating captions with a labeled span no finding overlaps (caption-level
  findings catch nothing) / violating captions;
- *flagged clean*: clean captions with any finding, warnings included / clean captions;
- *recall* of a category: its labeled spans overlapped by a finding of that category.

A threshold in ``--thresholds`` is applied to all four categories at once; ``--per-category``
varies one category's threshold with the others at their shipped values and shows that
category's recall and *extra flagged clean* (clean captions that only that category's sentence
findings flag).  The last table is the leak per group at the shipped thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "corpus"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_sentence_model as training  # noqa: E402
from accuracy import load_split, overlaps, score_corpus  # noqa: E402

CATEGORIES = training.CATEGORIES
DEFAULT_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)

#: The cross-validation groups: the dev batches by id range (``dev-NNNN``, inclusive ranges).
#: "dev" is the original dev split (sessions 1-2, dev-0001..0255); A-AH are the fresh batches of
#: corpus/README.md's "Fresh batches" table (a group with no caption yet is reported as empty).
#: Add a row here when a batch is added to the README; a dev id in no range is put in a group
#: "other" with a warning.
GROUPS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("dev", ((1, 255),)),
    ("A", ((1001, 1150),)),
    ("B", ((2001, 2150),)),
    ("C", ((3001, 3150),)),
    ("D", ((4001, 4150),)),
    ("E", ((5001, 5150),)),
    ("F", ((6001, 6150),)),
    ("G", ((7001, 7150),)),
    ("H", ((8001, 8150),)),
    ("I", ((9001, 9150),)),
    ("J", ((9501, 9650),)),
    ("K", ((9201, 9350),)),
    ("L", ((9701, 9850),)),
    ("M", ((9400, 9450), (9901, 9999))),
    ("N", ((501, 650),)),
    ("O", ((651, 800),)),
    ("P", ((801, 950),)),
    ("Q", ((256, 405),)),
    ("R", ((406, 500), (951, 999), (9151, 9156))),
    ("S", ((9451, 9500), (9651, 9700), (9851, 9900))),
    ("T", ((9157, 9200), (9351, 9399))),
    ("U", ((1151, 1300),)),
    ("V", ((2151, 2300),)),
    ("W", ((3151, 3300),)),
    ("X", ((4151, 4300),)),
    ("Y", ((5151, 5300),)),
    ("Z", ((6151, 6300),)),
    ("AA", ((7151, 7300),)),
    ("AB", ((8151, 8300),)),
    ("AC", ((1301, 1450),)),
    ("AD", ((2301, 2450),)),
    ("AE", ((3301, 3450),)),
    ("AF", ((4301, 4450),)),
    ("AG", ((5301, 5450),)),
    ("AH", ((6301, 6450),)),
    ("AI", ((7301, 7450),)),
    ("AJ", ((8301, 8450),)),
    ("AK", ((1451, 1600),)),
    ("AL", ((1601, 1750),)),
    ("AM", ((1751, 1900),)),
    ("AN", ((2451, 2600),)),
    ("AO", ((2601, 2750),)),
    ("AP", ((2751, 2900),)),
    ("AQ", ((3451, 3600),)),
    ("AR", ((3601, 3750),)),
    ("AS", ((3751, 3900),)),
    ("AT", ((4451, 4600),)),
    ("AU", ((4601, 4750),)),
    ("AV", ((4751, 4900),)),
)
OTHER = "other"


def group_of(
    record_id: str, groups: Sequence[tuple[str, Sequence[tuple[int, int]]]] = GROUPS
) -> str:
    """The group of a dev id (``OTHER`` when no range holds it)."""
    number = int(record_id.rsplit("-", 1)[1])
    for name, ranges in groups:
        if any(low <= number <= high for low, high in ranges):
            return name
    return OTHER


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Hit:
    """A finding as the scoring reads it (``accuracy.FindingLike``)."""

    category: str
    severity: str
    start: int
    end: int
    source: str


@dataclass
class Prepared:
    """Everything computed once: per caption, the rules' findings and its sentences."""

    records: list[dict]
    groups: list[str]
    #: per caption, the findings of caplint with the learned rules ignored
    rule_hits: list[list[Hit]]
    #: per caption, its sentences (training's ``caption_sentences``)
    sentences: list[list[training.Sentence]]
    #: the rule examples the model is trained on (the same for every fold)
    rule_pairs: list[training.Example]
    #: the learned rules: category -> (code, shipped min_score)
    learned: dict[str, tuple[str, float]]
    #: per sentence (all captions, in order): its caption, the span a sentence finding has in
    #: the original caption (None: no words, never flagged), whether the allow lists would drop
    #: a sentence finding of each category (sentences x CATEGORIES), its feature ids
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spans: list[tuple[int, int] | None] = field(default_factory=list)
    allowed: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CATEGORIES)), bool))
    feature_ids: list[np.ndarray] = field(default_factory=list)
    vocabulary: dict[str, int] = field(default_factory=dict)

    @property
    def shipped(self) -> dict[str, float]:
        """The shipped threshold of each category."""
        return {category: self.learned[category][1] for category in CATEGORIES}


def learned_rules(rules: Sequence) -> dict[str, tuple[str, float]]:
    """category -> (code, min_score) of the sentence-model rules (rules/sentences.yaml)."""
    found = {}
    for rule in rules:
        if rule.detect.detector == "sentence_model":
            if rule.category in found:
                raise SystemExit(f"two sentence-model rules for {rule.category}")
            found[rule.category] = (rule.code, float(rule.detect.min_score))
    missing = set(CATEGORIES) - set(found)
    if missing:
        raise SystemExit(f"no sentence-model rule for {', '.join(sorted(missing))}")
    return found


def prepare(records: Sequence[dict], groups: Sequence[str] | None = None) -> Prepared:
    """Lint every caption once with the rules alone and split it into sentences (one spaCy
    pass each), and parse the rule examples."""
    from caplint import Config, Linter
    from caplint.normalize import normalize

    rules = training.training_rules()
    learned = learned_rules(rules)
    linter = Linter(Config(ignore=tuple(code for code, _ in learned.values())))
    texts = [r["text"] for r in records]
    rule_hits = [
        [Hit(f.category, f.severity, f.start, f.end, f.source) for f in found]
        for found in linter.lint_many(texts)
    ]
    nlp = linter.nlp
    sentences = training.caption_sentences(records, nlp)
    prepared = Prepared(
        records=list(records),
        groups=list(groups) if groups is not None else [group_of(r["id"]) for r in records],
        rule_hits=rule_hits,
        sentences=sentences,
        rule_pairs=training.rule_examples(rules, nlp),
        learned=learned,
    )
    vocabulary: dict[str, int] = {}
    owners, ids, original, allowed = [], [], [], []
    engine = linter._engine  # its allow lists are the full rule set's (ignore drops rules only)
    for number, (record, caption) in enumerate(zip(records, sentences, strict=True)):
        view = normalize(record["text"])
        for found, _, span in caption:
            owners.append(number)
            original.append(view.span(*span) if span is not None else None)
            allowed.append(_allowed(engine, view.text, span))
            ids.append(
                np.array(
                    sorted(vocabulary.setdefault(f, len(vocabulary)) for f in found),
                    dtype=np.int64,
                )
            )
    prepared.owner = np.array(owners, dtype=np.int64)
    prepared.spans = original
    prepared.allowed = np.array(allowed, dtype=bool).reshape(-1, len(CATEGORIES))
    prepared.feature_ids = ids
    prepared.vocabulary = vocabulary
    return prepared


def _allowed(engine: Any, text: str, span: tuple[int, int] | None) -> list[bool]:
    # Engine.filter_allowed on a learned finding over the sentence, per category: dropped when
    # an allow match of its category overlaps it and no capitalized word is left outside them
    if span is None:
        return [False] * len(CATEGORIES)
    allowed = engine.allowed_spans(text, set(CATEGORIES))
    return [
        engine.is_allowed(Hit(c, "warning", *span, "model"), text, allowed.get(c, []))
        for c in CATEGORIES
    ]


# --------------------------------------------------------------------------- folds


def score_sentences(model: Any, prepared: Prepared, which: np.ndarray) -> np.ndarray:
    """The model's probabilities (sentences x CATEGORIES) for the sentences ``which``, as the
    shipped model would give them: weights stored in thousandths, read as float32, summed in
    float64 (``sentencemodel.load_model`` and ``SentenceModel.scores``)."""
    columns = [model.categories.index(c) for c in CATEGORIES]
    stored = np.round(np.asarray(model.matrix, dtype=np.float64)[:, columns] * 1000)
    weights = np.vstack(
        [stored.astype(np.int64).astype(np.float32) / 1000, np.zeros((1, len(CATEGORIES)))]
    ).astype(np.float32)
    missing = weights.shape[0] - 1
    row_of = np.full(len(prepared.vocabulary), missing, dtype=np.int64)
    for feature, row in model.index.items():
        number = prepared.vocabulary.get(feature)
        if number is not None:
            row_of[number] = row
    result = np.zeros((len(which), len(CATEGORIES)))
    if not len(which):
        return result
    chosen = [prepared.feature_ids[i] for i in which]
    lengths = np.array([len(c) for c in chosen])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    gathered = weights[row_of[np.concatenate(chosen)]].astype(np.float64)
    totals = np.add.reduceat(gathered, starts, axis=0)
    return 1.0 / (1.0 + np.exp(-totals))


def out_of_fold(prepared: Prepared, log: Any = None) -> tuple[np.ndarray, list[dict]]:
    """Every sentence's scores by the model trained without its caption's group, and one row
    per group (captions, sentences, seconds)."""
    scores = np.full((len(prepared.owner), len(CATEGORIES)), np.nan)
    sentence_group = np.array([prepared.groups[i] for i in prepared.owner], dtype=object)
    folds = []
    for name in _group_order(prepared.groups):
        began = time.perf_counter()
        train_captions = [
            caption
            for caption, group in zip(prepared.sentences, prepared.groups, strict=True)
            if group != name
        ]
        model = training.fit(training.sentence_examples(train_captions) + prepared.rule_pairs)
        which = np.flatnonzero(sentence_group == name)
        scores[which] = score_sentences(model, prepared, which)
        seconds = time.perf_counter() - began
        folds.append(
            {
                "group": name,
                "captions": prepared.groups.count(name),
                "sentences": len(which),
                "seconds": round(seconds, 1),
            }
        )
        if log is not None:
            print(
                f"  fold {name:<5} {prepared.groups.count(name):>4} captions held out, "
                f"{seconds:5.1f} s",
                file=log,
                flush=True,
            )
    return scores, folds


def _group_order(groups: Sequence[str]) -> list[str]:
    present = set(groups)
    order = [name for name, _ in GROUPS if name in present]
    return order + sorted(present - set(order))


# --------------------------------------------------------------------------- evaluation


def model_hits(
    prepared: Prepared, scores: np.ndarray, thresholds: Mapping[str, float]
) -> list[list[Hit]]:
    """Per caption, the learned rules' findings at ``thresholds`` (category -> min_score)."""
    found: list[list[Hit]] = [[] for _ in prepared.records]
    limits = np.array([thresholds[c] for c in CATEGORIES])
    flagged = (scores >= limits) & ~prepared.allowed
    for row, column in zip(*np.nonzero(flagged), strict=True):
        span = prepared.spans[row]
        if span is not None:
            found[prepared.owner[row]].append(Hit(CATEGORIES[column], "warning", *span, "model"))
    return found


def combine(rule_hits: Sequence[Hit], learned: Sequence[Hit]) -> list[Hit]:
    """The rules' findings plus the learned ones that ``resolve_overlaps`` keeps: a narrative
    sentence finding always, an identifier one (DATE) unless a rule finding of its category
    overlaps it."""
    kept = [h for h in rule_hits if h.source != "caption"]
    return list(rule_hits) + [
        h
        for h in learned
        if h.category != "DATE"
        or not any(
            k.category == h.category and overlaps(k.start, k.end, h.start, h.end) for k in kept
        )
    ]


def evaluate(
    prepared: Prepared,
    scores: np.ndarray,
    thresholds: Mapping[str, float],
    subset: Sequence[int] | None = None,
) -> dict:
    """Rules alone and rules + model at ``thresholds``, on the captions ``subset`` (all)."""
    subset = range(len(prepared.records)) if subset is None else subset
    learned = model_hits(prepared, scores, thresholds)
    records = [prepared.records[i] for i in subset]
    alone = score_corpus(records, [prepared.rule_hits[i] for i in subset])
    both = score_corpus(records, [combine(prepared.rule_hits[i], learned[i]) for i in subset])
    return {
        "thresholds": dict(thresholds),
        "violating": alone.violating,
        "clean": alone.clean,
        "leaked": {"rules": alone.leaked, "rules+model": both.leaked},
        "leak_rate": {"rules": _r(alone.leak_rate), "rules+model": _r(both.leak_rate)},
        "flagged_clean": {"rules": alone.flagged_clean, "rules+model": both.flagged_clean},
        "flagged_clean_rate": {
            "rules": _r(alone.flagged_clean_rate),
            "rules+model": _r(both.flagged_clean_rate),
        },
        "false_alarm_rate": _r(both.false_alarm_rate),  # warnings: the same with or without
        "recall": {
            c: {
                "spans": alone.spans[c],
                "rules": _r(alone.recall(c)),
                "rules+model": _r(both.recall(c)),
            }
            for c in CATEGORIES
        },
        "extra_flagged_clean": {
            c: _extra_flagged(prepared, learned, subset, c) for c in CATEGORIES
        },
    }


def _extra_flagged(
    prepared: Prepared, learned: Sequence[Sequence[Hit]], subset: Sequence[int], category: str
) -> int:
    """Clean captions that nothing but ``category``'s sentence findings flags."""
    return sum(
        1
        for i in subset
        if not prepared.records[i]["expect"]
        and not prepared.rule_hits[i]
        and learned[i]
        and all(h.category == category for h in learned[i])
    )


def _r(x: float) -> float:
    return round(x, 4)


def cross_validate(
    prepared: Prepared,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    per_category: bool = False,
    log: Any = None,
) -> dict:
    """The whole report: folds, pooled metrics per threshold, optional per-category sweeps,
    and the per-group leak at the shipped thresholds."""
    scores, folds = out_of_fold(prepared, log)
    shipped = prepared.shipped
    report: dict = {
        "captions": len(prepared.records),
        "sentences": len(prepared.owner),
        "rule_examples": len(prepared.rule_pairs),
        "folds": folds,
        "shipped_thresholds": shipped,
        "shipped": evaluate(prepared, scores, shipped),
        "thresholds": [
            evaluate(prepared, scores, dict.fromkeys(CATEGORIES, t)) for t in thresholds
        ],
    }
    if per_category:
        report["per_category"] = {
            c: [evaluate(prepared, scores, {**shipped, c: t}) for t in thresholds]
            for c in CATEGORIES
        }
    names = _group_order(prepared.groups)
    empty = [name for name, _ in GROUPS if name not in names]
    report["groups"] = []
    for name in names:
        subset = [i for i, g in enumerate(prepared.groups) if g == name]
        result = evaluate(prepared, scores, shipped, subset)
        report["groups"].append(
            {
                "group": name,
                "captions": len(subset),
                "violating": result["violating"],
                "leaked": result["leaked"],
                "leak_rate": result["leak_rate"],
                "flagged_clean": result["flagged_clean"],
                "clean": result["clean"],
            }
        )
    report["empty_groups"] = empty
    return report


# --------------------------------------------------------------------------- verify


def verify(prepared: Prepared) -> list[str]:
    """Ids of the captions where rules alone + the shipped model's sentence findings (as this
    script builds them) differ from a full caplint run (which uses the shipped model)."""
    from caplint import Linter
    from caplint.rules import load_rules
    from caplint.sentencemodel import load_model

    path = next(r.model_path for r in load_rules().rules if r.detect.detector == "sentence_model")
    model = load_model(path)
    scores = score_sentences(model, prepared, np.arange(len(prepared.owner)))
    learned = model_hits(prepared, scores, prepared.shipped)
    full = Linter().lint_many([r["text"] for r in prepared.records])
    differ = []
    for record, rules, mine, theirs in zip(
        prepared.records, prepared.rule_hits, learned, full, strict=True
    ):
        ours = sorted((h.category, h.start, h.end, h.source) for h in combine(rules, mine))
        real = sorted((f.category, f.start, f.end, f.source) for f in theirs)
        if ours != real:
            differ.append(record["id"])
    return differ


# --------------------------------------------------------------------------- output


def format_report(report: dict, per_category: bool) -> str:
    """The tables."""
    cats = {"HISTORY": "HIST", "OUTCOME": "OUT", "HIGH_PROFILE": "HIGH", "DATE": "DATE"}
    first = report["shipped"]
    lines = [
        f"{report['captions']} dev captions ({first['violating']} violating, {first['clean']} "
        f"clean), {report['sentences']} sentences, {report['rule_examples']} rule-example "
        f"sentences; {len(report['folds'])} folds (leave one batch out)",
        "",
        "pooled out-of-fold; a threshold applies to all four categories; recall rules -> "
        "rules+model",
    ]
    head = f"{'threshold':<22}{'leak rules':>17}{'leak +model':>17}{'flagged clean':>20}" + "".join(
        f"{'R ' + cats[c]:>13}" for c in CATEGORIES
    )
    lines += [head, "-" * len(head)]
    shipped = ",".join(f"{cats[c]} {report['shipped_thresholds'][c]:g}" for c in CATEGORIES)
    rows = [(f"{t['thresholds'][CATEGORIES[0]]:g}", t) for t in report["thresholds"]]
    rows.append(("shipped", first))
    for label, row in rows:
        lines.append(_row(label, row, width=22))
    lines.append(
        f"{'rules alone':<22}{_frac(first['leaked']['rules'], first['violating']):>17}{'-':>17}"
        f"{_frac(first['flagged_clean']['rules'], first['clean']):>20}"
        + "".join(f"{first['recall'][c]['rules']:>13.3f}" for c in CATEGORIES)
    )
    lines.append(f"(shipped: {shipped.replace(',', ', ')})")
    if per_category and "per_category" in report:
        lines += ["", "one category's threshold varied, the others at their shipped values"]
        head = (
            f"{'category':<14}{'threshold':>10}{'recall':>10}{'extra flagged clean':>22}"
            f"{'leak +model':>17}{'flagged clean':>20}"
        )
        lines += [head, "-" * len(head)]
        for c, rows_c in report["per_category"].items():
            for row in rows_c:
                lines.append(
                    f"{c:<14}{row['thresholds'][c]:>10g}{row['recall'][c]['rules+model']:>10.3f}"
                    f"{_frac(row['extra_flagged_clean'][c], row['clean']):>22}"
                    f"{_frac(row['leaked']['rules+model'], row['violating']):>17}"
                    f"{_frac(row['flagged_clean']['rules+model'], row['clean']):>20}"
                )
            lines.append(f"{'':<14}{'rules':>10}{row['recall'][c]['rules']:>10.3f}")
    lines += ["", "per group, shipped thresholds"]
    head = (
        f"{'group':<8}{'captions':>9}{'leak rules':>17}{'leak +model':>17}"
        f"{'flagged clean':>20}{'+model':>12}"
    )
    lines += [head, "-" * len(head)]
    for g in report["groups"]:
        lines.append(
            f"{g['group']:<8}{g['captions']:>9}"
            f"{_frac(g['leaked']['rules'], g['violating']):>17}"
            f"{_frac(g['leaked']['rules+model'], g['violating']):>17}"
            f"{_frac(g['flagged_clean']['rules'], g['clean']):>20}"
            f"{_frac(g['flagged_clean']['rules+model'], g['clean'], short=True):>12}"
        )
    if report["empty_groups"]:
        lines.append(f"(no captions yet in group {', '.join(report['empty_groups'])})")
    return "\n".join(lines)


def _row(label: str, row: dict, width: int) -> str:
    v, c = row["violating"], row["clean"]
    return (
        f"{label:<{width}}"
        f"{_frac(row['leaked']['rules'], v):>17}"
        f"{_frac(row['leaked']['rules+model'], v):>17}"
        f"{_frac(row['flagged_clean']['rules+model'], c):>20}"
        + "".join(f"{row['recall'][k]['rules+model']:>13.3f}" for k in CATEGORIES)
    )


def _frac(num: int, den: int, short: bool = False) -> str:
    rate = num / den if den else 0.0
    return f"{rate:.3f}" if short else f"{rate:.3f} ({num}/{den})"


def machine() -> dict:
    """Where and on what the numbers were made."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "commit": commit or "unknown",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def parse_thresholds(value: str) -> tuple[float, ...]:
    """``"0.3,0.4"`` -> (0.3, 0.4)."""
    try:
        found = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {value!r}"
        ) from None
    if not found:
        raise argparse.ArgumentTypeError("no threshold given")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--thresholds",
        type=parse_thresholds,
        default=DEFAULT_THRESHOLDS,
        help="comma-separated thresholds, each applied to all four categories "
        f"(default {','.join(f'{t:g}' for t in DEFAULT_THRESHOLDS)})",
    )
    parser.add_argument(
        "--per-category",
        action="store_true",
        help="also vary each category's threshold alone, the others at their shipped values",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check the rules + shipped model reconstruction against a full caplint run",
    )
    args = parser.parse_args(argv)

    began = time.perf_counter()
    path = ROOT / "corpus" / "dev.jsonl"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    records = load_split("dev", path)
    others = sorted({r["id"] for r in records if group_of(r["id"]) == OTHER})
    if others:
        print(
            f"warning: {len(others)} dev ids in no group of GROUPS (e.g. {others[0]}): "
            f"held out together as {OTHER!r}; add their batch to GROUPS",
            file=sys.stderr,
        )
    log = None if args.json else sys.stderr
    if log:
        print(f"linting and parsing {len(records)} captions ...", file=log, flush=True)
    prepared = prepare(records)
    prepared_at = time.perf_counter()
    report = cross_validate(prepared, args.thresholds, args.per_category, log)
    if args.verify:
        differ = verify(prepared)
        report["verify"] = {"captions_differing": len(differ), "ids": differ}
    report["corpus_sha256"] = digest
    report["machine"] = machine()
    report["seconds"] = {
        "lint_and_parse": round(prepared_at - began, 1),
        "total": round(time.perf_counter() - began, 1),
    }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(format_report(report, args.per_category))
    if args.verify:
        v = report["verify"]
        print(
            f"\nverify: {v['captions_differing']} of {len(records)} captions differ from a full "
            "caplint run with the shipped model"
            + (f": {', '.join(v['ids'][:10])}" if v["ids"] else "")
        )
    m, s = report["machine"], report["seconds"]
    print(
        f"\n{m['commit']}, dev.jsonl sha256 {digest[:12]}, Python {m['python']}, numpy "
        f"{m['numpy']}, {m['machine']}, {m['cpus']} CPUs; {s['total']:.0f} s "
        f"(lint and parse {s['lint_and_parse']:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
