"""Human formats: ``full`` (caption line, span marked, suggestion) and ``concise`` (one line each).

Both stream: each file's findings are written as its report arrives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from ..report import FileReport, Located


def _head(item: Located) -> str:
    f = item.finding
    return (f"{item.path}:{item.line}:{item.column}: {f.code} [{f.severity}] {f.message} "
            f"({f.name})")


def concise(reports: Iterable[FileReport], stream: TextIO, show_text: bool = False,
            **_: Any) -> None:
    tally = _Tally()
    for report in reports:
        tally.add(report)
        for item in report.findings:
            suffix = f' "{item.finding.text}"' if show_text else ""
            stream.write(_head(item) + suffix + "\n")
    tally.write(stream)


def full(reports: Iterable[FileReport], stream: TextIO, show_text: bool = True,
         **_: Any) -> None:
    tally = _Tally()
    for report in reports:
        tally.add(report)
        lines = report.text.splitlines() if report.findings else []
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
    tally.write(stream)


class _Tally:
    def __init__(self) -> None:
        self.severities: Counter[str] = Counter()
        self.files = 0
        self.flagged = 0

    def add(self, report: FileReport) -> None:
        self.files += 1
        if report.findings:
            self.flagged += 1
            self.severities.update(item.finding.severity for item in report.findings)

    def write(self, stream: TextIO) -> None:
        total = sum(self.severities.values())
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        if total:
            detail = ", ".join(f"{n} {s}{'s' if n != 1 else ''}"
                               for s, n in sorted(self.severities.items()))
            stream.write(f"Found {total} finding{'s' if total != 1 else ''} ({detail}) "
                         f"in {self.flagged} of {files}.\n")
        else:
            stream.write(f"All clear: no findings in {files}.\n")
