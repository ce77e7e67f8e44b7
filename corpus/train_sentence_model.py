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
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent
ROOT = CORPUS_DIR.parent
DEFAULT_CORPUS = CORPUS_DIR / "dev.jsonl"
DEFAULT_OUT = ROOT / "rules" / "models" / "sentences.json"
#: the categories the model scores; names, places, identifiers and demographics are words a rule
#: or NER finds (models for them caught nothing more on fresh batches I and J); an age model
#: read "C3", "L4-5" and "5 Fr" as ages
CATEGORIES = ("HISTORY", "OUTCOME", "HIGH_PROFILE", "DATE")
#: a rule example counts this many corpus sentences, so that the policy's boundary cases hold
#: ("She previously underwent appendectomy" is history, not an outcome).  Leave-one-batch-out CV
#: on 2,955 dev captions (benchmarks/sentence_model_cv.py, shipped thresholds): weight 1 leaked
#: 205/1769 with 197/1186 clean captions flagged, weight 5 201/1769 with 201/1186, and it let
#: HIST015/OUT010 go down to 0.3 without flagging their pass examples (182/1769, 206/1186)
RULE_WEIGHT = 5.0
#: weights under this (in every category) are dropped: at 0.1 instead of 0.02 the model has 22,816
#: features instead of 49,365 (half the memory and load time) and leave-one-batch-out CV on 4,398
#: dev captions is unchanged: 220 instead of 224 of 2,636 leaked, 405 instead of 396 of 1,762
#: clean captions flagged
PRUNE = 0.1
#: weights (thousandths) of two models trained on different machines may differ in the last bits
TOLERANCE = 2

sys.path.insert(0, str(CORPUS_DIR))
from check_corpus import spans  # noqa: E402

#: one training example: (features, positive categories, labeled categories or None for all)
Example = tuple[set[str], set[str], frozenset[str] | None]
#: one sentence of a caption: (features, categories of the labeled spans it overlaps, the span the
#: sentence rules flag in the caption's normalized view, or None for a sentence without words)
Sentence = tuple[set[str], set[str], tuple[int, int] | None]


def pipeline() -> Any:
    """The spaCy pipeline caplint lints with (loaded once per call: pass it around)."""
    from caplint import Linter

    return Linter().nlp


def training_rules() -> list:
    """The bundled rules, in the order training reads their examples."""
    from caplint.rules import load_rules

    return sorted(load_rules().rules, key=lambda rule: rule.code)


def caption_sentences(records: Sequence[dict], nlp: Any = None) -> list[list[Sentence]]:
    """Per caption, its sentences as caplint's pipeline splits them (the normalized view, as
    the sentence rules read it): their features, the model's categories among the labeled spans
    each overlaps, and the span the sentence rules would flag (``scored_sentences``' span, trimmed
    like an engine match, in the offsets of ``normalize(record["text"]).text``)."""
    from caplint.normalize import normalize
    from caplint.sentencemodel import _trimmed, features

    nlp = nlp if nlp is not None else pipeline()
    views = [normalize(record["text"]) for record in records]
    result: list[list[Sentence]] = []
    for record, view, doc in zip(records, views, nlp.pipe([v.text for v in views]), strict=True):
        labeled = spans(record)
        sentences: list[Sentence] = []
        for sentence in doc.sents:
            start, end = view.span(sentence.start_char, sentence.end_char)
            categories = {s.category for s in labeled if s.start < end and start < s.end}
            tokens = list(sentence)
            sentences.append(
                (
                    features(tokens),
                    categories & set(CATEGORIES),
                    _flagged(view.text, _trimmed(tokens)),
                )
            )
        result.append(sentences)
    return result


def _flagged(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    # what the engine makes of a detector's span (Engine.candidates: edge spaces and punctuation
    # dropped)
    if span is None:
        return None
    start, end = span
    while end > start and text[end - 1] in " \t\n.,;:":
        end -= 1
    while start < end and text[start] in " \t\n,;:":
        start += 1
    return (start, end) if end > start else None


def rule_examples(rules: Sequence = (), nlp: Any = None) -> list[Example]:
    """Every example sentence of the rules of the model's categories: a ``fail`` example is that
    category, a ``pass`` example is not (the policy's own boundary cases: "CT was performed
    after contrast" is no outcome), and neither says anything about the other categories."""
    from caplint.normalize import normalize
    from caplint.sentencemodel import features

    taught = [
        (rule.category, text, failing)
        for rule in rules
        if rule.category in CATEGORIES
        for failing, texts in ((True, rule.examples_fail), (False, rule.examples_pass))
        for text in texts
    ]
    if not taught:
        return []
    nlp = nlp if nlp is not None else pipeline()
    found: list[Example] = []
    docs = nlp.pipe([normalize(text).text for _, text, _ in taught])
    for (category, _, failing), doc in zip(taught, docs, strict=True):
        for sentence in doc.sents:
            found.append(
                (features(list(sentence)), {category} if failing else set(), frozenset({category}))
            )
    return found


def examples(records: Sequence[dict], rules: Sequence = (), nlp: Any = None) -> list[Example]:
    """``(features, categories, labeled)`` for every sentence of every caption (labeled for all
    categories, see :func:`caption_sentences`), then for every example sentence of the rules of
    the model's categories (:func:`rule_examples`)."""
    nlp = nlp if nlp is not None else pipeline()
    return sentence_examples(caption_sentences(records, nlp)) + rule_examples(rules, nlp)


def sentence_examples(captions: Sequence[Sequence[Sentence]]) -> list[Example]:
    """The training examples of captions' sentences (labeled for every category)."""
    return [
        (found, categories, None) for sentences in captions for found, categories, _ in sentences
    ]


def rule_example_count(rules: Sequence) -> int:
    """How many example texts the rules of the model's categories give (``trained_on``)."""
    return sum(
        len(r.examples_fail) + len(r.examples_pass) for r in rules if r.category in CATEGORIES
    )


def fit(pairs: Sequence[Example], trained_on: dict | None = None) -> Any:
    """The model (:class:`caplint.sentencemodel.SentenceModel`) trained on ``pairs``."""
    from caplint.sentencemodel import train

    return train(
        pairs, CATEGORIES, rule_weight=RULE_WEIGHT, prune=PRUNE, trained_on=trained_on
    )


def build(corpus: Path) -> str:
    """The model trained on ``corpus`` and the bundled rules' examples, as the shipped JSON."""
    data = corpus.read_bytes()
    records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    rules = training_rules()
    pairs = examples(records, rules)
    model = fit(
        pairs,
        trained_on={
            "corpus": corpus.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "captions": len(records),
            "rule_examples": rule_example_count(rules),
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
