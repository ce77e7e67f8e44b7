"""``caplint fix`` and ``caplint rewrite`` as a user runs them: files are fixed in place only
when asked, atomically, keeping encoding, line endings, permissions and symlinks; ``--diff``
writes nothing; an interrupted write leaves the original intact."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers_cli import invoke, one_model_load  # noqa: F401  (fixture: one model load)

from caplint import atomic

POLICY_EXAMPLE = (
    "A 7-year-old boy from Dayton fell off his trampoline at a birthday party on "
    "March 3 and died two days later. CT shows an epidural hematoma with a lucent "
    "swirl sign. #pedsrad"
)
SAFE_ONLY = "History: 45 y/o F from Dayton.\nDiagnosis: Wilms tumor.\n"
SAFE_ONLY_FIXED = "History: Adult woman.\nDiagnosis: Wilms tumor.\n"
CLEAN = "Findings: Lipid-rich adrenal adenoma with 8 HU attenuation.\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Each test in its own folder (the check that follows a fix writes its cache there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree_state(root: Path) -> dict[str, tuple]:
    """Every file under ``root``: its bytes' hash, mode, mtime and inode (links: the target)."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            state[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            info = path.stat()
            state[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                info.st_mode,
                info.st_mtime_ns,
                info.st_ino,
            )
    return state


def write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


# ------------------------------------------------------------------------------ fix


def test_fix_applies_safe_fixes_in_place_and_exits_clean(tmp_path) -> None:
    path = write(tmp_path / "post.txt", SAFE_ONLY)
    result = invoke("fix", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == SAFE_ONLY_FIXED
    assert "Fixed 2 findings in 1 file." in result.stderr


def test_fix_leaves_meaning_changing_fixes_and_exits_1(tmp_path) -> None:
    path = write(tmp_path / "post.txt", POLICY_EXAMPLE)
    result = invoke("fix", str(path))
    assert result.exit_code == 1, result.output
    text = path.read_text("utf-8")
    assert "7-year-old" not in text and "Dayton" not in text and "March 3" not in text
    assert "died" in text  # an outcome clause needs --unsafe-fixes
    assert "with --unsafe-fixes" in result.stderr
    assert "OUT" in result.stdout  # the findings left are reported as check reports them


def test_fix_rewrite_makes_the_policy_example_clean(tmp_path) -> None:
    path = write(tmp_path / "post.txt", POLICY_EXAMPLE)
    result = invoke("fix", "--rewrite", str(path))
    assert result.exit_code == 0, result.output
    text = path.read_text("utf-8")
    assert "epidural hematoma" in text and "swirl sign" in text and "#pedsrad" in text
    assert invoke("check", str(path)).exit_code == 0


def test_diff_changes_no_file(tmp_path) -> None:
    (tmp_path / "posts").mkdir()
    write(tmp_path / "posts" / "a.txt", POLICY_EXAMPLE)
    write(tmp_path / "posts" / "b.md", SAFE_ONLY, bom=True, crlf=True)
    write(tmp_path / "posts" / "clean.txt", CLEAN)
    (tmp_path / "posts" / "link.md").symlink_to("b.md")
    before = tree_state(tmp_path)
    for flags in ([], ["--unsafe-fixes"], ["--rewrite"]):
        result = invoke("fix", "--diff", *flags, str(tmp_path / "posts"))
        assert result.exit_code == 1, result.output
        assert "--- a/" in result.stdout and "+++ b/" in result.stdout
        assert tree_state(tmp_path) == before
    assert result.stdout.count("+++ b/") == 2  # the link and its target: one diff


def test_diff_of_nothing_to_fix_is_empty_and_exits_as_check(tmp_path) -> None:
    write(tmp_path / "clean.txt", CLEAN)
    result = invoke("fix", "--diff", str(tmp_path / "clean.txt"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_files_without_fixes_are_not_touched(tmp_path) -> None:
    clean = write(tmp_path / "clean.txt", CLEAN)
    write(tmp_path / "post.txt", SAFE_ONLY)
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    before = clean.stat()
    assert invoke("fix", str(tmp_path)).exit_code == 0
    after = clean.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_fix_keeps_bom_crlf_and_permissions(tmp_path) -> None:
    path = write(tmp_path / "post.md", SAFE_ONLY, bom=True, crlf=True)
    path.chmod(0o640)
    assert invoke("fix", str(path)).exit_code == 0
    data = path.read_bytes()
    assert data == b"\xef\xbb\xbf" + SAFE_ONLY_FIXED.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_fix_writes_through_a_symlink(tmp_path) -> None:
    target = write(tmp_path / "post.txt", SAFE_ONLY)
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    assert invoke("fix", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text("utf-8") == SAFE_ONLY_FIXED
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".caplint-tmp")]


def test_fix_keeps_front_matter_byte_for_byte(tmp_path) -> None:
    front = "---\ntitle: Swirl sign   \ntags: [neuro, peds]\n---\n"
    path = write(tmp_path / "post.md", front + SAFE_ONLY)
    assert invoke("fix", str(path)).exit_code == 0
    assert path.read_text("utf-8") == front + SAFE_ONLY_FIXED


def test_fix_writes_structured_files_back_in_their_own_syntax(tmp_path) -> None:
    json_path = write(
        tmp_path / "posts.json",
        '[{"id": 1, "caption": "A 7-year-old boy from Dayton with a \\"swirl '
        'sign\\".\\nCT: epidural hematoma."}, {"id": 2, "caption": "Wilms."}]\n',
    )
    csv_path = write(
        tmp_path / "posts.csv", 'id,caption,other\n1,"45 y/o F from Dayton, ""classic"" case",x\n'
    )
    assert invoke("fix", str(tmp_path)).exit_code == 0
    assert json_path.read_text("utf-8") == (
        '[{"id": 1, "caption": "A child with a \\"swirl sign\\".\\nCT: epidural hematoma."}, '
        '{"id": 2, "caption": "Wilms."}]\n'
    )
    assert csv_path.read_text("utf-8") == 'id,caption,other\n1,"Adult woman, ""classic"" case",x\n'


def test_fix_stdin_prints_the_fixed_text() -> None:
    result = invoke("fix", "-", input=SAFE_ONLY)
    assert result.exit_code == 0, result.output
    assert result.stdout == SAFE_ONLY_FIXED
    result = invoke("fix", "--diff", "-", input=SAFE_ONLY)
    assert result.exit_code == 1
    assert "-History: 45 y/o F from Dayton." in result.stdout


def test_fix_missing_file_is_exit_2(tmp_path) -> None:
    result = invoke("fix", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2


def test_inline_suppression_is_honoured_and_never_edited(tmp_path) -> None:
    text = (
        '<!-- caplint: ignore AGE reason="consent on record" -->\n'
        "A 7-year-old boy from Dayton with a limp.\n"
    )
    path = write(tmp_path / "post.md", text)
    invoke("fix", str(path))
    fixed = path.read_text("utf-8")
    assert fixed.startswith('<!-- caplint: ignore AGE reason="consent on record" -->\n')
    assert "7-year-old" in fixed and "Dayton" not in fixed


# ------------------------------------------------------------------------------ atomic writes


def test_interrupted_replace_leaves_the_original_intact(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "post.txt", SAFE_ONLY)
    original = path.read_bytes()

    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", crash)
    result = invoke("fix", str(path))
    assert result.exit_code == 2
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["post.txt"]


def test_interrupt_while_writing_the_temporary_file(tmp_path, monkeypatch) -> None:
    path = write(tmp_path / "post.txt", SAFE_ONLY)
    original = path.read_bytes()

    def interrupted(_descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(path, b"half", expected=original)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["post.txt"]


def test_killed_process_leaves_the_original_intact(tmp_path) -> None:
    """A process killed (SIGKILL, no cleanup) after writing the temporary file but before the
    rename: the original is byte for byte what it was."""
    path = write(tmp_path / "post.txt", SAFE_ONLY * 200)
    original = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        from caplint import atomic
        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        atomic.os.replace = die
        atomic.write_atomic({str(path)!r}, b"x" * 5_000_000)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    assert path.read_bytes() == original
    leftovers = [p for p in tmp_path.iterdir() if p.name != "post.txt"]
    assert all(
        p.name.startswith(".post.txt.") and p.name.endswith(".caplint-tmp") for p in leftovers
    )


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="unnamed temporary files are Linux-only")
def test_killed_while_writing_leaves_nothing_behind(tmp_path) -> None:
    """Killed after the data is written and fsynced but before it has a name: the original is
    intact and no temporary file is left (the data lived in an unnamed O_TMPFILE file)."""
    path = write(tmp_path / "post.txt", SAFE_ONLY)
    original = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        from caplint import atomic
        real = os.fsync
        def die(descriptor):
            real(descriptor)
            os.kill(os.getpid(), signal.SIGKILL)
        atomic.os.fsync = die
        atomic.write_atomic({str(path)!r}, b"x" * 1_000_000)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["post.txt"]


def test_a_hard_linked_file_is_refused(tmp_path) -> None:
    path = write(tmp_path / "post.txt", SAFE_ONLY)
    os.link(path, tmp_path / "copy.txt")
    result = invoke("fix", str(path))
    assert result.exit_code == 2
    assert "hard links" in result.stderr
    assert path.read_text("utf-8") == SAFE_ONLY


def test_utf16_stays_utf16(tmp_path) -> None:
    path = tmp_path / "post.txt"
    path.write_bytes(SAFE_ONLY.replace("\n", "\r\n").encode("utf-16-be").join([b"\xfe\xff", b""]))
    assert invoke("fix", str(path)).exit_code == 0
    data = path.read_bytes()
    assert data.startswith(b"\xfe\xff")
    assert data[2:].decode("utf-16-be") == SAFE_ONLY_FIXED.replace("\n", "\r\n")


def test_file_changed_on_disk_is_not_overwritten(tmp_path) -> None:
    path = write(tmp_path / "post.txt", "new content")
    with pytest.raises(atomic.ChangedOnDisk):
        atomic.write_atomic(path, b"fixed", expected=b"old content")
    assert path.read_text("utf-8") == "new content"


def test_encode_like_keeps_the_bom() -> None:
    assert atomic.encode_like("x", b"\xef\xbb\xbfy") == b"\xef\xbb\xbfx"
    assert atomic.encode_like("x", b"y") == b"x"


# ------------------------------------------------------------------------------ rewrite


def test_rewrite_argument_and_stdin() -> None:
    result = invoke("rewrite", POLICY_EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "epidural hematoma" in result.stdout and "#pedsrad" in result.stdout
    assert "Dayton" not in result.stdout
    piped = invoke("rewrite", input=POLICY_EXAMPLE + "\n")
    assert piped.exit_code == 0
    assert piped.stdout.strip() == result.stdout.strip()


def test_rewrite_output_checks_clean() -> None:
    rewritten = invoke("rewrite", POLICY_EXAMPLE).stdout
    assert invoke("check", "-", input=rewritten).exit_code == 0
