"""The sentence model's cross-validation (benchmarks/sentence_model_cv.py) on a tiny subset."""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import sentence_model_cv as cv  # noqa: E402
from accuracy import load_split  # noqa: E402

#: captions per group: enough clean and violating ones in each, small enough to stay fast
PER_GROUP = 8


@pytest.fixture(scope="module")
def prepared() -> cv.Prepared:
    records = []
    for group in ("dev", "A"):
        mine = [r for r in load_split("dev") if cv.group_of(r["id"]) == group]
        clean = [r for r in mine if not r["expect"]][: PER_GROUP // 2]
        violating = [r for r in mine if r["expect"]][: PER_GROUP // 2]
        records += clean + violating
    return cv.prepare(records)


def test_groups_follow_the_batch_table():
    assert cv.group_of("dev-0001") == "dev"
    assert cv.group_of("dev-0501") == "N"
    assert cv.group_of("dev-0700") == "O"
    assert cv.group_of("dev-0950") == "P"
    assert cv.group_of("dev-9420") == cv.group_of("dev-9999") == "M"
    assert cv.group_of("dev-0300") == "Q"
    assert cv.group_of("dev-0960") == cv.group_of("dev-9153") == "R"
    assert cv.group_of("dev-9175") == "T"
    assert cv.group_of("dev-1151") == "U"
    assert cv.group_of("dev-2300") == "V"
    assert cv.group_of("dev-3200") == "W"
    assert cv.group_of("dev-4151") == "X"
    assert cv.group_of("dev-5300") == "Y"
    assert cv.group_of("dev-6200") == "Z"
    assert cv.group_of("dev-7151") == "AA"
    assert cv.group_of("dev-8300") == "AB"
    assert cv.group_of("dev-1450") == "AC"
    assert cv.group_of("dev-2301") == "AD"
    assert cv.group_of("dev-3450") == "AE"
    assert cv.group_of("dev-4301") == "AF"
    assert cv.group_of("dev-5450") == "AG"
    assert cv.group_of("dev-6301") == "AH"
    assert cv.group_of("dev-9999") != cv.OTHER
    assert cv.group_of("dev-7450") == "AI"
    assert cv.group_of("dev-1500") == "AK"
    assert cv.group_of("dev-2900") == "AP"
    assert cv.group_of("dev-3500") == "AQ"
    assert cv.group_of("dev-3650") == "AR"
    assert cv.group_of("dev-3800") == "AS"
    assert cv.group_of("dev-4500") == "AT"
    assert cv.group_of("dev-4700") == "AU"
    assert cv.group_of("dev-4800") == "AV"
    assert cv.group_of("dev-5500") == cv.OTHER  # (batch AW is in fresh/, not in dev yet)
    names = [name for name, _ in cv.GROUPS]
    assert len(names) == len(set(names))
    ranges = sorted(r for _, rs in cv.GROUPS for r in rs)
    assert all(a[1] < b[0] for a, b in pairwise(ranges)), "ranges overlap"


def test_cross_validation_report_and_its_extremes(prepared):
    report = cv.cross_validate(prepared, thresholds=(1.01, 0.0), per_category=True)
    json.dumps(report)  # --json can print it
    assert [f["group"] for f in report["folds"]] == ["dev", "A"]
    assert report["captions"] == 2 * PER_GROUP
    assert [g["group"] for g in report["groups"]] == ["dev", "A"]
    assert "P" in report["empty_groups"]
    assert set(report["per_category"]) == set(cv.CATEGORIES)
    never, always = report["thresholds"]
    # the model flags nothing: rules + model is rules alone
    assert never["leaked"]["rules+model"] == never["leaked"]["rules"]
    assert never["flagged_clean"]["rules+model"] == never["flagged_clean"]["rules"]
    assert all(r["rules+model"] == r["rules"] for r in never["recall"].values())
    # every sentence is flagged: every clean caption gets a finding
    assert always["clean"] == PER_GROUP
    assert always["flagged_clean_rate"]["rules+model"] == 1.0
    assert always["leaked"]["rules+model"] <= always["leaked"]["rules"]


def test_every_sentence_gets_an_out_of_fold_score(prepared):
    scores, folds = cv.out_of_fold(prepared)
    assert scores.shape == (len(prepared.owner), len(cv.CATEGORIES))
    assert not np.isnan(scores).any()
    assert ((scores > 0) & (scores < 1)).all()
    assert sum(f["captions"] for f in folds) == len(prepared.records)
