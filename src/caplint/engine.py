"""Rules compiled into matchers, run over one caption's text and spaCy Doc.

Built once per :class:`~caplint.linter.Linter`; every pattern is compiled here, never per caption.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from .agegroups import age_group
from .detectors import CAPTION_DETECTORS, DETECTORS, FILTERS, Context, hashtag_lookup
from .findings import Finding, resolve_overlaps, sort_findings
from .lexicons import fold
from .patterns import LazyPattern, Pattern, fold_for_atoms
from .phrases import PhraseList, PhraseMatcher
from .rules import AllowList, Rule

_HASHTAG = re.compile(r"#(\w+)")
_ROMAN_OR_FILLER = re.compile(r"^(?:[IVX]+|[a-z]\w*|\d\w*|'s|s)$")
#: the key of :meth:`Engine.allowed_spans` under which the matches of ``namesakes`` lists go
NAMESAKES = "namesakes"
_CAPITALIZED = re.compile(r"[^\W\d_][\w'’]*")
_NAME_AFTER = re.compile(r"(?: [^\W\d_a-z][\w'’-]*){1,3}")
#: a title that makes a person the patient or a relative, not a sign's namesake
_PATIENT_TITLE = re.compile(r"(?i)\b(?:mr|mrs|ms|miss|master|baby|mx)\b")
#: characters linted before the rule patterns' prefilter is compiled (see :class:`Prefilter`):
#: searching every rule pattern costs ~10 µs a character, compiling the sets ~25 ms
RULE_PREFILTER_AFTER = 3_000
#: patterns longer than this are searched one by one, outside the prefilter's sets
PREFILTER_MAX_PATTERN = 5000
#: patterns per RE2 set: one set over a few hundred patterns has a DFA so large that it thrashes
#: (~400 µs a caption for the rule patterns, 24 MB); sets of 16 take ~100 µs and ~13 MB in all
PREFILTER_CHUNK = 16
#: RE2 memory budget (program + DFA cache) of all of a prefilter's sets, shared evenly, at least
#: PREFILTER_MIN_MEM each; should a set's DFA run out, its patterns are all searched for that text.
#: A set that cannot be built in its share is split (33 sets at 1 MB each, 43 at 512 KB): over
#: 6,000 dev captions in one process, peak RSS 283.6 -> 275.6 MB at the same speed (session 16)
PREFILTER_MAX_MEM = 16 << 20
PREFILTER_MIN_MEM = 512 << 10


class Prefilter:
    """Which of many patterns match somewhere in a text, found in one linear pass per RE2 set
    instead of one search per pattern (a search through the re2 module costs ~5-10 µs however
    short the caption; a rule set has a few hundred patterns).

    The sets are built from the compiled patterns themselves, with their own options, so they
    answer exactly "does ``pattern.search(text)`` find something".  Patterns go into sets of
    :data:`PREFILTER_CHUNK`: the DFA of one set over every pattern has too many states to stay
    in its cache.  When a set's DFA runs out of memory it reports no match at all; a last, empty
    pattern that matches every text tells that apart from a text nothing in the set matches, and
    then every pattern of that set is searched: the prefilter can save time, never lose a match.

    Compiling the sets (and every pattern) costs hundreds of milliseconds, so they are built
    only once the texts seen have ``after`` characters, when the searches they save have paid
    for them.  Until then a pattern is searched, and compiled, only if the text contains one of
    its atoms (:class:`~caplint.patterns.LazyPattern`): one caption (``caplint check draft.txt``,
    the pre-commit hook on a few files) compiles a quarter of the patterns and no set, a long
    text builds the sets at once.
    """

    def __init__(self, patterns: Sequence[LazyPattern], after: int = 0) -> None:
        self.size = len(patterns)
        self._patterns = list(patterns)
        # the few very large alternations (lexicons) stay out of the sets and are always
        # searched: one search each costs little, while their programs would dwarf the sets
        self._always = frozenset(
            i for i, p in enumerate(patterns) if len(p.pattern) > PREFILTER_MAX_PATTERN
        )
        self._sets: list[tuple[Any, list[int]]] | None = None
        # characters still to see before building; None: never (fewer than two patterns)
        self._countdown: int | None = after if self.size - len(self._always) >= 2 else None

    def _build(self) -> None:
        by_options: dict[tuple, list[int]] = {}
        for i, pattern in enumerate(self._patterns):
            if i not in self._always:
                by_options.setdefault(_options(pattern.compiled), []).append(i)
        chunks = [
            group[k : k + PREFILTER_CHUNK]
            for group in by_options.values()
            for k in range(0, len(group), PREFILTER_CHUNK)
        ]
        budget = max(PREFILTER_MAX_MEM // max(len(chunks), 1), PREFILTER_MIN_MEM)
        self._sets = [built for index in chunks for built in self._built_sets(index, budget)]

    def _built_sets(self, index: list[int], budget: int) -> list[tuple[Any, list[int]]]:
        """Sets over the patterns ``index``: one if RE2 builds it within ``budget``, else the
        halves, each built the same way.  A chunk of many Unicode classes (``\\p{Lu}`` place
        and name patterns) can exceed the budget together: given up whole, its 16 patterns
        were all searched in every caption (~0.5 ms of a caption's ~7 ms in the engine)."""
        matcher = _pattern_set([self._patterns[i].compiled for i in index], budget)
        if matcher is not None or len(index) == 1:
            return [(matcher, index)]
        half = len(index) // 2
        return self._built_sets(index[:half], budget) + self._built_sets(index[half:], budget)

    def hits(self, text: str) -> Container[int]:
        """Indices of the patterns that can match somewhere in ``text``."""
        if self._sets is None:
            if self._countdown is not None:
                self._countdown -= len(text)
            if self._countdown is None or self._countdown > 0:
                folded = fold_for_atoms(text)
                return {i for i, p in enumerate(self._patterns) if p.may_match(folded)}
            self._build()
        found = set(self._always)
        data = text.encode()  # what re2 matches, encoded once for all the sets (~1.5 µs a set)
        for matcher, index in self._sets:
            matched = matcher.Match(data) if matcher is not None else None
            sentinel = len(index)
            if not matched or sentinel not in matched:
                found.update(index)  # no set, or no sentinel (the DFA gave up): search them all
            else:
                found.update(index[i] for i in matched if i != sentinel)
        return found


def _pattern_set(patterns: Sequence[Pattern], max_mem: int) -> Any:
    """An RE2 set over ``patterns`` plus the sentinel (index ``len(patterns)``), or None."""
    options = re2.Options()
    for name in re2.Options.NAMES:
        setattr(options, name, getattr(patterns[0].options, name))
    options.max_mem = max_mem  # bounds the set's program and DFA cache
    try:
        matcher = re2.Set.SearchSet(options)
        for pattern in patterns:
            matcher.Add(pattern.pattern)
        matcher.Add("")  # the sentinel: matches every text
        matcher.Compile()
    except re2.error:
        return None
    return matcher


def _options(pattern: Pattern) -> tuple:
    """What a set shares with its patterns: their options but the memory budget."""
    options = pattern.options
    return tuple(getattr(options, name) for name in re2.Options.NAMES if name != "max_mem")


@dataclass
class CompiledRule:
    rule: Rule
    patterns: list[LazyPattern] = field(default_factory=list)
    phrases: PhraseList | None = None
    entities: frozenset[str] = frozenset()
    require: LazyPattern | None = None
    exclude: list[LazyPattern] = field(default_factory=list)

    @classmethod
    def build(cls, rule: Rule) -> CompiledRule:
        detect = rule.detect
        cs = detect.case_sensitive
        patterns = [LazyPattern(p, case_sensitive=cs) for p in detect.regex]
        phrases = list(detect.phrases)
        for name in detect.lexicons:
            phrases.extend(rule.lexicon(name))
        return cls(
            rule=rule,
            patterns=patterns,
            phrases=PhraseList.build(phrases, case_sensitive=cs),
            entities=frozenset(detect.entities),
            # require/exclude test the matched text: case-sensitive unless they say (?i)
            require=LazyPattern(detect.require, case_sensitive=True) if detect.require else None,
            exclude=[LazyPattern(p, case_sensitive=True) for p in detect.exclude],
        )

    def accepts(self, text: str, start: int, end: int) -> bool:
        """Whether the match ``text[start:end]`` passes the rule's require/exclude/filter."""
        span = text[start:end]
        if self.require is not None or self.exclude:
            folded = fold_for_atoms(span)
            if self.require is not None and not (
                self.require.may_match(folded) and self.require.search(span)
            ):
                return False
            if any(p.may_match(folded) and p.search(span) for p in self.exclude):
                return False
        predicate = self.rule.detect.filter
        return predicate is None or FILTERS[predicate](text, start, end, self.rule)


@dataclass
class CompiledAllow:
    allow: AllowList
    patterns: list[LazyPattern]
    phrases: PhraseList | None = None
    unless: list[LazyPattern] = field(default_factory=list)
    stop: list[LazyPattern] = field(default_factory=list)

    @classmethod
    def build(cls, allow: AllowList) -> CompiledAllow:
        cs = allow.case_sensitive
        patterns = [LazyPattern(p, case_sensitive=cs) for p in allow.regex]
        unless = [LazyPattern(p, case_sensitive=True) for p in allow.unless]
        stop = [LazyPattern(p, case_sensitive=True) for p in allow.stop]
        phrases = PhraseList.build(allow.phrases, case_sensitive=cs)
        return cls(allow, patterns, phrases, unless, stop)

    def vetoed(self, text: str, span: tuple[int, int]) -> bool:
        """Whether an ``unless`` pattern finds something in the match's text."""
        matched = text[span[0] : span[1]]
        return any(p.search(matched) for p in self.unless)

    def cut(self, text: str, span: tuple[int, int]) -> tuple[int, int]:
        """The match up to where a ``stop`` pattern first finds something in its text."""
        matched = text[span[0] : span[1]]
        ends = [m.start() for p in self.stop if (m := p.search(matched)) is not None]
        return (span[0], span[0] + min(ends)) if ends else span


class Engine:
    """Runs a set of rules over captions that have already been parsed."""

    def __init__(
        self,
        rules: Sequence[Rule],
        allow: Sequence[AllowList],
        nlp: Any = None,
        extra_allow: Sequence[AllowList] = (),
    ) -> None:
        self.rules = list(rules)
        self.compiled = [
            CompiledRule.build(rule)
            for rule in self.rules
            if rule.detect.scope == "span" and rule.detect.detector not in CAPTION_DETECTORS
        ]
        self.caption_rules = [
            rule for rule in self.rules if rule.detect.detector in CAPTION_DETECTORS
        ]
        self.allow = [CompiledAllow.build(a) for a in (*allow, *extra_allow)]
        # the phrase lists and lexicons of every rule and allow list, read in one pass per caption
        self._phrases = PhraseMatcher(
            c.phrases for c in (*self.compiled, *self.allow) if c.phrases is not None
        )
        # per caption, one pass over the text says which rule patterns can match; only those run
        # (~150 µs instead of ~2.4 ms a caption).  The allow lists are searched only when a
        # finding of a category they allow is there (Engine.filter_allowed), and then all of
        # their patterns: a prefilter over them cost more than the searches it saved (~130 µs
        # vs ~100 a caption) and its sets' DFAs held ~9 MB.  They search without a DFA (see
        # compile_pattern): their DFAs held ~16 MB after 10,000 captions (peak RSS 288 -> 272
        # MB), for ~0.6 ms more a caption.
        self._rule_prefilter = Prefilter(
            [p for c in self.compiled for p in c.patterns], after=RULE_PREFILTER_AFTER
        )
        self.entity_types = sorted({e for c in self.compiled for e in c.entities})
        self.matcher = None
        self._token_rules: dict[str, CompiledRule] = {}
        token_rules = [c for c in self.compiled if c.rule.detect.tokens]
        if token_rules and nlp is not None:
            from spacy.matcher import Matcher

            self.matcher = Matcher(nlp.vocab, validate=True)
            for compiled in token_rules:
                self.matcher.add(compiled.rule.code, list(compiled.rule.detect.tokens))
                self._token_rules[compiled.rule.code] = compiled

    # ----------------------------------------------------------------------------- candidates

    def _finding(
        self,
        compiled: CompiledRule | Rule,
        text: str,
        start: int,
        end: int,
        source: str = "rule",
        detail: str | None = None,
    ) -> Finding:
        rule = compiled.rule if isinstance(compiled, CompiledRule) else compiled
        span = text[start:end]
        suggestion = rule.suggestion
        if suggestion and "{age_group}" in suggestion:
            suggestion = suggestion.replace("{age_group}", age_group(span))
        message = rule.message + (f" ({detail})" if detail else "")
        return Finding(
            code=rule.code,
            name=rule.name,
            category=rule.category,
            severity=rule.severity,
            message=message,
            suggestion=suggestion,
            start=start,
            end=end,
            text=span,
            source=source,
            fix=rule.fix_action,
            fix_safe=rule.fix_safe,
        )

    def candidates(self, text: str, doc: Any, entities: Iterable[Any] = ()) -> list[Finding]:
        """Every match of every span rule, before allow lists and overlap resolution."""
        found: list[Finding] = []

        def add(compiled: CompiledRule, start: int, end: int, source: str = "rule") -> None:
            while end > start and text[end - 1] in " \t\n.,;:":
                end -= 1
            while start < end and text[start] in " \t\n,;:":
                start += 1
            if end > start and compiled.accepts(text, start, end):
                found.append(self._finding(compiled, text, start, end, source))

        hashtags = [(m.start(), m.end(), fold(m.group(1).lower())) for m in _HASHTAG.finditer(text)]
        ctx = Context(text=text, doc=doc)
        hits = self._rule_prefilter.hits(text)
        number = -1
        for compiled in self.compiled:
            rule = compiled.rule
            group = rule.detect.group
            for pattern in compiled.patterns:
                number += 1
                if number not in hits:
                    continue
                index = pattern.group(group) if group else None
                for match in pattern.finditer(text):
                    if index is not None and match.span(index)[0] >= 0:
                        add(compiled, *match.span(index))
                    else:
                        add(compiled, *match.span())
            if compiled.phrases is not None:
                for start, end in self._phrases.spans(text, compiled.phrases):
                    add(compiled, start, end)
            if hashtags and rule.detect.hashtags:
                # built on the first caption with a hashtag, from the folded set the gazetteer
                # detectors read (detectors.HashtagLookup)
                lookup = hashtag_lookup(rule.lexicon_dir, rule.detect.hashtags)
                for start, end, body in hashtags:
                    if body in lookup:
                        add(compiled, start, end)
            if rule.detect.detector:
                source = "model" if rule.detect.model else "rule"
                for start, end in DETECTORS[rule.detect.detector](ctx, rule):
                    add(compiled, start, end, source)
        if self.matcher is not None and doc is not None:
            for match_id, begin, finish in self.matcher(doc):
                compiled = self._token_rules[doc.vocab.strings[match_id]]
                span = doc[begin:finish]
                add(compiled, span.start_char, span.end_char)
        for result in entities:
            for compiled in self.compiled:
                if (
                    result.entity_type in compiled.entities
                    and result.score >= compiled.rule.detect.min_score
                ):
                    add(compiled, result.start, result.end, source="ner")
        return found

    # ----------------------------------------------------------------------------- filtering

    def allowed_spans(
        self, text: str, categories: Container[str] | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        """The spans each category's allow lists match, of the lists that allow one of
        ``categories`` (default: all)."""
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        folded: str | None = None
        for compiled in self.allow:
            if categories is not None and not any(
                category in categories for category in compiled.allow.categories
            ):
                continue
            if folded is None:
                folded = fold_for_atoms(text)
            found = [
                match.span()
                for pattern in compiled.patterns
                if pattern.may_match(folded)
                for match in pattern.finditer(text)
            ]
            if compiled.phrases is not None:
                found += self._phrases.spans(text, compiled.phrases)
            if compiled.unless:
                found = [span for span in found if not compiled.vetoed(text, span)]
            if compiled.stop:
                found = [compiled.cut(text, span) for span in found]
            for span in found:
                for category in compiled.allow.categories:
                    spans[category].append(span)
            if compiled.allow.namesakes:
                spans[NAMESAKES].extend(found)
        return spans

    @staticmethod
    def is_namesake(finding: Finding, text: str, spans: list[tuple[int, int]]) -> bool:
        """A NAME finding that names the person an eponym of the same caption is named after
        ("Ernest Codman described the Codman triangle", "André Lemierre described it"): its last
        word, or the last of up to three capitalized words right after it ("Samuel" in "Samuel
        Kinnier Wilson"), is a capitalized word of an eponym match (``spans``)."""
        if finding.category != "NAME" or not spans:
            return False
        named = text[finding.start : finding.end]
        if _PATIENT_TITLE.search(named):
            return False
        words = {
            _surname_key(word)
            for start, end in spans
            for word in _CAPITALIZED.findall(text[start:end])
            if word[0].isupper()
        }
        own = _CAPITALIZED.findall(named)
        if not own:
            return False
        if _surname_key(own[-1]) in words:
            return True
        # a first name found alone: "André" in "André Lemierre", "Samuel" in "Samuel Kinnier Wilson"
        after = _NAME_AFTER.match(text, finding.end)
        return after is not None and _surname_key(after.group(0).split()[-1]) in words

    @staticmethod
    def is_allowed(finding: Finding, text: str, spans: list[tuple[int, int]]) -> bool:
        """A finding is allowed when what is left of it outside allow matches names nothing:
        no capitalized word remains (so "Chiari" in "Chiari II" is allowed, "John Chiari" is not).
        """
        inside = [
            (max(s, finding.start), min(e, finding.end))
            for s, e in spans
            if s < finding.end and finding.start < e
        ]
        if not inside:
            return False
        chars = list(text[finding.start : finding.end])
        for s, e in inside:
            for i in range(s - finding.start, e - finding.start):
                chars[i] = " "
        # (a quote left over from "'Christmas tree'" names nothing)
        rest = [w for w in re.findall(r"[\w']+", "".join(chars)) if w.strip("'")]
        if finding.source == "rule":
            return not rest
        return all(_ROMAN_OR_FILLER.match(word) for word in rest)

    def filter_allowed(self, text: str, findings: list[Finding]) -> list[Finding]:
        # only the lists that allow a category some finding has can change anything: the others
        # are not searched (~60% of allow-list searches on the benchmark captions)
        spans = self.allowed_spans(text, {f.category for f in findings})
        if not spans:
            return findings
        namesakes = spans.get(NAMESAKES, [])
        return [
            f
            for f in findings
            if not self.is_allowed(f, text, spans.get(f.category, []))
            and not self.is_namesake(f, text, namesakes)
        ]

    # ----------------------------------------------------------------------------- caption-level

    def caption_findings(self, text: str, doc: Any, findings: list[Finding]) -> list[Finding]:
        ctx = Context(text=text, doc=doc)
        extra: list[Finding] = []
        for rule in self.caption_rules:
            for start, end, detail in DETECTORS[rule.detect.detector](ctx, rule, findings):
                extra.append(self._finding(rule, text, start, end, source="caption", detail=detail))
        return extra

    def run(self, text: str, doc: Any, entities: Iterable[Any] = ()) -> list[Finding]:
        findings = resolve_overlaps(self.filter_allowed(text, self.candidates(text, doc, entities)))
        return sort_findings(findings + self.caption_findings(text, doc, findings))


def _surname_key(word: str) -> str:
    return fold(word.lower()).removesuffix("'s").removesuffix("’s")
