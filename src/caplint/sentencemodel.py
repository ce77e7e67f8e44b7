"""The learned sentence model: which sentences of a caption tell about the patient.

Hand-written rules catch the forms of an identifier (an age, a date, an MRN) well, but the story
of a case (what happened before, what was done, how it ended) comes in endless phrasings: fresh
captions written by people who never saw the rules leaked 37-66% of the time on rules alone.
This model reads each sentence of the caption and scores, per policy category, how likely it
carries that kind of patient detail, from the words, the tense and the parse of the sentence
(never from a list of events).  It is a logistic regression per category over sparse features,
trained on the development split of the labeled corpus (``corpus/train_sentence_model.py``);
the weights are data, shipped in ``rules/models/`` beside the rules that use them.

Detection reads the caption's spaCy Doc; nothing is downloaded, nothing is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .detectors import Context, detector

if TYPE_CHECKING:
    from .rules import Rule

FORMAT = "caplint-sentence-model/1"
#: weights are stored as integers in thousandths (integers parse ~2x faster than floats: the
#: model loads in ~30 ms of the first caption's time)
SCALE = 1000

#: words that turn a number into a duration or an age ("3 days", "2 wks")
_UNITS = frozenset(
    {
        "day",
        "days",
        "d",
        "week",
        "weeks",
        "wk",
        "wks",
        "month",
        "months",
        "mo",
        "mos",
        "year",
        "years",
        "yr",
        "yrs",
        "y",
        "hour",
        "hours",
        "hr",
        "hrs",
        "h",
        "minute",
        "minutes",
        "min",
        "night",
        "nights",
    }
)
_DIGIT = re.compile(r"\d")
_VERB_TAGS = frozenset({"VBD", "VBN", "VBZ", "VBP", "VBG", "MD"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})


def _word(token: Any) -> str:
    """The token as the model sees it: its lemma, with numbers and proper nouns generalized (a
    model that learned names or numbers would learn the corpus, not the policy)."""
    if token.like_num or (not token.is_alpha and _DIGIT.search(token.text)):
        return "<num>"
    if token.pos_ == "PROPN":
        return "<propn>"
    return token.lemma_.lower()


def features(sentence: Sequence[Any]) -> set[str]:
    """The sparse features of one sentence (a sequence of spaCy tokens): words, word endings,
    word pairs, verb tenses, subjects and the tense of their verbs, the root, a line label
    ("Hx:") and number-unit pairs ("3 days")."""
    found = {"bias"}
    words = []
    start = sentence[0].i if len(sentence) else 0
    for token in sentence:
        word = _word(token)
        words.append(word)
        if token.is_punct:
            found.add("p:" + token.text)
        else:
            found.add("w:" + word)
            if len(token.text) > 4 and token.is_alpha:
                found.add("s:" + token.lower_[-3:])  # a word's ending: "-ed", typos, rare verbs
        tag = token.tag_
        if tag in _VERB_TAGS:
            found.add("t:" + tag)
            found.add(f"vt:{word}/{tag}")
        dep = token.dep_
        if dep in _SUBJECTS:
            found.add("subj:" + word)
            head = token.head.i - start
            if 0 <= head < len(sentence):
                found.add(f"sv:{word}>{sentence[head].tag_}")
        elif dep == "ROOT":
            found.add(f"root:{word}/{tag}")
    found.update(f"b:{a}_{b}" for a, b in pairwise(words))
    if len(sentence) > 1 and sentence[1].text == ":":
        found.add("label:" + sentence[0].lower_)
    for token, following in pairwise(sentence):
        if (token.like_num or token.text.isdigit()) and following.lower_ in _UNITS:
            found.add("nu:" + following.lemma_.lower())
    return found


@dataclass(frozen=True)
class SentenceModel:
    """Per-category logistic regressions over :func:`features`."""

    categories: tuple[str, ...]
    #: feature → its row in ``matrix`` (the bias is the feature "bias")
    index: dict[str, int]
    #: one row per feature, one column per category (a numpy float array)
    matrix: Any
    trained_on: dict[str, Any]

    def scores(self, sentence: Sequence[Any]) -> tuple[float, ...]:
        """The probability, per category, that ``sentence`` carries that kind of detail."""
        import numpy as np

        index = self.index
        rows = [index[f] for f in features(sentence) if f in index]
        totals = self.matrix[rows].sum(axis=0, dtype=np.float64)
        return tuple((1.0 / (1.0 + np.exp(-totals))).tolist())

    def scores_many(self, sentences: Sequence[Sequence[Any]]) -> list[tuple[float, ...]]:
        """:meth:`scores` of several sentences, in one numpy call instead of three per sentence
        (~10 µs each); the same numbers: each sentence's rows are added in the same order, in
        float64."""
        import numpy as np

        index = self.index
        if "bias" not in index:  # (a sentence could have no row: reduceat's one pitfall)
            return [self.scores(sentence) for sentence in sentences]
        rows: list[int] = []
        starts: list[int] = []
        for sentence in sentences:
            starts.append(len(rows))
            rows.extend(index[f] for f in features(sentence) if f in index)
        if not starts:
            return []
        # every sentence has the "bias" row: no slice is empty
        totals = np.add.reduceat(self.matrix[rows], starts, axis=0, dtype=np.float64)
        return [tuple(row) for row in (1.0 / (1.0 + np.exp(-totals))).tolist()]

    def to_json(self) -> str:
        """The model file: a header, the features one per line, then their weights one line per
        feature in the same order (reviewable diffs; two flat lists parse 3x faster than a
        mapping of lists, ~15 ms for the shipped model)."""
        header = json.dumps(
            {"format": FORMAT, "categories": list(self.categories), "trained_on": self.trained_on},
            ensure_ascii=False,
        )
        ordered = sorted(self.index.items())
        features = ",\n".join(json.dumps(feature, ensure_ascii=False) for feature, _ in ordered)
        weights = ",\n".join(
            ",".join(str(round(float(w) * SCALE)) for w in self.matrix[row]) for _, row in ordered
        )
        return header[:-1] + f', "features": [\n{features}\n], "weights": [\n{weights}\n]}}\n'


@cache
def load_model(path: Path) -> SentenceModel:
    """The model stored at ``path`` (read once per process)."""
    import numpy as np

    from .findings import CATEGORIES
    from .rules import RulePackError

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RulePackError(path, f"cannot read the sentence model: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise RulePackError(path, f"must be {FORMAT!r}", key="format")
    categories = raw.get("categories")
    if not (
        isinstance(categories, list) and categories and all(c in CATEGORIES for c in categories)
    ):
        raise RulePackError(
            path, f"must list categories of {', '.join(CATEGORIES)}", key="categories"
        )
    features, weights = raw.get("features"), raw.get("weights")
    if not (isinstance(features, list) and all(isinstance(f, str) for f in features)):
        raise RulePackError(path, "must be a list of feature names", key="features")
    matrix = np.array(weights if isinstance(weights, list) else None)
    if (
        matrix.ndim != 1
        or matrix.dtype.kind != "i"
        or len(matrix) != len(features) * len(categories)
    ):
        raise RulePackError(
            path,
            f"must be {len(categories)} integers (thousandths) per feature, "
            f"{len(features) * len(categories)} in all",
            key="weights",
        )
    matrix = matrix.reshape(len(features), len(categories)).astype(np.float32) / SCALE
    index = {feature: row for row, feature in enumerate(features)}
    return SentenceModel(tuple(categories), index, matrix, raw.get("trained_on", {}))


# ------------------------------------------------------------------------------- on a Doc

#: (id of the Doc, model) → the scored sentences; the rules of one caption all read the same Doc
_last: list[Any] = []


def scored_sentences(doc: Any, model: SentenceModel) -> list[tuple[int, int, tuple[float, ...]]]:
    """``(start, end, scores)`` for each sentence of ``doc`` that has words, the span trimmed of a
    leading line label ("History:"), bullets and trailing punctuation."""
    if _last and _last[0] is doc and _last[1] is model:
        return _last[2]
    spans, sentences = [], []
    for sentence in doc.sents:
        tokens = list(sentence)
        span = _trimmed(tokens)
        if span is not None:
            spans.append(span)
            sentences.append(tokens)
    scores = model.scores_many(sentences)
    result = [(*span, score) for span, score in zip(spans, scores, strict=True)]
    _last[:] = [doc, model, result]
    return result


def _trimmed(tokens: list[Any]) -> tuple[int, int] | None:
    first, last = 0, len(tokens) - 1
    if len(tokens) > 2 and tokens[1].text == ":" and tokens[0].is_alpha:
        first = 2
    while first <= last and (tokens[first].is_punct or tokens[first].is_space):
        first += 1
    while last >= first and (tokens[last].is_punct or tokens[last].is_space):
        last -= 1
    if first > last:
        return None
    return tokens[first].idx, tokens[last].idx + len(tokens[last].text)


@detector("sentence_model")
def sentence_model(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """The sentences whose score for the rule's category reaches its ``min_score``, by the model
    the rule names (``detect.model``)."""
    if ctx.doc is None:
        return
    model = load_model(rule.model_path)
    if rule.category not in model.categories:
        from .rules import RulePackError

        raise RulePackError(
            rule.model_path,
            f"has no category {rule.category!r} (rule {rule.code})",
            key="categories",
        )
    column = model.categories.index(rule.category)
    for start, end, scores in scored_sentences(ctx.doc, model):
        if scores[column] >= rule.detect.min_score:
            yield start, end


# ------------------------------------------------------------------------------- training


def train(
    examples: Iterable[tuple[set[str], set[str], frozenset[str] | None]],
    categories: Sequence[str],
    *,
    l2: float = 1.0,
    steps: int = 300,
    rate: float = 0.5,
    prune: float = 0.02,
    rule_weight: float = 1.0,
    trained_on: dict[str, Any] | None = None,
) -> SentenceModel:
    """Fit one L2-regularized logistic regression per category on ``(features, positive
    categories, labeled categories)`` triples; ``labeled`` None means every category is labeled
    (a corpus sentence), otherwise the example teaches only those (a rule's example sentence
    says nothing about the other categories).  Full-batch AdaGrad: deterministic, no random
    state.  A rule's example counts ``rule_weight`` times a corpus sentence: the examples are the
    policy's own boundary cases ("She previously underwent appendectomy" is history, not an
    outcome), which many corpus sentences on the other side must not outvote.  Weights below
    ``prune`` in every category are dropped and the rest rounded, which keeps the file small."""
    import numpy as np

    examples = list(examples)
    vocabulary: dict[str, int] = {}
    for found, _, _ in examples:
        for feature in sorted(found):
            vocabulary.setdefault(feature, len(vocabulary))
    rows = [
        np.array(sorted(vocabulary[f] for f in found), dtype=np.int64) for found, _, _ in examples
    ]
    index = np.concatenate(rows)
    lengths = np.array([len(r) for r in rows])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    owner = np.repeat(np.arange(len(rows)), lengths)
    columns = []
    for category in categories:
        target = np.array([category in positive for _, positive, _ in examples], dtype=float)
        weight = np.array(
            [
                1.0 if labeled is None else rule_weight if category in labeled else 0.0
                for _, _, labeled in examples
            ]
        )
        n = weight.sum()
        w = np.zeros(len(vocabulary))
        squared = np.full(len(vocabulary), 1e-8)
        for _ in range(steps):
            p = 1.0 / (1.0 + np.exp(-np.add.reduceat(w[index], starts)))
            gradient = (
                np.bincount(index, weights=((p - target) * weight)[owner], minlength=len(w)) / n
            )
            gradient += l2 * w / n
            squared += gradient**2
            w -= rate * gradient / np.sqrt(squared)
        columns.append(w)
    matrix = np.stack(columns, axis=1)
    kept = [
        (feature, i)
        for feature, i in vocabulary.items()
        if feature == "bias" or np.abs(matrix[i]).max() >= prune
    ]
    return SentenceModel(
        tuple(categories),
        {feature: row for row, (feature, _) in enumerate(kept)},
        matrix[[i for _, i in kept]].round(3),
        dict(trained_on or {}),
    )
