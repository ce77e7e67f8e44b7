"""The ``caplint`` command line: a thin shell over the library.

Importing this module must stay cheap: ``caplint --help``, ``caplint rules`` and ``caplint rule``
never import spaCy or Presidio.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer(
    name="caplint",
    help="A privacy linter for radiology teaching-case captions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Format(StrEnum):
    full = "full"
    concise = "concise"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    github = "github"


# ------------------------------------------------------------------ options shared by commands
# Declared once here.  Where a command words its help its own way, the declaration takes the
# help text; Typer copies each declaration, so one object may serve several commands.

Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show tracebacks of internal errors.")
]
ShowText = Annotated[
    bool, typer.Option(help="Include the matched (protected) text in machine-readable output.")
]
Ignore = Annotated[list[str] | None, typer.Option(help="Skip these codes, names or categories.")]


def _format_option(help: str) -> typer.models.OptionInfo:
    return typer.Option("--format", help=help)


def _select_option(help: str) -> typer.models.OptionInfo:
    return typer.Option(help=help)


def _fail_on_option(help: str) -> typer.models.OptionInfo:
    return typer.Option(help=help)


def _config_option(help: str) -> typer.models.OptionInfo:
    return typer.Option("--config", help=help)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"caplint: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files or folders to lint; - for stdin.")],
    output_format: Annotated[Format | None, _format_option(
        "Output format (default: full on a terminal, else concise).")] = None,
    select: Annotated[list[str] | None, _select_option(
        "Only these codes, names or categories (comma-separated or repeated).")] = None,
    ignore: Ignore = None,
    fail_on: Annotated[str | None, _fail_on_option(
        "Lowest severity that fails the run: error, warning or info.")] = None,
    show_text: ShowText = False,
    verbose: Verbose = False,
    config_path: Annotated[str | None, _config_option(
        "Use this configuration file (pyproject.toml or .caplint.toml) for every file, instead "
        "of the closest one.")] = None,
    statistics: Annotated[bool, typer.Option(
        "--statistics", help="Print the number of findings per rule instead of the findings.")
    ] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Do not read or write the cache (.caplint_cache/).")] = False,
) -> None:
    """Lint captions and report every element the policy forbids."""
    config = _command_line_config(select, ignore, fail_on)
    fmt = (output_format.value if output_format
           else "github" if os.environ.get("GITHUB_ACTIONS") == "true"
           else "full" if sys.stdout.isatty() else "concise")
    overrides = {"select": config.select, "ignore": config.ignore, "fail_on": fail_on}
    code = _run_check(paths, config, fmt, show_text, verbose, overrides=overrides,
                      config_path=config_path, statistics=statistics, use_cache=not no_cache)
    raise typer.Exit(code)


def _command_line_config(select: list[str] | None, ignore: list[str] | None,
                         fail_on: str | None):
    """The configuration given by ``--select``, ``--ignore`` and ``--fail-on`` (checked)."""
    from .config import Config, ConfigError
    from .findings import SEVERITIES

    if fail_on is not None and fail_on not in SEVERITIES:
        raise _fail(f"--fail-on: {fail_on!r} is not one of {', '.join(SEVERITIES)}")
    try:
        return Config().merged(select=_split(select), ignore=_split(ignore), fail_on=fail_on)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _run_check(paths, config, fmt: str, show_text: bool, verbose: bool, *,
               overrides: dict | None = None, config_path: str | None = None,
               statistics: bool = False, use_cache: bool = True) -> int:
    from pathlib import Path

    from .checking import CheckOptions, CheckRun
    from .config import ConfigError
    from .model import ModelNotFoundError
    from .reporters import REPORTERS, write_statistics
    from .rules import RulePackError

    if overrides is None:
        overrides = {"select": config.select, "ignore": config.ignore, "fail_on": config.fail_on}
    run = CheckRun(paths, CheckOptions(config_path=Path(config_path) if config_path else None,
                                       overrides=overrides, use_cache=use_cache, progress=True))
    try:
        if statistics:
            write_statistics(run, sys.stdout, fmt)
        else:
            REPORTERS[fmt](run, sys.stdout, show_text or fmt == "full", run=run)
    except (ModelNotFoundError, RulePackError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # an internal error is exit 2, never a silent pass
        for report in run.errors:
            typer.echo(f"caplint: error: {report.path}: {report.error}", err=True)
        raise _fail(_internal_error(exc, verbose, show_text)) from None
    for report in run.errors:
        typer.echo(f"caplint: error: {report.path}: {report.error}", err=True)
    if run.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if run.failed else EXIT_CLEAN


def _internal_error(exc: BaseException, verbose: bool, show_text: bool) -> str:
    """A short message for an unexpected exception: where it happened (the detector and rule,
    when a detector raised it) and its type.  Its message may quote caption text, so it is shown
    only with ``--show-text``; ``--verbose`` prints the traceback (code lines only, no values)."""
    import traceback

    from .detectors import DETECTORS

    detectors = {getattr(fn, "__code__", None): name for name, fn in DETECTORS.items()}
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        name = detectors.get(tb.tb_frame.f_code)
        if name is not None:
            code = getattr(tb.tb_frame.f_locals.get("rule"), "code", None)
            where = f" in detector {name!r}" + (f" (rule {code})" if isinstance(code, str)
                                                 else "")
        tb = tb.tb_next
    detail = f": {exc}" if show_text else ""
    if verbose:
        frames = "".join(traceback.format_tb(exc.__traceback__))
        hidden = "" if show_text else " (message hidden: it may quote caption text; add " \
                                      "--show-text to see it)"
        typer.echo(f"Traceback (most recent call last):\n{frames}{type(exc).__name__}{detail}"
                   f"{hidden}", err=True)
    hint = "" if verbose else " (run with --verbose for the traceback)"
    return f"internal error{where}: {type(exc).__name__}{detail}{hint}"


@app.command("config")
def show_config(
    path: Annotated[str | None, typer.Argument(
        help="A file or folder to show the configuration for (default: the current folder).")
    ] = None,
    config_path: Annotated[str | None, _config_option(
        "Show this configuration file instead of the closest one.")] = None,
) -> None:
    """Print the effective configuration (TOML) and the file it came from."""
    from pathlib import Path

    from .config import ConfigError
    from .configfile import Resolver, check_selectors, render
    from .rules import RulePackError, load_rules

    target = Path(path or ".")
    try:
        resolver = Resolver(Path(config_path) if config_path else None)
        config = resolver.for_folder(target if target.is_dir() else target.parent)
        check_selectors(config, load_rules(config.rules).rules)
    except (ConfigError, RulePackError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(render(config, path or "."), nl=False)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, category, default severity, message."""
    from .rules import RulePackError, load_rules

    try:
        ruleset = load_rules()
    except RulePackError as exc:
        raise _fail(str(exc)) from None
    width = max(len(rule.name) for rule in ruleset.rules)
    for rule in ruleset.rules:
        typer.echo(f"{rule.code:<8} {rule.name:<{width}}  {rule.category:<13} "
                   f"{rule.severity:<8} {rule.message}")


@app.command("rule")
def show_rule(
    code: Annotated[str, typer.Argument(help="A rule code or name, e.g. AGE001.")],
) -> None:
    """Print one rule's documentation, from its rule pack."""
    from .rules import RulePackError, load_rules

    try:
        ruleset = load_rules()
    except RulePackError as exc:
        raise _fail(str(exc)) from None
    rule = ruleset.find(code)
    if rule is None:
        raise _fail(f"no rule {code!r}; `caplint rules` lists them")
    typer.echo(render_rule(rule))


@app.command("fix")
def fix_command(
    paths: Annotated[list[str], typer.Argument(
        help="Files or folders to fix in place; - reads stdin and prints the fixed text.")],
    diff: Annotated[bool, typer.Option(
        "--diff", help="Print a unified diff of the fixes instead of writing them.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option(
        "--unsafe-fixes", help="Also apply the fixes that change the meaning (history and "
        "outcome clauses, relative dates, clinicians' names).")] = False,
    rewrite: Annotated[bool, typer.Option(
        "--rewrite", help="Apply the whole disease-focused rewrite (see `caplint rewrite`); "
        "implies --unsafe-fixes.")] = False,
    output_format: Annotated[Format | None, _format_option(
        "Format of the findings left after fixing (as for check).")] = None,
    select: Annotated[list[str] | None, _select_option(
        "Only fix and report these codes, names or categories.")] = None,
    ignore: Ignore = None,
    fail_on: Annotated[str | None, _fail_on_option(
        "Lowest severity left after fixing that fails the run.")] = None,
    show_text: ShowText = False,
    verbose: Verbose = False,
    config_path: Annotated[str | None, _config_option(
        "Use this configuration file for every file.")] = None,
) -> None:
    """Apply the safe fixes in place, then report what is left (exit codes as for check).

    Safe fixes turn ages into age groups and remove names, places, absolute dates and
    identifiers with the words that only served them.  Files are written atomically, keep their
    encoding, line endings and permissions, and are not touched when nothing changes.  With
    --diff nothing is written: exit 1 if a fix would be applied, else as for check."""
    config = _command_line_config(select, ignore, fail_on)
    fmt = (output_format.value if output_format
           else "full" if sys.stdout.isatty() else "concise")
    overrides = {"select": config.select, "ignore": config.ignore, "fail_on": fail_on}
    raise typer.Exit(_run_fix(paths, overrides=overrides, config_path=config_path, diff=diff,
                              unsafe=unsafe_fixes or rewrite, rewrite=rewrite, fmt=fmt,
                              show_text=show_text, verbose=verbose, config=config))


def _run_fix(paths: list[str], *, overrides: dict, config_path: str | None, diff: bool,
             unsafe: bool, rewrite: bool, fmt: str, show_text: bool, verbose: bool,
             config) -> int:
    import json
    from pathlib import Path

    from .atomic import decode_like, encode_like, write_atomic
    from .config import ConfigError
    from .configfile import Resolver
    from .fixes import FileFix, fix_source, unified_diff
    from .formats import CAPTION_SUFFIXES, SourceOptions, parse
    from .linter import Linter
    from .model import ModelNotFoundError
    from .report import fails, locate
    from .rules import RulePackError
    from .sources import Caption, SourceError, SourceFile, discover, read_text

    try:
        resolver = Resolver(Path(config_path) if config_path else None, dict(overrides))
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    linters: dict[str, Linter] = {}
    results: list[FileFix] = []
    errors = 0
    stdin_failed = False
    seen: set[str] = set()
    for path in discover(paths, CAPTION_SUFFIXES):
        real = path if path == "-" else os.path.realpath(path)
        if real in seen:  # a symlink to a file already fixed, or a path given twice
            continue
        seen.add(real)
        try:
            file_config = resolver.for_path(path)
            key = json.dumps([list(file_config.select), list(file_config.ignore),
                              sorted(file_config.severity.items()),
                              list(file_config.allow_words), list(file_config.allow_regex),
                              [str(p) for p in file_config.rules], file_config.model])
            linter = linters.get(key) or linters.setdefault(key, Linter(file_config))
            text = read_text(path)
            raw = None if path == "-" else Path(path).read_bytes()
            if raw is not None and _decoded(raw, decode_like) != text:
                raise SourceError(path, "changed on disk while it was being read")
            source = (SourceFile("<stdin>", text, (Caption("<stdin>", text),)) if path == "-"
                      else parse(path, text, SourceOptions(file_config.caption_fields,
                                                           file_config.csv_column)))
            result = fix_source(linter, source, file_config, unsafe=unsafe, rewrite=rewrite)
            if path == "-":
                sys.stdout.write(unified_diff("<stdin>", text, result.text) if diff
                                 else result.text)
                left = [f for f in linter.lint(result.text)]
                stdin_failed = fails(locate(result.text, Caption("<stdin>", result.text), left),
                                     file_config.fail_on)
            elif result.changed and not diff:
                write_atomic(path, encode_like(result.text, raw), expected=raw)
            elif result.changed:
                sys.stdout.write(unified_diff(path, text, result.text))
            results.append(result)
        except SourceError as exc:
            typer.echo(f"caplint: error: {exc}", err=True)
            errors += 1
        except (ModelNotFoundError, RulePackError, ConfigError) as exc:
            raise _fail(str(exc)) from None
        except (OSError, ValueError) as exc:  # not written back: the file is as it was
            typer.echo(f"caplint: error: {path}: not fixed ({type(exc).__name__}: "
                       f"{exc if show_text or isinstance(exc, OSError) else 'see --show-text'})",
                       err=True)
            errors += 1
        except Exception as exc:  # an internal error is exit 2, never a silent pass
            raise _fail(_internal_error(exc, verbose, show_text)) from None
    changed = [r for r in results if r.changed]
    applied = sum(r.applied for r in changed)
    unsafe_left = sum(r.unsafe_left for r in results)
    verb = "Would fix" if diff else "Fixed"
    typer.echo(f"{verb} {applied} finding{'s' if applied != 1 else ''} in {len(changed)} "
               f"file{'s' if len(changed) != 1 else ''}."
               + (f" {unsafe_left} more with --unsafe-fixes." if unsafe_left and not unsafe
                  else ""), err=True)
    if errors:
        return EXIT_ERROR
    files = [p for p in paths if p != "-"]
    if "-" in paths:
        return EXIT_FINDINGS if stdin_failed or (diff and changed) else EXIT_CLEAN
    if diff:
        if changed:
            return EXIT_FINDINGS
        from .checking import CheckOptions, CheckRun

        run = CheckRun(files, CheckOptions(config_path=Path(config_path) if config_path
                                           else None, overrides=overrides, use_cache=False))
        for _ in run:
            pass
        return EXIT_ERROR if run.errors else EXIT_FINDINGS if run.failed else EXIT_CLEAN
    return _run_check(files, config, fmt, show_text, verbose, overrides=overrides,
                      config_path=config_path)


def _decoded(raw: bytes, decode) -> str | None:
    try:
        return decode(raw)
    except UnicodeDecodeError:
        return None


@app.command("rewrite")
def rewrite_command(
    text: Annotated[str | None, typer.Argument(
        help="The caption; read from stdin when omitted or -.")] = None,
    config_path: Annotated[str | None, _config_option(
        "Use this configuration file instead of the closest one.")] = None,
    verbose: Verbose = False,
) -> None:
    """Print the disease-focused rewrite of a caption: the findings, diagnosis and teaching
    point stay; ages become age groups; names, places, dates, identifiers, history and outcome
    go.  Exit 1 if the rewrite still has an error-level finding."""
    from pathlib import Path

    from .config import ConfigError
    from .configfile import Resolver
    from .linter import Linter
    from .model import ModelNotFoundError
    from .rules import RulePackError
    from .sources import SourceError, read_text

    try:
        caption = read_text("-") if text in (None, "-") else text
        config = Resolver(Path(config_path) if config_path else None).for_path("-")
        linter = Linter(config)
        result = linter.rewrite(caption)
        left = [f for f in linter.lint(result) if f.severity == "error"]
    except SourceError as exc:
        raise _fail(str(exc)) from None
    except (ModelNotFoundError, RulePackError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # an internal error is exit 2, never a silent pass
        raise _fail(_internal_error(exc, verbose, False)) from None
    typer.echo(result, nl=not result.endswith("\n"))
    if left:
        typer.echo(f"caplint: {len(left)} error-level finding(s) remain in the rewrite; "
                   "`caplint check -` shows them", err=True)
        raise typer.Exit(EXIT_FINDINGS)


def render_rule(rule) -> str:
    """A rule's documentation page (what it does / why / examples / fix), from its YAML."""
    lines = [f"{rule.code} {rule.name}", "",
             f"Category: {rule.category}   Default severity: {rule.severity}   Pack: {rule.pack}",
             "", "## What it does", rule.message + ".", "", "## Why is this bad?", rule.why, ""]
    if rule.examples_fail:
        lines += ["## Example (flagged)", *(f"    {e}" for e in rule.examples_fail), ""]
    if rule.examples_pass:
        lines += ["## Use instead (not flagged)", *(f"    {e}" for e in rule.examples_pass), ""]
    if rule.suggestion:
        lines += ["## Suggestion", rule.suggestion, ""]
    safety = ("safe: applied by `caplint fix`" if rule.fix_safe
              else "unsafe: applied only with `caplint fix --unsafe-fixes`")
    lines += ["## Fix safety", f"{rule.fix_action} ({safety})" if rule.fix_action != "none"
              else "No automatic fix."]
    if rule.references:
        lines += ["", "## References", *(f"- {r}" for r in rule.references)]
    return "\n".join(lines)


def main() -> None:
    """The ``caplint`` command.  Whatever goes wrong, the exit code is never 0 for a run that did
    not complete: an unexpected exception is exit 2 with a short message."""
    # a file name that is not valid UTF-8, or a terminal that cannot show a character, must not
    # crash the report half-way
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
                reconfigure(errors="backslashreplace")
    argv = sys.argv[1:]
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("caplint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): the output is incomplete
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        message = _internal_error(exc, "--verbose" in argv or "-v" in argv, "--show-text" in argv)
        typer.echo(f"caplint: error: {message}", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
