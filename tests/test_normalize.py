"""Evasion resistance: the normalized view folds what hides an identifier from the patterns, and
every finding still points into the ORIGINAL text (``finding.text == text[start:end]``)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from caplint.normalize import CHUNK_CHARS, chunks, normalize, view_batches

# (adversarial caption, category that must be found, the original text the finding must cover)
ADVERSARIAL = [
    ("A 7\u200b-year-old boy with a limp.", "AGE", "7\u200b-year-old"),
    ("A \uff17-year-old boy with a limp.", "AGE", "\uff17-year-old"),
    ("J\u200bohn Smith presented with a limp.", "NAME", "J\u200bohn Smith"),
    ("\uff2d\uff32\uff2e 1234567, CT head.", "ID", "\uff2d\uff32\uff2e 1234567"),
    ("A seventeen-year-old with knee pain.", "AGE", "seventeen-year-old"),
    ("twenty-two yo with back pain", "AGE", "twenty-two yo"),
    # letter spacing
    ("A s e v e n - y e a r - o l d boy.", "AGE", "s e v e n - y e a r - o l d"),
    ("A 7 - y e a r - o l d boy.", "AGE", "7 - y e a r - o l d"),
    ("A 7 - year - old boy.", "AGE", "7 - year - old"),
    ("t w e n t y - t w o y/o with back pain", "AGE", "t w e n t y - t w o y/o"),
    ("s.e.v.e.n.y.e.a.r.o.l.d with a cough", "AGE", "s.e.v.e.n.y.e.a.r.o.l.d"),
    ("M R N 1 2 3 4 5 6 7, CT head.", "ID", "M R N 1 2 3 4 5 6 7"),
    # digits for letters (number words only) and the letter O for zero
    ("A s3ven-year-old boy.", "AGE", "s3ven-year-old"),
    ("sev3nteen yo with a cough", "AGE", "sev3nteen yo"),
    ("A 7-year-0ld boy.", "AGE", "7-year-0ld"),
    ("A 4O-year-old man.", "AGE", "4O-year-old"),
    # look-alike letters (Cyrillic, Greek) inside Latin words
    ("A 7-\u0443\u0435\u0430r-\u043eld boy", "AGE", "7-\u0443\u0435\u0430r-\u043eld"),
    ("J\u043ehn Smith presented with a limp.", "NAME", "J\u043ehn Smith"),
    ("\u041cRN 1234567", "ID", "\u041cRN 1234567"),
    ("\u039cRN 1234567", "ID", "\u039cRN 1234567"),
    # invisible and formatting characters, odd dashes and spaces
    ("A 7\u00ad-year-old boy.", "AGE", "7\u00ad-year-old"),
    ("A 7\u2011year\u2011old boy.", "AGE", "7\u2011year\u2011old"),
    ("A 7\u2060-year\u200d-old boy.", "AGE", "7\u2060-year\u200d-old"),
    ("A 7\u202e-year-old boy.", "AGE", "7\u202e-year-old"),
    ("A 7\u0336-year-old boy.", "AGE", "7\u0336-year-old"),
    ("A 7\x08-year-old boy.", "AGE", "7\x08-year-old"),
    ("A 7\ufe0f-year-old boy.", "AGE", "7\ufe0f-year-old"),
    ("J\u0332o\u0332h\u0332n Smith presented with a limp.", "NAME", "J\u0332o\u0332h\u0332n Smith"),
    ("Seen on March\u00a03, 2024 with a limp.", "DATE", "March\u00a03, 2024"),
    ("Call 555\u2012867\u20125309 for the images.", "ID", "555\u2012867\u20125309"),
    # compatibility forms: full-width, mathematical, other scripts' digits
    (
        "\uff2a\uff4f\uff48\uff4e \uff33\uff4d\uff49\uff54\uff48 presented with a limp.",
        "NAME",
        "\uff2a\uff4f\uff48\uff4e \uff33\uff4d\uff49\uff54\uff48",
    ),
    ("A \U0001d7d5-year-old boy.", "AGE", "\U0001d7d5-year-old"),
    ("A \u0667-year-old boy.", "AGE", "\u0667-year-old"),
    ("A \uff17\uff59\uff4f boy.", "AGE", "\uff17\uff59\uff4f boy"),
    ("A 7 y\u2044o girl.", "AGE", "7 y\u2044o girl"),
    ("Contact jdoe\uff20example.com for details.", "ID", "jdoe\uff20example.com"),
]

# ordinary clinical text the folds must leave exactly as it is
CLINICAL = [
    "T2 hyperintense lesion at C3 and L4-5.",
    "Disc bulge @ L4-5 and C5-6, S1 radiculopathy, T10 compression fracture.",
    "A 1.5 T scanner; a 3 x 4 x 5 cm mass; 40 HU.",
    "Type I and type II endoleaks; grade 2 - 3 reflux.",
    "TI-RADS 4 nodule, 5 mm; BI-RADS 0.",
    "Findings 1 2 3 in the figure; a b c panels.",
    "A 5 Fr catheter and a 10-Fr sheath.",
    "O2 saturation 92%, CO2 retention, I-131 therapy.",
    "e.g. a 2.5 cm lesion, i.e. benign.",
    "Gleason 3 + 4, 1st and 2nd ribs, 3rd ventricle.",
]


@pytest.mark.parametrize(
    ("caption", "category", "covered"), ADVERSARIAL, ids=[repr(c[0])[:40] for c in ADVERSARIAL]
)
def test_adversarial_form_is_caught_on_the_original_text(linter, caption, category, covered):
    findings = linter.lint(caption)
    for finding in findings:
        assert finding.text == caption[finding.start : finding.end]
    hits = [f for f in findings if f.category == category]
    assert hits, f"{caption!r}: no {category} finding; got {[f.code for f in findings]}"
    assert any(caption[f.start : f.end] == covered for f in hits), (
        f"{caption!r}: {category} spans {[caption[f.start : f.end] for f in hits]}, "
        f"expected {covered!r}"
    )


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_is_left_alone(text):
    view = normalize(text)
    assert view.text == text
    assert view.origin is None


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_gets_no_age_or_id_finding(linter, text):
    hits = [(f.code, f.text) for f in linter.lint(text) if f.category in ("AGE", "ID")]
    assert not hits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7\u200b-year-old", "7-year-old"),
        ("\uff17-year-old", "7-year-old"),
        ("\uff2d\uff32\uff2e", "MRN"),
        ("s e v e n - y e a r - o l d", "seven-year-old"),
        ("a 7 y o boy", "a 7 yo boy"),
        ("t w e n t y t w o", "twenty two"),
        ("7.5 y e a r s old", "7.5 years old"),
        ("5 5 5 1 2 3 4", "5551234"),
        ("1 2 3", "1 2 3"),
        ("s3ven 0ld y3ars", "seven old years"),
        ("J\u043ehn", "John"),
        ("\u0422\u041e\u041c", "TOM"),
        # real Greek and Russian words keep their letters; lone Greek letters read as Latin
        ("\u041c\u043e\u0441\u043a\u0432\u0430", "\u041c\u043e\u0441\u043a\u0432\u0430"),
        ("\u03b2-hCG and 5 \u03bcg", "\u03b2-hCG and 5 \u03bcg"),
        ("line\u2028break", "line\nbreak"),
        ("tab\tand\r\nnewline", "tab\tand\r\nnewline"),
    ],
)
def test_normalized_view(text, expected):
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "A s e v e n - y e a r - o l d boy.",
        "J\u200bohn",
        "\ufb01ve \ufb03",
        "M R N 1 2 3 4",
        "7 - year - old",
        "\u0301\u0301abc\u200b",
        "\uff17\uff59\uff4f",
        "x\u2028y\u0085z",
    ],
)
def test_origin_map_is_monotonic_and_in_bounds(text):
    view = normalize(text)
    assert view.origin is not None
    assert len(view.origin) == len(view.text)
    assert list(view.origin) == sorted(view.origin)
    assert all(0 <= i < len(text) for i in view.origin)
    start, end = view.span(0, len(view.text))
    assert 0 <= start <= end <= len(text)


def test_ascii_text_without_tricks_is_not_copied():
    text = "A child with a limp. " * 100
    view = normalize(text)
    assert view.text is text and view.origin is None


# ----------------------------------------------------------------------------- long captions


def test_short_text_is_one_chunk_owning_everything():
    (chunk,) = chunks("short caption")
    assert (chunk.start, chunk.end) == (0, 13)
    assert chunk.owns(0) and chunk.owns(12)


@pytest.mark.parametrize(
    "text",
    [
        "word " * 30_000,
        "x" * 50_000,
        ("A sentence here. " * 700 + "\n\n") * 5,
    ],
)
def test_chunks_cover_the_text_and_ownership_is_a_partition(text):
    pieces = chunks(text, size=CHUNK_CHARS, overlap=2_000)
    assert pieces[0].start == 0 and pieces[-1].end == len(text)
    assert pieces[0].own == 0 and pieces[-1].own_end == len(text)
    for left, right in pairwise(pieces):
        assert left.own_end == right.own, "owned parts must tile the text"
        assert right.start <= right.own < left.end, "the boundary lies in the overlap"
        # a finding of up to 500 characters that starts in the left part ends inside it
        assert left.end - left.own_end >= 500
    assert all(p.end - p.start <= CHUNK_CHARS for p in pieces)


def test_view_batches_bound_count_and_characters():
    texts = ["short"] * 10 + ["y " * 30_000] + ["short"] * 3
    batches = list(view_batches(texts, batch_size=4, max_chars=25_000))
    assert all(len(batch) <= 4 for batch in batches)
    assert all(sum(len(p.text) for p in batch) <= 25_000 for batch in batches)
    assert sum(piece.last for batch in batches for piece in batch) == len(texts)


def test_long_caption_findings_are_whole_and_reported_once(linter):
    filler = "Findings are typical of the disease with T2 signal and no complication. "
    planted = "A 7-year-old boy. MRN 1234567. "
    parts, expected = [], []
    position = 0
    for index in range(60):
        chunk = filler * (3 * (index % 7) + 1)
        parts.append(chunk)
        position += len(chunk)
        parts.append(planted)
        expected.append(position + 2)  # the age
        position += len(planted)
    text = "".join(parts)
    assert len(text) > 3 * CHUNK_CHARS
    findings = linter.lint(text)
    assert all(f.text == text[f.start : f.end] for f in findings)
    ages = sorted(f.start for f in findings if f.category == "AGE")
    assert ages == expected
    ids = [f for f in findings if f.code == "ID001"]
    assert len(ids) == 60 and all(f.text == "MRN 1234567" for f in ids)
