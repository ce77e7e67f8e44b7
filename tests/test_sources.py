"""Caption sources: each format's captions, positions in the original file, and write-back."""

from __future__ import annotations

import difflib
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from caplint.checking import check_paths
from caplint.formats import SourceOptions, parse
from caplint.sources import SourceError, load

VIOLATION = "7 yo"

CASES = {
    "post.txt": (
        "Chest radiograph, frontal view.\nA 7 yo with a limp and a Salter-Harris II fracture.\n",
        (2, 3),
    ),
    "post.md": (
        "---\n"
        "title: Salter-Harris II fracture\n"
        "date: 2024-03-14\n"
        "author: Dr. John Smith\n"
        "Dayton: a key is never linted\n"
        "images:\n"
        "  - src: knee.png\n"
        '    alt: "Frontal radiograph, \\"left\\" knee: a 7 yo with a limp"\n'
        "---\n"
        "Frontal radiograph of the knee.\n",
        (8, 48),
    ),
    "cases.yaml": (
        "cases:\n"
        "  - id: 12\n"
        "    notes: 7 yo, from Dayton (not a caption field)\n"
        "    caption: >\n"
        "      Frontal radiograph of the knee,\n"
        "      a 7 yo with a limp.\n"
        "  - id: 13\n"
        "    caption: 'Chiari I malformation, it''s classic.'\n",
        (6, 9),
    ),
    "cases.json": (
        '{"cases": [\n'
        '  {"id": 1, "notes": "7 yo from Dayton", "Dayton": 1,\n'
        '   "caption": "Caf\\u00e9 \\"knee\\" view:\\n a 7 yo with a limp"}\n'
        "]}\n",
        (3, 45),
    ),
    "cases.csv": (
        "id,notes,caption\r\n"
        '1,7 yo from Dayton,"Knee, ""frontal"" view: a 7 yo with a limp"\r\n'
        '2,,"Chiari I malformation."\r\n',
        (2, 47),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_violation_in_a_caption_field_is_located_in_the_original_file(
    linter, rules_linter, tmp_path, name
) -> None:
    text, (line, column) = CASES[name]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    # without the learned sentence rules: their warning on a caption's whole sentence would be
    # a finding of another category than AGE, inside the caption
    (report,) = check_paths(rules_linter, [str(path)])
    assert report.error is None
    ages = [item for item in report.findings if item.finding.category == "AGE"]
    assert len(ages) == 1, [(i.finding.code, i.line) for i in report.findings]
    age = ages[0]
    assert (age.line, age.column) == (line, column)
    assert (age.end_line, age.end_column) == (line, column + len(VIOLATION))
    assert text[age.start : age.end] == VIOLATION
    assert age.finding.text == VIOLATION
    # nothing outside caption fields is flagged: no place, no date, no name from other fields
    assert {item.finding.category for item in report.findings} <= {"AGE"}
    # and with every rule, the learned sentence rules included, each finding lies in a caption
    (full,) = check_paths(linter, [str(path)])
    literals = [c.literal or (c.offset, c.offset + len(c.text)) for c in load(str(path)).captions]
    for item in full.findings:
        assert any(start <= item.start and item.end <= end for start, end in literals), (
            item.finding.code,
            item.line,
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_changes_only_the_caption(linter, tmp_path, name) -> None:
    text, _ = CASES[name]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    source = load(str(path))
    new_texts = [caption.text.replace(VIOLATION, "child") for caption in source.captions]
    assert new_texts != [c.text for c in source.captions]
    fixed = source.with_captions(new_texts)
    # the file reads back with exactly the new captions
    assert [c.text for c in parse(str(path), fixed).captions] == new_texts
    # and only the caption line changed, in place
    changed = [(a, b) for a, b in zip(text.splitlines(), fixed.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    before, after = changed[0]
    at = before.rindex(VIOLATION)  # the caption's, not the other field's
    assert before[:at] + "child" + before[at + len(VIOLATION) :] == after
    assert len(text.splitlines()) == len(fixed.splitlines())
    # the linter agrees
    path.write_text(fixed, encoding="utf-8", newline="")
    (report,) = check_paths(linter, [str(path)])
    assert not [i for i in report.findings if i.finding.category == "AGE"]


def test_markdown_keys_and_other_fields_are_not_captions() -> None:
    text, _ = CASES["post.md"]
    source = parse("post.md", text)
    assert [c.field for c in source.captions] == ["title", "images[0].alt", None]
    assert source.captions[-1].text == "Frontal radiograph of the knee.\n"


def test_yaml_scalar_styles_map_every_character() -> None:
    text = (
        "a:\n"
        "  caption: |\n"
        "    line one\n"
        "      indented\n"
        "    line three\n"
        "  alt: >-\n"
        "    folded one\n"
        "    two\n"
        "\n"
        "    three\n"
        '  description: "esc\\u00e9 \\"q\\" tab\\there\\\n'
        '     joined"\n'
        "  alt_text: 'it''s\n"
        "    folded'\n"
        "  title: plain\n"
        "    continued here\n"
    )
    source = parse("x.yaml", text)
    expected = yaml.safe_load(text)["a"]
    assert [c.text for c in source.captions] == [
        expected["caption"],
        expected["alt"],
        expected["description"],
        expected["alt_text"],
        expected["title"],
    ]
    for caption in source.captions:
        for index, char in enumerate(caption.text):
            start, end = caption.to_file(index), caption.to_file_end(index + 1)
            assert start < end, (caption.field, index)
            piece = text[start:end]
            if char.isalnum():
                assert char in piece or piece.startswith("\\"), (caption.field, index, piece)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=60), st.text(max_size=20), st.booleans())
def test_json_strings_round_trip(value, insert, ascii_only) -> None:
    text = json.dumps({"id": 1, "caption": value, "other": "x"}, ensure_ascii=ascii_only)
    source = parse("x.json", text)
    (caption,) = source.captions
    assert caption.text == value
    for index, char in enumerate(value):
        literal = text[caption.to_file(index) : caption.to_file_end(index + 1)]
        assert json.loads(f'"{literal}"') == char
    new = value[: len(value) // 2] + insert + value[len(value) // 2 :]
    fixed = source.with_captions([new])
    assert json.loads(fixed) == {"id": 1, "caption": new, "other": "x"}
    assert fixed.startswith(text[: text.index('"caption"')])
    assert fixed.endswith(text[text.index(', "other"') :])


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60),
    st.text(max_size=20),
    st.sampled_from(["plain", "single", "double", "literal", "folded"]),
)
def test_yaml_scalars_round_trip(value, insert, style) -> None:
    dumped = yaml.safe_dump(
        {"caption": value},
        allow_unicode=True,
        default_style={"plain": None, "single": "'", "double": '"', "literal": "|", "folded": ">"}[
            style
        ],
        width=30,
    )
    text = "id: 1\n" + dumped + "other: x\n"
    try:
        source = parse("x.yaml", text)
    except SourceError:
        return
    (caption,) = [c for c in source.captions]
    assert caption.text == yaml.safe_load(text)["caption"]
    new = value[: len(value) // 2] + insert + value[len(value) // 2 :]
    fixed = source.with_captions([new])
    assert yaml.safe_load(fixed) == {"id": 1, "caption": new, "other": "x"}
    assert fixed.startswith(text[: caption.literal[0]])
    assert fixed.endswith(text[text.rindex("other") :])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
        min_size=1,
        max_size=4,
    ),
    st.text(max_size=10),
)
def test_csv_round_trip(values, insert) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "caption", "notes"])
    for number, value in enumerate(values):
        writer.writerow([number, value, "n"])
    text = buffer.getvalue()
    source = parse("x.csv", text)
    assert [c.text for c in source.captions] == values
    new_texts = [v + insert for v in values]
    fixed = source.with_captions(new_texts)
    rows = list(csv.reader(io.StringIO(fixed, newline="")))
    assert [row[1] for row in rows[1:]] == new_texts
    assert [row[2] for row in rows[1:]] == ["n"] * len(values)


def test_configured_fields_and_column() -> None:
    options = SourceOptions(caption_fields=("legend",), csv_column="Legend")
    source = parse("x.yaml", "caption: not this\nlegend: this one\n", options)
    assert [c.text for c in source.captions] == ["this one"]
    source = parse("x.csv", "id;legend\n1;A knee.\n", options)
    assert [c.text for c in source.captions] == ["A knee."]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("x.json", '{"caption": "a",\n "b": }', "not valid JSON"),
        ("x.yaml", "caption: [unclosed\n", "not valid YAML"),
        ("x.csv", "id,text\n1,a\n", "no caption column 'caption'"),
        ("x.md", "---\ntitle: [x\n---\nbody\n", "front matter"),
    ],
)
def test_unreadable_structure_is_an_error_naming_the_problem(tmp_path, name, text, message) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load(str(path))
    assert message in str(info.value)


def test_markdown_without_front_matter_is_all_body() -> None:
    source = parse("x.md", "---\nnot closed\n")
    assert [c.text for c in source.captions] == ["---\nnot closed\n"]


def test_only_the_changed_characters_are_rewritten_in_json() -> None:
    text = '{"caption": "Caf\\u00e9 \\u00e9 a 7 yo"}'
    source = parse("x.json", text)
    fixed = source.with_captions([source.captions[0].text.replace("7 yo", "child")])
    diff = [d for d in difflib.ndiff([text], [fixed]) if d.startswith(("-", "+"))]
    assert fixed == '{"caption": "Caf\\u00e9 \\u00e9 a child"}', diff


def test_caplint_fix_changes_only_the_caption_in_every_format(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from caplint.cli import app

    monkeypatch.chdir(tmp_path)
    for name, (text, _) in CASES.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    result = CliRunner().invoke(app, ["fix", *sorted(CASES)])
    assert result.exit_code == 0, result.output
    for name, (text, (line, _column)) in CASES.items():
        fixed = (tmp_path / name).read_bytes().decode("utf-8")
        before, after = text.splitlines(), fixed.splitlines()
        assert len(before) == len(after), name
        changed = [
            number
            for number, (a, b) in enumerate(zip(before, after, strict=True), start=1)
            if a != b
        ]
        assert changed == [line], (name, changed)
        assert fixed.count(VIOLATION) == text.count(VIOLATION) - 1, name  # other fields kept
        original, now = parse(name, text), parse(name, fixed)
        assert len(original.captions) == len(now.captions)
        # outside the caption literals, the file is byte for byte the same
        first = next(c for c in original.captions if VIOLATION in c.text)
        start, end = first.literal or (first.offset, first.offset + len(first.text))
        assert fixed[:start] == text[:start], name
        assert fixed.endswith(text[end:]), name
