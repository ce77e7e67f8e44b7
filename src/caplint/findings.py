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
    # A model entity that extends a rule match of the same category ("John" → "John Smith")
    # replaces it; otherwise caplint's rules win.
    extended = {
        id(rule_hit)
        for rule_hit in candidates if rule_hit.source == "rule"
        for entity in candidates
        if entity.source == "ner" and entity.category == rule_hit.category
        and entity.start <= rule_hit.start and rule_hit.end <= entity.end
        and (entity.end - entity.start) > (rule_hit.end - rule_hit.start)
    }
    kept: list[Finding] = []

    def keep(finding: Finding) -> None:
        if not any(k.overlaps(finding.start, finding.end) and k.tier == finding.tier
                   and (finding.tier == "identifier" or k.category == finding.category)
                   for k in kept):
            kept.append(finding)

    for finding in sorted((c for c in candidates if id(c) not in extended), key=_priority):
        keep(finding)
    # An entity that lost to another finding ("the Dominican Republic at Easter" beside the
    # date rule's "at Easter") gives back the rule match it would have extended.
    for rule_hit in sorted((c for c in candidates if id(c) in extended), key=_priority):
        keep(rule_hit)
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
