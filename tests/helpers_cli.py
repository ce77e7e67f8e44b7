"""Shared helpers for the CLI tests of configuration, suppressions, reporters and the cache."""

from __future__ import annotations

import functools

import pytest
from typer.testing import CliRunner

from caplint.cli import app

runner = CliRunner()

#: the learned sentence rules (rules/sentences.yaml): warnings on a whole sentence, from a model's
#: score.  Tests of another feature (output formats, configuration, suppressions, offsets) run
#: without them, so that they check that feature on the rules' findings and do not change when the
#: model is retrained.
LEARNED_RULES = ("HIST015", "OUT010", "HIGH007", "DATE007")
#: the command-line options that leave the learned sentence rules out
IGNORE_LEARNED = ("--ignore", ",".join(LEARNED_RULES))


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


@pytest.fixture(scope="module", autouse=True)
def one_model_load():
    """Every Linter of the module shares one loaded spaCy pipeline (the CLI builds a Linter per
    invocation; loading the model each time would only slow the tests down)."""
    import caplint.model as model

    original = model.load_pipeline
    model.load_pipeline = functools.cache(original)
    yield
    model.load_pipeline = original
