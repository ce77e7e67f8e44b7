"""Writing new caption texts back into their file, in place.

Each changed caption is diffed against its new text; every changed run of characters is mapped
to the file range it was read from (through the caption's per-character map) and replaced by the
new characters *encoded the way that literal is written*: JSON escapes inside a JSON string,
doubled quotes inside a single-quoted YAML scalar or a quoted CSV cell, and so on.  Everything
else in the file -- keys, other fields, comments, quoting of other cells -- stays byte for byte.

The result is parsed again and each caption compared with the text asked for.  When an edit
cannot be written inside the literal's style (a line break inside a plain YAML scalar, a comma
in an unquoted CSV cell), or the check fails, that caption's whole literal is re-encoded in a
style that holds any text: a double-quoted YAML scalar, a JSON string, a quoted CSV cell.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ..sources import Caption, SourceFile

#: unchanged runs shorter than this between two edits are folded into one edit
_MERGE_GAP = 4


def _diff(old: str, new: str) -> list[tuple[int, int, int, int]]:
    ops = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in
           SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if tag != "equal"]
    merged: list[tuple[int, int, int, int]] = []
    for op in ops:
        if merged and op[0] - merged[-1][1] < _MERGE_GAP:
            last = merged[-1]
            merged[-1] = (last[0], op[1], last[2], op[3])
        else:
            merged.append(op)
    return merged


def _encoder(source: SourceFile, caption: Caption):
    style = caption.style
    if style == "json":
        from .jsonsrc import encode_piece

        return encode_piece
    if style.startswith("yaml-"):
        from .yamlsrc import encode_piece as yaml_piece

        kind = style[5:]
        return lambda piece: yaml_piece(kind, piece)
    if style.startswith("csv-"):
        from .csvsrc import _header_delimiter
        from .csvsrc import encode_piece as csv_piece

        column = source.options.csv_column if source.options else "caption"
        delimiter = _header_delimiter(source.text, column)[0]
        quoted = style == "csv-quoted"
        return lambda piece: csv_piece(quoted, piece, delimiter)
    return lambda piece: piece


def _whole(source: SourceFile, caption: Caption, new: str) -> tuple[int, int, str]:
    """Replace the caption's whole literal with ``new`` in a style that holds any text."""
    start, end = caption.literal or (caption.offset, caption.offset + len(caption.text))
    style = caption.style
    if style == "json":
        from .jsonsrc import encode_string

        return start, end, encode_string(new)
    if style.startswith("yaml-"):
        from .yamlsrc import encode_scalar

        if style in ("yaml-literal", "yaml-folded") and caption.text:
            # keep the line break (and blank lines) that close the block
            end = caption.to_file_end(len(caption.text.rstrip("\n")))
        return start, end, encode_scalar(new)
    if style.startswith("csv-"):
        from .csvsrc import encode_cell

        return start, end, encode_cell(new)
    return caption.offset, caption.offset + len(caption.text), new


def _edits(source: SourceFile, caption: Caption, new: str) -> list[tuple[int, int, str]] | None:
    if caption.style == "raw":
        return [(caption.offset, caption.offset + len(caption.text), new)]
    encode = _encoder(source, caption)
    edits = []
    for i1, i2, j1, j2 in _diff(caption.text, new):
        start = caption.to_file(i1)
        end = caption.to_file_end(i2) if i2 > i1 else start
        piece = encode(new[j1:j2])
        if piece is None:
            return None
        edits.append((start, end, piece))
    return edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    pieces, cursor = [], 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < cursor:
            raise ValueError("overlapping caption edits")
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def rewrite(source: SourceFile, new_texts: list[str]) -> str:
    """The file's text with each caption replaced by the matching new text."""
    if len(new_texts) != len(source.captions):
        raise ValueError("one new text per caption is required")
    changed = [(index, caption, new) for index, (caption, new)
               in enumerate(zip(source.captions, new_texts, strict=True)) if new != caption.text]
    if not changed:
        return source.text
    if source.format == "text":
        return _apply(source.text, [e for _, c, n in changed for e in _edits(source, c, n) or ()])
    whole: set[int] = set()
    for _attempt in range(2):
        edits: list[tuple[int, int, str]] = []
        for index, caption, new in changed:
            piece_edits = None if index in whole else _edits(source, caption, new)
            if piece_edits is None:
                whole.add(index)
                piece_edits = [_whole(source, caption, new)]
            edits.extend(piece_edits)
        result = _apply(source.text, edits)
        wrong = _check(source, result, new_texts)
        if not wrong:
            return result
        if wrong <= whole:
            break
        whole |= wrong
    raise ValueError(f"{source.path}: the fixed captions could not be written back in place "
                     f"(captions {sorted(i + 1 for i in wrong)})")


def _check(source: SourceFile, result: str, new_texts: list[str]) -> set[int]:
    """Indexes of captions that do not read back as asked (all of them if the file breaks)."""
    from ..sources import SourceError
    from . import parse

    try:
        again = parse(source.path, result, source.options, source.format)
    except SourceError:
        return set(range(len(new_texts)))
    if len(again.captions) != len(new_texts):
        return set(range(len(new_texts)))
    return {i for i, (caption, new) in enumerate(zip(again.captions, new_texts, strict=True))
            if caption.text != new}
