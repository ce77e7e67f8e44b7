"""Rule packs: the policy as data (``rules/*.yaml``), loaded and validated without spaCy.

A pack is a YAML mapping with ``pack`` (its name), optional ``description``, and ``rules`` and/or
``allow`` lists.  See ``docs/design.md`` for the schema.  Every problem is reported as a
:class:`RulePackError` naming the file, the line, the rule and the key, and what would be valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .findings import CATEGORIES, SEVERITIES
from .lexicons import read_lexicon

FIX_ACTIONS = ("age-group", "remove", "remove-clause", "remove-sentence", "none")
DETECT_KINDS = ("regex", "phrases", "lexicons", "hashtags", "tokens", "entities", "detector")
_DETECT_OPTIONS = (
    "group",
    "case_sensitive",
    "min_score",
    "require",
    "exclude",
    "scope",
    "gazetteer",
    "filter",
    "model",
)
_RULE_KEYS = (
    "code",
    "name",
    "category",
    "severity",
    "message",
    "why",
    "suggestion",
    "fix",
    "detect",
    "examples",
    "references",
)
_REQUIRED_RULE_KEYS = ("code", "name", "category", "severity", "message", "why", "detect")
_ALLOW_KEYS = (
    "name",
    "why",
    "categories",
    "phrases",
    "lexicons",
    "regex",
    "case_sensitive",
    "namesakes",
    "unless",
    "stop",
)
_CODE = re.compile(r"^[A-Z]{2,4}\d{3}$")
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_CATEGORY = re.compile(r"^[A-Z][A-Z_]*[A-Z]$")


class RulePackError(ValueError):
    """A rule pack that cannot be used; the message names file, line, rule and key."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        rule: str | None = None,
        key: str | None = None,
    ) -> None:
        self.path, self.line, self.rule, self.key = str(path), line, rule, key
        where = self.path + (f":{line}" if line else "")
        parts = [where]
        if rule:
            parts.append(f"rule {rule}")
        if key:
            parts.append(f"key '{key}'")
        super().__init__(": ".join(parts) + f": {message}")


@dataclass(frozen=True)
class Detect:
    regex: tuple[str, ...] = ()
    group: str | None = None
    case_sensitive: bool = False
    phrases: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    #: lexicons a Python detector looks words up in
    gazetteer: tuple[str, ...] = ()
    tokens: tuple[Any, ...] = ()
    entities: tuple[str, ...] = ()
    min_score: float = 0.0
    detector: str | None = None
    require: str | None = None
    exclude: tuple[str, ...] = ()
    #: a Python predicate (caplint.detectors.FILTERS) every match must pass
    filter: str | None = None
    #: "span" (default) or "caption": caption-level findings are computed after overlaps.
    scope: str = "span"
    #: a learned model the detector reads, ``models/<model>.json`` beside the pack
    model: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str
    severity: str
    message: str
    why: str
    detect: Detect
    suggestion: str | None = None
    fix_action: str = "none"
    fix_safe: bool = False
    examples_fail: tuple[str, ...] = ()
    examples_pass: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    pack: str = ""
    path: Path = field(default=Path(), compare=False)
    lexicon_dir: Path = field(default=Path(), compare=False)

    @cached_property
    def model_path(self) -> Path:
        """The file of the learned model the rule's detector reads (``detect.model``); worked
        out once per rule (its detector asks for every caption)."""
        return self.lexicon_dir.parent / "models" / f"{self.detect.model}.json"

    @cached_property
    def _lexicons(self) -> dict[str, tuple[str, ...]]:
        return {}

    def lexicon(self, name: str) -> tuple[str, ...]:
        """The entries of the rule pack's lexicon ``name`` (kept per rule: some detectors ask
        for every caption, and the file's path need not be rebuilt and hashed each time)."""
        cache = self._lexicons
        entries = cache.get(name)
        if entries is None:
            entries = cache[name] = read_lexicon(self.lexicon_dir / f"{name}.txt")
        return entries


@dataclass(frozen=True)
class AllowList:
    name: str
    why: str
    categories: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    case_sensitive: bool = False
    #: a person named with a word of one of this list's matches in the same caption is the
    #: eponym's namesake, not the patient ("Ernest Codman described the Codman triangle")
    namesakes: bool = False
    #: a match of the list that one of these patterns also finds (in the match's text) allows
    #: nothing: "Thank you @dr_lee" credits a clinician, "Thank you @mateos_mama" thanks the family
    unless: tuple[str, ...] = ()
    #: a match of the list ends where one of these patterns first finds something inside it:
    #: "Teaching point: duct integrity drives management; this boy had a pancreatectomy" is a
    #: general statement only up to "this boy"
    stop: tuple[str, ...] = ()
    path: Path = field(default=Path(), compare=False)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    allow: tuple[AllowList, ...]

    def by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    def find(self, key: str) -> Rule | None:
        """A rule by code or name (case-insensitive for codes)."""
        for rule in self.rules:
            if key.upper() == rule.code or key == rule.name:
                return rule
        return None


# --------------------------------------------------------------------------------------- loading


#: libyaml's C parser when PyYAML was built with it: the bundled packs load in 29 ms instead of
#: 115 ms, on every cold start.  Its nodes carry the same line marks as the pure-Python parser's.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """A YAML loader whose mappings remember the line of each key."""


class _Mapping(dict):
    lines: dict[str, int]
    line: int


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            # YAML would keep the last one silently: a second "pass:" would drop the examples of
            # the first, a second "regex:" its patterns
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {mapping.lines[key]})",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(mapping: Any, key: str | None = None) -> int | None:
    if isinstance(mapping, _Mapping):
        return mapping.lines.get(key, mapping.line) if key else mapping.line
    return None


def _strings(value: Any, error) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise error("must be a string or a list of strings")


def _compile_check(pattern: str, error, *, case_sensitive: bool = True, dfa: bool = True) -> None:
    from .atoms import is_indexed, pattern_source
    from .patterns import compile_pattern

    # a bundled pattern is in the shipped atoms index, which holds only patterns that compile:
    # not compiling it here leaves it to the first caption that needs it (see LazyPattern)
    if is_indexed(pattern_source(pattern, case_sensitive)):
        return
    try:
        compile_pattern(pattern, case_sensitive=case_sensitive, dfa=dfa)
    except Exception as exc:  # re2 raises its own error type
        raise error(f"invalid regular expression {pattern!r} (google-re2 syntax): {exc}") from None


def _load_detect(raw: Any, path: Path, code: str, lexicon_dir: Path) -> Detect:
    def error(key: str | None):
        return lambda msg: RulePackError(
            path, msg, line=_line(raw, key), rule=code, key=f"detect.{key}" if key else "detect"
        )

    if not isinstance(raw, dict) or not raw:
        raise error(None)(f"must be a mapping with at least one of: {', '.join(DETECT_KINDS)}")
    unknown = sorted(set(raw) - set(DETECT_KINDS) - set(_DETECT_OPTIONS))
    if unknown:
        raise error(unknown[0])(
            f"unknown key; valid keys: {', '.join(DETECT_KINDS + _DETECT_OPTIONS)}"
        )
    if not any(kind in raw for kind in DETECT_KINDS):
        raise error(None)(f"needs at least one of: {', '.join(DETECT_KINDS)}")
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise error("case_sensitive")("must be true or false")
    values: dict[str, Any] = {"case_sensitive": case_sensitive}
    for key in ("regex", "phrases", "lexicons", "hashtags", "entities", "exclude", "gazetteer"):
        if key in raw:
            values[key] = _strings(raw[key], error(key))
    # compiled as the engine compiles them (so it reuses these): searched only where the
    # prefilter says they match, and an exclude pattern tests the matched text case-sensitively
    for pattern in values.get("regex", ()):
        _compile_check(pattern, error("regex"), case_sensitive=case_sensitive, dfa=False)
    for pattern in values.get("exclude", ()):
        _compile_check(pattern, error("regex"), dfa=False)
    for key in ("lexicons", "hashtags", "gazetteer"):
        for name in values.get(key, ()):
            if not (lexicon_dir / f"{name}.txt").is_file():
                raise error(key)(f"lexicon {name!r} not found (expected {lexicon_dir / name}.txt)")
    for key in ("group", "detector", "require", "scope", "filter", "model"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise error(key)("must be a string")
            values[key] = raw[key]
    if "require" in values:
        _compile_check(values["require"], error("require"), dfa=False)
    if "model" in values:
        model = lexicon_dir.parent / "models" / f"{values['model']}.json"
        if not model.is_file():
            raise error("model")(f"model {values['model']!r} not found (expected {model})")
    if values.get("scope", "span") not in ("span", "caption"):
        raise error("scope")("must be 'span' or 'caption'")
    if "group" in values:
        for pattern in values.get("regex", ()):
            if f"(?P<{values['group']}>" not in pattern:
                raise error("group")(f"group {values['group']!r} is not in pattern {pattern!r}")
    if "tokens" in raw:
        tokens = raw["tokens"]
        if not (
            isinstance(tokens, list)
            and tokens
            and all(
                isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in tokens
            )
        ):
            raise error("tokens")("must be a list of spaCy Matcher patterns (lists of mappings)")
        values["tokens"] = tuple(_plain(p) for p in tokens)
    if "filter" in values:
        from .detectors import FILTERS

        if values["filter"] not in FILTERS:
            raise error("filter")(
                f"unknown filter {values['filter']!r}; valid: {', '.join(sorted(FILTERS))}"
            )
    if "min_score" in raw:
        score = raw["min_score"]
        if not isinstance(score, int | float) or not 0 <= score <= 1:
            raise error("min_score")("must be a number between 0 and 1")
        values["min_score"] = float(score)
    if "detector" in values:
        from .detectors import DETECTORS

        if values["detector"] not in DETECTORS:
            raise error("detector")(
                f"unknown detector {values['detector']!r}; valid: {', '.join(sorted(DETECTORS))}"
            )
    return Detect(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _load_rule(raw: Any, path: Path, pack: str, lexicon_dir: Path, index: int) -> Rule:
    label = raw.get("code") if isinstance(raw, dict) and isinstance(raw.get("code"), str) else None
    label = label or f"#{index + 1}"

    def error(key: str | None, msg: str) -> RulePackError:
        return RulePackError(path, msg, line=_line(raw, key), rule=label, key=key)

    if not isinstance(raw, dict):
        raise error(None, "a rule must be a mapping")
    unknown = sorted(set(raw) - set(_RULE_KEYS))
    if unknown:
        raise error(unknown[0], f"unknown key; valid keys: {', '.join(_RULE_KEYS)}")
    for key in _REQUIRED_RULE_KEYS:
        if key not in raw:
            raise error(key, "missing required key")
    for key in ("code", "name", "category", "severity", "message", "why"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise error(key, "must be a non-empty string")
    if not _CODE.match(raw["code"]):
        raise error("code", "must be 2-4 capital letters and 3 digits, e.g. AGE001")
    if not _KEBAB.match(raw["name"]):
        raise error("name", "must be kebab-case, e.g. numeric-age")
    if raw["category"] not in CATEGORIES and not _CATEGORY.match(raw["category"]):
        raise error("category", f"must be one of {', '.join(CATEGORIES)} or an UPPER_CASE name")
    if raw["severity"] not in SEVERITIES:
        raise error("severity", f"must be one of {', '.join(SEVERITIES)}")
    suggestion = raw.get("suggestion")
    if suggestion is not None and not isinstance(suggestion, str):
        raise error("suggestion", "must be a string")
    fix = raw.get("fix", {"action": "none"})
    if not isinstance(fix, dict) or set(fix) - {"action", "safe"}:
        raise error("fix", "must be a mapping with 'action' and optional 'safe'")
    action = fix.get("action", "none")
    if action not in FIX_ACTIONS:
        raise error("fix", f"action must be one of {', '.join(FIX_ACTIONS)}")
    safe = fix.get("safe", False)
    if not isinstance(safe, bool):
        raise error("fix", "'safe' must be true or false")
    examples = raw.get("examples", {})
    if not isinstance(examples, dict) or set(examples) - {"fail", "pass"}:
        raise error("examples", "must be a mapping with 'fail' and/or 'pass' lists")
    fail = _strings(examples.get("fail", []), lambda m: error("examples", f"fail {m}"))
    passing = _strings(examples.get("pass", []), lambda m: error("examples", f"pass {m}"))
    references = _strings(raw.get("references", []), lambda m: error("references", m))
    return Rule(
        code=raw["code"],
        name=raw["name"],
        category=raw["category"],
        severity=raw["severity"],
        message=raw["message"].strip(),
        why=" ".join(raw["why"].split()),
        detect=_load_detect(raw["detect"], path, raw["code"], lexicon_dir),
        suggestion=suggestion.strip() if suggestion else None,
        fix_action=action,
        fix_safe=safe,
        examples_fail=fail,
        examples_pass=passing,
        references=references,
        pack=pack,
        path=path,
        lexicon_dir=lexicon_dir,
    )


def _load_allow(raw: Any, path: Path, lexicon_dir: Path, index: int) -> AllowList:
    label = raw.get("name") if isinstance(raw, dict) else None
    label = label or f"allow #{index + 1}"

    def error(key: str | None, msg: str) -> RulePackError:
        return RulePackError(path, msg, line=_line(raw, key), rule=label, key=key)

    if not isinstance(raw, dict):
        raise error(None, "an allow entry must be a mapping")
    unknown = sorted(set(raw) - set(_ALLOW_KEYS))
    if unknown:
        raise error(unknown[0], f"unknown key; valid keys: {', '.join(_ALLOW_KEYS)}")
    for key in ("name", "why", "categories"):
        if key not in raw:
            raise error(key, "missing required key")
    categories = _strings(raw["categories"], lambda m: error("categories", m))
    phrases = list(_strings(raw.get("phrases", []), lambda m: error("phrases", m)))
    for name in _strings(raw.get("lexicons", []), lambda m: error("lexicons", m)):
        lexicon_path = lexicon_dir / f"{name}.txt"
        if not lexicon_path.is_file():
            raise error("lexicons", f"lexicon {name!r} not found (expected {lexicon_path})")
        phrases.extend(read_lexicon(lexicon_path))
    case_sensitive = raw.get("case_sensitive", False)
    namesakes = raw.get("namesakes", False)
    if not isinstance(namesakes, bool):
        raise error("namesakes", "must be true or false")
    regexes = _strings(raw.get("regex", []), lambda m: error("regex", m))
    for pattern in regexes:
        _compile_check(
            pattern, lambda m: error("regex", m), case_sensitive=case_sensitive, dfa=False
        )
    unless = _strings(raw.get("unless", []), lambda m: error("unless", m))
    for pattern in unless:
        _compile_check(pattern, lambda m: error("unless", m), case_sensitive=True, dfa=False)
    stop = _strings(raw.get("stop", []), lambda m: error("stop", m))
    for pattern in stop:
        _compile_check(pattern, lambda m: error("stop", m), case_sensitive=True, dfa=False)
    return AllowList(
        name=raw["name"],
        why=" ".join(str(raw["why"]).split()),
        categories=categories,
        phrases=tuple(phrases),
        regex=regexes,
        case_sensitive=bool(case_sensitive),
        namesakes=namesakes,
        unless=unless,
        stop=stop,
        path=path,
    )


def load_pack(path: Path) -> tuple[list[Rule], list[AllowList]]:
    """Load one pack file; lexicons are looked up in ``lexicons/`` beside it."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulePackError(
            path,
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else None,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(path, f"cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise RulePackError(path, "a rule pack must be a mapping with 'pack' and 'rules'")
    unknown = sorted(set(raw) - {"pack", "description", "rules", "allow"})
    if unknown:
        raise RulePackError(
            path,
            "unknown key; valid keys: pack, description, rules, allow",
            line=_line(raw, unknown[0]),
            key=unknown[0],
        )
    pack = raw.get("pack")
    if not isinstance(pack, str) or not pack:
        raise RulePackError(path, "missing or empty", line=_line(raw, "pack"), key="pack")
    lexicon_dir = path.parent / "lexicons"
    rules_raw = raw.get("rules", [])
    allow_raw = raw.get("allow", [])
    for key, value in (("rules", rules_raw), ("allow", allow_raw)):
        if not isinstance(value, list):
            raise RulePackError(path, "must be a list", line=_line(raw, key), key=key)
    rules = [_load_rule(r, path, pack, lexicon_dir, i) for i, r in enumerate(rules_raw)]
    allow = [_load_allow(a, path, lexicon_dir, i) for i, a in enumerate(allow_raw)]
    return rules, allow


def pack_files(folders: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
        elif folder.is_dir():
            files.extend(sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")))
        else:
            raise RulePackError(folder, "rule folder does not exist")
    return files


def load_rules(folders: Sequence[Path] | None = None) -> RuleSet:
    """Load and validate every pack in the bundled ``rules/`` folder plus ``folders``."""
    from .paths import bundled_rules_dir

    all_rules: list[Rule] = []
    all_allow: list[AllowList] = []
    seen_codes: dict[str, Path] = {}
    seen_names: dict[str, Path] = {}
    for path in pack_files([bundled_rules_dir(), *(folders or ())]):
        rules, allow = load_pack(path)
        for rule in rules:
            for key, seen, value in (
                ("code", seen_codes, rule.code),
                ("name", seen_names, rule.name),
            ):
                if value in seen:
                    raise RulePackError(
                        path,
                        f"duplicate {key} {value!r} (also in {seen[value]})",
                        rule=rule.code,
                        key=key,
                    )
                seen[value] = path
        all_rules.extend(rules)
        all_allow.extend(allow)
    return RuleSet(tuple(all_rules), tuple(all_allow))
