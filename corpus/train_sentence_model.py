"""Train caplint's learned sentence model on the development split.

Usage::

    python corpus/train_sentence_model.py            # writes rules/models/sentences.json
    python corpus/train_sentence_model.py --check    # exit 1 if the shipped model is stale
    python corpus/train_sentence_model.py --corpus a.jsonl --out /tmp/model.json

Each sentence of each caption (as caplint's pipeline splits it) is one example; its labels are
the categories of the labeled spans it overlaps.  Only ``dev`` is used: the test split stays
held out (corpus/README.md, "Splits").  Training is deterministic (no random state), so the same
corpus gives the same weights; ``--check`` retrains and compares with the shipped file, and
``tests/test_sentence_model.py`` runs that check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
ROOT = CORPUS_DIR.parent
DEFAULT_CORPUS = CORPUS_DIR / "dev.jsonl"
DEFAULT_OUT = ROOT / "rules" / "models" / "sentences.json"
#: the categories the model scores; names, places, identifiers and demographics are words a rule
#: or NER finds (models for them caught nothing more on fresh batches I and J); an age model
#: read "C3", "L4-5" and "5 Fr" as ages
CATEGORIES = ("HISTORY", "OUTCOME", "HIGH_PROFILE", "DATE")
#: weights (thousandths) of two models trained on different machines may differ in the last bits
TOLERANCE = 2

sys.path.insert(0, str(CORPUS_DIR))
from check_corpus import spans  # noqa: E402


def examples(
    records: Sequence[dict], rules: Sequence = ()
) -> list[tuple[set[str], set[str], frozenset[str] | None]]:
    """``(features, categories, labeled)`` for every sentence of every caption (labeled for all
    categories), then for every example sentence of the rules of the model's categories: a
    ``fail`` example is that category, a ``pass`` example is not (the policy's own boundary
    cases: "CT was performed after contrast" is no outcome), and neither says anything about
    the other categories."""
    from caplint import Linter
    from caplint.normalize import normalize
    from caplint.sentencemodel import features

    nlp = Linter().nlp
    views = [normalize(record["text"]) for record in records]
    found: list[tuple[set[str], set[str], frozenset[str] | None]] = []
    for record, view, doc in zip(records, views, nlp.pipe([v.text for v in views]), strict=True):
        labeled = spans(record)
        for sentence in doc.sents:
            start, end = view.span(sentence.start_char, sentence.end_char)
            categories = {s.category for s in labeled if s.start < end and start < s.end}
            found.append((features(list(sentence)), categories & set(CATEGORIES), None))
    taught = [
        (rule.category, text, failing)
        for rule in rules
        if rule.category in CATEGORIES
        for failing, texts in ((True, rule.examples_fail), (False, rule.examples_pass))
        for text in texts
    ]
    docs = nlp.pipe([normalize(text).text for _, text, _ in taught])
    for (category, _, failing), doc in zip(taught, docs, strict=True):
        for sentence in doc.sents:
            found.append(
                (features(list(sentence)), {category} if failing else set(), frozenset({category}))
            )
    return found


def build(corpus: Path) -> str:
    """The model trained on ``corpus`` and the bundled rules' examples, as the shipped JSON."""
    from caplint.rules import load_rules
    from caplint.sentencemodel import train

    data = corpus.read_bytes()
    records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    rules = sorted(load_rules().rules, key=lambda rule: rule.code)
    pairs = examples(records, rules)
    model = train(
        pairs,
        CATEGORIES,
        trained_on={
            "corpus": corpus.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "captions": len(records),
            "rule_examples": sum(
                len(r.examples_fail) + len(r.examples_pass)
                for r in rules
                if r.category in CATEGORIES
            ),
            "sentences": len(pairs),
        },
    )
    return model.to_json()


def same_model(a: dict, b: dict) -> bool:
    """Equal up to :data:`TOLERANCE` (in thousandths) in each weight."""
    header = {"features", "weights"}
    if {k: v for k, v in a.items() if k not in header} != {
        k: v for k, v in b.items() if k not in header
    }:
        return False
    width = len(a["categories"])

    def rows(model: dict) -> dict[str, list[int]]:
        weights = model["weights"]
        return {f: weights[i * width : (i + 1) * width] for i, f in enumerate(model["features"])}

    wa, wb = rows(a), rows(b)
    zero = [0] * width
    return all(
        abs(x - y) <= TOLERANCE
        for key in set(wa) | set(wb)
        for x, y in zip(wa.get(key, zero), wb.get(key, zero), strict=True)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="retrain and compare with --out; write nothing"
    )
    args = parser.parse_args(argv)
    text = build(args.corpus)
    if args.check:
        if not args.out.is_file() or not same_model(
            json.loads(args.out.read_text(encoding="utf-8")), json.loads(text)
        ):
            print(
                f"{args.out} is stale: run python corpus/train_sentence_model.py", file=sys.stderr
            )
            return 1
        print(f"{args.out} matches a fresh training on {args.corpus.name}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, args.out)  # a failed run leaves the shipped model as it was
    print(f"wrote {args.out} ({len(json.loads(text)['features'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
