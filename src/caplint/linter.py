"""The library: ``from caplint import Linter``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from .config import Config, rule_matches
from .findings import Finding, sort_findings
from .normalize import view_batches
from .rules import AllowList, Rule, RuleSet, load_rules

#: Presidio's pattern recognizers caplint keeps (its URL and e-mail recognizers are replaced by
#: caplint's own ID rules: they call tldextract, which would fetch a suffix list from the network).
_PRESIDIO_RECOGNIZERS = (
    "PhoneRecognizer",
    "UsSsnRecognizer",
    "IpRecognizer",
    "CreditCardRecognizer",
    "IbanRecognizer",
)
#: captions per ``nlp.pipe`` batch.  The parser's and the entity recognizer's arrays for a batch
#: are the peak of a run: 10,000 dev captions peaked at 338 MB with 64, 289 MB with 32, at the
#: same speed within this machine's noise (116-132 captions/s against 114-124).
BATCH_SIZE = 32


def select_rules(rules: Iterable[Rule], config: Config) -> list[Rule]:
    """The rules ``config`` selects, with its severity overrides applied."""
    chosen = []
    for rule in rules:
        if config.select and not rule_matches(rule, config.select):
            continue
        if config.ignore and rule_matches(rule, config.ignore):
            continue
        for key, severity in config.severity.items():
            if rule_matches(rule, [key]):
                rule = replace(rule, severity=severity)
        chosen.append(rule)
    return chosen


class Linter:
    """Lints captions.  The spaCy model is loaded once, on first use.

    >>> linter = Linter()
    >>> [f.category for f in linter.lint("A 7 yo from Dayton with Wilms tumor.")]
    ['AGE', 'LOCATION']
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.ruleset: RuleSet = load_rules(self.config.rules)
        self.rules = select_rules(self.ruleset.rules, self.config)
        self._engine: Any = None
        self._nlp_engine: Any = None
        self._analyzer: Any = None

    # ----------------------------------------------------------------------------- set-up

    def _user_allow(self) -> list[AllowList]:
        if not (self.config.allow_words or self.config.allow_regex):
            return []
        from .findings import CATEGORIES

        return [
            AllowList(
                name="config",
                why="allowed in the configuration",
                categories=CATEGORIES,
                phrases=self.config.allow_words,
                regex=self.config.allow_regex,
            )
        ]

    def _ensure_loaded(self) -> None:
        if self._engine is not None:
            return
        from .engine import Engine
        from .model import build_nlp_engine, load_pipeline

        nlp = load_pipeline(self.config.model)
        engine = Engine(self.rules, self.ruleset.allow, nlp, extra_allow=self._user_allow())
        self._nlp_engine = build_nlp_engine(nlp)
        if engine.entity_types:
            self._analyzer = self._build_analyzer(engine.entity_types)
        self._engine = engine

    def _build_analyzer(self, entity_types: Sequence[str]) -> Any:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer import predefined_recognizers as predefined

        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(
            predefined.SpacyRecognizer(
                supported_language="en",
                supported_entities=["PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME", "NRP"],
            )
        )
        for name in _PRESIDIO_RECOGNIZERS:
            recognizer = getattr(predefined, name)()
            if set(recognizer.supported_entities) & set(entity_types):
                registry.add_recognizer(recognizer)
        from .model import build_context_enhancer

        return AnalyzerEngine(
            registry=registry,
            nlp_engine=self._nlp_engine,
            supported_languages=["en"],
            context_aware_enhancer=build_context_enhancer(),
        )

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline (loaded on first use), for callers that need a caption's Doc."""
        self._ensure_loaded()
        return self._nlp_engine.nlp["en"]

    # ----------------------------------------------------------------------------- linting

    def lint(self, text: str) -> list[Finding]:
        """Findings for one caption, sorted by position."""
        return self.lint_many([text])[0]

    def lint_many(self, texts: Iterable[str], batch_size: int = BATCH_SIZE) -> list[list[Finding]]:
        """Findings for each caption; batched through ``nlp.pipe``, same as ``lint`` one by one."""
        return list(self.iter_lint(texts, batch_size=batch_size))

    def iter_lint(
        self, texts: Iterable[str], batch_size: int = BATCH_SIZE
    ) -> Iterator[list[Finding]]:
        """Like :meth:`lint_many`, streaming: memory stays bounded for any number of captions."""
        self._ensure_loaded()
        engine = self._engine
        found: list[Finding] = []
        # views of the captions in batches bounded in count and characters; a caption longer
        # than CHUNK_CHARS comes in overlapping chunks, each reporting the findings that start
        # in its own part (spaCy's max_length and memory; see normalize.chunks)
        for batch in view_batches(texts, batch_size):
            docs = self._nlp_engine.process_batch(
                [piece.text for piece in batch], "en", batch_size=len(batch)
            )
            for piece, (text, artifacts) in zip(batch, docs, strict=True):
                entities = []
                if self._analyzer is not None and text.strip():
                    entities = self._analyzer.analyze(
                        text,
                        language="en",
                        entities=_entity_types_for(text, engine.entity_types),
                        nlp_artifacts=artifacts,
                    )
                shift = piece.chunk.start
                for finding in engine.run(text, artifacts.tokens, entities):
                    if piece.chunk.owns(shift + finding.start):
                        found.append(
                            replace(finding, start=finding.start + shift, end=finding.end + shift)
                            if shift
                            else finding
                        )
                if piece.last:
                    yield sort_findings(self._to_original(piece.view, f) for f in found)
                    found = []

    @staticmethod
    def _to_original(view, finding: Finding) -> Finding:
        if view.origin is None:
            return finding
        start, end = view.span(finding.start, finding.end)
        return replace(finding, start=start, end=end, text=view.original[start:end])

    def rewrite(self, text: str) -> str:
        """The disease-focused rewrite of a caption (see :mod:`caplint.rewrite`)."""
        from .rewrite import rewrite

        return rewrite(self, text)


#: Presidio's number recognizers and the fewest digits any of their matches contains: a phone
#: number, an SSN, a card or an IBAN cannot hide in a caption with fewer digits, so they are not
#: run on it (they cost ~0.4 ms per caption, most captions have a handful of digits).
_DIGIT_ENTITIES = {
    "PHONE_NUMBER": 5,
    "US_SSN": 9,
    "CREDIT_CARD": 12,
    "IBAN_CODE": 8,
}
#: What every match of Presidio's IP recognizer contains: each of its patterns (IPv4, IPv6 and
#: their mixtures) has a dotted quad of ASCII digits, a "::" or a hex digit on each side of a
#: colon.  Most captions have four digits (the rule it replaces, ~90 µs each for five regexes)
#: and many a colon ("Dx: ..."), but very few any of these.
_IP_SHAPE = re.compile(r"::|[0-9A-Fa-f]:[0-9A-Fa-f]|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")
#: What every match of Presidio's phone recognizer contains: it takes the numbers that
#: ``phonenumbers`` finds valid (leniency VALID) for its regions, whose national numbers have
#: at least 4 digits (Germany's shortest; 6 with a country code, the shortest of any region),
#: all inside the candidate ``phonenumbers`` matched: digits with at most 4 of its punctuation
#: characters between two (``phonenumbermatcher._PATTERN``).  Half the captions with five digits
#: have no such run ("2.1 x 3.4 cm" has one): the recognizer costs ~0.5 ms on each.
#: ``phonenumbers.phonenumberutil._VALID_PUNCTUATION`` (tests/test_library.py checks the copy;
#: phonenumbers itself is imported only with Presidio): ``-x``, a range of dashes, ``ー``, a range
#: of full-width ones, spaces, soft hyphen, zero-width space, word joiner, brackets, ``./~``
#: and tildes, in a character class as phonenumbers uses it
PHONE_PUNCTUATION = (
    "-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \xa0\xad\u200b\u2060\u3000"
    "()\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
)
_PHONE_RUN = re.compile(r"\d(?:[" + PHONE_PUNCTUATION + r"]{0,4}\d){3}")


def _entity_types_for(text: str, entity_types: list[str]) -> list[str]:
    digits = sum(map(str.isdigit, text))
    keep = []
    for entity in entity_types:
        if entity == "IP_ADDRESS":
            if _IP_SHAPE.search(text):
                keep.append(entity)
            continue
        least = _DIGIT_ENTITIES.get(entity)
        if least is None or (
            digits >= least and (entity != "PHONE_NUMBER" or _PHONE_RUN.search(text))
        ):
            keep.append(entity)
    return keep
