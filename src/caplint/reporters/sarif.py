"""``sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` carries each rule's metadata from its rule pack (short and full
description, help text with examples, default level), and each result its rule, level, message
and region.  Columns are Unicode code points (``columnKind: unicodeCodePoints``), 1-based, like
caplint's own.  Messages never contain the matched text; ``--show-text`` adds it as the region's
snippet.

Results are streamed as the files are linted; the tool object (whose rule list is complete only
at the end) is written after them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from ..report import FileReport, Located

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"


def _uri(path: str) -> tuple[str, str | None]:
    """The artifact URI: relative paths stay relative to %SRCROOT% (the current folder)."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri(), None
    posix = PurePosixPath(*candidate.parts).as_posix() if candidate.parts else path
    return quote(posix, safe="/"), SRCROOT


def _text(value: str) -> dict[str, str]:
    return {"text": value}


def rule_descriptor(rule: Any) -> dict[str, Any]:
    help_lines = [rule.message + ".", "", rule.why]
    if rule.examples_fail:
        help_lines += ["", "Flagged:", *(f"  {e}" for e in rule.examples_fail)]
    if rule.examples_pass:
        help_lines += ["", "Not flagged:", *(f"  {e}" for e in rule.examples_pass)]
    if rule.suggestion:
        help_lines += ["", f"Suggestion: {rule.suggestion}"]
    markdown = [f"**{rule.message}.**", "", rule.why]
    if rule.examples_fail:
        markdown += ["", "Flagged:", "", *(f"- `{e}`" for e in rule.examples_fail)]
    if rule.examples_pass:
        markdown += ["", "Not flagged:", "", *(f"- `{e}`" for e in rule.examples_pass)]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": _text(rule.message),
        "fullDescription": _text(rule.why),
        "help": {"text": "\n".join(help_lines), "markdown": "\n".join(markdown)},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": ["privacy", rule.category.lower()], "category": rule.category},
    }


def _result(item: Located, index: int | None, show_text: bool) -> dict[str, Any]:
    f = item.finding
    uri, base = _uri(item.path)
    location: dict[str, Any] = {"uri": uri}
    if base:
        location["uriBaseId"] = base
    region: dict[str, Any] = {
        "startLine": item.line, "startColumn": item.column,
        "endLine": item.end_line, "endColumn": item.end_column,
    }
    if show_text:
        region["snippet"] = _text(f.text)
    message = f.message if f.message.endswith(".") else f.message + "."
    if f.suggestion:
        message += f" {f.suggestion}"
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "warning"),
        "message": _text(message),
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
        "properties": {"category": f.category, "name": f.name},
    }
    if index is not None:
        result["ruleIndex"] = index
    return result


def sarif(reports: Iterable[FileReport], stream: TextIO, show_text: bool = False, *,
          run: Any = None, rules: Iterable[Any] = (), **_: Any) -> None:
    """Write one SARIF log.  ``run.rules`` (or ``rules``) gives the rule metadata."""
    from .. import __version__

    known: dict[str, Any] = {rule.code: rule for rule in rules}
    order: list[str] = []
    stream.write('{\n  "$schema": ' + json.dumps(SCHEMA) + ',\n  "version": "2.1.0",\n'
                 '  "runs": [\n    {\n      "results": [')
    first = True
    for report in reports:
        if run is not None:
            known.update({c: r for c, r in run.rules.items() if c not in known})
        for item in report.findings:
            code = item.finding.code
            index = None
            if code in known:
                if code not in order:
                    order.append(code)
                index = order.index(code)
            text = json.dumps(_result(item, index, show_text), ensure_ascii=False)
            stream.write(("\n        " if first else ",\n        ") + text)
            first = False
    if run is not None:
        known.update({c: r for c, r in run.rules.items() if c not in known})
    order += sorted(code for code in known if code not in order)
    tool = {"driver": {"name": "caplint", "version": __version__,
                       "semanticVersion": __version__,
                       "rules": [rule_descriptor(known[code]) for code in order]}}
    base = Path.cwd().resolve().as_uri().rstrip("/") + "/"
    tail = {"tool": tool, "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"uri": base}}}
    body = json.dumps(tail, indent=2, ensure_ascii=False)[1:-2]  # the members, without braces
    body = body.replace("\n", "\n    ")
    stream.write(("\n      ]," if not first else "],") + body + "\n    }\n  ]\n}\n")
