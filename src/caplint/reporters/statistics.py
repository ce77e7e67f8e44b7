"""``--statistics``: the number of findings per rule, most frequent first (like ruff's)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from ..report import FileReport

MACHINE_FORMATS = ("json", "jsonl", "sarif")


def write_statistics(reports: Iterable[FileReport], stream: TextIO, fmt: str = "concise") -> None:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    for report in reports:
        for item in report.findings:
            f = item.finding
            counts[f.code] += 1
            names[f.code] = f.name
            fixable[f.code] = fixable.get(f.code, False) or (f.fix != "none" and f.fix_safe)
    rows = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    if fmt in MACHINE_FORMATS:
        data = [{"code": code, "name": names[code], "count": count, "fixable": fixable[code]}
                for code, count in rows]
        json.dump(data, stream, indent=2)
        stream.write("\n")
        return
    if not rows:
        return
    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    for code, count in rows:
        mark = "[*]" if fixable[code] else "   "
        stream.write(f"{count:>{count_width}}\t{code:<{code_width}}\t{mark} {names[code]}\n")
