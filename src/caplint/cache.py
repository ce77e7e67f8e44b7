"""A content-hash cache of lint results, so re-running over unchanged files skips the model.

An entry is keyed by the SHA-256 of the file's text together with a *fingerprint* of everything
that can change the result: caplint's version and its own code, every rule pack and lexicon, the
effective configuration, and the spaCy model (name and installed version).  It stores, for each
caption of the file, its findings' codes, severities and positions -- plus a message detail or
suggestion only where the rule's own text was completed by a detector (counts, an age group).
Never caption text, never the matched text.

Entries live in ``.caplint_cache/`` next to the configuration file (or in the current folder),
one small JSON file each.  A corrupt or unreadable entry is ignored and rewritten; a cache that
cannot be written is silently skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .findings import Finding

FORMAT = 1


@cache
def _package_hash() -> str:
    """caplint's version and a hash of its own code (a changed detector invalidates entries)."""
    from . import __version__

    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _files_hash(folders: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        files = [folder] if folder.is_file() else sorted(
            p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".txt"))
        for path in files:
            digest.update(str(path).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def fingerprint(config: Any) -> str:
    """Everything besides the file's text that decides a file's findings."""
    from .model import resolve_model_name
    from .paths import bundled_rules_dir

    model = resolve_model_name(config.model)
    parts = {
        "format": FORMAT,
        "caplint": _package_hash(),
        "rules": _files_hash([bundled_rules_dir(), *config.rules]),
        "config": {
            "select": list(config.select), "ignore": list(config.ignore),
            "severity": sorted(config.severity.items()),
            "allow_words": list(config.allow_words), "allow_regex": list(config.allow_regex),
            "rules": [str(p) for p in config.rules], "caption_fields": list(config.caption_fields),
            "csv_column": config.csv_column,
        },
        "model": [config.model, model, _version(model.replace("_", "-")), _version(model)],
        "engines": [_version("spacy"), _version("presidio-analyzer")],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class Cache:
    """One cache folder.  ``get``/``put`` take the key from :meth:`key`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / f"v{FORMAT}"
        self.hits = self.misses = 0
        self._writable = True

    @staticmethod
    def key(text: str, fingerprint: str) -> str:
        digest = hashlib.sha256(fingerprint.encode())
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, captions: int) -> list[list[list[Any]]] | None:
        """The stored findings of each caption, or None (missing, corrupt, or not matching)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            entries = data["captions"]
            if data.get("format") != FORMAT or not isinstance(entries, list) \
                    or len(entries) != captions:
                raise ValueError("stale entry")
            for entry in entries:
                for item in entry:
                    code, severity, start, end = item[:4]
                    if not (isinstance(code, str) and isinstance(severity, str)
                            and isinstance(start, int) and isinstance(end, int)):
                        raise ValueError("bad entry")
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            self.misses += 1
            return None
        self.hits += 1
        return entries

    def put(self, key: str, results: Sequence[Sequence[Finding]], rules: dict[str, Any]) -> None:
        if not self._writable:
            return
        entries = [[_encode(f, rules.get(f.code)) for f in findings] for findings in results]
        try:
            self._ensure_folder()
            path = self._path(key)
            path.parent.mkdir(exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "captions": entries}, handle, separators=(",", ":"))
            os.replace(temp, path)
        except OSError:
            self._writable = False

    def _ensure_folder(self) -> None:
        if self.folder.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.root / ".gitignore").write_text("# created by caplint\n*\n", encoding="utf-8")
        (self.root / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by caplint.\n", encoding="utf-8")


def _encode(finding: Finding, rule: Any) -> list[Any]:
    item: list[Any] = [finding.code, finding.severity, finding.start, finding.end,
                       finding.source]
    extra: dict[str, str] = {}
    if rule is None or finding.message != rule.message:
        extra["m"] = finding.message
    if rule is None or finding.suggestion != rule.suggestion:
        extra["s"] = finding.suggestion  # type: ignore[assignment]
    if extra:
        item.append(extra)
    return item


def decode(item: list[Any], caption_text: str, rules: dict[str, Any]) -> Finding | None:
    """A finding back from its cache entry and the (unchanged) caption it was found in."""
    code, severity, start, end = item[:4]
    source = item[4] if len(item) > 4 else "rule"
    extra = item[5] if len(item) > 5 and isinstance(item[5], dict) else {}
    rule = rules.get(code)
    if rule is None or not 0 <= start <= end <= len(caption_text):
        return None
    return Finding(code=code, name=rule.name, category=rule.category, severity=severity,
                   message=extra.get("m", rule.message),
                   suggestion=extra.get("s", rule.suggestion), start=start, end=end,
                   text=caption_text[start:end], source=source, fix=rule.fix_action,
                   fix_safe=rule.fix_safe)
