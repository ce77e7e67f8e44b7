"""The learned sentence model (src/caplint/sentencemodel.py, rules/sentences.yaml)."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caplint import Config, Linter
from caplint.cli import app
from caplint.rules import RulePackError
from caplint.sentencemodel import features, load_model, train

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "rules" / "models" / "sentences.json"
LEARNED = {"HIST015", "OUT010", "HIGH007", "DATE007"}

sys.path.insert(0, str(ROOT / "corpus"))
import train_sentence_model  # noqa: E402


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def test_shipped_model_is_the_training_on_the_current_dev_split_and_rule_examples(capsys):
    """Editing corpus/dev.jsonl or a rule example without retraining fails here: the shipped
    weights are exactly what `python corpus/train_sentence_model.py` makes of them."""
    assert train_sentence_model.main(["--check"]) == 0, capsys.readouterr().err


def test_training_is_deterministic_and_learns_the_labels():
    story = ({"w:she", "w:die", "bias"}, {"OUTCOME"}, None)
    image = ({"w:ct", "w:show", "bias"}, set(), None)
    taught = ({"w:show", "w:die", "bias"}, set(), frozenset({"OUTCOME"}))
    first = train([story, image, taught] * 5, ("HISTORY", "OUTCOME"))
    second = train([story, image, taught] * 5, ("HISTORY", "OUTCOME"))
    assert first.to_json() == second.to_json()
    outcome = first.categories.index("OUTCOME")
    assert (
        first.matrix[first.index["w:she"]][outcome]
        > 0
        > first.matrix[first.index["w:show"]][outcome]
    )


def test_features_generalize_names_and_numbers(linter):
    doc = linter.nlp("Liam was discharged on day 7.")
    found = features(list(doc))
    assert "w:<propn>" in found and "w:<num>" in found
    assert not any("liam" in f or "7" in f for f in found)


def test_scoring_a_caption_at_once_gives_each_sentence_its_own_scores(linter):
    """scores_many (one numpy call per caption) returns exactly scores() of each sentence."""
    model = load_model(MODEL)
    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:150]
        if line.strip()
    ]
    for doc in linter.nlp.pipe([*texts, "", "!", "Hx: 3 days of pain. Dx: none."]):
        sentences = [list(sentence) for sentence in doc.sents]
        assert model.scores_many(sentences) == [model.scores(s) for s in sentences], doc.text


def test_a_story_sentence_is_flagged_whole_without_its_line_label(linter):
    text = "History: Mom says he was always a clumsy kid and broke his arm twice before."
    learned = [f for f in linter.lint(text) if f.code == "HIST015"]
    assert [(text[f.start : f.end], f.severity) for f in learned] == [
        ("Mom says he was always a clumsy kid and broke his arm twice before", "warning")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Children typically present with a painless abdominal mass.",
        "Axial CT shows a 3 cm enhancing mass in the left kidney.",
        "Most cases resolve with conservative management.",
    ],
)
def test_general_and_image_sentences_are_not_flagged(linter, text):
    assert not [f.code for f in linter.lint(text) if f.code in LEARNED]


def test_learned_findings_never_hide_a_rules_finding(linter):
    text = (
        "A 7 yo from Dayton with Wilms tumor, seen on 3/14/2024. She went to the OR that "
        "night and was home by the weekend."
    )
    with_model = linter.lint(text)
    without = Linter(Config(ignore=tuple(LEARNED))).lint(text)
    assert {f.code for f in with_model} & LEARNED  # the model does flag this caption
    # nor does a learned warning turn into a caption-level error (RISK001, HIST100) by being counted
    assert [(f.code, f.start, f.end) for f in with_model if f.code not in LEARNED] == [
        (f.code, f.start, f.end) for f in without
    ]


def test_the_model_file_names_its_categories_and_training():
    model = load_model(MODEL)
    assert model.categories == train_sentence_model.CATEGORIES
    assert model.trained_on["corpus"] == "dev.jsonl"
    assert model.matrix.shape == (len(model.index), len(model.categories))


# ------------------------------------------------------------------------------- bad input

PACK = """\
    pack: local
    rules:
      - code: TST001
        name: local-story
        category: HISTORY
        severity: warning
        message: Story
        why: A local model.
        detect: {detector: sentence_model, model: mine, min_score: 0.5}
    """


def _pack(tmp_path: Path, model: str | None) -> Path:
    packs = tmp_path / "policy"
    packs.mkdir()
    (packs / "local.yaml").write_text(textwrap.dedent(PACK), encoding="utf-8")
    if model is not None:
        (packs / "models").mkdir()
        (packs / "models" / "mine.json").write_text(model, encoding="utf-8")
    return packs


def test_a_missing_model_file_names_the_pack_rule_key_and_expected_path(tmp_path):
    packs = _pack(tmp_path, None)
    with pytest.raises(RulePackError) as info:
        Linter(Config(rules=(packs,)))
    message = str(info.value)
    assert "local.yaml:9: rule TST001: key 'detect.model'" in message
    assert str(packs / "models" / "mine") in message


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("{not json", "cannot read the sentence model"),
        (json.dumps({"format": "other"}), "key 'format'"),
        (
            json.dumps(
                {"format": "caplint-sentence-model/1", "categories": ["COLOR"], "weights": {}}
            ),
            "key 'categories'",
        ),
        (
            json.dumps(
                {
                    "format": "caplint-sentence-model/1",
                    "categories": ["HISTORY"],
                    "features": ["bias"],
                    "weights": [0.5],
                }
            ),
            "key 'weights'",
        ),
    ],
)
def test_a_broken_model_file_is_exit_2_naming_the_file_and_key(tmp_path, monkeypatch, model, key):
    packs = _pack(tmp_path, model)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".caplint.toml").write_text('rules = ["policy"]\n', encoding="utf-8")
    (tmp_path / "post.txt").write_text("She fell off her bike last week.\n", encoding="utf-8")
    load_model.cache_clear()
    result = CliRunner().invoke(app, ["check", "--no-cache", "post.txt"])
    assert result.exit_code == 2, result.output
    assert str(packs / "models" / "mine.json") in result.stderr
    assert key in result.stderr


def test_check_reports_a_stale_model(tmp_path, capsys):
    stale = tmp_path / "sentences.json"
    shutil.copy(MODEL, stale)
    raw = json.loads(stale.read_text(encoding="utf-8"))
    raw["weights"] = [w + 100 for w in raw["weights"]]
    stale.write_text(json.dumps(raw), encoding="utf-8")
    assert train_sentence_model.main(["--check", "--out", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
