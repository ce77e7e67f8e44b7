"""Findings: what caplint reports, and how overlapping candidates become one finding per span."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

#: Categories that name the person directly: one finding per span among these.
IDENTIFIER_CATEGORIES = ("AGE", "ID", "DATE", "NAME", "LOCATION", "DEMOGRAPHIC")
#: Categories that describe the story around the person.
NARRATIVE_CATEGORIES = ("HISTORY", "OUTCOME", "HIGH_PROFILE", "UNIQUE_FEATURE", "COMBINED_RISK")
CATEGORIES = IDENTIFIER_CATEGORIES + NARRATIVE_CATEGORIES
_CATEGORY_RANK = {name: rank for rank, name in enumerate(CATEGORIES)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One forbidden element in a caption.

    ``start``/``end`` are Python ``str`` offsets into the text that was linted.  ``text`` is the
    matched text: it is the protected information, so it is left out of ``repr`` and out of
    machine-readable output unless the user asks for it.
    """

    code: str
    name: str
    category: str
    severity: str
    message: str
    suggestion: str | None
    start: int
    end: int
    text: str = field(default="", repr=False)
    #: how the finding was produced: "rule" (caplint's patterns), "ner" (Presidio), "caption"
    source: str = field(default="rule", compare=False)
    #: the fix action of the rule that produced it (see fixes), "none" if none
    fix: str = field(default="none", compare=False)
    fix_safe: bool = field(default=False, compare=False)

    def with_severity(self, severity: str) -> Finding:
        return replace(self, severity=severity)

    @property
    def tier(self) -> str:
        return "identifier" if self.category in IDENTIFIER_CATEGORIES else "narrative"

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


def _priority(finding: Finding) -> tuple:
    return (
        0 if finding.source == "rule" else 1,
        -(finding.end - finding.start),
        _CATEGORY_RANK.get(finding.category, len(_CATEGORY_RANK)),
        -SEVERITY_RANK.get(finding.severity, 0),
        finding.start,
        finding.code,
    )


def resolve_overlaps(candidates: Iterable[Finding]) -> list[Finding]:
    """Keep one finding per span (see docs/design.md, "Overlaps").

    Among identifiers (AGE, DATE, NAME...) one finding per span: caplint's own rules beat NER
    entities, then the longer span, then the more specific category.  Narrative findings
    (HISTORY, OUTCOME, HIGH_PROFILE...) are one per span within a category, so a long history
    phrase never hides a high-profile cue; findings of different tiers may overlap (a date
    inside a history sentence).
    """
    candidates = list(candidates)
    learned = [c for c in candidates if c.source == "model"]
    if learned:
        candidates = [c for c in candidates if c.source != "model"]
    kept: list[Finding] = []

    def clashes(finding: Finding, other: Finding) -> bool:
        return (other.overlaps(finding.start, finding.end) and other.tier == finding.tier
                and (finding.tier == "identifier" or other.category == finding.category))

    # caplint's rules first, then the longer span, then the more specific category
    for finding in sorted(candidates, key=_priority):
        if not any(clashes(finding, k) for k in kept):
            kept.append(finding)
    # A model entity that extends kept rule matches of its category ("John" -> "John Smith")
    # replaces them, unless it would run into another kept finding ("the Dominican Republic at
    # Easter" beside the date rule's "at Easter"). The rules decide first, so a shorter rule
    # match inside the extended one ("Freshman" in "Fairfield Freshman School") has lost already.
    for entity in sorted((c for c in candidates if c.source == "ner"), key=_priority):
        covered = {
            id(k) for k in kept
            if k.source == "rule" and k.category == entity.category
            and entity.start <= k.start and k.end <= entity.end
            and (entity.end - entity.start) > (k.end - k.start)
        }
        if covered and not any(clashes(entity, k) for k in kept if id(k) not in covered):
            kept = [k for k in kept if id(k) not in covered]
            kept.append(entity)
    # A learned sentence finding (rules/sentences.yaml) never hides a rule's finding: it points
    # at the whole sentence, the rules name the elements in it.  An identifier the rules already
    # found in the sentence (its age, its date) makes the sentence finding of that category
    # redundant; a story has many parts, so a history or outcome sentence stays.
    kept.extend(
        finding for finding in learned
        if finding.tier == "narrative" or not any(
            k.category == finding.category and k.overlaps(finding.start, finding.end)
            for k in kept)
    )
    return sort_findings(kept)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.start, f.end, f.code))
