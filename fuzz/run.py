"""Long fuzzing runs, outside the test suite (optional).

    python fuzz/run.py --examples 100000           # Hypothesis: tests/test_fuzz.py's properties
    python fuzz/run.py --examples 20000 -k fix     # only the properties whose name matches
    python fuzz/run.py --atheris -- -runs=1000000  # coverage-guided (pip install atheris)

The Hypothesis run is the suite's ``tests/test_fuzz.py`` with ``CAPLINT_FUZZ_EXAMPLES`` raised; the
atheris run is ``fuzz/atheris_lint.py`` (libFuzzer options after ``--``).  Either exits non-zero
on the first property that fails and prints the input that breaks it (a synthetic caption: the
fuzzers never see real captions).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000,
                        help="Hypothesis examples per property (default 100000)")
    parser.add_argument("-k", dest="keyword", default=None,
                        help="only the properties whose test name matches (pytest -k)")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed")
    parser.add_argument("--atheris", action="store_true",
                        help="run the atheris harness instead of Hypothesis")
    parser.add_argument("rest", nargs="*", help="after --: options for libFuzzer (atheris)")
    args = parser.parse_args(argv)
    if args.atheris:
        command = [sys.executable, str(HERE / "atheris_lint.py"), *args.rest]
        return subprocess.call(command, cwd=ROOT)
    env = dict(os.environ, CAPLINT_FUZZ_EXAMPLES=str(args.examples))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               str(ROOT / "tests" / "test_fuzz.py")]
    if args.keyword:
        command += ["-k", args.keyword]
    if args.seed is not None:
        command += [f"--hypothesis-seed={args.seed}"]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
