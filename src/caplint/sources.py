"""Caption sources: files and stdin → captions, each with a map back into its file.

A file holds one or more captions.  Every caption knows where its characters sit in the file's
text, so findings always carry offsets, lines and columns of the original file.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
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
    """Files to lint: files as given, folders searched recursively, ``-`` for stdin.

    In a folder, hidden entries (``.git``, ``.caplint_cache``) are skipped and symbolic links
    are followed, each folder once (no link loops).  A folder that cannot be listed and a broken
    link with a caption suffix are yielded as they are, so that reading them reports why: a
    caption that could not be read never passes as clean.  FIFOs, sockets and devices inside a
    folder are not caption files and are skipped.
    """
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        if Path(raw).is_dir():
            yield from _walk(Path(raw), suffixes)
        else:
            yield raw


def _walk(root: Path, suffixes: tuple[str, ...]) -> Iterator[str]:
    """Depth first, names sorted (the order of ``sorted(root.rglob("*"))``)."""
    seen: set[tuple[int, int]] = set()
    stack: list[Path | str] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        try:
            info = item.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(item) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            yield str(item)  # read_text says why it cannot be read
            continue
        found: list[Path | str] = []
        for entry in listed:
            if entry.name.startswith("."):
                continue
            child = item / entry.name
            try:
                if entry.is_dir():
                    found.append(child)
                    continue
                wanted = Path(entry.name).suffix.lower() in suffixes
                if wanted and (entry.is_file() or not os.path.exists(child)):
                    found.append(str(child))  # a regular file, or a broken link to report
            except OSError:
                found.append(str(child))
        stack.extend(reversed(found))


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: bytes that do not occur in text (C0 controls but tab, newlines, form feed, escape; DEL)
_BINARY_BYTES = frozenset(set(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B} | {0x7F})


def read_text(path: str) -> str:
    """A file's text (stdin for ``-``), refusing what is not caption text: a missing or
    unreadable file, a folder that cannot be listed, a device, a file over ``MAX_BYTES``, a
    binary file, or text that is not UTF-8 (UTF-16 and UTF-32 are read when a byte-order mark
    declares them).  Each refusal is a :class:`SourceError` naming the file and the reason."""
    return decode("<stdin>" if path == "-" else path, read_bytes(path))[0]


def read_bytes(path: str, limit: int = MAX_BYTES) -> bytes:
    """A file's bytes (stdin for ``-``), never more than ``limit`` (a larger input is refused)."""
    name = "<stdin>" if path == "-" else path
    too_large = (f"larger than the {limit // (1024 * 1024) or limit} "
                 f"{'MB' if limit >= 1024 * 1024 else 'byte'} limit for one file; "
                 "split it into smaller files")
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            file = Path(path)
            try:
                info = file.stat()
            except FileNotFoundError:
                if file.is_symlink():
                    raise SourceError(path, "broken symbolic link (its target does not "
                                            "exist)") from None
                raise SourceError(path, "no such file or folder") from None
            if stat.S_ISDIR(info.st_mode):
                os.listdir(file)  # raises the reason a folder could not be searched
                raise SourceError(path, "is a folder")
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
                raise SourceError(path, "not a regular file (a device or socket)")
            if info.st_size > limit:
                raise SourceError(path, f"{too_large} ({info.st_size:,} bytes)")
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        what = "folder cannot be searched" if Path(path).is_dir() else "cannot be read"
        raise SourceError(name, f"{what} ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise SourceError(name, too_large)
    return data


def decode(path: str, data: bytes) -> tuple[str, str]:
    """The text of a file's bytes and the codec that reads it ("utf-8", or "utf-8-sig",
    "utf-16", "utf-32" when a byte-order mark declares it; write back with the same codec).

    Other encodings are refused rather than guessed: a wrong guess would lint different text
    than the author wrote."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    head = data[:8192]
    if encoding is None and (b"\x00" in head or sum(b in _BINARY_BYTES for b in head)
                             > max(8, len(head) // 20)):
        raise SourceError(path, "binary file (control bytes), not caption text")
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        if encoding:
            raise SourceError(path, f"not valid {encoding.removesuffix('-sig').upper()} (byte "
                                    f"{exc.start}) although a byte-order mark declares it") \
                from None
        raise SourceError(path, f"not valid UTF-8 (byte {exc.start}: "
                                f"0x{data[exc.start]:02X}); save it as UTF-8, for example "
                                "with: iconv -f WINDOWS-1252 -t UTF-8") from None
    if "\x00" in text[:8192]:
        raise SourceError(path, "binary file (NUL characters), not caption text")
    return text, encoding or "utf-8"


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
