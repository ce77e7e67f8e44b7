"""Every pattern caplint runs is compiled with google-re2: matching is linear in the text's length,
so no caption (or hostile rule pack) can trigger catastrophic backtracking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import re2

Pattern = re2._Regexp


_OPTIONS = re2.Options()
#: room for the DFA of large lexicon alternations (RE2's default of 8 MB falls back to the NFA)
_OPTIONS.max_mem = 64 << 20
_OPTIONS.log_errors = False


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str, *, case_sensitive: bool = False) -> Pattern:
    """Compile with google-re2 (linear time); case-insensitive unless asked otherwise.

    Cached: a compiled pattern is immutable and the same one is compiled by the rule-pack
    validation, the engine and every Linter of a process (~30 ms of a cold start).  An invalid
    pattern raises every time (exceptions are not cached).
    """
    return re2.compile(pattern if case_sensitive else f"(?i){pattern}", _OPTIONS)


def phrase_regex(phrase: str) -> str:
    """A word-bounded pattern for a literal phrase; any run of spaces matches any whitespace."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    left = r"\b" if phrase[:1].isalnum() else ""
    right = r"\b" if phrase[-1:].isalnum() else ""
    return f"{left}{body}{right}"


def phrases_pattern(phrases: Iterable[str], *, case_sensitive: bool = False) -> Pattern | None:
    """One alternation over many phrases, longest first so the longest phrase wins at a position."""
    unique = sorted({p.strip() for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
    if not unique:
        return None
    return compile_pattern(
        "|".join(f"(?:{phrase_regex(p)})" for p in unique), case_sensitive=case_sensitive
    )
