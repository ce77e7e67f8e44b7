"""The content-hash cache: a second run over unchanged files never loads the model, the cache
holds no caption text, and a corrupt cache is ignored and rewritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_cli import invoke, one_model_load  # noqa: F401

import caplint.linter

CAPTIONS = {
    "a.txt": "A 7 yo from Dayton with Wilms tumor, seen on 3/14/2024.\n",
    "b.md": "---\ntitle: Knee\nalt: A 9 yo with a limp\n---\nSalter-Harris II fracture.\n",
    "c.json": '{"caption": "Found on 3/14/2024 in a 45 y/o F."}',
    "d.txt": "Chiari I malformation.\n",
}


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, text in CAPTIONS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / ".caplint.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    return tmp_path


def run(*args: str):
    return invoke("check", "--format", "json", "--show-text", *args, ".")


def no_model(monkeypatch) -> None:
    def refuse(self):
        raise AssertionError("the model was loaded although every file is cached")

    monkeypatch.setattr(caplint.linter.Linter, "_ensure_loaded", refuse)


def test_second_run_is_served_from_the_cache(folder, monkeypatch) -> None:
    first = run()
    assert first.exit_code == 1
    assert (folder / ".caplint_cache" / ".gitignore").read_text().endswith("*\n")
    no_model(monkeypatch)
    second = run()
    assert second.exit_code == 1, second.output
    assert second.stdout == first.stdout
    stats = invoke("check", "--statistics", ".")
    assert stats.exit_code == 1 and "AGE002" in stats.stdout


def test_cache_holds_no_caption_text(folder) -> None:
    run()
    stored = "\n".join(
        p.read_text(encoding="utf-8") for p in (folder / ".caplint_cache").rglob("*.json")
    )
    assert stored
    for text in CAPTIONS.values():
        for word in text.replace('"', " ").replace("{", " ").split():
            if len(word) > 3 and not word.isupper() and word not in ("caption", "caption:"):
                assert word not in stored, word


def test_changed_file_is_linted_again(folder, monkeypatch) -> None:
    run()
    (folder / "d.txt").write_text("Chiari I malformation in a 7 yo.\n", encoding="utf-8")
    result = run()
    assert "d.txt" in {Path(f["path"]).name for f in json.loads(result.stdout)}


def test_configuration_change_invalidates(folder) -> None:
    first = {f["code"] for f in json.loads(run().stdout)}
    (folder / ".caplint.toml").write_text('ignore = ["AGE"]\n', encoding="utf-8")
    second = {f["code"] for f in json.loads(run().stdout)}
    assert "AGE002" in first and "AGE002" not in second


def test_corrupt_cache_is_ignored_and_rewritten(folder, monkeypatch) -> None:
    first = run()
    entries = list((folder / ".caplint_cache").rglob("*.json"))
    assert entries
    for index, entry in enumerate(entries):
        entry.write_text(
            ["{not json", '{"format": 1, "captions": "x"}', ""][index % 3], encoding="utf-8"
        )
    assert run().stdout == first.stdout
    no_model(monkeypatch)
    assert run().stdout == first.stdout  # rewritten: served from the cache again


def test_no_cache(folder) -> None:
    result = run("--no-cache")
    assert result.exit_code == 1
    assert not (folder / ".caplint_cache").exists()


def test_stdin_is_not_cached(folder) -> None:
    result = invoke("check", "--format", "json", "-", input="A 7 yo.\n")
    assert result.exit_code == 1
    assert not (folder / ".caplint_cache").exists()
