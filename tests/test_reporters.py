"""Output formats: jsonl, github, sarif (validated against the SARIF 2.1.0 schema), statistics."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from helpers_cli import IGNORE_LEARNED, invoke, one_model_load  # noqa: F401

from caplint.reporters.github import escape_data, escape_property
from caplint.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
CAPTION = "A 7 yo from Dayton with Wilms tumor, seen on 3/14/2024.\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(CAPTION, encoding="utf-8")
    (tmp_path / "b.md").write_text("Chiari I malformation.\n", encoding="utf-8")
    return tmp_path


# The format tests leave out the learned sentence rules (a warning on the whole sentence): they
# check each format on the rules' findings.


def test_jsonl_is_the_json_findings_one_per_line(folder) -> None:
    as_json = json.loads(invoke("check", "--format", "json", *IGNORE_LEARNED, "a.txt").stdout)
    lines = invoke("check", "--format", "jsonl", *IGNORE_LEARNED, "a.txt").stdout.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    assert len(lines) == 3


def test_github_annotations(folder) -> None:
    result = invoke("check", "--format", "github", *IGNORE_LEARNED, "a.txt")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=a.txt,line=1,col=3,endLine=1,endColumn=7,"
        "title=AGE002 age-abbreviation::Abbreviated age of the patient. "
        'Use an age group instead, e.g. "child".'
    )
    assert len(lines) == 3
    for secret in ("7 yo", "Dayton", "3/14/2024"):
        assert secret not in result.stdout


def test_github_is_the_default_under_github_actions(folder) -> None:
    result = invoke("check", *IGNORE_LEARNED, "a.txt", env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error file=a.txt,line=1,col=3,")
    explicit = invoke(
        "check", "--format", "concise", *IGNORE_LEARNED, "a.txt", env={"GITHUB_ACTIONS": "true"}
    )
    assert explicit.stdout.startswith("a.txt:1:3: AGE002")


def test_github_escaping() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("dir,with:odd%name\n") == "dir%2Cwith%3Aodd%25name%0A"


def test_statistics(folder) -> None:
    (folder / "c.txt").write_text("A 9 yo.\n", encoding="utf-8")
    result = invoke("check", "--statistics", "a.txt", "c.txt")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [part.strip() for part in lines[0].split("\t")] == [
        "2",
        "AGE002",
        "[*] age-abbreviation",
    ]
    # every finding is counted, the learned story-sentence warnings too (not fixable); how many
    # sentences the model flags is the model's business, the counts must be those of the findings
    findings = json.loads(invoke("check", "--format", "json", "a.txt", "c.txt").stdout)
    counts = Counter(f["code"] for f in findings)
    assert {"AGE002", "LOC001", "DATE001", "HIST015"} <= set(counts)
    assert {line.split("\t")[1].strip(): int(line.split("\t")[0]) for line in lines} == counts
    data = json.loads(invoke("check", "--statistics", "--format", "json", "a.txt", "c.txt").stdout)
    assert data[0] == {"code": "AGE002", "name": "age-abbreviation", "count": 2, "fixable": True}
    assert {row["code"]: row["count"] for row in data} == counts
    learned = next(row for row in data if row["code"] == "HIST015")
    assert (learned["name"], learned["fixable"]) == ("story-sentence", False)


needs_schema = pytest.mark.skipif(
    not SCHEMA.is_file(), reason="tests/data/sarif-schema-2.1.0.json is not vendored"
)


def _sarif_validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@needs_schema
def test_sarif_from_the_corpus_validates_and_holds_no_matched_text(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    captions = tmp_path / "captions"
    captions.mkdir()
    records = [
        json.loads(line)
        for line in (ROOT / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    for record in records:
        (captions / f"{record['id']}.txt").write_text(record["text"], encoding="utf-8")
    sarif_run = invoke("check", "--format", "sarif", "captions")
    assert sarif_run.exit_code == 1, sarif_run.stderr
    log = json.loads(sarif_run.stdout)
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]

    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(set(ids)) == len(ids)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1

    matched = json.loads(invoke("check", "--format", "json", "--show-text", "captions").stdout)
    assert len(matched) == len(run["results"]) > 50
    results_text = json.dumps(run["results"], ensure_ascii=False)
    rule_text = json.dumps(rules, ensure_ascii=False)

    def fold(text: str) -> str:
        return " ".join(text.lower().split())

    pack_text = fold(
        "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "rules").rglob("*") if p.is_file())
    )
    checked = 0
    for finding in matched:
        secret = finding["text"]
        if len(secret) < 4 or fold(secret) in pack_text:
            # words the rule packs use themselves ("history of" in a message): not from a caption
            continue
        checked += 1
        assert secret not in results_text, finding["code"]
        assert secret not in rule_text, finding["code"]
    assert checked > 20
    # and the regions point at the matched text
    by_position = {(f["path"], f["line"], f["column"]) for f in matched}
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        key = (location["artifactLocation"]["uri"], region["startLine"], region["startColumn"])
        assert key in by_position


@needs_schema
def test_sarif_rules_cover_every_loaded_rule(folder) -> None:
    log = json.loads(invoke("check", "--format", "sarif", "b.md").stdout)
    ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert ids == {rule.code for rule in load_rules().rules}
    assert log["runs"][0]["results"] == []
    assert not list(_sarif_validator().iter_errors(log))
