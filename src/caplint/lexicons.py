"""Plain-text lexicons: one entry per line, ``#`` starts a comment."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def read_lexicon(path: Path) -> tuple[str, ...]:
    """Entries of a lexicon file, in file order, without comments, blanks or duplicates."""
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            entry = raw.strip()
            if entry and not entry.startswith("#"):
                seen.setdefault(entry, None)
    return tuple(seen)


def fold(text: str) -> str:
    """``text`` without accents ("José" → "Jose", "Cancún" → "Cancun"), for gazetteer look-ups:
    authors write names both ways, lexicons mostly carry one."""
    if text.isascii():
        return text
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
