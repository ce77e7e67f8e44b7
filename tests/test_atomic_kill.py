"""No data loss: ``caplint fix`` replaces a file atomically -- killed at any moment, the file is
either exactly the original or exactly the fixed text -- and keeps its permissions, owner and
symbolic links.  (The writer is :mod:`caplint.atomic`; tests/test_fix_cli.py has the basic
cases, these are the hostile ones.)"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caplint import atomic
from caplint.cli import app

runner = CliRunner()
CAPTION = "History: 45 y/o F from Dayton.\nDiagnosis: Wilms tumor.\n"
FIXED = "History: Adult woman.\nDiagnosis: Wilms tumor.\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fix(*args: str):
    return runner.invoke(app, ["fix", "--format", "concise", *args])


def leftovers(folder: Path, *keep: str) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.name not in keep and p.name != ".caplint_cache"
    )


# ----------------------------------------------------------------------------- killed mid-write

SLOW_WRITER = textwrap.dedent("""
    import os, sys, time
    from caplint import atomic

    path, size, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def wait_here(name):
        if name == phase:
            print("ready", flush=True)
            time.sleep(120)  # killed here

    real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace

    class Slow:
        def __init__(self, stream):
            self.stream = stream
        def write(self, data):
            wait_here("start")
            half = len(data) // 2
            self.stream.write(data[:half])
            self.stream.flush()
            wait_here("half")
            self.stream.write(data[half:])
        def __getattr__(self, name):
            return getattr(self.stream, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.stream.close()

    def fsync(descriptor):
        real_fsync(descriptor)
        wait_here("fsynced")

    def replace(source, target):
        wait_here("replacing")
        real_replace(source, target)

    atomic.os.fdopen = lambda fd, mode: Slow(real_fdopen(fd, mode))
    atomic.os.fsync = fsync
    atomic.os.replace = replace
    original = open(path, "rb").read()
    atomic.write_atomic(path, b"N" * size, expected=original)
    print("done", flush=True)
""")


def run_writer(path: Path, size: int, phase: str) -> int:
    """Write ``size`` new bytes over ``path`` in a separate process, SIGKILLed from outside when
    it reaches ``phase`` (never, for "none")."""
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(path), str(size), phase],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline().strip()
    if line == "ready":
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    return child.returncode


@pytest.mark.parametrize("phase", ["start", "half", "fsynced", "replacing"])
def test_sigkill_while_writing_keeps_the_original(tmp_path, phase):
    """A separate process writing 8 MB is SIGKILLed from outside at each phase of the write
    (before any byte, half written, flushed to disk, just before the rename): the file is the
    original byte for byte, and what the kill leaves is a hidden temporary file."""
    path = tmp_path / "post.txt"
    original = (CAPTION * 2000).encode()
    path.write_bytes(original)
    assert run_writer(path, 8 << 20, phase) == -signal.SIGKILL
    assert path.read_bytes() == original
    extra = leftovers(tmp_path, "post.txt")
    assert all(n.startswith(".post.txt.") and n.endswith(".caplint-tmp") for n in extra), extra


def test_writer_not_killed_writes_everything(tmp_path):
    path = tmp_path / "post.txt"
    path.write_bytes(CAPTION.encode())
    assert run_writer(path, 8 << 20, "none") == 0
    assert path.read_bytes() == b"N" * (8 << 20)
    assert leftovers(tmp_path, "post.txt") == []


def test_sigkill_while_writing_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "post.txt"
    path.write_bytes(CAPTION.encode())
    run_writer(path, 4 << 20, "half")
    assert leftovers(tmp_path, "post.txt") == []


def test_leftover_temporary_file_is_never_linted(tmp_path):
    (tmp_path / "post.txt").write_text("Typical appearance.\n", encoding="utf-8")
    (tmp_path / ".post.txt.abc123.caplint-tmp").write_text("A 7 yo boy.\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--format", "concise", "."])
    assert result.exit_code == 0, result.output


def test_caplint_fix_killed_at_random_moments(tmp_path):
    """The real command, killed at random moments (model loading, linting, writing): every
    file is either its original or its complete fixed text."""
    rng = random.Random(7)
    folder = tmp_path / "posts"
    folder.mkdir()
    for trial in range(3):
        for index in range(20):
            (folder / f"case{index:02}.txt").write_text(CAPTION, encoding="utf-8")
        child = subprocess.Popen(
            [sys.executable, "-m", "caplint", "fix", "--format", "concise", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 6.0))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        for path in sorted(folder.glob("*.txt")):
            assert path.read_text(encoding="utf-8") in (CAPTION, FIXED), (trial, path)
        for stray in folder.glob(".*.caplint-tmp"):
            stray.unlink()


# ----------------------------------------------------------------------------- failures


@pytest.mark.parametrize("step", ["mkstemp", "fdopen", "fsync", "chmod", "replace"])
def test_failure_at_any_step_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch, step):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")
    original = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    owner = atomic.tempfile if step == "mkstemp" else atomic.os
    monkeypatch.setattr(owner, step, fail)
    result = fix(str(path))
    assert result.exit_code == 2, result.output
    assert "post.txt: not fixed (OSError: [Errno 28] No space left on device)" in result.stderr
    assert path.read_bytes() == original
    assert leftovers(tmp_path, "post.txt") == []


def test_keyboard_interrupt_during_fsync(tmp_path, monkeypatch):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")
    original = path.read_bytes()

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(path, b"partial", expected=original)
    assert path.read_bytes() == original
    assert leftovers(tmp_path, "post.txt") == []


# ----------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o664, 0o755, 0o444, 0o2640])
def test_fix_keeps_the_permission_bits(tmp_path, mode):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")
    path.chmod(mode)
    result = fix(str(path))
    assert path.read_text(encoding="utf-8") == FIXED, result.output
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_fix_keeps_the_owner(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")
    os.chown(path, 4321, 4322)
    fix(str(path))
    info = path.stat()
    assert path.read_text(encoding="utf-8") == FIXED
    assert (info.st_uid, info.st_gid) == (4321, 4322)


def test_unwritable_folder_is_exit_2_and_the_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    result = fix(str(path))
    assert result.exit_code == 2
    assert "post.txt: not fixed (PermissionError" in result.stderr
    assert path.read_text(encoding="utf-8") == CAPTION


# ----------------------------------------------------------------------------- links


def test_relative_symlink_chain_stays_links(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "post.txt"
    target.write_text(CAPTION, encoding="utf-8")
    (tmp_path / "middle.txt").symlink_to("real/post.txt")
    (tmp_path / "outer.txt").symlink_to("middle.txt")
    result = fix(str(tmp_path / "outer.txt"))
    assert result.exit_code == 0, result.output
    assert os.readlink(tmp_path / "outer.txt") == "middle.txt"
    assert os.readlink(tmp_path / "middle.txt") == "real/post.txt"
    assert target.read_text(encoding="utf-8") == FIXED
    assert not target.is_symlink()


def test_symlink_to_a_file_outside_the_folder(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "post.txt"
    target.write_text(CAPTION, encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "post.txt").symlink_to(target)
    fix(str(posts))
    assert (posts / "post.txt").is_symlink()
    assert target.read_text(encoding="utf-8") == FIXED
    assert leftovers(posts, "post.txt") == []


def test_link_and_target_both_given_are_fixed_once(tmp_path):
    target = tmp_path / "post.txt"
    target.write_text(CAPTION, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to("post.txt")
    result = fix(str(target), str(tmp_path / "link.txt"))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == FIXED
    assert (tmp_path / "link.txt").is_symlink()


def test_dangling_symlink_is_exit_2_and_nothing_is_created(tmp_path):
    (tmp_path / "gone.txt").symlink_to("missing.txt")
    result = fix(str(tmp_path / "gone.txt"))
    assert result.exit_code == 2
    assert "gone.txt" in result.stderr
    assert not (tmp_path / "missing.txt").exists()
    assert (tmp_path / "gone.txt").is_symlink()


def test_hard_link_does_not_keep_the_protected_text(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text(CAPTION, encoding="utf-8")
    os.link(path, tmp_path / "copy.txt")
    result = fix(str(path))
    copy = (tmp_path / "copy.txt").read_text(encoding="utf-8")
    assert result.exit_code == 2 or copy == FIXED


def test_utf16_caption_is_never_corrupted(tmp_path):
    """UTF-16 (declared by its byte-order mark) is read by check; fix either keeps UTF-16 or
    refuses with exit 2 -- it never writes a file in another encoding."""
    path = tmp_path / "post.txt"
    original = CAPTION.encode("utf-16")
    path.write_bytes(original)
    result = fix(str(path))
    data = path.read_bytes()
    if data == original:
        assert result.exit_code == 2, result.output
    else:
        assert data.decode("utf-16") == FIXED


def test_file_unchanged_when_nothing_to_fix_keeps_inode_and_mtime(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text("Typical appearance of the disease.\n", encoding="utf-8")
    before = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    time.sleep(0.01)
    assert fix(str(path)).exit_code == 0
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
