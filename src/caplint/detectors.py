"""Python detectors: the checks that data alone cannot express.

A *span* detector yields ``(start, end)`` spans from the caption's text and its spaCy Doc.  A
*caption* detector runs after overlaps are resolved and sees the caption's findings; it yields
``(start, end, detail)`` where ``detail`` names categories or counts, never caption text.

Detectors import nothing heavy: they only read the Doc they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .lexicons import read_lexicon
from .patterns import compile_pattern

if TYPE_CHECKING:
    from .findings import Finding
    from .rules import Rule


@dataclass(frozen=True)
class Context:
    """What a detector may read: the (normalized) caption text and its spaCy Doc."""

    text: str
    doc: Any


SpanDetector = Callable[[Context, "Rule"], Iterable[tuple[int, int]]]
CaptionDetector = Callable[[Context, "Rule", "list[Finding]"], Iterable[tuple[int, int, str]]]

DETECTORS: dict[str, Callable[..., Iterable[Any]]] = {}
CAPTION_DETECTORS: set[str] = set()


def detector(name: str, *, caption: bool = False):
    """Register a detector under ``name`` (the value of ``detect.detector`` in a rule pack)."""

    def register(fn):
        DETECTORS[name] = fn
        if caption:
            CAPTION_DETECTORS.add(name)
        return fn

    return register


@detector("category_density", caption=True)
def category_density(ctx: Context, rule: Rule, findings: list[Finding]) -> Iterator[tuple]:
    """A caption with several findings of the rule's category (e.g. a complete history): three
    elements, or two in different sentences.  A single element (one presenting symptom) is fine."""
    own = [f for f in findings if f.category == rule.category and f.source != "caption"]
    if len(own) >= 3 or (len(own) >= 2 and _sentence_count(ctx, own) >= 2):
        yield own[0].start, own[-1].end, f"{len(own)} {rule.category.lower()} elements"


def _sentence_count(ctx: Context, findings: list[Finding]) -> int:
    if ctx.doc is None or not ctx.doc.has_annotation("SENT_START"):
        return 1
    starts = set()
    for finding in findings:
        span = ctx.doc.char_span(finding.start, finding.end, alignment_mode="expand")
        if span is not None:
            starts.add(span.sent.start)
    return len(starts)


#: Quasi-identifiers: each alone may be a warning, together they can single out a patient.
QUASI_IDENTIFIERS = ("AGE", "DATE", "LOCATION", "DEMOGRAPHIC", "HIGH_PROFILE", "UNIQUE_FEATURE",
                     "NAME", "ID", "OUTCOME", "HISTORY")


@detector("combined_risk", caption=True)
def combined_risk(ctx: Context, rule: Rule, findings: list[Finding]) -> Iterator[tuple]:
    """Three or more different quasi-identifier categories in one caption, at least one of them
    only a warning (all-error captions are already blocked; this says *why* the mix matters)."""
    present = [f for f in findings if f.category in QUASI_IDENTIFIERS and f.source != "caption"]
    categories = sorted({f.category for f in present}, key=QUASI_IDENTIFIERS.index)
    if len(categories) >= 3 and any(f.severity != "error" for f in present):
        yield (min(f.start for f in present), max(f.end for f in present),
               "combines " + " + ".join(categories))


@cache
def _gazetteer(path: Path) -> frozenset[str]:
    return frozenset(entry.lower() for entry in read_lexicon(path))


def gazetteer(rule: Rule) -> frozenset[str]:
    """The union of the rule's ``gazetteer`` lexicons, lower-cased."""
    names: frozenset[str] = frozenset()
    for name in rule.detect.gazetteer:
        names |= _gazetteer(rule.lexicon_dir / f"{name}.txt")
    return names


_PLACE_CONTEXT = compile_pattern(
    r"\b(?:from|in|near|at|to|outside(?:\s+of)?|around|visiting|of|across|throughout|via)\s+"
    r"(?:(?:the|rural|downtown|northern|southern|eastern|western|central|upstate|suburban)\s+)?"
    r"(?P<place>[A-Z][\w'.]*(?:[ -][A-Z][\w'.]*){0,3})",
    case_sensitive=True,
)
_PLACE_SUFFIXES = ("city", "county", "province", "state", "district", "village", "town")


@detector("place_names")
def place_names(ctx: Context, rule: Rule) -> Iterator[tuple[int, int]]:
    """Capitalized words after a locative preposition ("from Dayton", "near Qingdao City") that
    are in the rule's gazetteer; the longest known prefix wins, a trailing "City" is kept."""
    places = gazetteer(rule)
    group = _PLACE_CONTEXT.groupindex["place"]
    for match in _PLACE_CONTEXT.finditer(ctx.text):
        words = match.group(group).split()
        offset = match.span(group)[0]
        for size in range(len(words), 0, -1):
            candidate = " ".join(words[:size]).rstrip(".,'")
            key = candidate.lower()
            if key.endswith("'s"):
                key = key[:-2]
            if key in places:
                end = offset + len(candidate)
                following = words[size:size + 1]
                if following and following[0].lower().rstrip(".,") in _PLACE_SUFFIXES:
                    end = offset + len(" ".join(words[: size + 1]).rstrip(".,"))
                yield offset, end
                break
