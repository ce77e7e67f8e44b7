"""Configuration files: ``[tool.caplint]`` in ``pyproject.toml``, or ``.caplint.toml``.

Like ruff, the configuration that applies to a file is the *closest* one: caplint looks in the
file's folder, then each parent folder, and takes the first ``.caplint.toml`` (or
``caplint.toml``), or ``pyproject.toml`` that has a ``[tool.caplint]`` table.  Configurations are
not merged; ``--config PATH`` names one for every file.  Command-line options override it.

Keys (kebab-case, as in the file)::

    select = ["AGE", "NAME"]            # codes, code prefixes, rule names or categories
    ignore = ["DATE003"]
    fail-on = "warning"                  # error | warning | info
    allow-words = ["Dr. Alvarez"]        # never flagged (staff names, ...)
    allow-regex = ['#(?:our|dept)rad\\b']  # google-re2; matches are never flagged
    rules = ["policy/"]                  # extra rule-pack folders, relative to this file
    caption-fields = ["caption", "alt_text", "description"]
    csv-column = "caption"
    model = "en_core_web_sm"             # an installed spaCy pipeline
    allow-suppressions = true            # false: every suppression comment is an error

    [severity]                           # overrides: code / name / category -> severity
    HISTORY = "error"

    [per-file-ignores]                   # glob (relative to this file) -> codes
    "archive/**/*.md" = ["DATE"]

Unknown keys and bad values raise :class:`~caplint.config.ConfigError` naming the file, the line
of the key, the key and the valid values.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import Config, ConfigError, rule_matches
from .findings import SEVERITIES

CONFIG_FILES = (".caplint.toml", "caplint.toml", "pyproject.toml")

#: TOML key -> Config attribute
KEYS = {
    "select": "select",
    "ignore": "ignore",
    "fail-on": "fail_on",
    "severity": "severity",
    "allow-words": "allow_words",
    "allow-regex": "allow_regex",
    "rules": "rules",
    "model": "model",
    "per-file-ignores": "per_file_ignores",
    "caption-fields": "caption_fields",
    "csv-column": "csv_column",
    "allow-suppressions": "allow_suppressions",
}
_LIST_KEYS = ("select", "ignore", "allow-words", "allow-regex", "rules", "caption-fields")
_STRING_KEYS = ("model", "csv-column")


def _where(path: Path | None, parts: tuple[str, ...] = ()) -> str:
    """``path: line N`` (the line that sets the key ``parts``, when it can be found), or
    ``command line``."""
    if path is None:
        return "command line"
    line = key_line(path, parts) if parts else None
    return f"{path}: line {line}" if line else str(path)


def _error(path: Path | None, key: str, message: str,
           parts: tuple[str, ...] | None = None) -> ConfigError:
    """An error about ``key`` (its path in the table is ``parts``; default: ``(key,)``)."""
    return ConfigError(f"{_where(path, parts or (key,))}: key '{key}': {message}")


def _strings(value: Any, path: Path, key: str,
             parts: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        example = '["AGE", "NAME"]' if key in ("select", "ignore") else '["..."]'
        raise _error(path, key, f"must be a list of strings, e.g. {key} = {example}", parts)
    return tuple(value)


# one key of a dotted TOML key: bare, "basic" or 'literal'
_KEY_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED_KEY = rf"(?:{_KEY_PART})(?:[ \t]*\.[ \t]*(?:{_KEY_PART}))*"
_HEADER_LINE = re.compile(rf"\A[ \t]*\[\[?[ \t]*({_DOTTED_KEY})[ \t]*\]")
_KEY_VALUE_LINE = re.compile(rf"\A[ \t]*({_DOTTED_KEY})[ \t]*=")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(tomllib.loads(f"k = {part}")["k"] if part[0] in "\"'" else part
                 for part in re.findall(_KEY_PART, dotted))


def key_line(path: Path, parts: tuple[str, ...]) -> int | None:
    """The line (1-based) of the configuration file ``path`` that sets the key ``parts`` of the
    caplint table (``[tool.caplint]`` in a ``pyproject.toml``); for a key inside an inline
    table, the line of the closest enclosing key that has its own line.  None if the file
    cannot be read or no such line is found.  Only called to report an error: the file was
    parsed by :mod:`tomllib` already, so this scans lines (table headers, ``key =``, skipping
    multi-line strings) rather than parsing again."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    root = ("tool", "caplint") if path.name == "pyproject.toml" else ()
    wanted = root + tuple(parts)
    best: tuple[int, int] | None = None  # (length of the matched prefix, line)
    table: tuple[str, ...] = ()
    in_string: str | None = None  # the delimiter of the multi-line string being skipped
    for number, line in enumerate(text.splitlines(), 1):
        if in_string is not None:
            if line.count(in_string) % 2:
                in_string = None
            continue
        header = _HEADER_LINE.match(line)
        assignment = None if header else _KEY_VALUE_LINE.match(line)
        if header:
            table = _key_parts(header.group(1))
            found = table
        elif assignment:
            found = table + _key_parts(assignment.group(1))
            rest = line[assignment.end():]
            for delimiter in ('"""', "'''"):
                if rest.count(delimiter) % 2:
                    in_string = delimiter
                    break
        else:
            continue
        if wanted[:len(found)] == found and len(found) >= max(1, len(root)):
            if best is None or len(found) > best[0]:
                best = (len(found), number)
            if found == wanted:
                break
    return best[1] if best else None


def from_table(table: dict[str, Any], path: Path) -> Config:
    """A :class:`Config` from the ``[tool.caplint]`` table (or a ``.caplint.toml``) at ``path``."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _error(path, key, f"unknown key{hint}; valid keys: {', '.join(KEYS)}")
        if key in _LIST_KEYS:
            value = _strings(value, path, key)
        elif key in _STRING_KEYS:
            if not isinstance(value, str) or not value.strip():
                raise _error(path, key, "must be a non-empty string")
        elif key == "fail-on":
            if value not in SEVERITIES:
                raise _error(path, key, f"{value!r} is not one of {', '.join(SEVERITIES)}")
        elif key == "allow-suppressions":
            if not isinstance(value, bool):
                raise _error(path, key, "must be true or false")
        elif key == "severity":
            if not isinstance(value, dict):
                raise _error(path, key, 'must be a table, e.g. [severity] HISTORY = "error"')
            for name, severity in value.items():
                if severity not in SEVERITIES:
                    raise _error(path, f"severity.{name}",
                                 f"{severity!r} is not one of {', '.join(SEVERITIES)}",
                                 (key, name))
            value = dict(value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise _error(path, key, 'must be a table, e.g. [per-file-ignores] "old/*.md" = '
                             '["DATE"]')
            value = {glob: _strings(codes, path, f"per-file-ignores.{glob}", (key, glob))
                     for glob, codes in value.items()}
        values[KEYS[key]] = value
    for pattern in values.get("allow_regex", ()):
        _check_regex(pattern, path)
    if "rules" in values:
        folders = []
        for entry in values["rules"]:
            folder = (path.parent / entry).resolve()
            if not folder.exists():
                raise _error(path, "rules", f"{entry!r} does not exist (looked for {folder}); "
                             "valid values: rule-pack folders or files, relative to this file")
            folders.append(folder)
        values["rules"] = tuple(folders)
    if "caption_fields" in values and not values["caption_fields"]:
        raise _error(path, "caption-fields", "must name at least one field")
    try:
        return Config(**values, source=path)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:  # pragma: no cover - caught above
        raise ConfigError(f"{path}: {exc}") from None


def _check_regex(pattern: str, path: Path | None) -> None:
    from .patterns import compile_pattern

    try:
        compile_pattern(pattern, case_sensitive=True, dfa=False)  # as the engine will
    except Exception as exc:  # re2's own error type
        raise _error(path, "allow-regex", f"{pattern!r} is not a valid regular expression "
                     f"(google-re2 syntax): {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"at line (\d+)", message)
        line = int(where.group(1)) if where else data.decode("utf-8").count("\n") + 1
        message = re.sub(r"\s*\(at [^)]*\)$", "", message)
        raise ConfigError(f"{path}: line {line}: not valid TOML: {message}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _table(path: Path) -> dict[str, Any] | None:
    """The caplint table of a config file; None for a pyproject.toml without one."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("caplint") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.caplint] must be a table")
        return table
    return data


def load(path: Path | str) -> Config:
    """The configuration in one file (``--config``)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    table = _table(path)
    if table is None:
        raise ConfigError(f"{path}: has no [tool.caplint] table")
    return from_table(table, path)


def find(start: Path) -> Path | None:
    """The closest configuration file at or above the folder ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        found = _find_in(folder)
        if found is not None:
            return found
    return None


def _find_in(folder: Path) -> Path | None:
    for name in CONFIG_FILES:
        candidate = folder / name
        if candidate.is_file() and (name != "pyproject.toml" or _table(candidate) is not None):
            return candidate
    return None


# ------------------------------------------------------------------------------ resolution


@dataclass
class Resolver:
    """The effective configuration of each linted file: ``--config`` or the closest file,
    then the command-line overrides."""

    explicit: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _by_source: dict[Path | None, Config] = field(default_factory=dict)
    _by_folder: dict[Path, Config] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pattern in self.overrides.get("allow_regex", ()):
            _check_regex(pattern, None)

    def _build(self, source: Path | None) -> Config:
        if source not in self._by_source:
            base = load(source) if source is not None else Config()
            overrides = {k: v for k, v in self.overrides.items() if v not in (None, ())}
            self._by_source[source] = replace(base, **overrides) if overrides else base
        return self._by_source[source]

    def for_folder(self, folder: Path) -> Config:
        if self.explicit is not None:
            return self._build(self.explicit.resolve())
        folder = folder.resolve()
        if folder not in self._by_folder:
            self._by_folder[folder] = self._build(find(folder))
        return self._by_folder[folder]

    def for_path(self, path: str) -> Config:
        """The configuration of a file to lint (``-``: the current folder's)."""
        if path == "-":
            return self.for_folder(Path.cwd())
        return self.for_folder(Path(path).parent if Path(path).parent != Path("") else Path("."))


# ------------------------------------------------------------------------- per-file ignores


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob (``*``, ``?``, ``[...]``, ``**`` for any folders) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
                i += 1
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


def ignored_for(config: Config, path: str) -> tuple[str, ...]:
    """The selectors that ``per-file-ignores`` ignores for ``path``.  A glob with a ``/`` is
    matched against the path relative to the configuration file's folder (the current folder
    without one); a glob without one against the file name."""
    if not config.per_file_ignores or path == "-":
        return ()
    absolute = Path(path).resolve()
    base = config.source.parent if config.source else Path.cwd().resolve()
    try:
        relative = absolute.relative_to(base).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    keys: list[str] = []
    for glob, codes in config.per_file_ignores.items():
        target = relative if "/" in glob else absolute.name
        if _glob_regex(glob[2:] if glob.startswith("./") else glob).match(target):
            keys.extend(codes)
    return tuple(keys)


# ----------------------------------------------------------------------------- validation


def check_selectors(config: Config, rules: Iterable[Any], cli_keys: Iterable[str] = ()) -> None:
    """Every code, name or category the configuration names must select at least one rule."""
    rules = list(rules)
    cli = set(cli_keys)
    # (the key's path in the table, the selector)
    checks: list[tuple[tuple[str, ...], str]] = []
    checks += [(("select",), key) for key in config.select]
    checks += [(("ignore",), key) for key in config.ignore]
    checks += [(("severity", key), key) for key in config.severity]
    checks += [(("per-file-ignores", glob), key)
               for glob, keys in config.per_file_ignores.items() for key in keys]
    for parts, key in checks:
        if not any(rule_matches(rule, [key]) for rule in rules):
            where = ".".join(parts)
            origin = None if parts[0] in cli else config.source
            label = f"--{where}" if origin is None else f"key '{where}'"
            raise ConfigError(
                f"{_where(origin, parts)}: {label}: {key!r} names no rule; valid values: rule "
                "codes (e.g. AGE001), code prefixes (AGE0), rule names (numeric-age) or categories "
                f"({', '.join(sorted({r.category for r in rules}))}); `caplint rules` lists them")


# -------------------------------------------------------------------------------- display


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def render(config: Config, target: str) -> str:
    """The effective configuration as TOML, with where it came from."""
    origin = str(config.source) if config.source else "defaults (no configuration file found)"
    lines = [f"# Effective caplint configuration for {target}", f"# from: {origin}", ""]
    attribute_to_key = {attr: key for key, attr in KEYS.items()}
    tables: list[str] = []
    for item in fields(Config):
        key = attribute_to_key.get(item.name)
        if key is None:
            continue
        value = getattr(config, item.name)
        if isinstance(value, dict):
            tables.append(f"\n[{key}]")
            tables.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
            if not value:
                tables.append("# (none)")
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


def cache_root(config: Config) -> Path:
    """Where the cache lives: next to the configuration file, else in the current folder."""
    if config.source is not None:
        return config.source.parent / ".caplint_cache"
    return Path(os.getcwd()) / ".caplint_cache"
