"""Inline suppressions: "this one is fine, because ..." written in the caption file.

Forms (the reason is required)::

    <!-- caplint: ignore AGE reason="teaching file, consent on record" -->
    <!-- caplint: disable NAME,LOCATION reason="historical case, published 1952" -->
    ...
    <!-- caplint: enable NAME,LOCATION -->

    # caplint: ignore AGE reason="..."       (a comment line in .txt and YAML files)

``ignore`` covers its own line when it shares the line with other text, else the next paragraph
(the following lines up to a blank line); a YAML comment line covers the next line and the
caption value that starts on it.  ``disable`` covers everything up to the matching
``enable`` (or the end of the file).  Keys are codes, code prefixes, rule names or categories.

A suppression that suppresses nothing is reported as SUP001 (unused-suppression); one that
caplint will not honour -- no reason, no key, a key that names no rule, an ``enable`` without a
``disable``, or any suppression when the configuration says ``allow-suppressions = false`` -- is
reported as SUP002 (invalid-suppression).  Their metadata lives in ``rules/suppression.yaml``.

Comments inside caption text are blanked out (same length) before linting, so the reason text
itself is never linted and positions never move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config import rule_matches
from .findings import Finding
from .patterns import compile_pattern
from .report import Located
from .sources import SourceFile, line_col, line_starts

UNUSED, INVALID = "SUP001", "SUP002"
ACTIONS = ("ignore", "disable", "enable")

# re2: linear even on a file full of unclosed "<!-- caplint" openers
_HTML = compile_pattern(r"<!--[ \t]*caplint\b(?P<body>(?s:.*?))-->")
_HASH_LINE = re.compile(r"^[ \t]*#[ \t]*caplint\b(?P<body>[^\r\n]*)", re.MULTILINE | re.IGNORECASE)
_HASH_ANY = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*caplint\b(?P<body>[^\r\n]*)",
                       re.MULTILINE | re.IGNORECASE)
_REASON = re.compile(r"""reason\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""", re.IGNORECASE)


@dataclass
class Suppression:
    action: str
    keys: tuple[str, ...]
    reason: str | None
    #: the comment in the file
    start: int
    end: int
    line: int
    end_line: int
    #: lines covered (1-based, inclusive); empty when none
    first: int = 0
    last: int = -1
    problem: str | None = None
    used: set[str] = field(default_factory=set)

    def covers(self, line: int) -> bool:
        return self.first <= line <= self.last


@dataclass
class Comment:
    start: int  # file offsets
    end: int
    body: str
    caption: int | None = None  # index of the caption that contains it
    caption_span: tuple[int, int] | None = None


def find_comments(source: SourceFile) -> list[Comment]:
    """Every ``caplint:`` comment in the file: HTML comments inside captions, ``#`` comment
    lines in text files, and ``#`` comments of YAML files and Markdown front matter."""
    comments: list[Comment] = []
    for index, caption in enumerate(source.captions):
        patterns = [_HTML]
        if source.format == "text":
            patterns.append(_HASH_LINE)
        for pattern in patterns:
            for match in pattern.finditer(caption.text):
                comments.append(Comment(caption.to_file(match.start()),
                                        caption.to_file_end(match.end()), match.group("body"),
                                        index, match.span()))
    if source.format in ("yaml", "markdown"):
        region = (0, len(source.text))
        if source.format == "markdown":
            from .formats import front_matter_span

            span = front_matter_span(source.text)
            region = (span[0], span[1]) if span else (0, 0)
        literals = sorted(c.literal for c in source.captions if c.literal)
        for match in _HASH_ANY.finditer(source.text, *region):
            if not any(s <= match.start() < e for s, e in literals):
                comments.append(Comment(match.start(), match.end(), match.group("body")))
    comments.sort(key=lambda c: c.start)
    return comments


def masked_texts(source: SourceFile, comments: Iterable[Comment]) -> list[str]:
    """The caption texts with every comment inside them blanked out (line breaks kept)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for comment in comments:
        if comment.caption is not None and comment.caption_span is not None:
            spans.setdefault(comment.caption, []).append(comment.caption_span)
    texts = []
    for index, caption in enumerate(source.captions):
        text = caption.text
        if index in spans:
            chars = list(text)
            for start, end in spans[index]:
                for i in range(start, end):
                    if chars[i] not in "\r\n":
                        chars[i] = " "
            text = "".join(chars)
        texts.append(text)
    return texts


def _parse_body(body: str) -> tuple[str, tuple[str, ...], str | None, str | None]:
    body = body.strip()
    if body.startswith(":"):
        body = body[1:].strip()
    else:
        return "", (), None, 'write "caplint:" followed by ignore, disable or enable'
    reason_match = _REASON.search(body)
    reason = None
    if reason_match:
        reason = (reason_match.group("dq") if reason_match.group("dq") is not None
                  else reason_match.group("sq")).strip()
        body = body[:reason_match.start()] + body[reason_match.end():]
    words = [w for w in re.split(r"[\s,]+", body) if w]
    if not words:
        return "", (), reason, "no action: write ignore, disable or enable"
    action, keys = words[0].lower(), tuple(words[1:])
    if action not in ACTIONS:
        return action, keys, reason, f"unknown action {words[0]!r}; valid: {', '.join(ACTIONS)}"
    return action, keys, reason, None


def _paragraph_after(lines: Sequence[str], line: int) -> tuple[int, int]:
    """The lines of the paragraph that follows line ``line`` (1-based), skipping blank lines."""
    index = line  # 0-based index of the next line
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return 0, -1
    first = index
    while index < len(lines) and lines[index].strip():
        index += 1
    return first + 1, index


def _value_after(source: SourceFile, starts: list[int], lines: Sequence[str],
                 line: int) -> tuple[int, int]:
    """The next non-blank line after ``line``, extended over a caption that starts on it."""
    index = line
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return 0, -1
    first = last = index + 1
    for caption in source.captions:
        if caption.literal and line_col(starts, caption.literal[0])[0] == first:
            last = max(last, line_col(starts, max(caption.literal[0], caption.literal[1] - 1))[0])
    return first, last


def parse(source: SourceFile, comments: list[Comment], rules: Sequence[Any],
          allowed: bool, forbidden_by: str = "the configuration") -> list[Suppression]:
    """Suppressions from the file's comments, with the lines each one covers."""
    starts = line_starts(source.text)
    lines = source.text.split("\n")
    result: list[Suppression] = []
    open_disables: list[Suppression] = []
    for comment in comments:
        action, keys, reason, problem = _parse_body(comment.body)
        line = line_col(starts, comment.start)[0]
        end_line = line_col(starts, max(comment.start, comment.end - 1))[0]
        item = Suppression(action, keys, reason, comment.start, comment.end, line, end_line,
                           problem=problem)
        result.append(item)
        if not allowed:
            item.problem = ("suppressions are not allowed (allow-suppressions = false in "
                            f"{forbidden_by})")
            continue
        if item.problem:
            continue
        if action == "enable":
            closing = [d for d in open_disables
                       if not keys or any(k.upper() == d_key.upper() for k in keys
                                          for d_key in d.keys)]
            if not closing:
                item.problem = "enable without a matching disable above it"
            for disable in closing:
                disable.last = line
                open_disables.remove(disable)
            item.first, item.last = 0, -1
            continue
        if not keys:
            item.problem = f"names no rule: write e.g. {action} AGE001 reason=\"...\""
            continue
        unknown = [k for k in keys if not any(rule_matches(r, [k]) for r in rules)]
        if unknown:
            item.problem = (f"{unknown[0]!r} names no rule (codes, code prefixes, rule names or "
                            "categories; `caplint rules` lists them)")
            continue
        if not reason:
            item.problem = 'no reason given: add reason="why this is acceptable"'
            continue
        if action == "disable":
            item.first, item.last = line, len(lines)
            open_disables.append(item)
            continue
        line_text = lines[line - 1] if line - 1 < len(lines) else ""
        column = comment.start - starts[line - 1]
        end_column = comment.end - starts[end_line - 1] if end_line == line else len(line_text)
        rest = (line_text[:column] + line_text[end_column:]).strip()
        if rest and rest not in ("-", "*"):
            item.first, item.last = line, end_line
        elif comment.caption is None:  # a YAML comment: the next line and the value it starts
            item.first, item.last = _value_after(source, starts, lines, end_line)
        else:
            item.first, item.last = _paragraph_after(lines, end_line)
    return result


def apply(located: list[Located], suppressions: list[Suppression]) -> list[Located]:
    """The findings no valid suppression covers; marks the keys that were used."""
    active = [s for s in suppressions if s.problem is None and s.action != "enable"]
    if not active:
        return located
    kept = []
    for item in located:
        hit = False
        for suppression in active:
            if suppression.covers(item.line):
                for key in suppression.keys:
                    if rule_matches(item.finding, [key]):
                        suppression.used.add(key)
                        hit = True
        if not hit:
            kept.append(item)
    return kept


def report(path: str, text: str, suppressions: list[Suppression], rules: Sequence[Any],
           active_rules: Sequence[Any]) -> list[Located]:
    """SUP001 for unused keys (that name an active rule), SUP002 for suppressions that are not
    honoured.  ``rules`` are the run's selected rules (with severities); a SUP rule that is not
    among them is not reported."""
    by_code = {rule.code: rule for rule in rules}
    starts = line_starts(text)
    out: list[Located] = []
    for item in suppressions:
        if item.problem is not None:
            rule, detail = by_code.get(INVALID), item.problem
        elif item.action == "enable":
            continue
        else:
            unused = [k for k in item.keys if k not in item.used
                      and any(rule_matches(r, [k]) for r in active_rules)]
            if not unused:
                continue
            rule = by_code.get(UNUSED)
            detail = f"nothing to suppress for {', '.join(unused)}"
        if rule is None:
            continue
        finding = Finding(code=rule.code, name=rule.name, category=rule.category,
                          severity=rule.severity, message=f"{rule.message} ({detail})",
                          suggestion=rule.suggestion, start=item.start, end=item.end,
                          text=text[item.start:item.end], source="suppression")
        line, column = line_col(starts, item.start)
        end_line, end_column = line_col(starts, item.end)
        out.append(Located(path, finding, item.start, item.end, line, column, end_line,
                           end_column))
    return out
