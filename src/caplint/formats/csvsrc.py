"""CSV caption files: one caption per row, in the configured caption column (found by its
header name).  Cells are located by a small RFC 4180 scanner that records where each cell sits
and is checked against the ``csv`` module's reading of the same text; doubled quotes inside
quoted cells are mapped character by character."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .mapping import MapBuilder

DELIMITERS = (",", ";", "\t", "|")
QUOTE = '"'


class CsvSourceError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


@dataclass
class Cell:
    value: str
    literal: tuple[int, int]  # the cell as written, quotes included
    quoted: bool
    builder: MapBuilder | None  # None: contiguous, starting at ``offset``
    offset: int
    field: str = ""


def _scan(text: str, delimiter: str) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    n, i = len(text), 0
    while i < n:
        row: list[Cell] = []
        while True:
            if i < n and text[i] == QUOTE:
                b = MapBuilder()
                j = i + 1
                while True:
                    if j >= n:
                        raise CsvSourceError("unterminated quoted cell",
                                             text.count("\n", 0, i) + 1)
                    if text[j] == QUOTE:
                        if j + 1 < n and text[j + 1] == QUOTE:
                            b.emit(QUOTE, j, j + 2)
                            j += 2
                            continue
                        j += 1
                        break
                    b.emit(text[j], j, j + 1)
                    j += 1
                contiguous = b.contiguous_offset()
                row.append(Cell(b.text, (i, j), True, None if contiguous is not None else b,
                                i + 1))
                i = j
                if i < n and text[i] not in (delimiter, "\r", "\n"):
                    raise CsvSourceError("text after a closing quote",
                                         text.count("\n", 0, i) + 1)
            else:
                j = i
                while j < n and text[j] not in (delimiter, "\r", "\n"):
                    j += 1
                row.append(Cell(text[i:j], (i, j), False, None, i))
                i = j
            if i < n and text[i] == delimiter:
                i += 1
                continue
            if i < n and text[i] == "\r":
                i += 1
            if i < n and text[i] == "\n":
                i += 1
            break
        rows.append(row)
    return rows


def _reference(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=QUOTE,
                           doublequote=True, strict=False))


def _header_delimiter(text: str, column: str) -> tuple[str, int]:
    first_line = text.split("\n", 1)[0].rstrip("\r")
    for delimiter in DELIMITERS:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        names = [name.strip() for name in header]
        if column in names:
            return delimiter, names.index(column)
        lowered = [name.lower() for name in names]
        if column.lower() in lowered:
            return delimiter, lowered.index(column.lower())
    header = next(csv.reader([first_line]), [])
    shown = ", ".join(repr(h) for h in header[:12]) or "none"
    raise CsvSourceError(f"no caption column {column!r} in the header (columns: {shown}); "
                         "name the caption column with csv-column in the configuration", 1)


def captions(text: str, column: str) -> tuple[str, list[Cell]]:
    """The delimiter and one caption cell per data row."""
    if not text.strip():
        return ",", []
    delimiter, index = _header_delimiter(text, column)
    rows = _scan(text, delimiter)
    values = [[cell.value for cell in row] for row in rows]
    values = [[] if row == [""] else row for row in values]
    try:
        reference = _reference(text, delimiter)
    except csv.Error as exc:
        raise CsvSourceError(f"not valid CSV: {exc}") from None
    if values != reference:
        raise CsvSourceError("cannot locate the cells of this CSV file (unusual quoting); "
                             "save it with standard double-quote quoting")
    cells = []
    for number, row in enumerate(rows[1:], start=2):
        if index < len(row) and row != [] and not (len(row) == 1 and row[0].value == ""):
            cell = row[index]
            cell.field = f"{column} (row {number})"
            cells.append(cell)
    return delimiter, cells


def encode_piece(quoted: bool, piece: str, delimiter: str) -> str | None:
    if quoted:
        return piece.replace(QUOTE, QUOTE * 2)
    if any(char in piece for char in (delimiter, QUOTE, "\r", "\n")):
        return None
    return piece


def encode_cell(value: str) -> str:
    return QUOTE + value.replace(QUOTE, QUOTE * 2) + QUOTE
