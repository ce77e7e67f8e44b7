"""Where the bundled rule packs live, installed (inside the wheel) or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def bundled_rules_dir() -> Path:
    """The ``rules/`` folder shipped with caplint.

    In a wheel it is packaged as ``caplint/rules``; in an editable install or a checkout it is the
    top-level ``rules/`` folder next to ``src/``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent.parent / "rules"):
        if (candidate / "allow.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"caplint's rules folder was not found next to {here}; reinstall caplint "
        "(pip install --force-reinstall caplint)"
    )
