"""Fail closed: input that cannot be linted is reported with its file and the reason, the other
files are still linted, and the exit code is 2 -- never 0.  Broken rule packs, configurations
and detectors are exit 2 with a message that says where."""

from __future__ import annotations

import codecs
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import caplint.linter
from caplint import Config, Linter
from caplint.cli import app, main
from caplint.detectors import DETECTORS
from caplint.rules import RulePackError
from caplint.sources import MAX_BYTES, SourceError, read_text

runner = CliRunner()
GOOD = "A 7 yo boy with a limp.\n"
HAS_CONFIG_FILES = importlib.util.find_spec("caplint.configfile") is not None
needs_config = pytest.mark.skipif(
    not HAS_CONFIG_FILES, reason="configuration files (caplint.configfile) not built yet"
)


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A scratch folder, also the working directory (so a cache, if any, lands there)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    return tmp_path


def check(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, ["check", "--format", "concise", *args], input=input)


def assert_error(result, path: str, reason: str, *, good_linted: bool = True) -> None:
    """Exit 2, the file and the reason on stderr, and the good file still linted."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert f"caplint: error: {path}: " in result.stderr, result.stderr
    line = next(x for x in result.stderr.splitlines() if f"{path}: " in x)
    assert reason in line, line
    if good_linted:
        assert "good.txt:1:3: AGE002" in result.stdout, result.stdout


# ----------------------------------------------------------------------------- unreadable files


def test_missing_file(folder):
    assert_error(check("good.txt", "missing.txt"), "missing.txt", "no such file or folder")


def test_binary_file(folder):
    (folder / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_error(check("good.txt", "scan.txt"), "scan.txt", "binary file")


def test_binary_file_without_nul_bytes(folder):
    (folder / "blob.md").write_bytes(bytes(range(1, 32)) * 40)
    assert_error(check("good.txt", "blob.md"), "blob.md", "binary file")


def test_non_utf8_file_names_the_byte_and_the_fix(folder):
    (folder / "legacy.txt").write_bytes("Café, 7 yo.".encode("cp1252"))
    result = check("good.txt", "legacy.txt")
    assert_error(result, "legacy.txt", "not valid UTF-8 (byte 3: 0xE9)")
    assert "save it as UTF-8" in result.stderr


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8"])
def test_encoding_declared_by_a_byte_order_mark_is_read(folder, codec):
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-8": codecs.BOM_UTF8,
    }[codec]
    (folder / "bom.txt").write_bytes(bom + "Seen in clinic. A 7 yo boy.\n".encode(codec))
    result = check("bom.txt")
    assert result.exit_code == 1, result.output
    assert "bom.txt:1:19: AGE002" in result.stdout
    assert read_text(str(folder / "bom.txt")) == "Seen in clinic. A 7 yo boy.\n"


def test_byte_order_mark_with_broken_text(folder):
    (folder / "broken16.txt").write_bytes(codecs.BOM_UTF16_LE + b"A\x00 \x00\x00\xd8")
    assert_error(check("good.txt", "broken16.txt"), "broken16.txt", "not valid UTF-16")


def test_oversized_file(folder):
    with open(folder / "huge.txt", "wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    assert_error(check("good.txt", "huge.txt"), "huge.txt", "larger than the 10 MB limit")


def test_oversized_stdin(folder):
    result = check("-", input=b"a" * (MAX_BYTES + 1))
    assert_error(result, "<stdin>", "larger than the 10 MB limit", good_linted=False)


def test_device_is_not_a_caption_file(folder):
    assert_error(check("good.txt", os.devnull), os.devnull, "not a regular file")


def test_broken_symlink_in_a_folder(folder):
    captions = folder / "captions"
    captions.mkdir()
    (captions / "good.txt").write_text(GOOD, encoding="utf-8")
    (captions / "gone.md").symlink_to(folder / "deleted.md")
    result = check("captions")
    assert result.exit_code == 2
    assert "captions/good.txt:1:3: AGE002" in result.stdout
    assert "captions/gone.md: broken symbolic link" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_real_permissions(folder):
    secret = folder / "secret.txt"
    secret.write_text(GOOD, encoding="utf-8")
    secret.chmod(0)
    assert_error(check("good.txt", "secret.txt"), "secret.txt", "Permission denied")


def test_unreadable_file(folder, monkeypatch):
    (folder / "secret.txt").write_text(GOOD, encoding="utf-8")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert_error(
        check("good.txt", "secret.txt"), "secret.txt", "cannot be read (Permission denied)"
    )


def test_unreadable_folder_is_reported_not_skipped(folder, monkeypatch):
    locked = folder / "tree" / "locked"
    locked.mkdir(parents=True)
    (locked / "hidden-caption.txt").write_text(GOOD, encoding="utf-8")
    (folder / "tree" / "good.txt").write_text(GOOD, encoding="utf-8")
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(real):
        def call(path="."):
            if Path(path).name == "locked":
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        return call

    monkeypatch.setattr(os, "scandir", refuse(real_scandir))
    monkeypatch.setattr(os, "listdir", refuse(real_listdir))
    result = check("tree")
    assert result.exit_code == 2, result.output
    assert "tree/good.txt:1:3: AGE002" in result.stdout
    assert "tree/locked: folder cannot be searched (Permission denied)" in result.stderr


def test_symlink_loop_in_a_folder_terminates(folder):
    tree = folder / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "case.txt").write_text(GOOD, encoding="utf-8")
    (tree / "sub" / "loop").symlink_to(tree, target_is_directory=True)
    result = check("tree")
    assert result.exit_code == 1, result.output
    assert result.stdout.count("case.txt:1:3: AGE002") == 1


def test_hidden_folders_are_skipped_but_stray_control_characters_are_linted(folder):
    (folder / ".git").mkdir()
    (folder / ".git" / "x.txt").write_text(GOOD, encoding="utf-8")
    (folder / "ctl.txt").write_text("A 7\x08-year-old boy.\x1b\n", encoding="utf-8")
    result = check(".")
    assert result.exit_code == 1, result.output
    assert ".git" not in result.stdout
    assert "ctl.txt:1:3: AGE001" in result.stdout


def test_empty_file_is_clean(folder):
    (folder / "empty.txt").write_bytes(b"")
    assert check("empty.txt").exit_code == 0


def test_undecodable_file_name_does_not_crash_the_report(tmp_path):
    """Through the real entry point: a file name that is not UTF-8 is printed, escaped."""
    name = os.fsdecode(b"case-\xff.txt")
    (tmp_path / name).write_text(GOOD, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "caplint", "check", "--format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert b"case-\\udcff.txt:1:3: AGE002" in result.stdout


# ----------------------------------------------------------------------------- rule packs


def write_pack(folder: Path, body: str) -> Path:
    packs = folder / "policy"
    packs.mkdir(exist_ok=True)
    (packs / "local.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return packs


BAD_PACK = """\
    pack: local
    rules:
      - code: TST001
        name: local-names
        category: NAME
        severity: fatal
        message: Local name
        why: A local list.
        detect: {phrases: [Zorblax]}
    """


def test_malformed_rule_pack_names_file_line_rule_and_key(tmp_path):
    packs = write_pack(tmp_path, BAD_PACK)
    with pytest.raises(RulePackError) as info:
        Linter(Config(rules=(packs,)))
    message = str(info.value)
    assert f"{packs / 'local.yaml'}:6: rule TST001: key 'severity'" in message
    assert "must be one of info, warning, error" in message


def test_rule_pack_that_is_not_yaml(tmp_path):
    packs = write_pack(tmp_path, "pack: local\nrules: [\n  {code: X\n")
    with pytest.raises(RulePackError, match=r"local\.yaml:\d+: not valid YAML"):
        Linter(Config(rules=(packs,)))


def test_rule_pack_with_a_duplicate_key_is_refused(tmp_path):
    """A second "pass:" (or "regex:") would silently replace the first: it is an error that names
    the file, the line of the second key and the line of the first."""
    pack = (
        "pack: local\nrules:\n  - code: TST001\n    name: x\n    category: AGE\n"
        "    severity: error\n    message: m\n    why: w\n    detect: {regex: ['\\bqq\\b']}\n"
        "    examples:\n      fail: [qq]\n      pass: [a]\n      pass: [b]\n"
    )
    packs = write_pack(tmp_path, pack)
    with pytest.raises(
        RulePackError,
        match=r"local\.yaml:13: not valid YAML: duplicate key "
        r"'pass' \(first on line 12\)",
    ):
        Linter(Config(rules=(packs,)))


def test_rule_pack_lines_same_with_the_c_and_python_yaml_parsers():
    """The loader uses libyaml when available; keys must keep the lines the pure-Python parser
    gives, so error messages point at the same place either way."""
    import yaml

    from caplint import rules
    from caplint.paths import bundled_rules_dir

    class PurePython(yaml.SafeLoader):
        pass

    PurePython.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, rules._construct_mapping
    )

    def shape(value):
        if isinstance(value, rules._Mapping):
            return (value.line, dict(value.lines), {k: shape(v) for k, v in value.items()})
        if isinstance(value, list):
            return [shape(v) for v in value]
        return value

    for path in sorted(bundled_rules_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        fast = yaml.load(text, Loader=rules._LineLoader)
        assert shape(fast) == shape(yaml.load(text, Loader=PurePython)), path


def test_missing_rule_folder(tmp_path):
    with pytest.raises(RulePackError, match="rule folder does not exist"):
        Linter(Config(rules=(tmp_path / "nowhere",)))


@needs_config
def test_malformed_rule_pack_through_the_cli(folder):
    write_pack(folder, BAD_PACK)
    (folder / ".caplint.toml").write_text('rules = ["policy"]\n', encoding="utf-8")
    result = check("good.txt")
    assert result.exit_code == 2, result.output
    assert "local.yaml:6: rule TST001: key 'severity'" in result.stderr


@needs_config
def test_unknown_config_key_is_exit_2_naming_file_line_and_key(folder):
    (folder / ".caplint.toml").write_text(
        'select = ["AGE"]\nfail_onn = "warning"\n', encoding="utf-8"
    )
    result = check("good.txt")
    assert result.exit_code == 2, result.output
    assert ".caplint.toml: line 2: key 'fail_onn': unknown key" in result.stderr
    assert "did you mean 'fail-on'" in result.stderr and "valid keys: select" in result.stderr


@needs_config
def test_config_that_is_not_toml_names_the_line(folder):
    (folder / ".caplint.toml").write_text('select = ["AGE"]\nignore = [\n', encoding="utf-8")
    result = check("good.txt")
    assert result.exit_code == 2, result.output
    assert ".caplint.toml" in result.stderr and "line" in result.stderr


@needs_config
def test_missing_model_is_exit_2_with_the_install_command(folder):
    (folder / ".caplint.toml").write_text('model = "en_core_web_nonexistent"\n', encoding="utf-8")
    result = check("good.txt")
    assert result.exit_code == 2, result.output
    assert "spaCy model 'en_core_web_nonexistent' is not installed" in result.stderr


# ----------------------------------------------------------------------------- detector errors

SECRET = "Zqxv Unique-Caption-Marker"
FAILING_PACK = """\
    pack: failing
    rules:
      - code: TST900
        name: always-fails
        category: HISTORY
        severity: error
        message: A detector that raises
        why: To prove an internal error is never a silent skip.
        detect: {detector: test_boom}
        examples: {fail: ["x"], pass: ["y"]}
    """


@pytest.fixture
def failing_detector(folder, monkeypatch) -> Path:
    def boom(ctx, rule):
        raise ZeroDivisionError(f"cannot handle {ctx.text!r}")  # quotes the caption

    monkeypatch.setitem(DETECTORS, "test_boom", boom)
    packs = write_pack(folder, FAILING_PACK)
    real = caplint.linter.load_rules
    monkeypatch.setattr(
        caplint.linter, "load_rules", lambda folders=None: real((*(folders or ()), packs))
    )
    (folder / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    return packs


def test_failing_detector_raises_in_the_library(failing_detector):
    with pytest.raises(ZeroDivisionError):
        Linter().lint("A caption.")  # the fixture adds the failing pack to every Linter


def test_failing_detector_is_exit_2_with_a_short_message(failing_detector):
    result = check("secret.txt")
    assert result.exit_code == 2, result.output
    assert (
        "caplint: error: internal error in detector 'test_boom' (rule TST900): "
        "ZeroDivisionError (run with --verbose for the traceback)"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.output


def test_failing_detector_traceback_only_with_verbose_and_no_caption_text(failing_detector):
    result = check("--verbose", "secret.txt")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "in boom" in result.stderr
    assert SECRET not in result.output
    assert "message hidden" in result.stderr


def test_failing_detector_message_with_show_text(failing_detector):
    result = check("--verbose", "--show-text", "secret.txt")
    assert result.exit_code == 2
    assert SECRET in result.stderr


def test_unexpected_error_outside_check_is_exit_2(monkeypatch, capsys):
    def explode(folders=None):
        raise RuntimeError("boom")

    monkeypatch.setattr("caplint.rules.load_rules", explode)
    monkeypatch.setattr(sys, "argv", ["caplint", "rules"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    assert "caplint: error: internal error: RuntimeError" in capsys.readouterr().err


def test_source_error_names_file_and_reason():
    error = SourceError("a/b.txt", "binary file")
    assert str(error) == "a/b.txt: binary file"
