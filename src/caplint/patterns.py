"""Every pattern caplint runs is compiled with google-re2: matching is linear in the text's length,
so no caption (or hostile rule pack) can trigger catastrophic backtracking."""

from __future__ import annotations

import re
from functools import lru_cache

import re2

from .atoms import atoms_for, pattern_source

Pattern = re2._Regexp


_OPTIONS = re2.Options()
#: room for the DFA of a large pattern (RE2's default of 8 MB falls back to the NFA)
_OPTIONS.max_mem = 64 << 20
_OPTIONS.log_errors = False
#: first memory budget tried per character of a pattern compiled without a DFA, doubled until the
#: pattern compiles: small enough that RE2's DFA, which needs ~100 bytes per program instruction
#: plus room for 20 states before it starts (compiling needs ~40), gives up and the NFA searches
_NO_DFA_BUDGET = 32
#: ... plus this much per Unicode class (``\pL``, ``\p{Lu}``, ``[^...]``, ``.``): each compiles to
#: hundreds of UTF-8 instructions, and the patterns with several needed up to ~1,000 bytes a
#: character: starting from 32 alone failed ~140 compiles at every start, with this 62, and
#: compiling every bundled pattern takes ~190 instead of ~240 ms; peak RSS on 10,000 captions
#: 266 -> 268 MB (no DFA came back)
_NO_DFA_BUDGET_PER_CLASS = 6000
_UNICODE_CLASS = re.compile(r"\\[pP]|\[\^|(?<!\\)\.")


def compile_pattern(pattern: str, *, case_sensitive: bool = False, dfa: bool = True) -> Pattern:
    """Compile with google-re2 (linear time); case-insensitive unless asked otherwise.

    ``dfa=False`` is for patterns that are searched only in texts they match (the rule patterns,
    behind the engine's prefilter): RE2 gets just the memory to compile the pattern, so it
    searches with its NFA or BitState, as it does whenever its DFA runs out of memory, and finds
    the same matches.  A DFA keeps every state it reaches: the rule patterns' forward and reverse
    DFAs held ~15 MB after 10,000 captions.  On a caption a pattern matches the NFA is no slower
    (~30 µs a caption for all the rule patterns, ~35 with DFAs); it is slower on texts of
    thousands of characters (~6x on 10,000).

    Cached: a compiled pattern is immutable and the same one is compiled by the rule-pack
    validation, the engine and every Linter of a process (~30 ms of a cold start).  An invalid
    pattern raises every time (exceptions are not cached).  The cache is keyed on the three
    values, not on how they were passed (``lru_cache`` keys ``f(p, dfa=True)`` and ``f(p)``
    apart: 85 patterns were compiled twice, ~25 ms of a cold start).
    """
    return _compile(pattern, case_sensitive, dfa)


@lru_cache(maxsize=4096)
def _compile(pattern: str, case_sensitive: bool, dfa: bool) -> Pattern:
    source = pattern_source(pattern, case_sensitive)
    if dfa:
        return re2.compile(source, _OPTIONS)
    options = re2.Options()
    for name in re2.Options.NAMES:
        setattr(options, name, getattr(_OPTIONS, name))
    options.max_mem = (
        _NO_DFA_BUDGET * len(source)
        + _NO_DFA_BUDGET_PER_CLASS * len(_UNICODE_CLASS.findall(source))
        + 1024
    )
    while True:
        try:
            return re2.compile(source, options)
        except re2.error as exc:
            if "pattern too large" not in str(exc) or options.max_mem >= _OPTIONS.max_mem:
                raise
            options.max_mem = min(2 * options.max_mem, _OPTIONS.max_mem)


class LazyPattern:
    """A pattern compiled on first use (:func:`compile_pattern`, without a DFA), with its atoms
    (:mod:`caplint.atoms`): a text whose :func:`fold_for_atoms` contains none of them cannot match,
    so one caption compiles only the few rule patterns it could match (compiling every bundled
    pattern took ~0.2 s of each cold start on the benchmark machine, ~0.45 s on a slower one)."""

    __slots__ = ("_compiled", "_groups", "atoms", "case_sensitive", "pattern")

    def __init__(self, pattern: str, *, case_sensitive: bool = False) -> None:
        self.pattern = pattern
        self.case_sensitive = case_sensitive
        self.atoms = atoms_for(pattern_source(pattern, case_sensitive))
        self._compiled: Pattern | None = None
        self._groups: dict[str, int | None] = {}

    @property
    def compiled(self) -> Pattern:
        if self._compiled is None:
            self._compiled = compile_pattern(
                self.pattern, case_sensitive=self.case_sensitive, dfa=False
            )
        return self._compiled

    def may_match(self, folded: str) -> bool:
        """False when the text whose fold is ``folded`` cannot match (no atom in it)."""
        return self.atoms is None or any(atom in folded for atom in self.atoms)

    def finditer(self, text: str):  # type: ignore[no-untyped-def]
        return self.compiled.finditer(text)

    def search(self, text: str):  # type: ignore[no-untyped-def]
        return self.compiled.search(text)

    def group(self, name: str) -> int | None:
        """The number of the capture group ``name`` (None if there is none)."""
        if name not in self._groups:
            self._groups[name] = self.compiled.groupindex.get(name)
        return self._groups[name]


def fold_for_atoms(text: str) -> str:
    """``text`` as atoms are compared with it: case-folded (RE2's ``(?i)`` pairs no two
    characters that fold apart: ``tests/test_atoms.py``)."""
    return text.casefold()
