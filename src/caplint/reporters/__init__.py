"""Output formats.  Each reporter takes the file reports (any iterable: they are streamed) and
writes to a stream; ``run`` (a :class:`caplint.checking.CheckRun`) is passed as a keyword for
reporters that need the run's rules (SARIF).

Machine formats never contain the matched text unless ``show_text`` is set: it is the protected
information.  ``full`` is for the author's own terminal and shows the caption line with the span
marked.
"""

from __future__ import annotations

from collections.abc import Callable

from . import github as _github
from . import json as _json
from . import sarif as _sarif
from . import text as _text
from .statistics import write_statistics

Reporter = Callable[..., None]

REPORTERS: dict[str, Reporter] = {
    "full": _text.full,
    "concise": _text.concise,
    "json": _json.json_array,
    "jsonl": _json.json_lines,
    "sarif": _sarif.sarif,
    "github": _github.annotations,
}
FORMATS = tuple(REPORTERS)

__all__ = ["FORMATS", "REPORTERS", "Reporter", "write_statistics"]
