"""No network, no leaks: caplint lints with every socket blocked, and the matched text never
reaches logs, caches or machine output unless ``--show-text`` asks for it."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caplint import Linter

MARKERS = ("90817263", "zqxv")  # parts of the matched text: never printed without --show-text
CAPTION = (
    "Patient record MRN 90817263. Contact zqxv.marker@example.com or see "
    "https://zqxv-marker.example.org/case and www.zqxv.example.com today.\n"
)

SITECUSTOMIZE = """
import os, socket

_LOG = os.environ["CAPLINT_NET_LOG"]
with open(_LOG + ".loaded", "w") as handle:
    handle.write("blocked\\n")


def _blocked(what):
    def refuse(*args, **kwargs):
        with open(_LOG, "a") as handle:
            handle.write(f"{what} {args[1:] if what.startswith('socket.') else args}\\n")
        raise OSError(f"network blocked by caplint's test: {what}")
    return refuse


socket.socket.connect = _blocked("socket.connect")
socket.socket.connect_ex = _blocked("socket.connect_ex")
socket.socket.sendto = _blocked("socket.sendto")
socket.getaddrinfo = _blocked("getaddrinfo")
socket.gethostbyname = _blocked("gethostbyname")
socket.create_connection = _blocked("create_connection")
"""


def run_blocked(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    """``python -m caplint ARGS`` with sockets blocked by a sitecustomize module."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    env = dict(
        os.environ,
        CAPLINT_NET_LOG=str(log),
        PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
    )
    env.pop("PYTHONNOUSERSITE", None)
    result = subprocess.run(
        [sys.executable, "-m", "caplint", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (tmp_path / "network.log.loaded").exists(), "the socket block was not installed"
    return result, log


def test_cli_check_runs_with_sockets_blocked(tmp_path):
    (tmp_path / "caption.txt").write_text(CAPTION, encoding="utf-8")
    result, log = run_blocked(tmp_path, "check", "--format", "json", "caption.txt")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert {f["category"] for f in findings} >= {"ID"}
    assert len([f for f in findings if f["category"] == "ID"]) >= 3  # MRN, e-mail, URLs
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"caplint tried to use the network:\n{attempts}"


def test_library_lint_with_sockets_blocked(monkeypatch):
    attempts: list[str] = []

    def refuse(what):
        def call(*args, **kwargs):
            attempts.append(what)
            raise OSError(f"network blocked: {what}")

        return call

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(name))
    for name in ("getaddrinfo", "gethostbyname", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(name))
    linter = Linter()  # a fresh one: loading the model is covered too
    findings = linter.lint(CAPTION)
    assert [f for f in findings if f.category == "ID"]
    assert attempts == []
    # Presidio's URL and e-mail recognizers (which call tldextract, which downloads the public
    # suffix list) are never registered: caplint's own rules find URLs and e-mail addresses
    if linter._analyzer is not None:
        names = {type(r).__name__ for r in linter._analyzer.registry.recognizers}
        assert not names & {"UrlRecognizer", "EmailRecognizer"}, names


def _formats() -> list[str]:
    from caplint.reporters import REPORTERS

    return [name for name in REPORTERS if name != "full"]  # full: the author's own terminal


@pytest.mark.parametrize("fmt", _formats())
def test_verbose_output_has_no_matched_text_without_show_text(tmp_path, fmt):
    (tmp_path / "caption.txt").write_text(CAPTION, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "caplint", "check", "--verbose", "--format", fmt, "caption.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    for marker in MARKERS:
        assert marker not in result.stdout.lower(), f"{fmt} stdout leaks {marker}"
        assert marker not in result.stderr.lower(), f"{fmt} stderr leaks {marker}"


def test_show_text_does_show_it(tmp_path):
    (tmp_path / "caption.txt").write_text(CAPTION, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "caplint",
            "check",
            "--format",
            "json",
            "--show-text",
            "caption.txt",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "MRN 90817263" in {f.get("text") for f in json.loads(result.stdout)}


@pytest.mark.skipif(
    importlib.util.find_spec("caplint.cache") is None,
    reason="the cache (caplint.cache) is not built yet",
)
def test_cache_and_logs_never_hold_caption_text(tmp_path):
    captions = tmp_path / "captions"
    captions.mkdir()
    (captions / "case.txt").write_text(CAPTION, encoding="utf-8")
    (captions / "clean.md").write_text("Zqxv-clean-marker: typical appearance.\n", encoding="utf-8")
    (tmp_path / ".caplint.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    runs = [
        run_blocked(tmp_path, "check", "--verbose", "--format", "concise", "captions")[0]
        for _ in range(2)
    ]  # the second run reads the cache
    assert [r.returncode for r in runs] == [1, 1], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    cache = tmp_path / ".caplint_cache"
    assert cache.is_dir() and any(p.is_file() for p in cache.rglob("*")), "no cache written"
    caption_files = {captions / "case.txt", captions / "clean.md"}
    for path in tmp_path.rglob("*"):
        if path.is_file() and path not in caption_files and "hook" not in path.parts:
            data = path.read_bytes().lower()
            for marker in (*MARKERS, "clean-marker"):
                assert marker.encode() not in data, f"{path} holds caption text ({marker})"
    for run in runs:
        for marker in (*MARKERS, "clean-marker"):
            assert marker not in (run.stdout + run.stderr).lower()


def test_sitecustomize_block_really_blocks(tmp_path):
    """The harness itself: a connection attempt is refused and recorded."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    code = textwrap.dedent("""
        import socket
        try:
            socket.create_connection(("example.com", 80), timeout=1)
        except OSError as exc:
            print("refused", exc)
    """)
    env = dict(
        os.environ,
        CAPLINT_NET_LOG=str(log),
        PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "refused" in result.stdout
    assert "create_connection" in log.read_text()
