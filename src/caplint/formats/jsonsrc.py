"""JSON caption files: captions are the string values of the configured caption fields, at any
depth (in objects, or arrays of strings under a caption key); keys are never linted.

The standard library validates the file; a small position-tracking walk then finds each caption
string literal, and escapes (``\\"``, ``\\n``, ``\\u00e9``, surrogate pairs) are mapped character
by character so findings point into the original file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from json.scanner import NUMBER_RE  # type: ignore[attr-defined]

from .mapping import MapBuilder

_WS = re.compile(r"[ \t\n\r]*")
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
           "t": "\t"}
_CONSTANTS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


class JsonSourceError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        self.line = line
        super().__init__(message)


@dataclass
class JsonString:
    value: str
    literal: tuple[int, int]  # the literal with its quotes
    builder: MapBuilder | None  # None: contiguous, starting at literal[0] + 1
    field: str

    @property
    def offset(self) -> int:
        return self.literal[0] + 1


def string_map(text: str, start: int, end: int) -> MapBuilder:
    """The map of the string literal ``text[start:end]`` (quotes included)."""
    b = MapBuilder()
    i, stop = start + 1, end - 1
    while i < stop:
        ch = text[i]
        if ch != "\\":
            b.emit(ch, i, i + 1)
            i += 1
            continue
        esc = text[i + 1]
        if esc != "u":
            b.emit(_SIMPLE[esc], i, i + 2)
            i += 2
            continue
        code, width = int(text[i + 2:i + 6], 16), 6
        if 0xD800 <= code < 0xDC00 and text[i + 6:i + 8] == "\\u":
            low = int(text[i + 8:i + 12], 16)
            if 0xDC00 <= low < 0xE000:
                code, width = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), 12
        b.emit(chr(code), i, i + width)
        i += width
    return b


class _Walker:
    def __init__(self, text: str, fields: tuple[str, ...]) -> None:
        self.text = text
        self.fields = frozenset(f.lower() for f in fields)
        self.found: list[JsonString] = []

    def skip(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def value(self, i: int, take: bool, field: str) -> int:
        i = self.skip(i)
        ch = self.text[i]
        if ch == "{":
            return self.object(i, field)
        if ch == "[":
            return self.array(i, take, field)
        if ch == '"':
            value, end = scanstring(self.text, i + 1, True)
            if take:
                self.found.append(self.string(value, i, end, field))
            return end
        match = NUMBER_RE.match(self.text, i)
        if match:
            return match.end()
        for constant in _CONSTANTS:
            if self.text.startswith(constant, i):
                return i + len(constant)
        raise ValueError(f"unexpected {ch!r} at {i}")

    def string(self, value: str, start: int, end: int, field: str) -> JsonString:
        if "\\" not in self.text[start:end]:
            return JsonString(value, (start, end), None, field)
        builder = string_map(self.text, start, end)
        if builder.text != value:  # pragma: no cover - the decoder and the map disagree
            raise ValueError("string map mismatch")
        return JsonString(value, (start, end), builder, field)

    def object(self, i: int, path: str) -> int:
        i = self.skip(i + 1)
        if self.text[i] == "}":
            return i + 1
        while True:
            i = self.skip(i)
            key, i = scanstring(self.text, i + 1, True)
            i = self.skip(i)
            i = self.skip(i + 1)  # the colon
            label = f"{path}.{key}" if path else key
            i = self.value(i, key.lower() in self.fields, label)
            i = self.skip(i)
            if self.text[i] == ",":
                i += 1
                continue
            return i + 1  # the closing brace

    def array(self, i: int, take: bool, path: str) -> int:
        i = self.skip(i + 1)
        if self.text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = self.value(i, take, f"{path}[{index}]")
            i = self.skip(i)
            index += 1
            if self.text[i] == ",":
                i += 1
                continue
            return i + 1


def captions(text: str, fields: tuple[str, ...]) -> list[JsonString]:
    """Every caption string in the JSON document ``text``, in file order."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonSourceError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column "
                              f"{exc.colno})", exc.lineno) from None
    except RecursionError:
        raise JsonSourceError("not valid JSON: nested too deeply", None) from None
    walker = _Walker(text, fields)
    try:
        walker.value(0, False, "")
    except RecursionError:
        raise JsonSourceError("JSON nested too deeply to locate captions", None) from None
    return walker.found


def encode_piece(piece: str) -> str:
    return json.dumps(piece, ensure_ascii=False)[1:-1]


def encode_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
