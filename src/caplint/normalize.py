"""A normalized view of a caption for detection, with a map back to the original offsets.

Detection runs on text where look-alike forms are folded (Unicode NFKC: full-width digits and
letters, ligatures; curly quotes and dashes to ASCII) and invisible characters (zero-width spaces,
joiners, soft hyphens, bidi marks) are removed, so "7\u200b-year-old" and "７-year-old" read as
"7-year-old".  Findings are mapped back so that offsets always point into the original text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_INVISIBLE = {
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180e", "\u200b",
    "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u206a", "\u206b", "\u206c", "\u206d", "\u206e", "\u206f", "\u3164", "\ufeff", "\uffa0",
}
_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2010": "-", "\u2011": "-",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ",
    "\u202f": " ", "\u2007": " ",
}


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str
    #: for each character of ``text``, the index of the original character it came from
    origin: tuple[int, ...] | None  # None when text == original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalized span [start, end)."""
        if self.origin is None:
            return start, end
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _FOLD:
        return _FOLD[char]
    if char.isascii():
        return char
    folded = unicodedata.normalize("NFKC", char)
    return "".join(_FOLD.get(c, c) for c in folded if c not in _INVISIBLE)


def normalize(text: str) -> Normalized:
    if text.isascii():
        return Normalized(text, text, None)
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        origin.extend([index] * len(folded))
    normalized = "".join(out)
    if normalized == text:
        return Normalized(text, text, None)
    return Normalized(text, normalized, tuple(origin))
