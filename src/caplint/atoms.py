"""Required substrings ("atoms") of a regular expression: a text can match the pattern only if it
contains one of them, case-folded.  They let a caption skip, without compiling it, a pattern it
cannot match: compiling the bundled rule packs' ~600 RE2 patterns is most of caplint's own start-up
time, and one caption needs few of them.

The idea is RE2's FilteredRE2 (and Hyperscan's literal prefilter), done here on Python's parse of
the pattern: a literal contributes its text, a sequence the concatenation of its parts' exact
strings (or, once they are too many, the best requirement of one of its parts), an alternation the
union of its branches' requirements, a repetition with at least one occurrence its body's.  Any
doubt (a construct Python parses differently from RE2, a branch without a literal) gives ``None``:
the pattern is always searched.  The analysis can only widen what is searched, never lose a match:
atoms and texts are compared case-folded (``str.casefold``), which pairs at least the characters
RE2's ``(?i)`` pairs (``tests/test_atoms.py`` checks every bundled pattern on the corpus).

Parsing with Python is slow (~0.4 ms a pattern), so the atoms of the bundled patterns are computed
once and shipped in ``rules/atoms.json`` (``python -m caplint.atoms`` rewrites it; a test fails when
it is stale).  A pattern not in it (a user's rule pack) is analysed when loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

#: most exact strings a part of a pattern is expanded to before its atoms are chosen instead
_MAX_EXACT = 16
#: an atom shorter than this is nearly always present: such a requirement is worth nothing
_MIN_ATOM = 2
#: RE2 syntax Python's parser reads differently or not at all, turned into what it means here:
#: ``\pL``/``\p{Lu}``/``\PL`` (a class: no literal), ``\x{2019}`` (one character)
_RE2_ONLY = re.compile(r"\\\\|\\[pP](?:\{[^}]*\}|[A-Za-z])|\\x\{([0-9A-Fa-f]+)\}")
#: constructs whose Python reading is not RE2's: POSIX classes ``[[:alpha:]]``, ``\Q...\E``, ``\C``
_UNSAFE = re.compile(r"\[:|\\[QEC]")

INDEX_FILE = "atoms.json"


def _translate(pattern: str) -> str:
    def swap(match: re.Match[str]) -> str:
        text = match.group()
        if text == "\\\\":
            return text
        if match.group(1):
            return re.escape(chr(int(match.group(1), 16)))
        return r"\w"

    return _RE2_ONLY.sub(swap, pattern)


def required_atoms(pattern: str) -> frozenset[str] | None:
    """Case-folded strings one of which every match of ``pattern`` contains, or None."""
    if _UNSAFE.search(pattern):
        return None
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(_translate(pattern))
    except Exception:  # anything Python cannot read is always searched
        return None
    try:
        _exact, required = _sequence(list(parsed))
    except RecursionError:
        return None
    return required


# Each analysis returns (exact, required): ``exact`` is the set of every string the part can match
# (None when unknown or too many), ``required`` a set of atoms one of which every match of the part
# contains (None when there is none).


def _sequence(items: list) -> tuple[set[str] | None, frozenset[str] | None]:
    candidates: list[frozenset[str]] = []
    run: set[str] = {""}  # the exact strings of the parts since the last unknown one
    broken = False
    for item in items:
        exact, required = _node(item)
        if required is not None:
            candidates.append(required)
        if exact is not None and len(run) * len(exact) <= _MAX_EXACT:
            run = {a + b for a in run for b in exact}
            continue
        atoms = _as_atoms(run)
        if atoms is not None:
            candidates.append(atoms)
        broken = True
        run = set(exact) if exact is not None and len(exact) <= _MAX_EXACT else {""}
    atoms = _as_atoms(run)
    if atoms is not None:
        candidates.append(atoms)
    return (None if broken else run), _best(candidates)


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    if not candidates:
        return None
    return max(candidates, key=lambda atoms: (min(map(len, atoms)), -len(atoms)))


def _node(item: tuple) -> tuple[set[str] | None, frozenset[str] | None]:
    from re import _constants as c  # type: ignore[attr-defined]

    op, arg = item
    if op is c.LITERAL:
        return {chr(arg).casefold()}, None
    if op is c.AT:
        return {""}, None  # an anchor or a word boundary matches no character
    if op is c.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is c.LITERAL:
                chars.add(chr(value).casefold())
            elif kind is c.RANGE and value[1] - value[0] < 8:
                chars.update(chr(x).casefold() for x in range(value[0], value[1] + 1))
            else:
                return None, None  # a negated class, a category, a wide range
        return (chars, None) if len(chars) <= 4 else (None, None)
    if op is c.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is c.BRANCH:
        branches = [_sequence(list(branch)) for branch in arg[1]]
        exact: set[str] | None = set()
        for branch_exact, _ in branches:
            if branch_exact is None or exact is None:
                exact = None
            else:
                exact |= branch_exact
        if exact is not None and len(exact) > _MAX_EXACT:
            exact = None
        atoms: set[str] = set()
        for branch_exact, branch_required in branches:
            own = _as_atoms(branch_exact)
            pick = _best([x for x in (own, branch_required) if x is not None])
            if pick is None:
                return exact, None
            atoms |= pick
        return exact, _minimal(atoms)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = arg
        body_exact, body_required = _sequence(list(body))
        if low == 0:
            if high == 1 and body_exact is not None:
                return {""} | body_exact, None
            return None, None
        required = _best([x for x in (_as_atoms(body_exact), body_required) if x is not None])
        if low == high == 1:
            return body_exact, required
        return None, required
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _sequence(list(arg))
    return None, None  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, ...


def _as_atoms(exact: set[str] | None) -> frozenset[str] | None:
    if exact and all(len(s) >= _MIN_ATOM for s in exact):
        return _minimal(exact)
    return None


def _minimal(atoms: set[str] | frozenset[str]) -> frozenset[str]:
    """``atoms`` without those that contain another (a text with "dr." has "dr")."""
    return frozenset(a for a in atoms if not any(b != a and b in a for b in atoms))


# --------------------------------------------------------------------------------- the index


def pattern_source(pattern: str, case_sensitive: bool) -> str:
    """What RE2 compiles for ``pattern``: ``(?i)`` first unless it is case-sensitive."""
    return pattern if case_sensitive else f"(?i){pattern}"


def pattern_key(source: str) -> str:
    """The index key of a pattern's source (as compiled: with its ``(?i)`` prefix, if any)."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=9).hexdigest()


@cache
def _shipped() -> dict[str, list[str] | None]:
    from .paths import bundled_rules_dir

    try:
        return json.loads((bundled_rules_dir() / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_indexed(source: str) -> bool:
    """Whether ``source`` is in the shipped index (a bundled pattern: it compiles)."""
    return pattern_key(source) in _shipped()


def atoms_for(source: str) -> frozenset[str] | None:
    """The atoms of ``source``: from the shipped index, or worked out now."""
    found = _shipped().get(pattern_key(source), False)
    if found is False:
        return required_atoms(source)
    return None if found is None else frozenset(found)


def bundled_sources() -> list[str]:
    """Every pattern of the bundled packs, as compiled (``(?i)`` first unless case-sensitive)."""
    from .rules import load_rules

    ruleset = load_rules()
    sources = []
    for rule in ruleset.rules:
        detect = rule.detect
        sources += [pattern_source(p, detect.case_sensitive) for p in detect.regex]
        sources += [pattern_source(p, True) for p in detect.exclude]
        if detect.require:
            sources.append(pattern_source(detect.require, True))
    for allow in ruleset.allow:
        sources += [pattern_source(p, allow.case_sensitive) for p in allow.regex]
        sources += [pattern_source(p, True) for p in allow.unless]
    return sorted(set(sources))


def build_index(sources: list[str]) -> dict[str, list[str] | None]:
    """The index of ``sources``; each is compiled first (the index vouches that it compiles)."""
    from .patterns import compile_pattern

    index: dict[str, list[str] | None] = {}
    for source in sorted(set(sources)):
        compile_pattern(source, case_sensitive=True)
        atoms = required_atoms(source)
        index[pattern_key(source)] = None if atoms is None else sorted(atoms)
    return dict(sorted(index.items()))


def write_index() -> Path:
    """Rewrite ``rules/atoms.json`` from the bundled packs."""
    from .atomic import write_atomic
    from .paths import bundled_rules_dir

    path = bundled_rules_dir() / INDEX_FILE
    index = build_index(bundled_sources())  # compiles every pattern: a bad one raises here
    data = (json.dumps(index, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode()
    if path.exists():
        write_atomic(path, data)  # an interrupted write leaves the old index whole
    else:
        path.write_bytes(data)
    _shipped.cache_clear()
    return path


if __name__ == "__main__":
    print(f"wrote {write_index()}")
