from __future__ import annotations

import pytest

from caplint import Linter


@pytest.fixture(scope="session")
def linter() -> Linter:
    """One Linter (one model load) for the whole test session."""
    return Linter()
