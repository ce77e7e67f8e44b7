"""Caption sources: files and stdin → captions, each with a map back into its file.

A file holds one or more captions.  Every caption knows where its characters sit in the file's
text, so findings always carry offsets, lines and columns of the original file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: file suffixes linted when a folder is given
SUFFIXES = (".txt", ".md", ".markdown")
MAX_BYTES = 10 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be linted; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Caption:
    """One caption: its text and where it starts in its file's text."""

    path: str
    text: str
    offset: int = 0
    #: the field or key it came from (front matter, YAML/JSON/CSV); None for the whole body
    field: str | None = None

    def to_file(self, position: int) -> int:
        return self.offset + position


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    captions: tuple[Caption, ...]

    def with_captions(self, new_texts: list[str]) -> str:
        """The file's text with each caption replaced by the matching new text; everything
        outside the captions (front matter keys, other fields) is kept byte for byte."""
        if len(new_texts) != len(self.captions):
            raise ValueError("one new text per caption is required")
        pieces, cursor = [], 0
        for caption, new in sorted(zip(self.captions, new_texts, strict=True),
                                   key=lambda pair: pair[0].offset):
            pieces.append(self.text[cursor:caption.offset])
            pieces.append(new)
            cursor = caption.offset + len(caption.text)
        pieces.append(self.text[cursor:])
        return "".join(pieces)


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


def load(path: str) -> SourceFile:
    """Read a file and extract its captions."""
    text = read_text(path)
    display = "<stdin>" if path == "-" else path
    return SourceFile(display, text, (Caption(display, text),))


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
