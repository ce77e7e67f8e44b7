"""Configuration files: discovery (closest wins), --config, every key, errors, `caplint config`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_cli import LEARNED_RULES, invoke, one_model_load  # noqa: F401

from caplint.config import ConfigError
from caplint.configfile import Resolver, ignored_for, load

CAPTION = "A 7 yo from Dayton, seen on 3/14/2024.\n"
#: the ignore list of the root configuration file: DATE, and the learned sentence rules (their
#: warning on the whole sentence, and the caption-level findings it adds, are not what these
#: tests are about); a TOML array of strings is written like a JSON one
IGNORE = json.dumps(["DATE", *LEARNED_RULES])


def findings(result) -> list[dict]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def codes_by_file(result) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings(result):
        out.setdefault(Path(f["path"]).name, set()).add(f["category"])
    return out


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    for name in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
        (tmp_path / name).write_text(CAPTION, encoding="utf-8")
    return tmp_path


def test_closest_configuration_wins(tree) -> None:
    (tree / ".caplint.toml").write_text(f"ignore = {IGNORE}\n", encoding="utf-8")
    (tree / "sub" / "pyproject.toml").write_text(
        '[tool.caplint]\nselect = ["AGE"]\n', encoding="utf-8"
    )
    result = invoke("check", "--format", "json", "--no-cache", str(tree))
    assert codes_by_file(result) == {
        "a.txt": {"AGE", "LOCATION"},
        "b.txt": {"AGE"},
        "c.txt": {"AGE"},
    }


def test_pyproject_without_a_caplint_table_is_skipped(tree) -> None:
    (tree / ".caplint.toml").write_text('select = ["DATE"]\n', encoding="utf-8")
    (tree / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    result = invoke("check", "--format", "json", "--no-cache", "sub/b.txt")
    assert codes_by_file(result) == {"b.txt": {"DATE"}}


def test_explicit_config_applies_to_every_file(tree) -> None:
    (tree / "sub" / ".caplint.toml").write_text('select = ["AGE"]\n', encoding="utf-8")
    other = tree / "only-location.toml"
    other.write_text('select = ["LOCATION"]\n', encoding="utf-8")
    result = invoke("check", "--format", "json", "--no-cache", "--config", str(other), str(tree))
    assert set(codes_by_file(result)) == {"a.txt", "b.txt", "c.txt"}
    assert all(c == {"LOCATION"} for c in codes_by_file(result).values())


def test_command_line_overrides_the_file(tree) -> None:
    (tree / ".caplint.toml").write_text('select = ["AGE"]\n', encoding="utf-8")
    result = invoke("check", "--format", "json", "--no-cache", "--select", "DATE", "a.txt")
    assert codes_by_file(result) == {"a.txt": {"DATE"}}


def test_every_key(tree) -> None:
    rules = tree / "policy"
    rules.mkdir()
    (rules / "vip.yaml").write_text(
        "pack: vip\nrules:\n  - code: VIP001\n    name: vip-name\n    category: HIGH_PROFILE\n"
        "    severity: error\n    message: A local VIP\n    why: Our policy.\n"
        "    detect: {phrases: [Mayor Quimby]}\n"
        "    examples: {fail: [Mayor Quimby fell.], pass: [A fall.]}\n",
        encoding="utf-8",
    )
    (tree / ".caplint.toml").write_text(
        f"ignore = {IGNORE}\n"
        'fail-on = "warning"\n'
        'allow-words = ["Dayton"]\n'
        'allow-regex = ["#ourdept\\\\w*"]\n'
        'rules = ["policy"]\n'
        'caption-fields = ["legend"]\n'
        'csv-column = "Legend"\n'
        'model = "en_core_web_sm"\n'
        "allow-suppressions = false\n"
        '[severity]\nAGE = "warning"\n'
        '[per-file-ignores]\n"sub/**/*.txt" = ["AGE"]\n',
        encoding="utf-8",
    )
    (tree / "d.yaml").write_text(
        "caption: A 7 yo.\nlegend: Chest CT of Mayor Quimby. #ourdeptrad\n", encoding="utf-8"
    )
    (tree / "e.csv").write_text("id,Legend\n1,A 7 yo from Dayton.\n", encoding="utf-8")
    result = invoke("check", "--format", "json", "--no-cache", str(tree))
    assert result.exit_code == 1  # warnings fail with fail-on = warning
    by_file = {}
    for f in findings(result):
        by_file.setdefault(Path(f["path"]).name, []).append((f["code"], f["severity"]))
    assert by_file["a.txt"] == [("AGE002", "warning")]  # Dayton allowed, DATE ignored
    assert "b.txt" not in by_file and "c.txt" not in by_file  # per-file ignores
    assert by_file["d.yaml"] == [("VIP001", "error")]  # only the legend field; hashtag allowed
    assert by_file["e.csv"] == [("AGE002", "warning")]
    shown = invoke("config", str(tree / "a.txt"))
    assert shown.exit_code == 0, shown.output
    assert f"# from: {tree / '.caplint.toml'}" in shown.stdout
    for line in (
        f"ignore = {IGNORE}",
        'fail-on = "warning"',
        "allow-suppressions = false",
        'caption-fields = ["legend"]',
        '"sub/**/*.txt" = ["AGE"]',
        'AGE = "warning"',
        f'rules = ["{rules}"]',
    ):
        assert line in shown.stdout


def test_config_command_with_defaults(tree) -> None:
    shown = invoke("config")
    assert shown.exit_code == 0
    assert "# from: defaults (no configuration file found)" in shown.stdout
    assert 'fail-on = "error"' in shown.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            'fail_on = "warning"\n',
            ["key 'fail_on'", "did you mean 'fail-on'", "valid keys: select"],
        ),
        ('colour = "red"\n', ["key 'colour'", "unknown key", "fail-on"]),
        ('fail-on = "fatal"\n', ["key 'fail-on'", "'fatal' is not one of info, warning, error"]),
        ('select = "AGE"\n', ["key 'select'", "must be a list of strings"]),
        ('select = ["NOPE"]\n', ["key 'select'", "'NOPE' names no rule", "AGE"]),
        (
            '[severity]\nAGE = "loud"\n',
            ["key 'severity.AGE'", "is not one of info, warning, error"],
        ),
        ('allow-suppressions = "no"\n', ["key 'allow-suppressions'", "true or false"]),
        ('allow-regex = ["(unclosed"]\n', ["key 'allow-regex'", "not a valid regular expression"]),
        ('rules = ["missing-folder"]\n', ["key 'rules'", "does not exist"]),
        ('[per-file-ignores]\n"*.txt" = ["NOPE1"]\n', ["per-file-ignores.*.txt", "names no rule"]),
        ("select = [\n", ["line 2", "not valid TOML"]),
    ],
)
def test_bad_configuration_is_exit_2_naming_file_key_and_valid_values(
    tree, content, expected
) -> None:
    (tree / ".caplint.toml").write_text(content, encoding="utf-8")
    for command in (["check", "--no-cache", "a.txt"], ["config"]):
        result = invoke(*command)
        assert result.exit_code == 2, (command, result.output)
        assert str(tree / ".caplint.toml") in result.stderr
        for piece in expected:
            assert piece in result.stderr, (piece, result.stderr)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            ".caplint.toml",
            '# policy\nselect = ["AGE"]\n\nfail_on = "warning"\n',
            "line 4: key 'fail_on': unknown key (did you mean 'fail-on'?); valid keys: select,",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n\n[tool.caplint]\nselect = ["AGE"]\ncolour = "red"\n',
            "line 6: key 'colour': unknown key; valid keys: select,",
        ),
        (
            "pyproject.toml",
            '[tool]\ncaplint = { select = ["AGE"], colour = "red" }\n',
            "line 2: key 'colour': unknown key; valid keys: select,",
        ),
        (
            ".caplint.toml",
            'model = """\ncolour = 1\n"""\ncolour = 2\n',
            "line 4: key 'colour': unknown key; valid keys: select,",
        ),
        (
            ".caplint.toml",
            'select = ["AGE"]\n\n[severity]\nAGE = "loud"\n',
            "line 4: key 'severity.AGE': 'loud' is not one of info, warning, error",
        ),
        (
            ".caplint.toml",
            'select = [\n  "AGE",\n]\nignore = ["NOPE"]\n',
            "line 4: key 'ignore': 'NOPE' names no rule; valid values: rule codes",
        ),
    ],
)
def test_configuration_errors_name_the_line_of_the_key(tree, name, content, expected) -> None:
    path = tree / name
    path.write_text(content, encoding="utf-8")
    for command in (["check", "--no-cache", "a.txt"], ["config"]):
        result = invoke(*command)
        assert result.exit_code == 2, (command, result.output)
        assert f"{path}: {expected}" in result.stderr, result.stderr


def test_unknown_select_on_the_command_line(tree) -> None:
    result = invoke("check", "--no-cache", "--select", "NOPE", "a.txt")
    assert result.exit_code == 2
    assert "--select: 'NOPE' names no rule" in result.stderr


def test_missing_model_names_the_install_command(tree) -> None:
    (tree / ".caplint.toml").write_text('model = "en_core_web_nonexistent"\n', encoding="utf-8")
    result = invoke("check", "a.txt")
    assert result.exit_code == 2
    assert "en_core_web_nonexistent" in result.stderr and "pip install" in result.stderr


def test_per_file_ignores_globs(tree) -> None:
    config = load_text(
        tree,
        '[per-file-ignores]\n"*.md" = ["DATE"]\n"sub/**/c.txt" = ["AGE"]\n"sub/*.txt" = ["NAME"]\n',
    )
    assert ignored_for(config, str(tree / "x.md")) == ("DATE",)
    assert ignored_for(config, str(tree / "sub" / "deeper" / "c.txt")) == ("AGE",)
    assert ignored_for(config, str(tree / "sub" / "c.txt")) == ("AGE", "NAME")
    assert ignored_for(config, str(tree / "a.txt")) == ()


def load_text(tree: Path, text: str):
    path = tree / ".caplint.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def test_resolver_caches_by_folder_and_rules_are_relative_to_the_file(tree) -> None:
    (tree / "packs").mkdir()
    (tree / "sub" / ".caplint.toml").write_text('rules = ["../packs"]\n', encoding="utf-8")
    resolver = Resolver()
    config = resolver.for_path(str(tree / "sub" / "deeper" / "c.txt"))
    assert config.rules == ((tree / "packs").resolve(),)
    assert config.source == (tree / "sub" / ".caplint.toml").resolve()
    assert resolver.for_path(str(tree / "a.txt")).source is None


def test_config_error_type() -> None:
    with pytest.raises(ConfigError):
        load("/nonexistent/.caplint.toml")
