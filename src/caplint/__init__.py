"""caplint: a privacy linter for radiology teaching-case captions."""

from .config import Config
from .findings import Finding
from .linter import Linter

__all__ = ["Config", "Finding", "Linter", "__version__"]
__version__ = "0.1.0"
