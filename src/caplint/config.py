"""caplint's configuration: what to check and how strictly.

Values come from ``[tool.caplint]`` in ``pyproject.toml`` or from ``.caplint.toml`` (see
:mod:`caplint.configfile`), then from the command line.  Validation errors name the source file,
the key, and the valid values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .findings import SEVERITIES
from .model import DEFAULT_MODEL


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    #: codes, names or categories to check (empty: all)
    select: tuple[str, ...] = ()
    #: codes, names or categories to skip
    ignore: tuple[str, ...] = ()
    #: the lowest severity that makes ``caplint check`` exit 1
    fail_on: str = "error"
    #: severity overrides: code, name or category → severity
    severity: dict[str, str] = field(default_factory=dict)
    #: words and phrases never flagged (e.g. staff names, the department's own hashtags)
    allow_words: tuple[str, ...] = ()
    #: regular expressions (google-re2) whose matches are never flagged
    allow_regex: tuple[str, ...] = ()
    #: extra rule-pack folders or files
    rules: tuple[Path, ...] = ()
    #: the spaCy pipeline to load
    model: str = DEFAULT_MODEL
    #: glob → codes, names or categories ignored for matching files
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: fields of YAML/JSON files (and front matter) that hold caption text
    caption_fields: tuple[str, ...] = ("caption", "alt_text", "alt", "description", "title")
    #: the caption column of CSV files
    csv_column: str = "caption"
    #: whether inline suppressions are honoured (compliance reviewers may forbid them)
    allow_suppressions: bool = True
    #: where this configuration came from (None: defaults)
    source: Path | None = None

    def __post_init__(self) -> None:
        where = f"{self.source}: " if self.source else ""
        if self.fail_on not in SEVERITIES:
            raise ConfigError(f"{where}key 'fail-on': {self.fail_on!r} is not one of "
                              f"{', '.join(SEVERITIES)}")
        for key, value in self.severity.items():
            if value not in SEVERITIES:
                raise ConfigError(f"{where}key 'severity.{key}': {value!r} is not one of "
                                  f"{', '.join(SEVERITIES)}")

    def merged(self, **overrides) -> Config:
        """A copy with the non-empty ``overrides`` applied (command-line options win)."""
        return replace(self, **{k: v for k, v in overrides.items() if v not in (None, ())})


def rule_matches(rule, keys: Iterable[str]) -> bool:
    """Whether a rule is named by any of ``keys`` (a code, a code prefix, a name, a category)."""
    for key in keys:
        upper = key.upper()
        if upper == rule.category or rule.code.startswith(upper) or key == rule.name:
            return True
    return False
