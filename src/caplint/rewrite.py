"""The disease-focused rewrite of a whole caption (policy.md, "The disease-focused rewrite").

The policy's positive instruction is "focus on the disease": keep the imaging findings, the
diagnosis, the teaching point and the hashtags about the disease; drop the person.  The rewrite
is every fix of :mod:`caplint.fixes` at once, safe or not, for every finding whatever its
severity, repeated until the caption lints clean:

1. ages become age groups; names, places, dates, identifiers, demographic and high-profile
   details go with the words that only served them; history and outcome clauses go, and a
   sentence goes when nothing of the disease is left in it.  A trauma history reduced to its
   subject keeps what the images need: "A 7-year-old boy ... fell off his trampoline" becomes
   "A child with head trauma".
2. What is still an error is removed span by span.
3. As a last resort, a sentence that still carries an error finding is dropped.

The result has no error-level finding (``caplint check`` on it is clean) unless the linter
flags text the rewrite cannot take out without emptying the caption.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .findings import Finding
from .fixes import (
    MAX_FIX_CHARS,
    Edit,
    FixResult,
    LintFn,
    ProtectFn,
    Sentence,
    _clip,
    _resolve,
    _sentence_removal,
    apply_edits,
    expand_predicate,
    label_end,
    parse,
    sentence_at,
    sentences,
    tidy,
)
from .fixes import plan as plan_edits

#: rounds of "fix everything, lint again" before the last resorts
MAX_ROUNDS = 4

_MECHANISM = re.compile(
    r"(?i)\b(?:fell|fall(?:s|en|ing)?|crash(?:ed)?|collision|struck|hit\s+by|kicked|assault(?:ed)?|"
    r"accident|injur(?:ed|y)|trampoline|tackle[d]?|dove|diving|gunshot|shot|stabbed|mvc|mva|"
    r"motor\s+vehicle|pedestrian|thrown|ejected|run\s+over|rollover)\b"
)
_REGIONS = (
    ("head", r"epidural|subdural|skull|intracranial|brain|cerebr|cranial|head\b|calvari"),
    ("spinal", r"spine|spinal|vertebra|cervical\s+spine|lumbar|odontoid|c\d\b|l\d\b|t\d{1,2}\b"),
    ("chest", r"\brib|pneumothorax|hemothorax|lung|chest|thorac|pulmonary\s+contusion|aort"),
    ("abdominal", r"liver|hepat|spleen|splen|kidney|renal|abdom|bowel|pancrea|mesenter"),
    ("pelvic", r"pelvi|acetabul|sacr|symphys"),
)
_PERSON_HEAD = re.compile(
    r"(?i)\b(?:\d|patient|man|woman|male|female|boy|girl|child|kid|baby|infant|toddler|teen|"
    r"adolescent|adult|elderly|newborn|neonate|y/?o|year|month|week)\b|\d"
)


def _region(text: str) -> str:
    for name, pattern in _REGIONS:
        if re.search(pattern, text, re.I):
            return name + " "
    return ""


def _summarize_trauma(text: str, finding: Finding, sents: Sequence[Sentence],
                      _doc: Any) -> Edit | None:
    """A trauma story right after the patient ("A 7-year-old boy fell off his trampoline at a
    birthday party") becomes what the images need: "with head trauma"."""
    if finding.category != "HISTORY" or not _MECHANISM.search(finding.text or text[
            finding.start:finding.end]):
        return None
    sentence = sentence_at(sents, finding.start)
    if sentence is None:
        return None
    head = text[label_end(text, sentence):finding.start]
    if (not _PERSON_HEAD.search(head) or len(head.split()) > 8 or re.search(r"[,;:]", head)
            or re.search(r"(?i)\b(?:with|who|after|presented|presenting|complaining|has|had|"
                         r"was|is|were|and)\b", head)
            or re.match(r"(?i)\W*(?:the|he|she|they|his|her|this|that)\b", head)):
        return None
    start = finding.start
    lead = re.search(r"(?i)\b(?:who|after|that|which|when|and)[ \t]+$", text[:start])
    if lead:
        start = lead.start()
    return Edit(start, finding.end, f"with {_region(text)}trauma", finding)


def _rewrite_plan(text: str, findings: list[Finding], doc: Any) -> list[Edit]:
    sents = sentences(text)
    custom: list[Edit] = []
    rest: list[Finding] = []
    for finding in findings:
        grown = expand_predicate(text, finding, doc) if finding.fix in (
            "remove-clause", "none") else finding
        edit = _summarize_trauma(text, _clip(text, grown, sents), sents, doc)
        if edit is not None:
            custom.append(edit)
        else:
            rest.append(finding)
    return _resolve(custom + plan_edits(text, rest, doc, force=True))


def _apply(text: str, edits: list[Edit], protected: Sequence[tuple[int, int]]) -> str:
    edits = [e for e in edits
             if not any(e.start < end and start < e.end for start, end in protected)]
    if not edits:
        return text
    new, points = apply_edits(text, edits)
    return tidy(new, points)


def _targets(findings: list[Finding]) -> list[Finding]:
    """Span findings the rewrite acts on: every one with a fix action, and every error."""
    return [f for f in findings
            if f.source != "caption" and (f.fix != "none" or f.severity == "error")]


def _drop_sentences(text: str, errors: list[Finding], all_findings: list[Finding]) -> list[Edit]:
    """Edits that drop each sentence still carrying an error finding.  A caption-level error
    (e.g. several history elements together) drops the sentences of its elements."""
    sents = sentences(text)
    chosen: dict[int, Sentence] = {}
    for finding in errors:
        spans = [(finding.start, finding.end)]
        if finding.source == "caption":
            parts = [(f.start, f.end) for f in all_findings if f.source != "caption"
                     and finding.start <= f.start and f.end <= finding.end]
            spans = parts or spans
        for start, end in spans:
            for sentence in sents:
                if sentence.start < max(end, start + 1) and start < sentence.end + 1:
                    chosen[sentence.start] = sentence
    return _resolve([_sentence_removal(text, s, None) for s in chosen.values()])


def rewrite_loop(text: str, lint: LintFn, nlp: Any = None, protect: ProtectFn | None = None,
                 max_rounds: int = MAX_ROUNDS) -> FixResult:
    """The rewrite, with the linting and protection supplied by the caller (``caplint fix
    --rewrite`` masks suppression comments and skips suppressed rules)."""
    result = FixResult(text)
    current = lint(text)
    if len(text) > MAX_FIX_CHARS:
        result.remaining = current
        return result

    def step(new: str, applied: list[Finding]) -> bool:
        nonlocal current
        if new == result.text:
            return False
        result.text = new
        result.applied.extend(applied)
        result.rounds += 1
        current = lint(new)
        return True

    def protected() -> Sequence[tuple[int, int]]:
        return protect(result.text) if protect is not None else ()

    for _ in range(max_rounds):
        todo = _targets(current)
        if not todo:
            break
        doc = parse(nlp, result.text)
        edits = _rewrite_plan(result.text, todo, doc)
        if not step(_apply(result.text, edits, protected()), [e.finding for e in edits
                                                                if e.finding]):
            break
    # what is still an error goes span by span, then sentence by sentence
    errors = [f for f in current if f.severity == "error" and f.source != "caption"]
    if errors:
        removals = plan_edits(result.text, [replace(f, fix="remove") for f in errors])
        step(_apply(result.text, removals, protected()), errors)
    for _ in range(2):
        errors = [f for f in current if f.severity == "error"]
        if not errors:
            break
        drops = _drop_sentences(result.text, errors, current)
        if not step(_apply(result.text, drops, protected()), errors):
            break
    result.remaining = current
    return result


def rewrite(linter: Any, text: str) -> str:
    """The disease-focused rewrite of one caption (``Linter.rewrite``)."""
    return rewrite_loop(text, linter.lint, getattr(linter, "nlp", None)).text
