"""Phrase lists (``phrases:`` and ``lexicons:`` of rules and allow lists), found by look-ups.

A phrase list matches exactly what one RE2 alternation over its phrases would, the longest phrase
first: ``(?i)(?:\\bglasgow\\s+coma\\s+scale\\b)|(?:\\bwilms\\b)|...`` searched with ``finditer`` —
words separated by any run of RE2 whitespace (``[\\t\\n\\f\\r ]``), a word boundary (RE2's, i.e.
ASCII ``\\w``) before a phrase that starts and after one that ends with a letter or digit, RE2's
case folding unless the list is case-sensitive, and of the phrases that match at the leftmost
position the one that comes first in that order (``tests/test_phrases.py`` compares the two).

Those alternations were most of what caplint compiled with RE2 (~88,000 of ~200,000 program
instructions for 5,000 phrases, 2,000 of them eponyms), and searching them grew their DFA caches
by ~10 MB over 10,000 captions.  Here the lists of an engine share one table of phrases filed by
their first word, and a caption is read once for all of them (~60 µs): the text is case-folded
into a string of the same length, and each of its words is looked up (:class:`_Table`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .patterns import Pattern, compile_pattern

#: RE2's ``\\s`` (narrower than Python's: no ``\\v``, nothing beyond ASCII)
_SPACE = frozenset("\t\n\f\r ")
#: RE2's ``\\w``, which its ``\\b`` is defined by: ASCII only
_WORD = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_WORD_RUNS = re.compile(r"[0-9A-Za-z_]+")
_ASCII = "".join(map(chr, range(128)))
#: the longest key a phrase is filed under (its first word's first characters)
_KEY = 3
#: characters whose case fold is remembered (each new one costs an RE2 check)
_FOLD_CACHE = 4096


@dataclass(frozen=True)
class PhraseList:
    """The phrases of one rule or allow list, in the order an alternation would try them."""

    phrases: tuple[str, ...]
    case_sensitive: bool = False

    @classmethod
    def build(cls, phrases: Iterable[str], *, case_sensitive: bool = False) -> PhraseList | None:
        """The list of ``phrases`` (stripped, without duplicates, longest first), or None."""
        unique = sorted({p.strip() for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
        return cls(tuple(unique), case_sensitive) if unique else None


def _boundary(text: str, i: int) -> bool:
    """RE2's ``\\b`` before ``text[i]``."""
    before = i > 0 and text[i - 1] in _WORD
    return before != (i < len(text) and text[i] in _WORD)


class _Fold:
    """Case folding as RE2 does it, for the characters of some phrases.

    ``fold(text)`` has the same length as ``text``; a character of the text and a character of a
    phrase are the same letter for RE2's ``(?i)`` exactly when they fold to the same character.
    RE2 itself says which characters belong together: at build time it groups the phrases'
    characters with every ASCII character, and a non-ASCII character of a caption is checked
    against the phrases' characters the first time it is seen (the Kelvin sign is a "k").  Any
    other character stays as it is (an ASCII one is lower-cased).
    """

    def __init__(self, chars: Iterable[str]) -> None:
        letters = sorted(set(chars))
        probe = sorted(set(_ASCII) | set(letters))
        parent = {c: c for c in probe}

        def root(c: str) -> str:
            while parent[c] != c:
                c = parent[c]
            return c

        joined = "".join(probe)
        for letter in letters:
            for other in _caseless(letter).findall(joined):
                parent[root(other)] = root(letter)
        classes: dict[str, list[str]] = {}
        for c in probe:
            classes.setdefault(root(c), []).append(c)
        self._table = _FoldTable()
        for members in classes.values():
            # an ASCII character folds as str.lower() folds it (RE2 pairs no two ASCII
            # lower-case letters), so that an ASCII caption is folded by str.lower()
            lower = [c for c in members if c.isascii() and c.islower()]
            target = lower[0] if lower else members[0]
            for c in members:
                self._table[ord(c)] = c.lower() if c.isascii() else target
        self._table.letters = letters
        self._table.any_letter = _caseless("".join(letters))

    def char(self, c: str) -> str:
        """The folded form of one phrase character."""
        return self._table[ord(c)]

    def __call__(self, text: str) -> str:
        return text.lower() if text.isascii() else text.translate(self._table)


class _FoldTable(dict):
    """``str.translate`` table of a :class:`_Fold`; non-ASCII characters are added when met."""

    letters: list[str]
    any_letter: Any

    def __missing__(self, code: int) -> str:
        c = chr(code)
        folded = c
        if self.any_letter.fullmatch(c):
            letter = next(x for x in self.letters if _caseless(x).fullmatch(c))
            folded = self[ord(letter)]
        if len(self) < _FOLD_CACHE:
            self[code] = folded
        return folded


def _caseless(chars: str) -> Pattern:
    """An RE2 pattern for any one of ``chars``, case-insensitive (RE2's own case folding)."""
    return compile_pattern("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One phrase of one list: its words folded, and whether it needs a boundary at each end."""

    owner: int
    rank: int
    words: tuple[str, ...]
    left: bool
    right: bool

    def end(self, text: str, folded: str, start: int) -> int:
        """Where the phrase ends when it matches at ``start``, else -1."""
        if self.left and not _boundary(text, start):
            return -1
        pos, size = start, len(text)
        for number, word in enumerate(self.words):
            if number:
                if pos >= size or text[pos] not in _SPACE:
                    return -1
                pos += 1
                while pos < size and text[pos] in _SPACE:
                    pos += 1
            if not folded.startswith(word, pos):
                return -1
            pos += len(word)
        if self.right and not _boundary(text, pos):
            return -1
        return pos


class _Table:
    """Every phrase of the lists of one case mode, filed for look-up.

    Most phrases start with an ASCII letter or digit, hence with a word boundary: such a phrase
    can only match where a run of RE2 word characters starts, and that run, folded, is the
    phrase's first word up to its first non-word character ("salter" of "salter-harris"), so
    one look-up per word of the caption finds it.  The few others (a first character that is
    not an ASCII word character: "#", "é"; a one-word phrase ending in "_") are filed by their
    first one to three characters and looked up at every boundary and every occurrence of such a
    first character.  A caption where folding changes which characters are word characters
    (the Kelvin sign folds to "k") is read the second way for every phrase.
    """

    def __init__(self, lists: Sequence[tuple[int, PhraseList]], case_sensitive: bool) -> None:
        self.fold = (
            None
            if case_sensitive
            else _Fold(c for _, phrases in lists for p in phrases.phrases for c in p)
        )
        fold_char = (lambda c: c) if self.fold is None else self.fold.char
        #: phrases by their first word's leading word characters
        self.by_word: dict[str, list[_Entry]] = {}
        #: every phrase by its first one to _KEY characters, and only the others
        self.by_start: dict[str, list[_Entry]] = {}
        self.others: dict[str, list[_Entry]] = {}
        #: first characters of the phrases that need no boundary before them ("#hashtag")
        self.free_starts: set[str] = set()
        for owner, phrases in lists:
            for rank, phrase in enumerate(phrases.phrases):
                words = tuple("".join(map(fold_char, w)) for w in phrase.split())
                entry = _Entry(owner, rank, words, phrase[0].isalnum(), phrase[-1].isalnum())
                self.by_start.setdefault(words[0][:_KEY], []).append(entry)
                lead = _WORD_RUNS.match(words[0])
                if (
                    entry.left
                    and lead is not None
                    and (lead.end() < len(words[0]) or len(words) > 1 or entry.right)
                ):
                    self.by_word.setdefault(lead.group(), []).append(entry)
                else:
                    self.others.setdefault(words[0][:_KEY], []).append(entry)
                    if not entry.left:
                        self.free_starts.add(words[0][0])
        #: first characters of the others
        self.firsts = {key[0] for key in self.others}

    def find(self, text: str, found: dict[int, list[tuple[int, int]]]) -> None:
        folded = text if self.fold is None else self.fold(text)
        runs = [run.span() for run in _WORD_RUNS.finditer(text)]
        candidates: dict[int, list[_Entry]] = {}
        if (
            folded is text
            or text.isascii()
            or runs == [run.span() for run in _WORD_RUNS.finditer(folded)]
        ):
            for start, end in runs:
                entries = self.by_word.get(folded[start:end])
                if entries is not None:
                    candidates[start] = list(entries)
            by_start = self.others
        else:
            by_start = self.by_start
        if by_start:
            starts = {i for span in runs for i in span}
            for char in self.free_starts:
                at = folded.find(char)
                while at >= 0:
                    starts.add(at)
                    at = folded.find(char, at + 1)
            firsts = self.firsts if by_start is self.others else None
            for start in starts:
                if firsts is not None and folded[start : start + 1] not in firsts:
                    continue
                for size in range(1, _KEY + 1):
                    entries = by_start.get(folded[start : start + size])
                    if entries is not None:
                        candidates.setdefault(start, []).extend(entries)
        last_end: dict[int, int] = {}  # per list: where its last match ended
        for start in sorted(candidates):
            best: dict[int, tuple[int, int]] = {}  # per list: its first phrase here, and end
            for entry in candidates[start]:
                if last_end.get(entry.owner, 0) > start:
                    continue
                chosen = best.get(entry.owner)
                if chosen is not None and chosen[0] < entry.rank:
                    continue
                end = entry.end(text, folded, start)
                if end >= 0:
                    best[entry.owner] = (entry.rank, end)
            for owner, (_, end) in best.items():
                found.setdefault(owner, []).append((start, end))
                last_end[owner] = end


class PhraseMatcher:
    """The matches of many phrase lists in a text, all found in one reading of it.

    ``spans(text)`` maps each list that matches to its ``(start, end)`` spans in text order:
    the spans ``finditer`` of the list's alternation would give.  The last text's answer is
    kept, so the rule and the allow lists of one caption share one reading.
    """

    def __init__(self, lists: Iterable[PhraseList]) -> None:
        self.lists = list(dict.fromkeys(lists))
        self._owner = {phrases: number for number, phrases in enumerate(self.lists)}
        self._tables = [
            _Table([(self._owner[p], p) for p in self.lists if p.case_sensitive == mode], mode)
            for mode in (False, True)
            if any(p.case_sensitive == mode for p in self.lists)
        ]
        self._last: tuple[str, dict[int, list[tuple[int, int]]]] | None = None

    def spans(self, text: str, phrases: PhraseList) -> list[tuple[int, int]]:
        """The spans of ``phrases`` (one of this matcher's lists) in ``text``."""
        if self._last is None or self._last[0] is not text:
            found: dict[int, list[tuple[int, int]]] = {}
            for table in self._tables:
                table.find(text, found)
            self._last = (text, found)
        return self._last[1].get(self._owner[phrases], [])
