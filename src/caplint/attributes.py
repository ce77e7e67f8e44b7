"""A faster ``match`` for spaCy's attribute ruler, with the same result.

The English pipelines' ``attribute_ruler`` maps fine-grained tags to parts of speech and
morphology, and fixes a few words, through a spaCy ``Matcher`` of ~180 patterns.  That Matcher
tries every pattern at every token: ~11% of ``nlp.pipe`` (0.6-0.7 ms of a ~190-character caption
on the benchmark machine).  Every pattern of those pipelines is a fixed run of tokens, each
tested on ``TAG``, ``LOWER``, ``DEP`` or ``IS_SPACE`` for equality, set membership or a regular
expression, so the matches can be found by looking tokens up instead:

* the one-token patterns a token matches depend on those four attributes only, so they are
  worked out once per distinct (tag, lower-case text, dependency, is-space) and remembered in
  a bounded table.  The lower-case text counts only when a pattern names it (~120 words, and
  the words of a regular expression: "nothin'"): every other word is the same to the patterns,
  so the table holds ~900 rows after 10,000 benchmark captions instead of filling its 20,000
  (one per new number or word: ~6 MB);
* a longer pattern is tried only where one of its tokens has the tag or text it names;
* anything else (operators, other attributes, a pipeline built differently) stays with a
  Matcher of its own.

:func:`speed_up` gives a loaded ruler this ``match``; the ruler's own sort and
``set_annotations`` then apply the matches as before, so tokens get exactly the attributes the
stock component gives (``tests/test_attributes.py`` compares the two).  Imported only when the
model loads (it imports spaCy).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.matcher import Matcher
from spacy.strings import get_string_id

#: the token attributes read, in the column order of ``Doc.to_array``
_COLUMNS = ("TAG", "LOWER", "DEP", "IS_SPACE")
_ATTR_IDS = [TAG, LOWER, DEP, IS_SPACE]
_EQ, _IN, _NOT_IN, _REGEX, _FLAG = range(5)
#: distinct token rows whose one-token matches are remembered
CACHE_SIZE = 20_000
#: distinct lower-case words remembered as named by a pattern's regular expression or not
WORD_CACHE_SIZE = 8_192
#: the lower-case text of a row when no one-token pattern names it
_UNNAMED = -1

Row = tuple[int, int, int, int]
Check = tuple[int, int, Any]  # (column, operation, value)


def _checks(token: Any) -> list[Check] | None:
    """The tests of one pattern token, or None when it needs a Matcher."""
    if not isinstance(token, dict) or not token or not set(token) <= set(_COLUMNS):
        return None
    checks = []
    for name, spec in token.items():
        column = _COLUMNS.index(name)
        if name == "IS_SPACE":
            if not isinstance(spec, bool):
                return None
            checks.append((column, _FLAG, int(spec)))
        elif isinstance(spec, str):
            checks.append((column, _EQ, get_string_id(spec)))
        elif isinstance(spec, dict) and len(spec) == 1:
            ((op, value),) = spec.items()
            if (
                op in ("IN", "NOT_IN")
                and isinstance(value, list)
                and all(isinstance(v, str) for v in value)
            ):
                ids = frozenset(get_string_id(v) for v in value)
                checks.append((column, _IN if op == "IN" else _NOT_IN, ids))
            elif op == "REGEX" and isinstance(value, str):
                checks.append((column, _REGEX, re.compile(value)))
            else:
                return None
        else:
            return None
    return checks


def _passes(checks: list[Check], row: Row, strings: Any) -> bool:
    for column, op, value in checks:
        got = row[column]
        if op in (_EQ, _FLAG):
            if got != value:
                return False
        elif op == _IN:
            if got not in value:
                return False
        elif op == _NOT_IN:
            if got in value:
                return False
        elif got == _UNNAMED or value.search(strings[got] if got else "") is None:
            return False  # (the Matcher's REGEX test; an unnamed word matches none)
    return True


def _anchor(tokens: list[list[Check]]) -> tuple[int, int, frozenset[int]] | None:
    """A token of a longer pattern to look the pattern up by: (position, column, values)."""
    for column in (1, 0):  # LOWER is the more selective, then TAG
        for position, checks in enumerate(tokens):
            for col, op, value in checks:
                if col == column and op == _EQ:
                    return position, column, frozenset((value,))
                if col == column and op == _IN:
                    return position, column, value
    return None


class FastMatch:
    """``AttributeRuler.match`` by look-ups; same matches, same order."""

    def __init__(self, ruler: Any) -> None:
        self.strings = ruler.vocab.strings
        #: one-token patterns: (attr_id, match_id, checks)
        self.single: list[tuple[int, int, list[Check]]] = []
        #: longer patterns by anchor column and value: (attr_id, match_id, checks, position)
        self.longer: tuple[dict[int, list], dict[int, list]] = ({}, {})
        self.rest = Matcher(ruler.vocab)
        self.rest_keys = 0
        self._cache: dict[Row, tuple[tuple[int, int], ...]] = {}
        for attr_id in range(len(ruler.attrs)):
            key = str(attr_id)
            match_id = self.strings[key]
            patterns = ruler.matcher.get(key)[1]
            compiled = [[_checks(token) for token in pattern] for pattern in patterns]
            anchors = [_anchor(p) if len(p) > 1 else None for p in compiled]
            if any(
                None in tokens or (len(tokens) > 1 and anchor is None)
                for tokens, anchor in zip(compiled, anchors, strict=True)
            ):
                self.rest.add(match_id, patterns)
                self.rest_keys += 1
                continue
            for tokens, anchor in zip(compiled, anchors, strict=True):
                if len(tokens) == 1:
                    self.single.append((attr_id, match_id, tokens[0]))
                    continue
                position, column, values = anchor
                entry = (attr_id, match_id, tokens, position)
                for value in values:
                    self.longer[column].setdefault(value, []).append(entry)
        lower = _COLUMNS.index("LOWER")
        checks = [check for _, _, tokens in self.single for check in tokens if check[0] == lower]
        #: the lower-case words a one-token pattern names, and its regular expressions on them
        self._named: dict[int, int] = {}
        for _, op, value in checks:
            for word in (value,) if op == _EQ else value if op in (_IN, _NOT_IN) else ():
                self._named[word] = word
        self._regexes = [value for _, op, value in checks if op == _REGEX]
        self._words = dict(self._named)  # ... and the words met, remembered as named or not

    def _word(self, lower: int, strings: Any) -> int:
        """``lower`` if a one-token pattern's regular expression matches it, else
        :data:`_UNNAMED` (the words patterns name outright are remembered from the start)."""
        text = strings[lower] if lower else ""
        word = lower if any(regex.search(text) for regex in self._regexes) else _UNNAMED
        if len(self._words) < len(self._named) + WORD_CACHE_SIZE:
            self._words[lower] = word
        return word

    def _single(self, row: Row, strings: Any) -> tuple[tuple[int, int], ...]:
        found = self._cache.get(row)
        if found is None:
            found = tuple(
                (attr_id, match_id)
                for attr_id, match_id, checks in self.single
                if _passes(checks, row, strings)
            )
            if len(self._cache) < CACHE_SIZE:
                self._cache[row] = found
        return found

    def __call__(self, doc: Any) -> list[tuple[int, int, int, int]]:
        strings = doc.vocab.strings
        matches: list[tuple[int, int, int, int]] = []
        if self.rest_keys:
            matches = [
                (int(self.strings[m_id]), m_id, start, end)
                for m_id, start, end in self.rest(doc, allow_missing=True)
            ]
        rows: list[Row] = list(map(tuple, doc.to_array(_ATTR_IDS).tolist()))
        cache, append, words = self._cache, matches.append, self._words
        for i, (tag, lower, dep, space) in enumerate(rows):
            word = words.get(lower)
            if word is None:
                word = self._word(lower, strings)
            row = (tag, word, dep, space)
            found = cache.get(row)
            if found is None:
                found = self._single(row, strings)
            for attr_id, match_id in found:
                append((attr_id, match_id, i, i + 1))
        for column, table in enumerate(self.longer):
            if not table:
                continue
            for i, row in enumerate(rows):
                for attr_id, match_id, tokens, position in table.get(row[column], ()):
                    start = i - position
                    end = start + len(tokens)
                    if (
                        start >= 0
                        and end <= len(rows)
                        and all(
                            _passes(checks, rows[start + k], strings)
                            for k, checks in enumerate(tokens)
                        )
                    ):
                        append((attr_id, match_id, start, end))
        matches.sort()  # the ruler's order: by attribute index (later rules win), then position
        return matches


def speed_up(nlp: Any, name: str = "attribute_ruler") -> bool:
    """Give the pipeline's attribute ruler the look-up ``match``; False when it has none."""
    if name not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe(name)
    if not all(hasattr(ruler, a) for a in ("matcher", "attrs", "match", "set_annotations")):
        return False
    ruler.match = FastMatch(ruler)
    return True
