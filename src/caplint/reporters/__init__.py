"""Output formats.  Each reporter takes the file reports and writes to a stream.

Machine formats never contain the matched text unless ``show_text`` is set: it is the protected
information.  ``full`` is for the author's own terminal and shows the caption line with the span
marked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..report import FileReport
from . import json as _json
from . import text as _text

Reporter = Callable[[list[FileReport], TextIO, bool], None]

REPORTERS: dict[str, Reporter] = {
    "full": _text.full,
    "concise": _text.concise,
    "json": _json.json_array,
}
FORMATS = tuple(REPORTERS)
