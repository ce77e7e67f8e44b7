"""The speed benchmark's round order (benchmarks/speed.py): no tool is always first."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import speed  # noqa: E402  (benchmarks/speed.py)


def test_each_tool_leads_one_round_in_three_and_every_round_runs_every_tool():
    rounds = [speed.rotated(speed.TOOLS, r) for r in range(len(speed.TOOLS))]
    assert [order[0] for order in rounds] == list(speed.TOOLS)
    assert all(sorted(order) == sorted(speed.TOOLS) for order in rounds)
    # the cycle repeats: round 4 runs in round 1's order
    assert speed.rotated(speed.TOOLS, len(speed.TOOLS)) == speed.TOOLS
