"""Per-finding fixes (caplint.fixes): each fix action on hand-made findings, then the safe fixes
through the real linter, then properties over every caption of the dev corpus: fixing twice is
fixing once, the fixed text no longer has what was fixed, offsets hold with Unicode and CRLF."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from caplint.findings import Finding
from caplint.fixes import (
    Edit,
    apply_edits,
    fix_caption,
    fix_text,
    fixable,
    plan,
    sentences,
    tidy,
    unified_diff,
)

ROOT = Path(__file__).resolve().parent.parent
DEV = [
    json.loads(line)
    for line in (ROOT / "corpus" / "dev.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def finding(
    text: str,
    part: str,
    category: str,
    action: str,
    *,
    safe: bool = True,
    severity: str = "error",
    occurrence: int = 0,
    code: str = "TEST001",
) -> Finding:
    """A finding on the ``occurrence``-th ``part`` of ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return Finding(
        code=code,
        name="test",
        category=category,
        severity=severity,
        message="m",
        suggestion=None,
        start=start,
        end=start + len(part),
        text=part,
        fix=action,
        fix_safe=safe,
    )


def fixed(text: str, *specs: tuple) -> str:
    findings = [finding(text, *spec) for spec in specs]
    return fix_text(text, findings)[0]


# ------------------------------------------------------------------------------ fix actions


@pytest.mark.parametrize(
    ("text", "part", "expected"),
    [
        ("A 7-year-old boy with a limp.", "7-year-old", "A child with a limp."),
        ("An 80-year-old man with a fall.", "80-year-old", "An elderly man with a fall."),
        ("A 45-year-old with headache.", "45-year-old", "An adult with headache."),
        ("45 y/o F with headache.", "45 y/o F", "Adult woman with headache."),
        ("72M with abdominal pain.", "72M", "Elderly man with abdominal pain."),
        ("History: 79 y/o woman, hx of falls.", "79 y/o", "History: Elderly woman, hx of falls."),
        (
            "Sagittal image of a two-year-old boy shows a mass.",
            "two-year-old",
            "Sagittal image of a toddler shows a mass.",
        ),
        ("A woman in her 60s with hip pain.", "in her 60s", "An elderly woman with hip pain."),
        ("History: Boy, age 9, with a limp.", "age 9", "History: Child with a limp."),
        ("Hypothyroidism since age 6.", "age 6", "Hypothyroidism since childhood."),
        ("A preterm newborn born at 26 weeks.", "born at 26 weeks", "A preterm newborn."),
        (
            "A boy born at 26 weeks has lung disease.",
            "born at 26 weeks",
            "A boy born preterm has lung disease.",
        ),
        (
            "Fetus at 22 weeks with ventriculomegaly.",
            "Fetus at 22 weeks",
            "Fetus with ventriculomegaly.",
        ),
        (
            "Ex-28-weeker with chronic lung disease.",
            "Ex-28-weeker",
            "Former preterm infant with chronic lung disease.",
        ),
    ],
)
def test_age_becomes_an_age_group_and_the_sentence_reads(text, part, expected) -> None:
    assert fixed(text, (part, "AGE", "age-group")) == expected


@pytest.mark.parametrize(
    ("text", "part", "category", "expected"),
    [
        ("A toddler from Dayton with a limp.", "Dayton", "LOCATION", "A toddler with a limp."),
        (
            "Injured on a fishing trip in Florida.",
            "Florida",
            "LOCATION",
            "Injured on a fishing trip.",
        ),
        (
            "Referred by her orthodontist in Mason, Ohio for a jaw mass.",
            "Ohio",
            "LOCATION",
            "Referred by her orthodontist for a jaw mass.",
        ),
        (
            "Transferred from Mercy Hospital with a bleed.",
            "Mercy Hospital",
            "LOCATION",
            "Transferred from an outside hospital with a bleed.",
        ),
        ("Seen on March 3, 2024 with a limp.", "March 3, 2024", "DATE", "Seen with a limp."),
        (
            "CT of the chest, January 2020, shows opacities.",
            "January 2020",
            "DATE",
            "CT of the chest shows opacities.",
        ),
        (
            "Interesting one from last night's call. Neonate with emesis.",
            "last night",
            "DATE",
            "Interesting one. Neonate with emesis.",
        ),
        (
            "MRN 00123456, CT head shows a fracture.",
            "MRN 00123456",
            "ID",
            "CT head shows a fracture.",
        ),
        (
            "Axial CT (series 4; MRN 7784-2210) shows an abscess.",
            "MRN 7784-2210",
            "ID",
            "Axial CT (series 4) shows an abscess.",
        ),
        ("CT head (ID: 987654321) shows a bleed.", "ID: 987654321", "ID", "CT head shows a bleed."),
        (
            "Contact the family at jdoe@example.com for details.\nCT shows a mass.",
            "jdoe@example.com",
            "ID",
            "CT shows a mass.",
        ),
        ("Swirl sign. #Dayton #pedsrad", "#Dayton", "LOCATION", "Swirl sign. #pedsrad"),
        ("His wife Maria noticed the swelling.", "Maria", "NAME", "His wife noticed the swelling."),
        (
            "John Smith presented with a limp.",
            "John Smith",
            "NAME",
            "The patient presented with a limp.",
        ),
        (
            "History: Mr. J., a long-haul driver, was seen for calf pain.",
            "J.",
            "NAME",
            "History: The patient, a long-haul driver, was seen for calf pain.",
        ),
        (
            "CT of the abdomen of Mr. R. Alvarez shows appendicitis.",
            "R. Alvarez",
            "NAME",
            "CT of the abdomen of the patient shows appendicitis.",
        ),
    ],
)
def test_removal_takes_the_words_that_only_served_the_span(text, part, category, expected) -> None:
    assert fixed(text, (part, category, "remove")) == expected


@pytest.mark.parametrize(
    ("text", "specs", "expected"),
    [
        (
            "History: 79 y/o woman, hx of falls, on warfarin, lives in assisted living.",
            [("lives in assisted living", "HISTORY", "remove-clause")],
            "History: 79 y/o woman, hx of falls, on warfarin.",
        ),
        (
            "History: 79 y/o woman, hx of falls, on warfarin.",
            [("hx of falls", "HISTORY", "remove-clause")],
            "History: 79 y/o woman, on warfarin.",
        ),
        (
            "CT shows an epidural hematoma. He died two days later.",
            [("died two days later", "OUTCOME", "remove-clause")],
            "CT shows an epidural hematoma.",
        ),
        (
            "Figure 6. Gross specimen at autopsy shows a ruptured aneurysm.",
            [("autopsy", "OUTCOME", "remove-clause")],
            "Figure 6. Gross specimen shows a ruptured aneurysm.",
        ),
        (
            "Radiograph of a boxer who punched a wall shows a fracture.",
            [("punched a wall", "HISTORY", "remove-clause")],
            "Radiograph of a boxer shows a fracture.",
        ),
        (
            "Diagnosis: Osteosarcoma.\nFollow-up: the patient passed away in 2022.",
            [("passed away", "OUTCOME", "remove-sentence")],
            "Diagnosis: Osteosarcoma.",
        ),
        (
            "Elderly man with prostate CA s/p radical prostatectomy, rising PSA.",
            [("s/p", "HISTORY", "remove-clause")],
            "Elderly man with prostate CA, rising PSA.",
        ),
    ],
)
def test_clauses_and_sentences(text, specs, expected) -> None:
    assert fixed(text, *specs) == expected


def test_a_sentence_with_nothing_of_the_disease_left_is_dropped() -> None:
    text = "Treated at Landstuhl Army Medical Center.\nCT shows a pneumothorax."
    assert fixed(text, ("Landstuhl Army Medical Center", "LOCATION", "remove")) == (
        "CT shows a pneumothorax."
    )


def test_a_line_the_edits_empty_goes_with_its_line_break() -> None:
    text = "Ida 🌀 Houma\r\nCT shows a bleed.\r\n\r\n#neurorad"
    out = fixed(text, ("Ida", "NAME", "remove"), ("Houma", "LOCATION", "remove"))
    assert out == "CT shows a bleed.\r\n\r\n#neurorad"


def test_a_bracket_pair_is_never_split() -> None:
    text = "Child with NF1 (diagnosed after his dad was diagnosed). MRI shows a glioma."
    out = fixed(text, ("after his dad was diagnosed)", "HISTORY", "remove-clause"))
    assert out.count("(") == out.count(")")
    assert "glioma" in out


def test_an_edit_never_splits_a_character_from_its_marks() -> None:
    text = "Jose\u0301 Smith 👩🏽\u200d⚕️ had a fall."
    assert fixed(text, ("Jose", "NAME", "remove")) == "Smith 👩🏽\u200d⚕️ had a fall."
    # a span that ends inside an emoji sequence takes the whole sequence
    emoji = text.index("👩")
    cut = Finding(
        "T1", "t", "ID", "error", "m", None, emoji, emoji + 1, fix="remove", fix_safe=True
    )
    assert "\u200d" not in fix_text(text, [cut])[0]
    assert "🏽" not in fix_text(text, [cut])[0]


def test_nothing_to_fix_leaves_the_text_as_it_was() -> None:
    text = "  Odd   spacing ,kept  as is.\r\n#x  "
    assert fix_text(text, []) == (text, [])
    assert tidy(text, []) == text


def test_tidy_only_touches_the_edits_surroundings() -> None:
    text = "Keep  this ( odd ) spacing. Remove X here , ok."
    new, points = apply_edits(text, [Edit(text.index("X"), text.index("X") + 1, "")])
    out = tidy(new, points)
    assert out.startswith("Keep  this ( odd ) spacing.")
    assert "Remove here" in out


@pytest.mark.parametrize(
    "hostile",
    [
        " " * 50_000 + "x",
        ". " * 25_000 + "x",
        "a." * 25_000,
        ", " * 25_000 + "x",
        "and " * 12_000 + "x",
        "#a " * 15_000,
        "1" * 50_000 + "x",
        "(" * 50_000,
    ],
)
def test_tidy_and_sentences_stay_fast_on_hostile_text(hostile) -> None:
    import time

    began = time.perf_counter()
    sentences(hostile)
    text = "A 7 yo X here. " + hostile
    new, points = apply_edits(text, [Edit(9, 10, "")])
    tidy(new, [*points, len(new) // 2, len(new) - 1])
    assert time.perf_counter() - began < 10


def test_a_caption_longer_than_the_limit_is_not_fixed(linter) -> None:
    from caplint.fixes import MAX_FIX_CHARS

    text = "A 7-year-old boy with a limp. " + "CT is normal. " * (MAX_FIX_CHARS // 14)
    result = fix_caption(linter, text)
    assert result.text == text and not result.applied and result.remaining


def test_unsafe_findings_are_not_fixable_unless_asked() -> None:
    text = "Fell three weeks ago."
    unsafe = finding(text, "three weeks ago", "DATE", "remove", safe=False, severity="warning")
    assert not fixable(unsafe)
    assert fixable(unsafe, unsafe=True)
    caption_level = Finding(
        "RISK001",
        "x",
        "COMBINED_RISK",
        "error",
        "m",
        None,
        0,
        4,
        source="caption",
        fix="remove",
        fix_safe=True,
    )
    assert not fixable(caption_level, unsafe=True)


def test_edits_never_overlap_and_are_sorted() -> None:
    text = "A 7-year-old boy from Dayton fell off his trampoline on March 3 and died."
    findings = [
        finding(text, "7-year-old", "AGE", "age-group"),
        finding(text, "Dayton", "LOCATION", "remove"),
        finding(
            text,
            "fell off his trampoline on March 3",
            "HISTORY",
            "remove-clause",
            safe=False,
            severity="warning",
        ),
        finding(text, "March 3", "DATE", "remove"),
        finding(text, "died", "OUTCOME", "remove-clause", safe=False),
    ]
    edits = plan(text, findings)
    assert edits == sorted(edits, key=lambda e: e.start)
    for left, right in itertools.pairwise(edits):
        assert left.end <= right.start


def test_sentences_split_on_lines_and_stops_but_not_abbreviations() -> None:
    text = "Seen by Dr. Lee. CT shows e.g. a mass!\r\nMr. J. had a fall? Yes."
    parts = [text[s.start : s.end] for s in sentences(text)]
    assert parts == ["Seen by Dr. Lee.", "CT shows e.g. a mass!", "Mr. J. had a fall?", "Yes."]


def test_unified_diff_keeps_line_endings() -> None:
    diff = unified_diff("a.txt", "one\r\ntwo\r\n", "one\r\n2\r\n")
    assert "-two\r\n" in diff and "+2\r\n" in diff
    assert unified_diff("a.txt", "x", "x") == ""
    assert "No newline at end of file" in unified_diff("a.txt", "x", "y")


# ------------------------------------------------------------------------------ real linter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A 7-year-old boy with a limp.", "A child with a limp."),
        (
            "👶🏽 A 7‑year‑old from Dayton ❤️\r\nCT: “swirl sign” in the clot.",
            "👶🏽 A child ❤️\r\nCT: “swirl sign” in the clot.",
        ),
        (
            "Nai\u0308ve pattern: 45 y/o F with headache.\r\nCT: “no bleed”.",
            "Nai\u0308ve pattern: adult woman with headache.\r\nCT: “no bleed”.",
        ),
        ("45 y/o F with headache.", "Adult woman with headache."),
        ("72M with abdominal pain.", "Elderly man with abdominal pain."),
        ("A toddler from Dayton with a limp.", "A toddler with a limp."),
        ("Seen on March 3, 2024 with a limp.", "Seen with a limp."),
        ("MRN 00123456, CT head shows a fracture.", "CT head shows a fracture."),
        ("Swirl sign. #Dayton #pedsrad", "Swirl sign. #pedsrad"),
        ("Pt is a 44 year old male with dyspnea.", "Pt is an adult male with dyspnea."),
    ],
)
def test_safe_fixes_through_the_linter(linter, text, expected) -> None:
    assert fix_caption(linter, text).text == expected


def test_unsafe_fixes_only_when_asked(linter) -> None:
    text = "Figure 5. Follow-up CT three weeks later shows enlargement of the pseudoaneurysm."
    assert fix_caption(linter, text).text == text
    assert "three weeks later" not in fix_caption(linter, text, unsafe=True).text


def test_the_memo_fixes_as_fix_caption_does(linter, lint_memo) -> None:
    for text in [record["text"] for record in DEV[:40]]:
        for unsafe in (False, True):
            assert lint_memo.fix(text, unsafe) == fix_caption(linter, text, unsafe).text


@pytest.fixture(scope="module")
def safe_fixes(lint_memo) -> list[tuple[str, str]]:
    return [(r["text"], lint_memo.fix(r["text"])) for r in DEV]


@pytest.fixture(scope="module")
def unsafe_fixes(lint_memo) -> list[tuple[str, str]]:
    return [(r["text"], lint_memo.fix(r["text"], unsafe=True)) for r in DEV]


def test_corpus_fixing_twice_is_fixing_once(lint_memo, safe_fixes, unsafe_fixes) -> None:
    unstable = [before for before, after in safe_fixes if lint_memo.fix(after) != after]
    assert not unstable, unstable[:3]
    unstable = [before for before, after in unsafe_fixes
                if lint_memo.fix(after, unsafe=True) != after]
    assert not unstable, unstable[:3]


def test_corpus_fixed_text_lints_clean_for_the_fixed_rules(lint_memo, safe_fixes) -> None:
    left = {}
    for before, after in safe_fixes:
        codes = {f.code for f in lint_memo.lint(before) if fixable(f)}
        still = [f.code for f in lint_memo.lint(after) if fixable(f) and f.code in codes]
        if still:
            left[before[:60]] = still
    # a safe fix removes what it fixes; at most a handful of captions keep a finding the
    # fixer could not edit (e.g. a span the linter reports again in other words)
    assert len(left) <= len(safe_fixes) // 50, left


def test_corpus_captions_without_findings_are_untouched(lint_memo, safe_fixes) -> None:
    for before, after in safe_fixes:
        if not [f for f in lint_memo.lint(before) if fixable(f)]:
            assert after == before


def test_corpus_fixes_leave_no_double_spaces_or_dangling_commas(safe_fixes, unsafe_fixes) -> None:
    import re

    for before, after in safe_fixes + unsafe_fixes:
        if before == after:
            continue
        for bad in (r"(?<=\S)  +(?=\S)", r",\s*[,.]", r"\(\s*\)", r"^\s*[,;:]", r" [,.;:](?!\w)"):
            new = re.findall(bad, after, re.M)
            old = re.findall(bad, before, re.M)
            assert len(new) <= len(old), (bad, before, after)


@pytest.mark.parametrize("variant", ["crlf", "emoji", "combining", "curly"])
def test_corpus_offsets_hold_with_unicode_and_line_breaks(linter, safe_fixes, variant) -> None:
    """The same caption written with CRLF, or after a line with an emoji sequence (skin tone,
    zero-width joiner), combining marks or curly quotes: the fix is the same fix, shifted."""
    prefix = {
        "emoji": "👩🏽‍⚕️🫀\n",
        "combining": "Nai\u0308ve “e\u0301cho” note.\n",
        "curly": "“Classic” case — ‘really’.\n",
    }
    checked = 0
    for before, after in safe_fixes[:120]:
        if before == after:
            continue
        if variant == "crlf":
            if "\n" not in before:
                continue
            got = fix_caption(linter, before.replace("\n", "\r\n")).text
            assert got == after.replace("\n", "\r\n"), before
        else:
            got = fix_caption(linter, prefix[variant] + before).text
            assert got == prefix[variant] + after, before
        checked += 1
    assert checked >= 10
