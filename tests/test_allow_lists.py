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
