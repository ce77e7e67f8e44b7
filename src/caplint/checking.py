"""Linting files: sources → captions → one batched lint → findings located in their files."""

from __future__ import annotations

from collections.abc import Iterable

from .linter import Linter
from .report import FileReport, locate
from .sources import SourceError, SourceFile, discover, line_starts, load


def check_paths(linter: Linter, paths: Iterable[str]) -> list[FileReport]:
    """Lint every caption in ``paths``.  A file that cannot be read gets a report with ``error``
    set (the run then exits 2), and the other files are still linted."""
    reports: list[FileReport] = []
    files: list[SourceFile] = []
    for path in discover(paths):
        try:
            source = load(path)
        except SourceError as exc:
            reports.append(FileReport(exc.path, "", error=exc.reason))
            continue
        files.append(source)
    captions = [caption for source in files for caption in source.captions]
    results = iter(linter.iter_lint(caption.text for caption in captions))
    for source in files:
        report = FileReport(source.path, source.text)
        starts = line_starts(source.text)
        for caption in source.captions:
            report.findings.extend(locate(source.text, caption, next(results), starts))
        reports.append(report)
    return reports
