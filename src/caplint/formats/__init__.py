"""Caption file formats: which text of a file is caption text, and where it sits.

=========  ==================================================================================
suffix     captions
=========  ==================================================================================
.txt       the whole file (also stdin and unknown suffixes)
.md        the body after the YAML front matter, plus the front matter's caption fields
.yaml      the string values of the caption fields, at any depth (every document)
.json      the string values of the caption fields, at any depth
.csv       the caption column of every data row
=========  ==================================================================================

Every :class:`~caplint.sources.Caption` maps its characters back into the file (see
:mod:`caplint.formats.mapping`), and :func:`rewrite` writes new caption texts back into the same
places, leaving everything else byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..sources import Caption, SourceError, SourceFile

TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
CSV_SUFFIXES = (".csv",)
#: the suffixes linted when a folder is given
CAPTION_SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + YAML_SUFFIXES + JSON_SUFFIXES + CSV_SUFFIXES

DEFAULT_CAPTION_FIELDS = ("caption", "alt_text", "alt", "description", "title")


@dataclass(frozen=True)
class SourceOptions:
    """What counts as caption text in structured files (from the configuration)."""

    caption_fields: tuple[str, ...] = DEFAULT_CAPTION_FIELDS
    csv_column: str = "caption"


def format_of(path: str) -> str:
    lower = path.lower()
    for suffixes, name in ((MARKDOWN_SUFFIXES, "markdown"), (YAML_SUFFIXES, "yaml"),
                           (JSON_SUFFIXES, "json"), (CSV_SUFFIXES, "csv")):
        if lower.endswith(suffixes):
            return name
    return "text"


def parse(path: str, text: str, options: SourceOptions | None = None,
          fmt: str | None = None) -> SourceFile:
    """The captions of ``text`` read as a file of format ``fmt`` (default: from the suffix)."""
    options = options or SourceOptions()
    fmt = fmt or format_of(path)
    if fmt == "markdown":
        captions = _markdown(path, text, options)
    elif fmt == "yaml":
        captions = _yaml(path, text, options.caption_fields, 0)
    elif fmt == "json":
        captions = _json(path, text, options.caption_fields)
    elif fmt == "csv":
        captions = _csv(path, text, options.csv_column)
    else:
        captions = [Caption(path, text)]
    return SourceFile(path, text, tuple(captions), format=fmt, options=options)


def _caption(path: str, value: str, offset: int, builder, field: str, style: str,
             literal: tuple[int, int], base: int = 0) -> Caption:
    if builder is None:
        return Caption(path, value, offset + base, field=field, style=style,
                       literal=(literal[0] + base, literal[1] + base))
    starts, ends = builder.starts, builder.ends
    if base:
        from array import array

        starts = array("q", (s + base for s in starts))
        ends = array("q", (e + base for e in ends))
    return Caption(path, value, offset + base, field=field, style=style,
                   literal=(literal[0] + base, literal[1] + base), starts=starts, ends=ends)


def _yaml(path: str, text: str, fields: tuple[str, ...], base: int) -> list[Caption]:
    from . import yamlsrc

    try:
        scalars = yamlsrc.captions(text, fields)
    except yamlsrc.YamlSourceError as exc:
        raise SourceError(path, str(exc) + (f" (line {exc.line})" if exc.line else "")) from None
    return [_caption(path, s.value, s.offset, s.builder, s.field, f"yaml-{s.style}", s.literal,
                     base) for s in scalars]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)


def front_matter_span(text: str) -> tuple[int, int, int] | None:
    """(YAML start, YAML end, body start) of a leading ``---`` front matter block, if any."""
    opening = _FRONT_MATTER.match(text)
    if not opening:
        return None
    closing = _FRONT_MATTER_END.search(text, opening.end())
    if not closing:
        return None
    return opening.end(), closing.start(), closing.end()


def _markdown(path: str, text: str, options: SourceOptions) -> list[Caption]:
    span = front_matter_span(text)
    if span is None:
        return [Caption(path, text)]
    start, end, body = span
    try:
        fields = _yaml(path, text[start:end], options.caption_fields, start)
    except SourceError as exc:
        raise SourceError(path, f"front matter: {exc.reason}") from None
    return [*fields, Caption(path, text[body:], body, style="raw")]


def _json(path: str, text: str, fields: tuple[str, ...]) -> list[Caption]:
    from . import jsonsrc

    try:
        strings = jsonsrc.captions(text, fields)
    except jsonsrc.JsonSourceError as exc:
        raise SourceError(path, str(exc)) from None
    return [_caption(path, s.value, s.offset, s.builder, s.field, "json", s.literal)
            for s in strings]


def _csv(path: str, text: str, column: str) -> list[Caption]:
    from . import csvsrc

    try:
        delimiter, cells = csvsrc.captions(text, column)
    except csvsrc.CsvSourceError as exc:
        raise SourceError(path, str(exc) + (f" (line {exc.line})" if exc.line else "")) from None
    del delimiter  # write-back finds it again from the header
    return [_caption(path, c.value, c.offset, c.builder, c.field,
                     "csv-quoted" if c.quoted else "csv-plain", c.literal) for c in cells]
