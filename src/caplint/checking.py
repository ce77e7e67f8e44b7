"""Linting files: sources → captions → batched lint → findings located in their files.

:class:`CheckRun` streams: files are read, linted and reported in bounded batches (about
``BATCH_CAPTIONS`` captions at a time), so memory stays flat over any number of files.  Each file
gets its own effective configuration (the closest configuration file, or ``--config``, plus the
command line), its per-file ignores and its inline suppressions; results come from the cache
when the file, the rules, the configuration and the model are unchanged -- and then the spaCy
model is never loaded.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .config import Config, rule_matches
from .findings import SEVERITY_RANK, Finding
from .linter import Linter
from .report import FileReport, Located, locate
from .sources import SourceError, SourceFile, discover, line_starts, load

#: captions linted together (one nlp.pipe stream); bounds the memory of a run
BATCH_CAPTIONS = 256
#: files read ahead at most (many files without captions)
BATCH_FILES = 256
#: the progress bar shows for runs over more files than this, on a terminal
PROGRESS_MIN_FILES = 20


@dataclass
class CheckOptions:
    #: ``--config``: one configuration file for every linted file
    config_path: Path | None = None
    #: command-line overrides of Config attributes (select, ignore, fail_on, ...)
    overrides: dict[str, Any] = field(default_factory=dict)
    use_cache: bool = True
    #: show a progress bar on stderr (only when it is a terminal and there are many files)
    progress: bool = False


@dataclass
class _Engine:
    """A Linter for one effective configuration, with what the cache needs."""

    linter: Linter
    rules_by_code: dict[str, Any]
    fingerprint: str | None = None


@dataclass
class _Item:
    path: str
    config: Config
    engine: _Engine | None = None
    source: SourceFile | None = None
    error: str | None = None
    texts: list[str] = field(default_factory=list)
    comments: list[Any] = field(default_factory=list)
    key: str | None = None
    results: list[list[Finding]] | None = None


class CheckRun:
    """Iterate to lint; yields one :class:`FileReport` per file, in order.  After iterating,
    ``failed`` says whether any finding reached its file's ``fail-on`` severity, ``errors``
    lists the files that could not be linted, and ``rules`` the rules that were active."""

    def __init__(self, paths: Iterable[str], options: CheckOptions | None = None, *,
                 linter: Linter | None = None) -> None:
        from .configfile import Resolver

        self.paths = list(paths)
        self.options = options or CheckOptions()
        self._fixed = linter
        self._resolver = Resolver(self.options.config_path, dict(self.options.overrides))
        self._engines: dict[str, _Engine] = {}
        self._caches: dict[Path, Any] = {}
        self.failed = False
        self.errors: list[FileReport] = []
        self.rules: dict[str, Any] = {}
        self.files = 0

    # ------------------------------------------------------------------------------- set-up

    def _config(self, path: str) -> Config:
        if self._fixed is not None:
            return self._fixed.config
        return self._resolver.for_path(path)

    def _engine(self, config: Config) -> _Engine:
        from .configfile import check_selectors

        key = _linter_key(config)
        engine = self._engines.get(key)
        if engine is None:
            linter = self._fixed if self._fixed is not None else Linter(config)
            if self._fixed is None:
                check_selectors(config, linter.ruleset.rules,
                                cli_keys=[k for k in ("select", "ignore")
                                          if self.options.overrides.get(k)])
            fingerprint = None
            if self.options.use_cache and self._fixed is None:
                from .cache import fingerprint as make_fingerprint

                fingerprint = make_fingerprint(config)
            engine = _Engine(linter, linter.ruleset.by_code(), fingerprint)
            self._engines[key] = engine
            for rule in linter.rules:
                self.rules.setdefault(rule.code, rule)
        return engine

    def _cache(self, config: Config):
        from .cache import Cache
        from .configfile import cache_root

        root = cache_root(config)
        if root not in self._caches:
            self._caches[root] = Cache(root)
        return self._caches[root]

    # ------------------------------------------------------------------------------ running

    def __iter__(self) -> Iterator[FileReport]:
        from .formats import CAPTION_SUFFIXES

        files = list(discover(self.paths, CAPTION_SUFFIXES))
        progress = _Progress(len(files)) if self.options.progress else None
        if progress is not None:
            progress.update(0)
        batch: list[_Item] = []
        pending = 0
        done = 0
        for path in files:
            item = self._read(path)
            batch.append(item)
            if item.source is not None and item.results is None:
                pending += len(item.source.captions)
            if pending >= BATCH_CAPTIONS or len(batch) >= BATCH_FILES:
                yield from self._flush(batch, progress, done)
                done += len(batch)
                batch, pending = [], 0
        yield from self._flush(batch, progress, done)
        if progress is not None:
            progress.close()

    def _read(self, path: str) -> _Item:
        from . import suppressions
        from .formats import SourceOptions

        config = self._config(path)
        item = _Item(path, config)
        try:
            item.source = load(path, SourceOptions(config.caption_fields, config.csv_column))
        except SourceError as exc:
            item.error = exc.reason
            item.path = "<stdin>" if exc.path == "-" else exc.path
            return item
        item.engine = self._engine(config)
        item.comments = suppressions.find_comments(item.source)
        item.texts = suppressions.masked_texts(item.source, item.comments)
        if item.engine.fingerprint is not None and path != "-":
            cache = self._cache(config)
            item.key = cache.key(item.source.text, item.engine.fingerprint)
            stored = cache.get(item.key, len(item.texts))
            if stored is not None:
                item.results = _decode(stored, item.texts, item.engine.rules_by_code)
        return item

    def _flush(self, batch: list[_Item], progress: _Progress | None,
               done: int) -> Iterator[FileReport]:
        groups: dict[int, list[_Item]] = {}
        for item in batch:
            if item.source is not None and item.results is None:
                groups.setdefault(id(item.engine), []).append(item)
        for items in groups.values():
            engine = items[0].engine
            assert engine is not None
            texts = (text for item in items for text in item.texts)
            results = iter(engine.linter.iter_lint(texts))
            for item in items:
                item.results = [next(results) for _ in item.texts]
                if item.key is not None:
                    self._cache(item.config).put(item.key, item.results, engine.rules_by_code)
        for index, item in enumerate(batch):
            report = self._report(item)
            self.files += 1
            if progress is not None and (report.findings or report.error):
                progress.clear()  # the report is about to be printed
            yield report
            if progress is not None:
                progress.update(done + index + 1)

    def _report(self, item: _Item) -> FileReport:
        from . import suppressions
        from .configfile import ignored_for

        if item.source is None:
            report = FileReport(item.path, "", error=item.error)
            self.errors.append(report)
            return report
        source, engine, config = item.source, item.engine, item.config
        assert engine is not None and item.results is not None
        report = FileReport(source.path, source.text)
        starts = line_starts(source.text)
        located: list[Located] = []
        for caption, findings in zip(source.captions, item.results, strict=True):
            located.extend(locate(source.text, caption, findings, starts))
        ignored = ignored_for(config, item.path) if self._fixed is None else ()
        if ignored:
            located = [x for x in located if not rule_matches(x.finding, ignored)]
        rules = engine.linter.rules
        if item.comments:
            active = [r for r in rules if not (ignored and rule_matches(r, ignored))]
            parsed = suppressions.parse(source, item.comments, engine.linter.ruleset.rules,
                                        allowed=config.allow_suppressions,
                                        forbidden_by=str(config.source or "the configuration"))
            located = suppressions.apply(located, parsed)
            extra = suppressions.report(source.path, source.text, parsed, rules, active)
            if ignored:
                extra = [x for x in extra if not rule_matches(x.finding, ignored)]
            located = sorted(located + extra, key=lambda x: (x.start, x.end, x.finding.code))
        report.findings = located
        threshold = SEVERITY_RANK[config.fail_on]
        if any(SEVERITY_RANK[x.finding.severity] >= threshold for x in located):
            self.failed = True
        return report


def _decode(stored: list, texts: list[str], rules: dict[str, Any]) -> list[list[Finding]] | None:
    from .cache import decode

    results = []
    for entries, text in zip(stored, texts, strict=True):
        findings = []
        for entry in entries:
            finding = decode(entry, text, rules)
            if finding is None:
                return None
            findings.append(finding)
        results.append(findings)
    return results


def _linter_key(config: Config) -> str:
    return json.dumps([list(config.select), list(config.ignore), sorted(config.severity.items()),
                       list(config.allow_words), list(config.allow_regex),
                       [str(p) for p in config.rules], config.model])


def check_paths(linter: Linter, paths: Iterable[str]) -> list[FileReport]:
    """Lint every caption in ``paths`` with one ``linter`` (its configuration for every file; no
    configuration files, no cache).  A file that cannot be read gets a report with ``error``
    set (the run then exits 2), and the other files are still linted."""
    return list(CheckRun(paths, CheckOptions(use_cache=False), linter=linter))


# ---------------------------------------------------------------------------------- progress


class _Progress:
    """A one-line progress bar on stderr, for terminals only."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = total > PROGRESS_MIN_FILES and bool(isatty and isatty())
        self._last = 0.0
        self._shown = False
        self._done = 0

    def update(self, done: int) -> None:
        self._done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if self._shown and now - self._last < 0.1 and done < self.total:
            return
        self._last = now
        columns = shutil.get_terminal_size((80, 24)).columns
        label = f" {done}/{self.total} files"
        width = max(10, min(40, columns - len(label) - 12))
        filled = int(width * done / max(1, self.total))
        self.stream.write(f"\rcaplint [{'#' * filled}{'.' * (width - filled)}]{label}")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.enabled and self._shown:
            columns = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + " " * (columns - 1) + "\r")
            self.stream.flush()
            self._shown = False

    def close(self) -> None:
        self.clear()
