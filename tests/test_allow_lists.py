"""Allow lists beyond a span inside a match: the namesake of a caption's eponym.

"Ernest Codman described the Codman triangle" names the physician the sign is named after, not
the patient; the allow entries with ``namesakes: true`` (rules/allow.yaml: the eponym lexicon and
the eponym classifications) drop a NAME finding whose last word, or the capitalized words right
after it, is a word of one of their matches in the same caption. A patient's title keeps it.
"""

from __future__ import annotations

import pytest
from test_bad_input import write_pack

from caplint import Config, Linter
from caplint.rules import RulePackError


def names(linter: Linter, text: str) -> list[str]:
    return [text[f.start : f.end] for f in linter.lint(text) if f.category == "NAME"]


@pytest.mark.parametrize(
    "text",
    [
        "Osteosarcoma with a Codman triangle. Ernest Codman of Boston described the triangle.",
        "Lemierre syndrome with septic emboli. André Lemierre described it in Paris in 1936.",
        "Wilson disease, first described by Samuel Kinnier Wilson (1912).",
    ],
)
def test_the_namesake_of_an_eponym_is_not_a_patient_name(linter, text):
    assert names(linter, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a patient's title: the patient, whatever sign the caption names
        ("Ms. Graves has Graves disease with exophthalmos.", "Ms. Graves"),
        # a name that no eponym of the caption carries
        ("Codman triangle on the femur. Seen by Dr. Anna Kowalski at 2 am.", "Anna Kowalski"),
    ],
)
def test_other_names_are_still_flagged(linter, text, name):
    assert any(name in found for found in names(linter, text))


def test_namesakes_must_be_a_boolean(tmp_path):
    pack = (
        "pack: local\nallow:\n  - name: local\n    why: w\n    categories: [NAME]\n"
        "    phrases: [zorblax sign]\n    namesakes: yes please\n"
    )
    with pytest.raises(RulePackError, match=r"local\.yaml:7: .*key 'namesakes'.*true or false"):
        Linter(Config(rules=(write_pack(tmp_path, pack),)))


UNLESS_PACK = """\
    pack: local
    rules:
      - code: TST001
        name: local-names
        category: NAME
        severity: error
        message: Local name
        why: A local list.
        detect: {phrases: [Zorblax]}
    allow:
      - name: zorblax-street
        why: Zorblax Street is where the department is.
        categories: [NAME]
        regex: ['Zorblax \\w+']
        unless: ['(?i)zorblax\\s+(?:jr|sr)\\b']
    """


def test_an_allow_match_an_unless_pattern_finds_allows_nothing(tmp_path):
    linter = Linter(Config(rules=(write_pack(tmp_path, UNLESS_PACK),)))
    assert names(linter, "Zorblax Street is closed today.") == []
    assert names(linter, "Zorblax Jr is here today.") == ["Zorblax"]
    assert names(linter, "zorblax SR is here today.") == ["zorblax"]  # unless: (?i)


def test_an_allow_match_ends_where_a_stop_pattern_finds_something(tmp_path):
    pack = UNLESS_PACK.replace("regex: ['Zorblax \\w+']", "regex: ['Zorblax \\w+.*']").replace(
        "unless:", "stop: ['(?i);\\s*zorblax']\n        unless:"
    )
    linter = Linter(Config(rules=(write_pack(tmp_path, pack),)))
    assert names(linter, "Zorblax Street and Zorblax Square are closed.") == []
    assert names(linter, "Zorblax Street is closed; Zorblax was here.") == ["Zorblax"]


def test_a_stop_pattern_that_does_not_compile_names_its_key(tmp_path):
    pack = UNLESS_PACK.replace("unless:", "stop: ['(?:x']\n        unless:")
    with pytest.raises(RulePackError, match=r"local\.yaml:\d+: .*key 'stop'"):
        Linter(Config(rules=(write_pack(tmp_path, pack),)))


def test_the_family_handle_is_not_a_credit_but_the_clinician_handle_is(linter):
    def ids(text: str) -> list[str]:
        return [text[f.start : f.end] for f in linter.lint(text) if f.category == "ID"]

    assert ids("Thank you @mateos_mama_jess for letting us share his scans.") == [
        "@mateos_mama_jess"
    ]
    assert ids("Thanks @msk_doc_anand for sharing the case.") == []


def test_an_unless_pattern_that_does_not_compile_names_its_key(tmp_path):
    pack = UNLESS_PACK.replace("(?:jr|sr)", "(?:jr|sr")
    with pytest.raises(RulePackError, match=r"local\.yaml:\d+: .*key 'unless'"):
        Linter(Config(rules=(write_pack(tmp_path, pack),)))


def test_a_teaching_points_first_sentence_is_general(linter):
    # what the story detectors find in it (a past event, a treatment) is not this patient's
    def story(text):
        return [f.code for f in linter.lint(text)
                if f.category in ("HISTORY", "OUTCOME") and f.source != "model"]

    assert story("Her son fell from a height and was imaged with CT.")
    assert story("Teaching point: children who fell from a height were imaged with CT.") == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a survival statistic, not this patient's course
        ("Gross total resection is associated with long progression-free survival.", "OUTCOME"),
        # the author's ordeal, not the patient's
        ("Survived another weekend of call and this gem made it worth it.", "OUTCOME"),
        ("Shoutout to the techs who survived the busiest shift of the season.", "OUTCOME"),
        ("Survivor of the 7-hour fellowship boards, celebrating with crazy paving.", "OUTCOME"),
        # midline shift, not the soccer league
        ("Evacuate if >10 mm thick or MLS >5 mm, regardless of GCS.", "HIGH_PROFILE"),
        # a consensus definition named after its meeting place
        ("A pseudocyst by the revised Atlanta definition (Banks 2013).", "LOCATION"),
        # a classification and the next sentence, not initials and a surname
        ("Choledochal cyst, Todani type I. Mgmt is cyst excision.", "NAME"),
        ("Bone marrow uptake means stage M. Survival is about 50%.", "NAME"),
        # where a disease is endemic, not where the patient is (an abbreviated "St." inside)
        ("Endemic around the Great Lakes and along the St. Lawrence River.", "LOCATION"),
        ("Healed histoplasmosis in the Mississippi River basin, old TB elsewhere.", "LOCATION"),
        ("Healed histoplasmosis is everywhere in the Ohio and Mississippi valleys.", "LOCATION"),
        ("Eastern equine encephalitis, seen along the Atlantic and Gulf coasts.", "LOCATION"),
        ("Survived my first week of night float. Favorite case of the week:", "OUTCOME"),
        # the eponym's namesake, initials and all
        ("Saint's triad. Named for C. F. M. Saint, a surgeon in Cape Town, in the 1940s.",
         "LOCATION"),
        ("Saint's triad. Named for C. F. M. Saint, a surgeon in Cape Town, in the 1940s.", "NAME"),
        # a guideline's age, not the patient's
        ("Screening hip ultrasound is done at 6 weeks in breech babies.", "AGE"),
    ],
)
def test_general_statements_and_look_alikes_are_not_errors(linter, text, category):
    # (what the false-alarm rate counts: an error on a clean caption)
    found = linter.lint(text)
    assert [f.code for f in found if f.category == category and f.severity == "error"] == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("She survived the night and went home a week later.", "OUTCOME"),
        ("Her hip ultrasound was done at 6 weeks.", "AGE"),
        ("Thirty-year-old man with AIDS and a ring-enhancing lesion.", "HISTORY"),
        ("He is now progression-free after two cycles.", "OUTCOME"),
        ("Signed by the MLS club last spring, he tore his ACL.", "HIGH_PROFILE"),
        ("He moved here from the St. Lawrence River valley town of Massena.", "LOCATION"),
        # a teaching point is general only up to the clause about this patient
        ("Teaching point: duct integrity drives management; this boy had a distal"
         " pancreatectomy and was back at school within a month.", "OUTCOME"),
        # ... also after a dash, and the story detectors read teaching lines too
        ("Teaching point: type A goes straight to surgery — she had a Bentall procedure.",
         "OUTCOME"),
        # ... and so is a sentence about most patients
        ("Most resolve with bowel rest; he needed three weeks of TPN.", "OUTCOME"),
    ],
)
def test_the_patients_own_story_is_still_flagged(linter, text, category):
    assert any(f.category == category and f.source != "model" for f in linter.lint(text))
