"""``github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=posts/a.md,line=3,col=5,endLine=3,endColumn=15,title=AGE001 numeric-age::...

The message is the rule's message and suggestion -- never the matched text (unless
``--show-text``).  Values are escaped as the Actions runner expects: ``%``, CR and LF everywhere,
and also ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from ..report import FileReport

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotations(reports: Iterable[FileReport], stream: TextIO, show_text: bool = False,
                **_: Any) -> None:
    for report in reports:
        for item in report.findings:
            f = item.finding
            properties = ",".join([
                f"file={escape_property(item.path)}", f"line={item.line}",
                f"col={item.column}", f"endLine={item.end_line}",
                f"endColumn={item.end_column}", f"title={escape_property(f'{f.code} {f.name}')}",
            ])
            message = f.message if f.message.endswith(".") else f.message + "."
            if f.suggestion:
                message += f" {f.suggestion}"
            if show_text:
                message += f' (matched: "{f.text}")'
            stream.write(f"::{LEVELS.get(f.severity, 'warning')} {properties}::"
                         f"{escape_data(message)}\n")
