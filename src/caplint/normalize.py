"""A normalized view of a caption for detection, with a map back to the original offsets.

Detection runs on a view of the text in which the usual ways of slipping an identifier past a
pattern are undone, so that every rule, the spaCy model and the allow lists see plain text:

* invisible characters are removed: zero-width spaces and joiners, soft hyphens, bidi controls,
  other format characters (Unicode category Cf), variation selectors and combining marks
  (``"7\\u200b-year-old"``, ``"J\\u0332o\\u0332h\\u0332n"``), stray control characters;
* look-alike forms are folded: Unicode NFKC (full-width ``"７"`` and ``"ＭＲＮ"``, mathematical
  letters, ligatures), decimal digits of other scripts, curly quotes, dashes and odd spaces;
* Cyrillic and Greek letters that look like Latin ones (``"Jоhn"`` with a Cyrillic ``о``) are folded
  to Latin *inside words that are otherwise Latin* (or made only of look-alikes), so real Greek or
  Russian words are left alone;
* number words written with digits for letters (``"s3ven"``, ``"y3ar"``, ``"0ld"``) are folded, but
  only when the whole token then spells a number word or an age unit: ``"T2"``, ``"C3"`` or
  ``"L4-5"`` never change; a number with the letter O for zero (``"4O"``) reads as ``"40"``;
* letter-spaced number words, age units and ID keywords are closed up (``"s e v e n"`` →
  ``"seven"``, ``"7 - y e a r - o l d"`` → ``"7-year-old"``, ``"M R N 1 2 3 4 5"`` →
  ``"MRN 12345"``), as are spaced hyphens between number words and age units
  (``"7 - year - old"``);
* a run of 32 or more symbols (``"((((..."``) keeps its first 16 and the rest reads as spaces: it
  names nothing, and spaCy's tokenizer is quadratic in long runs of trailing punctuation.

Each character of the view remembers the original character it came from, so findings are mapped
back and their offsets always point into the original text.  Everything here is linear in the
length of the text.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

_INVISIBLE = frozenset({
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180e", "\u200b",
    "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u206a", "\u206b", "\u206c", "\u206d", "\u206e", "\u206f", "\u3164", "\ufeff", "\uffa0",
})
_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2010": "-", "\u2011": "-",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2043": "-", "\u2212": "-",
    "\u02d7": "-", "\u2796": "-", "\u2e3a": "-", "\u2e3b": "-", "\u00a0": " ", "\u2009": " ",
    "\u202f": " ", "\u2007": " ", "\u1680": " ", "\u2028": "\n", "\u2029": "\n", "\u0085": "\n",
    "\u2215": "/", "\u2044": "/", "\u29f8": "/",
}
#: Control characters kept as they are (everything else in Cc is dropped).
_KEPT_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # a character class: linear

#: Letters of other scripts that look like Latin letters (a compact subset of Unicode's
#: confusables: the ones that pass for Latin in a caption).
_HOMOGLYPHS = str.maketrans({
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "α": "a", "ο": "o", "ι": "i", "κ": "k",
    "ν": "v", "ρ": "p", "υ": "u", "χ": "x",
    # Armenian and Latin look-alikes
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i",
})
_HOMOGLYPH_CHARS = frozenset(chr(c) for c in _HOMOGLYPHS)

def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


NUMBER_WORDS = _wordset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred"
)
AGE_UNITS = _wordset(
    "year years yr yrs month months mo mos week weeks wk wks day days old yo aged age"
)
#: keywords of identifiers, closed up when letter-spaced ("M R N")
ID_WORDS = _wordset("mrn ssn id dob acc")
_SPELLED = NUMBER_WORDS | AGE_UNITS | ID_WORDS
_MAX_SPELLED = max(len(word) for word in _SPELLED)
#: words a digit-for-letter token may fold to (three letters or more: "y0" stays "y0")
_LEET_WORDS = frozenset(w for w in NUMBER_WORDS | AGE_UNITS if len(w) >= 3)
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "9": "g"}
_TOKEN = re.compile(r"[A-Za-z0-9]+")  # a character class: linear
_SYMBOL_RUN = re.compile(r"[^\w\s]{32,}")  # a character class with a bounded retry: linear
_SOFT_GAP = frozenset({" ", "  ", ".", "_", ". ", " ."})
_HARD_GAPS = frozenset({"-", " -", "- ", " - "})
_GAPS = _SOFT_GAP | _HARD_GAPS


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str
    #: for each character of ``text``, the index of the original character it came from
    origin: Sequence[int] | None  # None when text == original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalized span [start, end)."""
        if self.origin is None:
            return start, end
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


# ------------------------------------------------------------------------ character folding


def _fold_char(char: str) -> str:
    if char in _FOLD:
        return _FOLD[char]
    if char.isascii():
        return "" if _CONTROL.match(char) else char
    if char in _INVISIBLE:
        return ""
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me", "Cc"):
        return char if char in _KEPT_CONTROLS else ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii():
        return folded
    out = []
    for c in folded:
        if c in _FOLD:
            out.append(_FOLD[c])
        elif c.isspace():
            out.append(" ")
        elif c not in _INVISIBLE and unicodedata.category(c) not in ("Cf", "Mn", "Me"):
            out.append(c)
    return "".join(out)


def _fold_chars(text: str) -> tuple[str, array | None]:
    """Pass 1: per-character folding; returns the text and its origin map (None: unchanged)."""
    if text.isascii() and not _CONTROL.search(text):
        return text, None
    out: list[str] = []
    origin = array("q")
    changed = False
    for index, char in enumerate(text):
        folded = _fold_char(char)
        if folded != char:
            changed = True
        out.append(folded)
        if len(folded) == 1:
            origin.append(index)
        elif folded:
            origin.extend([index] * len(folded))
    if not changed:
        return text, None
    return "".join(out), origin


def _fold_homoglyphs(text: str, replace: dict[int, str]) -> None:
    """Pass 2: look-alike letters inside words that are otherwise Latin (or all look-alikes)."""
    run_start = None
    for index in range(len(text) + 1):
        char = text[index] if index < len(text) else " "
        if char.isalpha():
            if run_start is None:
                run_start = index
            continue
        if run_start is not None:
            word = text[run_start:index]
            if (not word.isascii() and any(c in _HOMOGLYPH_CHARS for c in word)
                    and all(c.isascii() or c in _HOMOGLYPH_CHARS for c in word)):
                for offset, c in enumerate(word):
                    if c in _HOMOGLYPH_CHARS:
                        replace[run_start + offset] = c.translate(_HOMOGLYPHS)
            run_start = None


def _unleet(token: str) -> str | None:
    """The number word or age unit a digits-for-letters token spells ("s3ven"), or the number a
    letter-O-for-zero token is ("4O"); else None."""
    if token[0].isdigit() and ("O" in token or "o" in token):
        number = token.replace("O", "0").replace("o", "0")
        return number if number.isdigit() else None
    if not (3 <= len(token) <= _MAX_SPELLED) or token.isdigit() or token.isalpha():
        return None
    candidates = [""]
    for char in token.lower():
        options = _LEET.get(char, char) if char.isdigit() else char
        if char.isdigit() and char not in _LEET:
            return None
        candidates = [c + o for c in candidates for o in options]
        if len(candidates) > 16:
            return None
    for candidate in candidates:
        if candidate in _LEET_WORDS:
            return candidate
    return None


# ------------------------------------------------------------------------ spacing


def _joinable(left: str, right: str) -> bool:
    """Two words that a spaced hyphen joins into an age ("7 - year - old", "twenty - two"); two
    plain numbers ("grade 2 - 3") are left alone."""
    def number(key: str) -> bool:
        return key in NUMBER_WORDS or (key.isdigit() and len(key) <= 3)

    if left in AGE_UNITS:
        return right in AGE_UNITS
    if number(left):
        return right in AGE_UNITS or right in NUMBER_WORDS
    return False


def _segment(letters: list[str]) -> list[tuple[int, int, bool]]:
    """Split a letter-spaced piece into (start, end, is_word) segments, covering as many
    letters as possible with spelled words (ties: fewer segments)."""
    n = len(letters)
    # best[i] = (covered letters, -segments, choice) for letters[i:]
    best: list[tuple[int, int, int]] = [(0, 0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        covered, segments, _ = best[i + 1]
        choice = (covered, segments - 1, 1)
        if letters[i].isalpha():
            word = ""
            for j in range(i, min(n, i + _MAX_SPELLED)):
                if not letters[j].isalpha():
                    break
                word += letters[j].lower()
                if j > i and word in _SPELLED:
                    rest_covered, rest_segments, _ = best[j + 1]
                    option = (rest_covered + j + 1 - i, rest_segments - 1, j + 1 - i)
                    if option[:2] > choice[:2]:
                        choice = option
        best[i] = choice
    segments = []
    i = 0
    while i < n:
        size = best[i][2]
        segments.append((i, i + size, size > 1))
        i += size
    return segments


def _close_up(text: str, replace: dict[int, str], delete: set[int]) -> None:
    """Pass 4: letter-spaced words and spaced hyphens (see the module docstring)."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    words: list[tuple[int, int, str]] = []  # start, end, lower-case key after closing up
    i, n = 0, len(tokens)
    while i < n:
        start, end = tokens[i]
        j = i
        while (j + 1 < n and tokens[j][1] - tokens[j][0] == 1
               and tokens[j + 1][1] - tokens[j + 1][0] == 1
               and text[tokens[j][1]:tokens[j + 1][0]] in _GAPS):
            j += 1
        if j == i:
            words.append((start, end, text[start:end].lower()))
            i += 1
            continue
        words.extend(_close_up_run(text, tokens[i:j + 1], replace, delete))
        i = j + 1
    for (_, left_end, left), (right_start, _, right) in pairwise(words):
        gap = text[left_end:right_start]
        if gap in _HARD_GAPS and gap != "-" and _joinable(left, right):
            for k in range(left_end, right_start):
                if text[k] == " ":
                    delete.add(k)


def _close_up_run(text: str, run: list[tuple[int, int]], replace: dict[int, str],
                  delete: set[int]) -> list[tuple[int, int, str]]:
    """Close up one run of single characters separated by short gaps."""
    chars = [text[s] for s, _ in run]
    gaps = [text[run[k][1]:run[k + 1][0]] for k in range(len(run) - 1)]
    pieces: list[list[int]] = [[0]]
    for k, gap in enumerate(gaps):
        if gap in _HARD_GAPS:
            pieces.append([k + 1])
        else:
            pieces[-1].append(k + 1)
    segments: list[tuple[int, int, str]] = []  # first index, last index, kind
    for piece in pieces:
        letters = [chars[k] for k in piece]
        for a, b, is_word in _segment(letters):
            if is_word:
                segments.append((piece[a], piece[b - 1], "word"))
            else:
                segments.append((piece[a], piece[a], "digit" if letters[a].isdigit() else "char"))
    long_word = any(kind == "word" and last - first >= 2 for first, last, kind in segments)
    has_digit = any(c.isdigit() for c in chars)
    if not long_word and not has_digit:
        segments = [(k, k, "char") for k in range(len(chars))]
    # digits separated by single spaces close up when the run spells a word, or from 4 digits on
    merged: list[tuple[int, int, str]] = []
    for first, last, kind in segments:
        if (kind == "digit" and merged and merged[-1][2] in ("digit", "digits")
                and gaps[first - 1] == " "):
            merged[-1] = (merged[-1][0], last, "digits")
        else:
            merged.append((first, last, kind))
    has_word = any(kind == "word" for _, _, kind in merged)
    words = []
    for first, last, kind in merged:
        close = kind == "word" or (kind == "digits" and (has_word or last - first >= 3))
        if close:
            for k in range(first, last):
                delete.update(range(run[k][1], run[k + 1][0]))
            key = "".join(chars[first:last + 1]).lower()
            words.append((run[first][0], run[last][1], key))
        else:
            words.extend((run[k][0], run[k][1], chars[k].lower()) for k in range(first, last + 1))
    # a soft gap other than one space between two closed-up words becomes one space
    for (_, left_end, left), (right_start, _, right) in pairwise(words):
        gap = text[left_end:right_start]
        if gap in _SOFT_GAP and gap != " " and len(left) > 1 and len(right) > 1:
            replace[left_end] = " "
            delete.update(range(left_end + 1, right_start))
    return words


# ------------------------------------------------------------------------ the view


def normalize(text: str) -> Normalized:
    """The detection view of ``text`` with its map back to ``text``'s offsets."""
    folded, origin = _fold_chars(text)
    replace: dict[int, str] = {}
    if not folded.isascii():
        _fold_homoglyphs(folded, replace)
    for match in _TOKEN.finditer(folded):
        if match.end() - match.start() <= _MAX_SPELLED:
            word = _unleet(match.group())
            if word is not None:
                for offset, (old, new) in enumerate(zip(match.group(), word, strict=True)):
                    if old.lower() != new.lower():
                        replace[match.start() + offset] = new.upper() if old.isupper() else new
    view = _apply(folded, replace)
    spacing: dict[int, str] = {}
    delete: set[int] = set()
    _close_up(view, spacing, delete)
    _blank_symbol_runs(view, spacing)
    view = _apply(view, spacing)
    if delete:
        pieces, cursor = [], 0
        kept = array("q")
        for index in sorted(delete):
            pieces.append(view[cursor:index])
            kept.extend(range(cursor, index))
            cursor = index + 1
        pieces.append(view[cursor:])
        kept.extend(range(cursor, len(view)))
        view = "".join(pieces)
        origin = array("q", (origin[i] for i in kept)) if origin is not None else kept
    if view == text:
        return Normalized(text, text, None)
    if origin is None:  # one-for-one replacements only
        origin = array("q", range(len(text)))
    return Normalized(text, view, origin)


def _blank_symbol_runs(text: str, replace: dict[int, str]) -> None:
    """A run of 32 or more symbols keeps its first 16 and the rest read as spaces: such runs
    name nothing, and spaCy's tokenizer is quadratic in a run of trailing punctuation (and makes
    a token of each symbol)."""
    for match in _SYMBOL_RUN.finditer(text):
        for index in range(match.start() + 16, match.end()):
            replace[index] = " "


def _apply(text: str, replace: dict[int, str]) -> str:
    """``text`` with the one-for-one character replacements applied."""
    if not replace:
        return text
    chars = list(text)
    for index, char in replace.items():
        chars[index] = char
    return "".join(chars)


# ------------------------------------------------------------------------ long captions

#: spaCy refuses texts over ``nlp.max_length`` (1,000,000 characters) and its memory grows with
#: the text: longer captions are linted in overlapping chunks of this size.
CHUNK_CHARS = 10_000
CHUNK_OVERLAP = 2_000
#: at most this many characters go through spaCy in one batch (its memory grows with them)
BATCH_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Chunk:
    """A slice [start, end) of a long text; it reports findings that start in [own, own_end)."""

    start: int
    end: int
    own: int
    own_end: int

    def owns(self, position: int) -> bool:
        return self.own <= position < self.own_end


def _cut(text: str, low: int, high: int) -> int:
    """A cut point in (low, high]: a paragraph break, a line break, a sentence end, a space,
    whichever comes latest of the first kind found; else ``high``."""
    for separator in ("\n\n", "\n", ". ", " "):
        found = text.rfind(separator, low, high)
        if found > low:
            return found + len(separator)
    return high


def chunks(text: str, size: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """How to lint ``text`` in pieces of at most ``size`` characters.

    Consecutive chunks overlap by about ``overlap`` characters and each chunk owns the findings
    that start in its part up to the middle of the overlap, so a finding shorter than half the
    overlap is reported exactly once and whole.  A text of ``size`` characters or fewer is one
    chunk that owns everything.
    """
    if len(text) <= size:
        return [Chunk(0, len(text), 0, max(len(text), 1))]
    result: list[Chunk] = []
    start, own = 0, 0
    while True:
        if len(text) - start <= size:
            result.append(Chunk(start, len(text), own, len(text)))
            return result
        end = _cut(text, start + size - overlap // 2, start + size)
        next_start = _cut(text, end - overlap, end - overlap // 2) if overlap else end
        next_start = max(next_start, start + 1)
        middle = (next_start + end) // 2
        result.append(Chunk(start, end, own, middle))
        start, own = next_start, middle


@dataclass(frozen=True, slots=True)
class Piece:
    """One text to run through the pipeline: a chunk of a caption's view."""

    view: Normalized
    chunk: Chunk
    #: the caption's last chunk: its findings are complete after this one
    last: bool

    @property
    def text(self) -> str:
        return self.view.text[self.chunk.start:self.chunk.end]


def view_batches(texts: Iterable[str], batch_size: int,
                 max_chars: int = BATCH_CHARS) -> Iterator[list[Piece]]:
    """The normalized captions, chunked, in batches of at most ``batch_size`` pieces and (unless
    one piece is longer) ``max_chars`` characters: memory stays bounded for any input."""
    batch: list[Piece] = []
    size = 0
    for text in texts:
        view = normalize(text)
        pieces = chunks(view.text)
        for index, chunk in enumerate(pieces):
            length = chunk.end - chunk.start
            if batch and (len(batch) >= batch_size or size + length > max_chars):
                yield batch
                batch, size = [], 0
            batch.append(Piece(view, chunk, index == len(pieces) - 1))
            size += length
    if batch:
        yield batch
