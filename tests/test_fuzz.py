"""Property tests (Hypothesis) over random Unicode and captions assembled from the rule packs'
own lexicons and examples, with adversarial noise (zero-width characters, look-alike letters,
full-width digits, letter spacing).  Each property runs at least 2,000 examples; the model is
slow (~5-10 ms a caption), so the examples share the session's Linter and several properties
are checked on each example.  A long run is ``python fuzz/run.py`` (see fuzz/README.md).
"""

from __future__ import annotations

import functools
import os
import random
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caplint.lexicons import read_lexicon
from caplint.normalize import chunks, normalize
from caplint.paths import bundled_rules_dir
from caplint.rules import load_rules

EXAMPLES = int(os.environ.get("CAPLINT_FUZZ_EXAMPLES", "2000"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# ----------------------------------------------------------------------------- strategies

#: characters that hide or disguise text
TRICKS = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u202e",
    "\u0301",
    "\u0336",
    "\ufe0f",
    "\uff17",
    "\uff2d",
    "\u0430",
    "\u0435",
    "\u043e",
    "\u0440",
    "\u0441",
    "\u0445",
    "\u041c",
    "\u0422",
    "\u0397",
    "\u039f",
    "\u0667",
    "\U0001d7d5",
    "\u2011",
    "\u2013",
    "\u00a0",
    "\u2028",
    "\x08",
    "\ufb01",
    "\u2044",
]

unicode_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),  # decoded files never hold surrogates
        st.sampled_from(TRICKS),
        st.sampled_from(list("0123456789 -/.,#@'()\n")),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    ),
    max_size=60,
)


@functools.cache
def fragments() -> tuple[str, ...]:
    """Pieces of captions: every rule example, every lexicon entry, identifiers of each kind."""
    ruleset = load_rules()
    pieces = {e for r in ruleset.rules for e in (*r.examples_fail, *r.examples_pass)}
    for path in sorted((bundled_rules_dir() / "lexicons").glob("*.txt")):
        pieces.update(read_lexicon(path))
    pieces.update(
        [
            "7 yo",
            "a 45-year-old woman",
            "seventeen-year-old",
            "72M",
            "aged 9",
            "MRN 1234567",
            "Accession 98765432",
            "3/14/2024",
            "March 3, 2024",
            "last Tuesday",
            "John Smith",
            "Mrs. Alvarez",
            "from Dayton",
            "at Mercy Hospital",
            "jdoe@example.com",
            "https://example.org/case/1",
            "(555) 123-4567",
            "@brave_liam",
            "#Dayton",
            "T2",
            "L4-5",
            "1.5 T",
            "3 x 4 cm",
            "Wilms tumor",
            "Chiari I",
            "Case courtesy of Dr. Lee",
        ]
    )
    return tuple(sorted(p for p in pieces if p.strip()))


@st.composite
def disguise(draw, text: str) -> str:
    """Zero, one or a few adversarial edits of ``text``."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        where = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "homoglyph", "fullwidth", "space-out"]))
        if kind == "insert":
            text = text[:where] + draw(st.sampled_from(TRICKS)) + text[where:]
        elif kind == "homoglyph":
            table = str.maketrans(
                {
                    "a": "\u0430",
                    "e": "\u0435",
                    "o": "\u043e",
                    "p": "\u0440",
                    "c": "\u0441",
                    "x": "\u0445",
                    "M": "\u041c",
                    "T": "\u0422",
                }
            )
            text = text[:where] + text[where : where + 6].translate(table) + text[where + 6 :]
        elif kind == "fullwidth":
            text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
        else:
            text = text[:where] + " ".join(text[where : where + 8]) + text[where + 8 :]
    return text


@st.composite
def captions(draw) -> str:
    pieces = draw(st.lists(st.sampled_from(fragments()), min_size=1, max_size=4))
    separators = [
        draw(st.sampled_from([" ", ", ", ". ", "; ", "\n", " - ", " with "])) for _ in pieces
    ]
    text = "".join(p + s for p, s in zip(pieces, separators, strict=True)).strip()
    return draw(disguise(text))


any_text = st.one_of(unicode_text, captions())

# ----------------------------------------------------------------------------- checks


def check_findings(text: str, findings) -> None:
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text), (text, finding)
        assert finding.text == text[finding.start : finding.end], (text, finding)
    keys = [(f.start, f.end, f.code) for f in findings]
    assert keys == sorted(keys)


# ----------------------------------------------------------------------------- properties


def check_view(text: str) -> None:
    """The normalized view's map points into the original text, in order."""
    view = normalize(text)
    if view.origin is None:
        assert view.text == text
        return
    assert len(view.origin) == len(view.text)
    previous = -1
    for index in view.origin:
        assert previous <= index < len(text)
        previous = index
    for start in range(0, len(view.text), 7):
        begin, end = view.span(start, min(len(view.text), start + 5))
        assert 0 <= begin <= end <= len(text)


@SETTINGS
@given(texts=st.lists(any_text, min_size=1, max_size=3))
def test_lint_no_crash_offsets_on_the_original_and_lint_many_equals_lint(linter, texts):
    """Per text: the normalized view maps back into it, linting does not crash, offsets are in
    bounds and ``finding.text == text[start:end]`` on the original; per batch:
    ``lint_many(texts) == [lint(t) for t in texts]``."""
    singles = [linter.lint(text) for text in texts]
    for text, findings in zip(texts, singles, strict=True):
        check_view(text)
        check_findings(text, findings)
    assert linter.lint_many(texts, batch_size=random.choice([1, 2, 64])) == singles


@SETTINGS
@given(text=captions(), unsafe=st.booleans())
def test_fix_is_idempotent(linter, text, unsafe):
    """Fixing a fixed caption changes nothing (and the caption lints without a crash)."""
    fixes = pytest.importorskip("caplint.fixes")
    lint = functools.lru_cache(maxsize=64)(linter.lint)
    nlp = getattr(linter, "nlp", None)
    check_findings(text, lint(text))
    once = fixes.fix_loop(text, lint, nlp, unsafe=unsafe)
    twice = fixes.fix_loop(once.text, lint, nlp, unsafe=unsafe)
    assert twice.text == once.text, (text, once.text, twice.text)


@SETTINGS
@given(
    text=st.text(alphabet=st.sampled_from(list("ab .\n")), max_size=3000),
    size=st.integers(20, 400),
    overlap=st.integers(0, 120),
)
def test_chunks_tile_the_text(text, size, overlap):
    overlap = min(overlap, size // 2)
    pieces = chunks(text, size=size, overlap=overlap)
    assert pieces[0].start == 0 and pieces[-1].end == len(text)
    assert pieces[0].own == 0
    for left, right in pairwise(pieces):
        assert left.own_end == right.own and right.start <= right.own <= left.end
        assert 0 < left.end - left.start <= size


@SETTINGS
@given(
    data=st.tuples(
        st.sampled_from(
            [
                b"",
                b"",
                b"\xef\xbb\xbf",
                b"\xff\xfe",
                b"\xfe\xff",
                b"\xff\xfe\x00\x00",
                b"\x00\x00\xfe\xff",
            ]
        ),
        st.one_of(st.binary(max_size=300), unicode_text.map(lambda t: t.encode("utf-8"))),
    ).map(b"".join)
)
def test_reading_any_bytes_fails_closed(data):
    """Any bytes are either caption text or a SourceError naming the file: never another
    exception, never text with NUL characters."""
    from caplint.sources import SourceError, decode

    try:
        text, encoding = decode("fuzz.txt", data)
    except SourceError as error:
        assert str(error).startswith("fuzz.txt: ") and error.reason
        return
    assert isinstance(text, str) and "\x00" not in text
    assert encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32")


def test_fragments_cover_every_lexicon():
    lexicons = sorted(Path(bundled_rules_dir(), "lexicons").glob("*.txt"))
    assert lexicons and len(fragments()) > 100
