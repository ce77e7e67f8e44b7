from __future__ import annotations

import pytest
from helpers_cli import LEARNED_RULES

from caplint import Config, Linter


@pytest.fixture(scope="session")
def linter() -> Linter:
    """One Linter (one model load) for the whole test session."""
    return Linter()


@pytest.fixture(scope="session")
def rules_linter() -> Linter:
    """A Linter without the learned sentence rules, for tests of another feature that assert
    exact findings (the spaCy pipeline is loaded once per process and shared with ``linter``)."""
    return Linter(Config(ignore=LEARNED_RULES))
