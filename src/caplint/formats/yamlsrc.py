"""YAML caption files (and Markdown front matter): captions are the string values of the
configured caption fields, at any depth; keys and other values are never linted.

Positions come from PyYAML's composer (the pure-Python one: its marks are ``str`` offsets).  Each
scalar style is re-scanned here with positions -- plain and quoted scalars with their folding and
escapes, literal and folded block scalars with their indentation -- so every caption character
maps to the file characters it was read from.  The re-scan is checked against PyYAML's value;
when it differs (an exotic construct), a best-effort alignment is used instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from .mapping import MapBuilder, align

_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b",
    "f": "\x0c", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_ESCAPE_CODES = {"x": 2, "u": 4, "U": 8}


class YamlSourceError(ValueError):
    """Not valid YAML; ``line`` is 1-based within the text given."""

    def __init__(self, message: str, line: int | None) -> None:
        self.line = line
        super().__init__(message)


@dataclass
class Scalar:
    """One caption scalar: its value, its style, where the whole literal sits, and its map."""

    value: str
    style: str  # "plain", "single", "double", "literal", "folded"
    literal: tuple[int, int]
    builder: MapBuilder | None  # None: contiguous copy starting at ``offset``
    offset: int
    field: str


class _Text:
    """The text with PyYAML's ``\\0`` end sentinel and column lookups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def peek(self, i: int) -> str:
        return self.text[i] if i < self.n else "\0"

    def column(self, i: int) -> int:
        return i - (self.text.rfind("\n", 0, i) + 1)

    def line_break(self, i: int) -> tuple[str, int]:
        ch = self.peek(i)
        if ch == "\r" and self.peek(i + 1) == "\n":
            return "\n", i + 2
        if ch in "\r\n\x85":
            return "\n", i + 1
        if ch in "\u2028\u2029":
            return ch, i + 1
        return "", i


# ------------------------------------------------------------------------------- flow scalars


def _flow_breaks(t: _Text, b: MapBuilder, i: int, plain: bool) -> tuple[list[tuple[str, int]], int]:
    """Empty lines after a folded line break: each one is a caption line break."""
    breaks: list[tuple[str, int]] = []
    while True:
        while t.peek(i) == " " or (not plain and t.peek(i) == "\t"):
            i += 1
        if t.peek(i) in _BREAKS and t.peek(i) != "\0":
            char, after = t.line_break(i)
            breaks.append((char, i))
            i = after
        else:
            return breaks, i


def _flow_map(t: _Text, start: int, end: int, style: str) -> MapBuilder:
    b = MapBuilder()
    quoted = style in ("single", "double")
    i, stop = (start + 1, end - 1) if quoted else (start, end)
    while i < stop:
        ch = t.text[i]
        if ch in " \t" or ch in _BREAKS:
            j = i
            while j < stop and t.text[j] in " \t":
                j += 1
            if j < stop and t.text[j] in _BREAKS:
                char, after = t.line_break(j)
                breaks, after = _flow_breaks(t, b, after, plain=not quoted)
                if char != "\n":
                    b.emit(char, j, j + 1)
                elif not breaks:
                    b.emit(" ", i, after)  # the folded line break, with the next indentation
                for brk, position in breaks:
                    b.emit(brk, position, position + 1)
                i = after
            else:
                b.emit(t.text[i:j], i, j)
                i = j
            continue
        if style == "single" and ch == "'" and t.peek(i + 1) == "'":
            b.emit("'", i, i + 2)
            i += 2
        elif style == "double" and ch == "\\":
            esc = t.peek(i + 1)
            if esc in _ESCAPES:
                b.emit(_ESCAPES[esc], i, i + 2)
                i += 2
            elif esc in _ESCAPE_CODES:
                width = _ESCAPE_CODES[esc]
                b.emit(chr(int(t.text[i + 2:i + 2 + width], 16)), i, i + 2 + width)
                i += 2 + width
            elif esc in _BREAKS:
                _, after = t.line_break(i + 1)
                breaks, i = _flow_breaks(t, b, after, plain=False)
                for brk, position in breaks:
                    b.emit(brk, position, position + 1)
            else:
                raise ValueError(f"unknown escape \\{esc}")
        else:
            b.emit(ch, i, i + 1)
            i += 1
    return b


# ------------------------------------------------------------------------------ block scalars


def _block_breaks(t: _Text, i: int, indent: int) -> tuple[list[tuple[str, int]], int]:
    breaks: list[tuple[str, int]] = []
    while t.column(i) < indent and t.peek(i) == " ":
        i += 1
    while t.peek(i) in _BREAKS and t.peek(i) != "\0":
        char, after = t.line_break(i)
        breaks.append((char, i))
        i = after
        while t.column(i) < indent and t.peek(i) == " ":
            i += 1
    return breaks, i


def _block_header(t: _Text, start: int) -> tuple[bool | None, int | None, int]:
    i = start + 1
    chomping: bool | None = None
    increment: int | None = None
    for _ in range(2):
        ch = t.peek(i)
        if ch in "+-" and chomping is None:
            chomping = ch == "+"
            i += 1
        elif ch in "123456789" and increment is None:
            increment = int(ch)
            i += 1
    while t.peek(i) == " ":
        i += 1
    if t.peek(i) == "#":
        while t.peek(i) not in _BREAKS:
            i += 1
    _, i = t.line_break(i)
    return chomping, increment, i


def _block_map(t: _Text, start: int, indent_hint: int | None = None) -> MapBuilder:
    folded = t.text[start] == ">"
    chomping, _increment, i = _block_header(t, start)
    b = MapBuilder()
    if indent_hint is None:
        max_indent = 0
        pending: list[tuple[str, int]] = []
        while t.peek(i) in " " + _BREAKS and t.peek(i) != "\0":
            if t.peek(i) != " ":
                char, after = t.line_break(i)
                pending.append((char, i))
                i = after
            else:
                i += 1
                max_indent = max(max_indent, t.column(i))
        indent = max(1, max_indent)
    else:
        indent = indent_hint
        pending, i = _block_breaks(t, i, indent)
    line_break, break_at = "", i
    while t.column(i) == indent and t.peek(i) != "\0":
        for char, position in pending:
            b.emit(char, position, position + 1)
        leading_non_space = t.peek(i) not in " \t"
        j = i
        while t.peek(j) not in "\0" + _BREAKS:
            j += 1
        b.emit(t.text[i:j], i, j)
        break_at = j
        line_break, i = t.line_break(j)
        pending, i = _block_breaks(t, i, indent)
        if t.column(i) == indent and t.peek(i) != "\0":
            if folded and line_break == "\n" and leading_non_space and t.peek(i) not in " \t":
                if not pending:
                    b.emit(" ", break_at, i)  # folded: the break and the next indentation
            else:
                b.emit(line_break, break_at, break_at + 1)
        else:
            break
    if chomping is not False and line_break:
        b.emit(line_break, break_at, break_at + 1)
    if chomping is True:
        for char, position in pending:
            b.emit(char, position, position + 1)
    return b


# ----------------------------------------------------------------------------------- captions

_STYLES = {None: "plain", "": "plain", "'": "single", '"': "double", "|": "literal",
           ">": "folded"}


def scalar(text: str, node: yaml.ScalarNode, field: str, t: _Text | None = None) -> Scalar:
    """The caption read from one scalar node, with its map into ``text``."""
    t = t or _Text(text)
    start, end = node.start_mark.index, node.end_mark.index
    style = _STYLES.get(node.style, "plain")
    value = node.value
    inner = (start + 1, end - 1) if style in ("single", "double") else (start, end)
    if style in ("plain", "single", "double") and text[inner[0]:inner[1]] == value:
        return Scalar(value, style, (start, end), None, inner[0], field)
    builder: MapBuilder | None = None
    try:
        if style in ("literal", "folded"):
            builder = _block_map(t, start)
            if builder.text != value:
                for indent in range(1, 40):
                    builder = _block_map(t, start, indent)
                    if builder.text == value:
                        break
        else:
            builder = _flow_map(t, start, end, style)
    except (ValueError, IndexError):
        builder = None
    if builder is None or builder.text != value:
        builder = align(value, text, start, end)
    if builder is None:  # cannot place the characters: point every one at the literal
        builder = MapBuilder()
        for char in value:
            builder.emit(char, start, end)
    offset = builder.contiguous_offset()
    if offset is not None:
        return Scalar(value, style, (start, end), None, offset, field)
    return Scalar(value, style, (start, end), builder, start, field)


def _fields_match(key: str, fields: frozenset[str]) -> bool:
    return key.lower() in fields


def captions(text: str, fields: tuple[str, ...]) -> list[Scalar]:
    """Every caption scalar of every document in ``text``, in file order."""
    wanted = frozenset(f.lower() for f in fields)
    t = _Text(text)
    found: dict[int, Scalar] = {}

    def take(node: yaml.Node, field: str) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.start_mark.index not in found:
                found[node.start_mark.index] = scalar(text, node, field, t)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                take(item, f"{field}[{index}]")
        else:
            walk(node, field)

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else ""
                label = f"{path}.{name}" if path else name
                if isinstance(name, str) and _fields_match(name, wanted):
                    take(value, label)
                else:
                    walk(value, label)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{path}[{index}]")

    try:
        for document in _compose_all(text):
            if document is not None:
                walk(document, "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSourceError(f"not valid YAML: {problem}",
                              mark.line + 1 if mark is not None else None) from None
    except RecursionError:
        raise YamlSourceError("not valid YAML: nested too deeply", None) from None
    return [found[key] for key in sorted(found)]


def _compose_all(text: str) -> Iterator[yaml.Node | None]:
    # The pure-Python loader: its marks are str offsets (libyaml's are not, for non-ASCII text).
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------------- encoding


def _double_escape(value: str) -> str:
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif (char in "\x85\u2028\u2029\ufeff"
              or yaml.reader.Reader.NON_PRINTABLE.match(char)):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "".join(out)


def encode_piece(style: str, piece: str) -> str | None:
    """``piece`` written inside a scalar of ``style``, or None when it cannot be written there
    as is (the whole scalar is then re-emitted double-quoted)."""
    if style == "double":
        return _double_escape(piece)
    if any(char in piece for char in _BREAKS):
        return None
    if style == "single":
        return piece.replace("'", "''")
    return piece


def encode_scalar(value: str) -> str:
    """A whole scalar, double-quoted: valid in any context for any text."""
    return '"' + _double_escape(value) + '"'
