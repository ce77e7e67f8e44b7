"""caplint.atoms: a text without any of a pattern's atoms cannot match it, so the pattern is neither
compiled nor searched for that text.  The atoms may be too few (then more is searched), never
wrong: a wrong atom would silently lose a finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import re2

from caplint.atoms import (
    INDEX_FILE,
    atoms_for,
    build_index,
    bundled_sources,
    is_indexed,
    required_atoms,
)
from caplint.paths import bundled_rules_dir
from caplint.patterns import LazyPattern, compile_pattern, fold_for_atoms
from caplint.rules import RulePackError, load_pack, load_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("pattern", "atoms"),
    [
        (r"(?i)\bdr\.?\s+\p{Lu}\w+", {"dr"}),  # "dr." contains "dr": the shorter one is enough
        (r"\b(?:born|died) in \d{4}", {"born in ", "died in "}),
        (r"(?i)\b\d+\s*(?:yo|y/o|year[- ]old)", {"yo", "y/o", "year old", "year-old"}),
        (r"colou?r", {"color", "colour"}),
        (r"(?:abc)?xyz", {"xyz"}),
        (r"[\x{2019}']s\s+disease", {"disease"}),
        (r"(?P<span>St\.? Jude)'?s?", {"st jude", "st. jude"}),
        (r"MRN\s*#?\d+", {"mrn"}),  # case-sensitive patterns are compared folded too
        (r"STRASSE|Straße", {"strasse"}),  # "ß" folds to "ss"
        (r"\d+", None),  # nothing literal
        (r"foo|\w+", None),  # a branch without a literal
        (r"a|b", None),  # atoms of one character are worth nothing
        (r"[[:alpha:]]+ street", None),  # POSIX classes: Python reads them otherwise
        (r"\Qa.b\E", None),
        (r"(?U)abc", None),  # RE2-only flag: Python cannot parse it
    ],
)
def test_required_atoms(pattern, atoms) -> None:
    assert required_atoms(pattern) == (None if atoms is None else frozenset(atoms))


def test_a_text_without_an_atom_is_not_searched_nor_compiled() -> None:
    pattern = LazyPattern(r"\bdied\s+(?:on|in)\s+\d{4}")
    assert not pattern.may_match(fold_for_atoms("Born in 2004; MRI shows a cyst."))
    assert pattern._compiled is None
    assert pattern.may_match(fold_for_atoms("He DIED in 2004."))
    assert [m.group() for m in pattern.finditer("He DIED in 2004.")] == ["DIED in 2004"]


def test_the_shipped_index_is_up_to_date() -> None:
    """``python -m caplint.atoms`` rewrites it after a rule pack's pattern changes."""
    shipped = json.loads((bundled_rules_dir() / INDEX_FILE).read_text(encoding="utf-8"))
    assert shipped == build_index(bundled_sources()), "run: python -m caplint.atoms"


def test_an_invalid_user_pattern_is_still_reported_when_loaded(tmp_path) -> None:
    """Only patterns of the shipped index (which all compile) skip the check at load time."""
    assert is_indexed(bundled_sources()[0])
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "pack: mine\nrules:\n  - code: TST001\n    name: x\n    category: AGE\n"
        "    severity: error\n    message: m\n    why: w\n    detect: {regex: ['qq(\\\\d']}\n"
        "    examples:\n      fail: [qq]\n      pass: [a]\n",
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match="invalid regular expression"):
        load_pack(pack)


def test_re2_case_folding_never_pairs_characters_that_casefold_apart() -> None:
    """Atoms are compared with the case-folded text: every character RE2's (?i) takes for an atom
    character must case-fold to it, or a match could be skipped."""
    chars = sorted({c for source in bundled_sources() for a in atoms_for(source) or () for c in a})
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for char in chars:
        matched = compile_pattern(f"\\x{{{ord(char):x}}}").findall(everything)
        assert {m.casefold() for m in matched} <= {char, char.casefold()}, char
        assert char in matched or char.upper() in matched


def _texts() -> list[str]:
    texts = [e for rule in load_rules().rules for e in (*rule.examples_fail, *rule.examples_pass)]
    corpus = ROOT / "corpus"
    for name, step in (("test.jsonl", 1), ("fresh/dev.jsonl", 1), ("dev.jsonl", 10)):
        lines = (corpus / name).read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines[::step]]
    return texts


def test_no_bundled_pattern_matches_a_text_without_its_atoms() -> None:
    """Every bundled pattern, on every rule example and corpus caption it is skipped for."""
    texts = [(text, fold_for_atoms(text)) for text in _texts()]
    assert len(texts) > 1500
    skipped = lost = 0
    for source in bundled_sources():
        compiled = re2.compile(source)
        atoms = atoms_for(source)
        if atoms is None:
            continue
        for text, folded in texts:
            if not any(atom in folded for atom in atoms):
                skipped += 1
                if compiled.search(text):
                    lost += 1
                    pytest.fail(f"{source!r} matches {text!r} without any of {sorted(atoms)}")
    assert lost == 0 and skipped > 0
