from __future__ import annotations

import pytest
from helpers_cli import LEARNED_RULES

from caplint import Config, Linter
from caplint.fixes import fix_loop
from caplint.rewrite import rewrite_loop


@pytest.fixture(scope="session")
def linter() -> Linter:
    """One Linter (one model load) for the whole test session."""
    return Linter()


@pytest.fixture(scope="session")
def rules_linter() -> Linter:
    """A Linter without the learned sentence rules, for tests of another feature that assert
    exact findings (the spaCy pipeline is loaded once per process and shared with ``linter``)."""
    return Linter(Config(ignore=LEARNED_RULES))


class LintMemo:
    """``linter``'s findings per text, each text linted once for the whole session.

    The corpus tests of fixes and rewrites lint the same ~5,300 dev captions and their fixed and
    rewritten versions many times over (~10 minutes of CI on a fast machine, ~3x that on a slow
    one).  A text's findings do not depend on what was linted before (``test_library.py``:
    ``lint_many`` equals linting one by one), so ``fix`` and ``rewrite`` here run exactly what
    ``fix_caption`` and ``Linter.rewrite`` run, with this lint (each file checks that on a sample).
    """

    def __init__(self, linter: Linter) -> None:
        self.linter = linter
        self.nlp = linter.nlp
        self.seen: dict[str, list] = {}

    def lint(self, text: str) -> list:
        if text not in self.seen:
            self.seen[text] = self.linter.lint(text)
        return list(self.seen[text])

    def fix(self, text: str, unsafe: bool = False) -> str:
        return fix_loop(text, self.lint, self.nlp, unsafe).text

    def rewrite(self, text: str) -> str:
        return rewrite_loop(text, self.lint, self.nlp).text


@pytest.fixture(scope="session")
def lint_memo(linter: Linter) -> LintMemo:
    return LintMemo(linter)
