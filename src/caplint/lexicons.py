"""Plain-text lexicons: one entry per line, ``#`` starts a comment."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path


@cache
def read_lexicon(path: Path) -> tuple[str, ...]:
    """Entries of a lexicon file, in file order, without comments, blanks or duplicates."""
    return tuple(dict.fromkeys(iter_lexicon(path)))


def iter_lexicon(path: Path) -> Iterator[str]:
    """Entries of a lexicon file, in file order, without comments or blanks (duplicates kept);
    nothing is cached: a caller that builds its own structure (the gazetteer sets) holds the
    only copy of the list."""
    with path.open(encoding="utf-8") as handle:
        text = handle.read()  # newlines translated as when iterating the file's lines
    for raw in text.split("\n"):
        entry = raw.strip()
        if entry and entry[0] != "#":
            yield entry


def fold(text: str) -> str:
    """``text`` without accents ("José" → "Jose", "Cancún" → "Cancun"), for gazetteer look-ups:
    authors write names both ways, lexicons mostly carry one."""
    if text.isascii():
        return text
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
