"""The pre-commit hooks, as a captions repository uses them: `pre-commit try-repo` installs this
repository into a fresh virtual environment of pre-commit's (from the package registry; try-repo
keeps no environment between calls, so each call takes about 1.5-2 minutes here, ~4 minutes for
this module) and runs the `caplint` hook on a temporary git repository of captions.  A commit
with a violating caption fails with the finding printed; a clean one passes.  Marked slow: run
the rest with `pytest -m "not slow"`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs this repository as a git checkout")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def captions_repo(tmp_path) -> Path:
    repo = tmp_path / "captions"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.invalid")
    _git(repo, "config", "user.name", "caplint test")
    (repo / "clean.md").write_text(
        "---\ntitle: Chiari I malformation\n---\nChiari I malformation in a child.\n",
        encoding="utf-8",
    )
    _git(repo, "add", "clean.md")
    _git(repo, "commit", "-q", "-m", "a clean caption")
    return repo


def try_repo(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "caplint", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1500,
    )


def test_hooks_manifest() -> None:
    hooks = {
        hook["id"]: hook
        for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    assert set(hooks) == {"caplint", "caplint-fix"}
    assert hooks["caplint"]["entry"] == "caplint check"
    assert hooks["caplint-fix"]["entry"] == "caplint fix"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["require_serial"] is True
        assert set(hook["types_or"]) == {"plain-text", "markdown", "yaml", "json", "csv"}


def test_commit_with_a_violating_caption_fails_and_a_clean_one_passes(
    captions_repo, pre_commit_home
) -> None:
    (captions_repo / "post.txt").write_text("A 7 yo with a limp.\n", encoding="utf-8")
    (captions_repo / "cases.yaml").write_text("- caption: Seen on 3/14/2024.\n", encoding="utf-8")
    _git(captions_repo, "add", "post.txt", "cases.yaml")
    failed = try_repo(captions_repo, pre_commit_home)  # the staged files, as on commit
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "post.txt:1:3: AGE002 [error]" in output
    assert "cases.yaml:1:20: DATE001 [error]" in output
    assert "7 yo" not in output.replace("post.txt:1:3", "")  # no matched text in the log

    _git(captions_repo, "rm", "-q", "--cached", "post.txt", "cases.yaml")
    (captions_repo / "post.txt").unlink()
    (captions_repo / "cases.yaml").write_text(
        "- caption: Wilms tumor in a child.\n", encoding="utf-8"
    )
    _git(captions_repo, "add", "cases.yaml")
    passed = try_repo(captions_repo, pre_commit_home, "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "caplint" in passed.stdout and "Passed" in passed.stdout
