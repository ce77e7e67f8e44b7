"""Caption sources: files and stdin → captions, each with a map back into its file.

A file holds one or more captions.  Every caption knows where its characters sit in the file's
text, so findings always carry offsets, lines and columns of the original file.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: file suffixes linted when a folder is given (see caplint.formats)
SUFFIXES = (".txt", ".text", ".md", ".markdown", ".yaml", ".yml", ".json", ".csv")
MAX_BYTES = 10 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be linted; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Caption:
    """One caption: its text and where its characters sit in its file's text.

    A caption that is a contiguous copy of the file (a text file, a Markdown body, an unescaped
    string) starts at ``offset``.  One read from an escaped or folded literal (a JSON string
    with escapes, a quoted or folded YAML scalar, a CSV cell with doubled quotes) also keeps
    ``starts``/``ends``: for each caption character, the file range it was read from.
    """

    path: str
    text: str
    offset: int = 0
    #: the field or key it came from (front matter, YAML/JSON/CSV); None for the whole body
    field: str | None = None
    #: how it is written in the file, for fixes: "raw" (as is), "json", "yaml-plain",
    #: "yaml-single", "yaml-double", "yaml-literal", "yaml-folded", "csv-plain", "csv-quoted"
    style: str = "raw"
    #: the whole literal in the file (quotes included), when it is a structured value
    literal: tuple[int, int] | None = None
    #: per-character file offsets (None when the caption is a contiguous copy of the file)
    starts: Sequence[int] | None = dataclasses.field(default=None, repr=False, compare=False)
    ends: Sequence[int] | None = dataclasses.field(default=None, repr=False, compare=False)

    def to_file(self, position: int) -> int:
        """The file offset of caption position ``position`` (a span's start)."""
        if self.starts is None:
            return self.offset + position
        if position < len(self.starts):
            return self.starts[position]
        return self.ends[-1] if self.ends else self.offset

    def to_file_end(self, position: int) -> int:
        """The file offset just after caption character ``position - 1`` (a span's end)."""
        if self.starts is None or self.ends is None:
            return self.offset + position
        if position <= 0:
            return self.starts[0] if self.starts else self.offset
        return self.ends[min(position, len(self.ends)) - 1]


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    captions: tuple[Caption, ...]
    #: "text", "markdown", "yaml", "json" or "csv" (see caplint.formats)
    format: str = "text"
    #: the caption fields / CSV column the captions were read with
    options: Any = None

    def with_captions(self, new_texts: list[str]) -> str:
        """The file's text with each caption replaced by the matching new text, written back
        into the same place in the literal's own style (JSON escapes, YAML quoting, CSV
        quoting); everything outside the captions (front matter keys, other fields, other
        cells) is kept byte for byte.  Raises ValueError if a caption cannot be written back."""
        from .formats.writeback import rewrite

        return rewrite(self, new_texts)


def discover(paths: Iterable[str], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[str]:
    """Files to lint: files as given, folders searched recursively, ``-`` for stdin."""
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (child.is_file() and child.suffix.lower() in suffixes
                        and not any(part.startswith(".") for part in child.relative_to(path).parts)):
                    yield str(child)
        else:
            yield raw


def read_text(path: str) -> str:
    """A file's text (stdin for ``-``), refusing what is not readable UTF-8 text."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            file = Path(path)
            if not file.exists():
                raise SourceError(path, "no such file or folder")
            if file.stat().st_size > MAX_BYTES:
                raise SourceError(path, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
            data = file.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in data[:8192]:
        raise SourceError(path, "binary file (contains NUL bytes), not caption text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return text


def load(path: str, options: Any = None) -> SourceFile:
    """Read a file and extract its captions (see :mod:`caplint.formats`); ``options`` is a
    :class:`caplint.formats.SourceOptions` (caption fields, CSV column)."""
    from .formats import parse

    text = read_text(path)
    if path == "-":
        return SourceFile("<stdin>", text, (Caption("<stdin>", text),))
    return parse(path, text, options)


def line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def line_col(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of a ``str`` offset."""
    from bisect import bisect_right

    line = bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1
