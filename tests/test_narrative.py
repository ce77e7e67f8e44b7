"""The narrative detectors (``caplint.narrative``) and the narrative rule packs: history, outcome,
high-profile, demographic, the caption-level checks, and what every finding must carry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caplint import Config, Linter
from caplint.detectors import DETECTORS, Context
from caplint.rules import load_rules

NARRATIVE_PACKS = ("history", "outcome", "high_profile", "demographic", "caption")


def categories(linter: Linter, text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in linter.lint(text):
        found.setdefault(finding.category, []).append(text[finding.start : finding.end])
    return found


def codes(linter: Linter, text: str) -> list[str]:
    return [f.code for f in linter.lint(text)]


# ------------------------------------------------------------------------------- history


@pytest.mark.parametrize(
    "text",
    [
        # verbs that are in no list: the shape (past tense, person subject, motion preposition with
        # an object) is what is caught
        "The boy plummeted off a cliff during a hike.",
        "She careened into a fence on her bicycle.",
        "He was catapulted from the back of a pickup truck.",
        "A girl who slid down a banister at school.",
        # listed verbs in other forms
        "He has tripped over a garden hose.",
        "Teenager kicked by a horse, with a liver laceration.",
        "After slipping on ice, he had wrist pain.",
        # event nouns and mechanisms
        "He was brought in by ambulance after a fall from a second-story window.",
        "Middle-aged man status post motor vehicle accident.",
        "A young woman with a gunshot wound to the thigh.",
    ],
)
def test_injury_story_is_history(linter, text: str) -> None:
    assert "HISTORY" in categories(linter, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Presented with limp.",
        "The natural history of the disease is slow growth.",
        "The signal falls off toward the periphery.",
        "Values fall within the normal range.",
        "The catheter was advanced into the right atrium.",
        "The fracture line extends into the joint.",
        "Most patients fall into the low-risk group.",
        "Brain injury with diffuse axonal injury.",
        "Blunt trauma to the abdomen.",
        "Pain while walking, relieved by rest.",
        "A fall in hemoglobin prompted a CT.",
    ],
)
def test_not_history(linter, text: str) -> None:
    assert "HISTORY" not in categories(linter, text), text


def test_single_history_element_is_a_warning(linter) -> None:
    findings = [
        f for f in linter.lint("A boy with a history of prematurity.") if f.category == "HISTORY"
    ]
    assert findings and all(f.severity == "warning" for f in findings)
    assert "HIST100" not in [f.code for f in findings]


@pytest.mark.parametrize(
    "text",
    [
        "55 yo man with a 3 week hx of fatigue. No significant past medical or surgical hx. "
        "He has an 80-pack year smoking hx and his mother died of lung cancer.",
        "She fell off the monkey bars at recess. She has a history of prematurity.",
        "Woman with h/o lupus, s/p splenectomy, previously treated at another hospital.",
    ],
)
def test_complete_history_is_an_error_that_counts_elements(linter, text: str) -> None:
    dense = [f for f in linter.lint(text) if f.code == "HIST100"]
    assert len(dense) == 1
    finding = dense[0]
    assert finding.severity == "error" and finding.category == "HISTORY"
    assert finding.message.startswith("Complete patient history (")
    assert "history elements" in finding.message


def test_relatives_death_is_family_history_not_outcome(linter) -> None:
    found = categories(linter, "His mother died of lung cancer.")
    assert "HISTORY" in found
    assert "OUTCOME" not in found


# ------------------------------------------------------------------------------- outcome


@pytest.mark.parametrize(
    "text",
    [
        "The infant died two days later.",
        "Sadly, she did not survive.",
        "He passed away in hospice.",
        "The patient underwent resection, did well and was discharged home.",
        "She slowly recovered over a period of three weeks.",
        "He remains well with no signs of recurrence.",
        "The boy who died of this tumor.",
        "He returned to competitive play.",
        "She is back on the field this season.",
        "Proud of this little fighter #cancersurvivor",
        "He was placed on ECMO for refractory hypoxemia.",
        "He is alive without recurrence at five years.",
    ],
)
def test_patient_outcome(linter, text: str) -> None:
    outcome = [f for f in linter.lint(text) if f.category == "OUTCOME"]
    assert any(f.severity == "error" for f in outcome), (text, [f.code for f in outcome])


@pytest.mark.parametrize(
    "text",
    [
        "The patient underwent splenectomy.",
        "He was treated with in situ pinning.",
        "Untethering was performed at 3 months.",
        "She was taken to the OR that night.",
    ],
)
def test_treatment_course_is_an_outcome_warning(linter, text: str) -> None:
    outcome = [f for f in linter.lint(text) if f.category == "OUTCOME"]
    assert outcome and all(f.severity == "warning" for f in outcome), text


@pytest.mark.parametrize(
    "text",
    [
        "She previously underwent appendectomy.",
        "He underwent radiation in 2011.",
        "The slip is usually treated with in situ pinning.",
        "CT was performed after contrast injection.",
    ],
)
def test_earlier_or_usual_treatment_is_not_an_outcome(linter, text: str) -> None:
    assert "OUTCOME" not in categories(linter, text), text


@pytest.mark.parametrize(
    "text",
    [
        # the usual course of the disease, in general terms: what the caption should say instead
        "The fracture usually resolves with casting.",
        "Most patients recover fully.",
        "Children usually recover fully with casting.",
        "A child usually recovers fully.",
        "Patients may die of respiratory failure.",
        "Most patients die within a year without treatment.",
        "Untreated, the disease is often fatal.",
        "Five-year survival is 90 percent.",
        "Return to sport usually takes three months.",
        # not the patient at all
        "The technique died out in the 1990s.",
        "Improved flow in the left renal vein.",
        "The healed fracture shows remodeling.",
        "Bone fragments were recovered from the wound.",
        "Nipple discharge with a retroareolar mass.",
        "Resection with tumor-free margins.",
        "He was previously healthy.",
    ],
)
def test_not_outcome(linter, text: str) -> None:
    assert "OUTCOME" not in categories(linter, text), text


# ------------------------------------------------------------------------------- high profile


def test_rare_alone_is_only_a_warning_and_classic_is_nothing(linter) -> None:
    rare = [f for f in linter.lint("A rare tumor of the kidney.") if f.category == "HIGH_PROFILE"]
    assert rare and all(f.severity == "warning" for f in rare)
    assert "HIGH_PROFILE" not in categories(linter, "Classic appearance of a Wilms tumor.")


def test_high_profile_mechanism_is_not_hidden_by_the_history_story(linter) -> None:
    found = categories(linter, "He was injured in a school bus crash on the way to school.")
    assert "HIGH_PROFILE" in found


def test_department_pack_from_another_folder_flags(tmp_path: Path) -> None:
    """A department adds its own list (local events, VIP names) as a pack: no Python."""
    pack = tmp_path / "local.yaml"
    pack.write_text(
        "pack: local-events\n"
        "rules:\n"
        "  - code: HIGH900\n"
        "    name: local-high-profile-event\n"
        "    category: HIGH_PROFILE\n"
        "    severity: error\n"
        "    message: A local event that made the news\n"
        "    why: Everyone here knows who was hurt at the Riverfest stage collapse.\n"
        "    suggestion: Consider not posting this case.\n"
        "    detect:\n"
        "      phrases: [Riverfest stage collapse, Mayor Quimby]\n"
        "    examples:\n"
        "      fail: [Injured in the Riverfest stage collapse.]\n"
        "      pass: [Injured in a fall.]\n",
        encoding="utf-8",
    )
    local = Linter(Config(rules=(tmp_path,)))
    findings = local.lint("Rib fractures in a man hurt in the Riverfest stage collapse.")
    hits = [f for f in findings if f.code == "HIGH900"]
    assert hits and hits[0].category == "HIGH_PROFILE" and hits[0].severity == "error"
    assert hits[0].suggestion == "Consider not posting this case."
    assert "HIGH900" not in [f.code for f in Linter().lint("Rib fractures after a fall.")]


# ------------------------------------------------------------------------------- demographic


@pytest.mark.parametrize(
    "text",
    [
        "A 42-year-old Chinese man with ear discharge.",
        "A French man of African origin with a stress fracture.",
        "He is Hispanic and presented with fever.",
        "A white male with a lung nodule.",
        "She worked as a nurse at our institution.",
        "A veteran with a lung mass.",
        "Homeless man with cellulitis.",
    ],
)
def test_demographic_warning(linter, text: str) -> None:
    demo = [f for f in linter.lint(text) if f.category == "DEMOGRAPHIC"]
    assert demo and all(f.severity == "warning" for f in demo), text


@pytest.mark.parametrize(
    "text",
    [
        "White matter hyperintensities.",
        "A 5 French sheath was placed.",
        "Japanese encephalitis with thalamic lesions.",
        "Swiss cheese appearance of the nephrogram.",
        "The coil was deployed in the aneurysm sac.",
        "Boxer's fracture of the fifth metacarpal neck.",
        "The sheath works as a guide for the catheter.",
    ],
)
def test_not_demographic(linter, text: str) -> None:
    assert "DEMOGRAPHIC" not in categories(linter, text), text


def test_clinically_used_term_can_be_allowed_in_the_config() -> None:
    text = "An Ashkenazi Jewish woman with a BRCA1 mutation and a breast mass."
    assert "DEMOGRAPHIC" in categories(Linter(), text)
    allowed = Linter(Config(allow_words=("Ashkenazi Jewish",)))
    assert "DEMOGRAPHIC" not in categories(allowed, text)


# ------------------------------------------------------------------------------- combined risk


def test_combined_risk_names_categories_not_text(linter) -> None:
    text = "An extremely rare tumor in a Hispanic truck driver with a history of lupus."
    findings = linter.lint(text)
    combined = [f for f in findings if f.category == "COMBINED_RISK"]
    assert len(combined) == 1
    message = combined[0].message
    assert combined[0].severity == "error"
    assert "combines" in message
    for category in ("HIGH_PROFILE", "DEMOGRAPHIC", "HISTORY"):
        assert category in message
    for word in ("rare", "Hispanic", "truck", "lupus"):
        assert word not in message


def test_no_combined_risk_for_a_clean_teaching_caption(linter) -> None:
    assert linter.lint("A rare tumor of the kidney in a child.") == [
        f
        for f in linter.lint("A rare tumor of the kidney in a child.")
        if f.category == "HIGH_PROFILE"
    ]


# ------------------------------------------------------------------------------- every rule


NARRATIVE_RULES = [r for r in load_rules().rules if r.pack in NARRATIVE_PACKS]


@pytest.mark.parametrize("rule", NARRATIVE_RULES, ids=[r.code for r in NARRATIVE_RULES])
def test_every_rule_has_a_suggestion_and_a_fix_action(rule) -> None:
    assert rule.suggestion, rule.code
    assert rule.fix_action in ("remove", "remove-clause", "remove-sentence", "none")
    assert not rule.fix_safe, f"{rule.code}: removing a story changes meaning; never a safe fix"


_DETAIL = re.compile(r"^ \((?:\d+ [a-z_]+ elements|combines [A-Z_]+(?: \+ [A-Z_]+)+)\)$")


@pytest.mark.parametrize("rule", NARRATIVE_RULES, ids=[r.code for r in NARRATIVE_RULES])
def test_findings_carry_suggestion_and_never_the_matched_text(linter, rule) -> None:
    """The message is the rule's own fixed text; caption-level findings add only a count or the
    names of categories, never words of the caption (policy.md: "What a finding must say")."""
    for example in rule.examples_fail:
        for finding in linter.lint(example):
            if finding.code != rule.code:
                continue
            assert finding.suggestion, f"{finding.code} on {example!r} has no suggestion"
            assert finding.message.startswith(rule.message), finding.message
            detail = finding.message[len(rule.message) :]
            assert detail == "" or _DETAIL.match(detail), (finding.code, detail)


def test_detectors_read_only_the_doc_they_are_given() -> None:
    """Without a Doc the narrative detectors find nothing and never build one."""
    rule = next(r for r in NARRATIVE_RULES if r.detect.detector == "injury_story")
    ctx = Context(text="She fell off the monkey bars at recess.", doc=None)
    for name in (
        "injury_story",
        "story_circumstance",
        "relative_story",
        "arrival_story",
        "patient_death",
        "patient_recovery",
        "patient_discharge",
        "demonym_person",
        "works_as",
    ):
        assert list(DETECTORS[name](ctx, rule)) == [], name


def test_a_relative_after_the_verb_is_reported_and_never_crashes(linter) -> None:
    """ "..., said his mother": the verb comes before the relative who tells the story (this
    order crashed the linter with an IndexError before)."""
    text = "Fell off the slide at recess, said his mother."
    found = {text[f.start : f.end] for f in linter.lint(text) if f.code == "HIST004"}
    assert found == {"said his mother"}
