"""Coverage-guided fuzzing of caplint with atheris (optional: ``pip install atheris``).

    python fuzz/atheris_lint.py -runs=100000 -max_len=512

Each input is split by a FuzzedDataProvider into raw file bytes and a caption.  Properties:
reading bytes either gives text or a SourceError (fail closed, never another exception); linting
never crashes; every finding lies in the caption and its text is the caption's own
``text[start:end]``; the normalized view maps back into the original.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from caplint import Linter
    from caplint.normalize import normalize
    from caplint.sources import SourceError, decode

LINTER = Linter()


def check(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    raw = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 256))
    try:
        text, _encoding = decode("fuzz.txt", raw)
    except SourceError:
        text = ""
    caption = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    for sample in (text, caption):
        view = normalize(sample)
        if view.origin is not None:
            assert len(view.origin) == len(view.text)
            assert all(0 <= i < len(sample) for i in view.origin)
        for finding in LINTER.lint(sample):
            assert 0 <= finding.start < finding.end <= len(sample), (sample, finding)
            assert finding.text == sample[finding.start:finding.end], (sample, finding)


def main() -> None:
    LINTER.lint("warm up")  # load the model before fuzzing starts
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
