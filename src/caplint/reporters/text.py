"""Human formats: ``full`` (caption line, span marked, suggestion) and ``concise`` (one line each)."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from ..report import FileReport, Located


def _head(item: Located) -> str:
    f = item.finding
    return (f"{item.path}:{item.line}:{item.column}: {f.code} [{f.severity}] {f.message} "
            f"({f.name})")


def concise(reports: list[FileReport], stream: TextIO, show_text: bool = False) -> None:
    for report in reports:
        for item in report.findings:
            suffix = f' "{item.finding.text}"' if show_text else ""
            stream.write(_head(item) + suffix + "\n")
    _summary(reports, stream)


def full(reports: list[FileReport], stream: TextIO, show_text: bool = True) -> None:
    for report in reports:
        lines = report.text.splitlines()
        for item in report.findings:
            f = item.finding
            stream.write(_head(item) + "\n")
            width = len(str(item.end_line))
            gutter = " " * width
            for number in range(item.line, min(item.end_line, item.line + 2) + 1):
                source = lines[number - 1] if number - 1 < len(lines) else ""
                stream.write(f"{number:>{width}} | {source}\n")
                first = item.column if number == item.line else 1
                last = item.end_column if number == item.end_line else len(source) + 1
                stream.write(f"{gutter} | {' ' * (first - 1)}{'^' * max(1, last - first)}\n")
            if f.suggestion:
                stream.write(f"{gutter} = suggestion: {f.suggestion}\n")
            stream.write("\n")
    _summary(reports, stream)


def _summary(reports: list[FileReport], stream: TextIO) -> None:
    severities = Counter(item.finding.severity for r in reports for item in r.findings)
    total = sum(severities.values())
    files = sum(1 for r in reports if r.findings)
    if total:
        detail = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(severities.items()))
        stream.write(f"Found {total} finding{'s' if total != 1 else ''} ({detail}) "
                     f"in {files} of {len(reports)} file{'s' if len(reports) != 1 else ''}.\n")
    else:
        stream.write(f"All clear: no findings in {len(reports)} "
                     f"file{'s' if len(reports) != 1 else ''}.\n")
