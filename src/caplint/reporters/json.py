"""``json``: one JSON array of findings (the contract in docs/architecture.md), and ``jsonl``:
one finding per line.  Both stream, file by file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from ..report import FileReport


def json_array(reports: Iterable[FileReport], stream: TextIO, show_text: bool = False,
               **_: Any) -> None:
    first = True
    for report in reports:
        for item in report.findings:
            text = json.dumps(item.to_dict(show_text), indent=2, ensure_ascii=False)
            stream.write(("[\n" if first else ",\n") + "  " + text.replace("\n", "\n  "))
            first = False
    stream.write("[]\n" if first else "\n]\n")


def json_lines(reports: Iterable[FileReport], stream: TextIO, show_text: bool = False,
               **_: Any) -> None:
    for report in reports:
        for item in report.findings:
            stream.write(json.dumps(item.to_dict(show_text), ensure_ascii=False) + "\n")
