"""``json``: one JSON array of findings (the contract in docs/architecture.md)."""

from __future__ import annotations

import json
from typing import TextIO

from ..report import FileReport


def json_array(reports: list[FileReport], stream: TextIO, show_text: bool = False) -> None:
    items = [item.to_dict(show_text) for report in reports for item in report.findings]
    json.dump(items, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
