"""Findings placed in their files: what reporters print and the JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field

from .findings import SEVERITY_RANK, Finding
from .sources import Caption, line_col, line_starts


@dataclass(frozen=True)
class Located:
    """A finding with its file, file offsets, and 1-based line/column span."""

    path: str
    finding: Finding
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def to_dict(self, show_text: bool = False) -> dict:
        """The JSON finding of docs/architecture.md (contract)."""
        f = self.finding
        data = {
            "path": self.path, "code": f.code, "name": f.name, "category": f.category,
            "severity": f.severity, "message": f.message, "suggestion": f.suggestion,
            "start": self.start, "end": self.end, "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
        }
        if show_text:
            data["text"] = f.text
        return data


@dataclass
class FileReport:
    path: str
    text: str
    findings: list[Located] = field(default_factory=list)
    error: str | None = None


def locate(file_text: str, caption: Caption, findings: list[Finding],
           starts: list[int] | None = None) -> list[Located]:
    starts = starts if starts is not None else line_starts(file_text)
    located = []
    for finding in findings:
        start, end = caption.to_file(finding.start), caption.to_file_end(finding.end)
        line, column = line_col(starts, start)
        end_line, end_column = line_col(starts, end)
        located.append(Located(caption.path, finding, start, end, line, column, end_line,
                               end_column))
    return located


def fails(located: list[Located], fail_on: str) -> bool:
    threshold = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK[item.finding.severity] >= threshold for item in located)
