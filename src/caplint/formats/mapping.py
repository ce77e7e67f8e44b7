"""Per-character maps from a caption's text back into its file.

A caption read from a quoted YAML scalar, a JSON string or a quoted CSV cell is not a contiguous
copy of the file: escapes (``\\u00e9``, ``\\"``, ``''``) take several file characters for one
caption character, and folded line breaks take a line break plus the next line's indentation.
:class:`MapBuilder` records, for every caption character, the file range it was read from, so a
finding's offsets can be placed in the original file and a fix written back to the same place.
"""

from __future__ import annotations

from array import array


class MapBuilder:
    """Collects caption characters with the file range ``[start, end)`` each came from."""

    __slots__ = ("chars", "ends", "starts")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts = array("q")
        self.ends = array("q")

    def emit(self, chars: str, start: int, end: int) -> None:
        """Emit ``chars`` read from the file range ``[start, end)``.  A single file character
        per caption character gets its own range; otherwise all share the whole range."""
        if len(chars) == end - start:
            for offset, char in enumerate(chars):
                self.chars.append(char)
                self.starts.append(start + offset)
                self.ends.append(start + offset + 1)
            return
        for char in chars:
            self.chars.append(char)
            self.starts.append(start)
            self.ends.append(end)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def contiguous_offset(self) -> int | None:
        """The file offset of the caption when it is a plain copy of the file, else None."""
        if not self.starts:
            return None
        first = self.starts[0]
        for index in range(len(self.starts)):
            if self.starts[index] != first + index or self.ends[index] != first + index + 1:
                return None
        return first


def align(value: str, text: str, start: int, end: int) -> MapBuilder | None:
    """A best-effort map of ``value`` onto ``text[start:end]`` when no exact scanner applies:
    each caption character is matched to the next equal file character (a space or a line break
    may stand for a folded line break).  None when the characters cannot all be placed."""
    builder = MapBuilder()
    cursor = start
    for char in value:
        position = cursor
        while position < end and not (
            text[position] == char or (char in " \n" and text[position] in "\r\n")
        ):
            position += 1
        if position >= end:
            return None
        builder.emit(char, position, position + 1)
        cursor = position + 1
    return builder
