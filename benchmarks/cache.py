"""The cache acceptance benchmark: `caplint check` over 1,000 caption files, twice.

The first run lints everything (loads the spaCy model); the second finds every file unchanged in
`.caplint_cache/` and must be at least 10x faster.  The files are the texts of corpus/dev.jsonl,
cycled, each made unique by a harmless trailing sentence so that every file is its own cache
entry.

    python benchmarks/cache.py [--files 1000]
"""

from __future__ import annotations

import argparse
import json
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def unique_tag(number: int) -> str:
    letters = ""
    for _ in range(3):
        number, digit = divmod(number, 26)
        letters += string.ascii_lowercase[digit]
    return letters


def write_files(folder: Path, count: int) -> None:
    texts = [json.loads(line)["text"] for line in
             (ROOT / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line]
    for number in range(count):
        text = texts[number % len(texts)].rstrip("\n")
        (folder / f"caption-{number:04d}.txt").write_text(
            f"{text}\nSeries {unique_tag(number)}.\n", encoding="utf-8")


def timed_check(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "caplint", "check", "--format", "concise",
                             "captions"], cwd=folder, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"caplint check failed ({result.returncode}): {result.stderr}")
    return elapsed, result.stdout.count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caplint-cache-bench-") as temp:
        folder = Path(temp)
        (folder / "captions").mkdir()
        write_files(folder / "captions", args.files)
        cold, lines_cold = timed_check(folder)
        warm, lines_warm = timed_check(folder)
        if lines_cold != lines_warm:
            sys.exit(f"the cached run printed {lines_warm} lines, the first {lines_cold}")
    print(f"files:              {args.files}")
    print(f"first run (cold):   {cold:.2f} s")
    print(f"second run (cache): {warm:.2f} s")
    print(f"speed-up:           {cold / warm:.1f}x")


if __name__ == "__main__":
    main()
