"""caplint: a privacy linter for radiology teaching-case captions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config
    from .findings import Finding
    from .linter import Linter

__all__ = ["Config", "Finding", "Linter", "__version__"]
__version__ = "0.1.0"

# The public names are imported on first use (PEP 562), not with the package: ``caplint --help``
# imports ``caplint.cli`` and must not pay for YAML and the rule loader it never touches.
_LAZY = {"Config": ".config", "Finding": ".findings", "Linter": ".linter"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
