"""The speed benchmark's round order (benchmarks/speed.py): no tool is always first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "caplint_speed_benchmark", ROOT / "benchmarks" / "speed.py"
)
assert _spec and _spec.loader
speed = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = speed
_spec.loader.exec_module(speed)


def test_each_tool_leads_one_round_in_three_and_every_round_runs_every_tool():
    rounds = [speed.rotated(speed.TOOLS, r) for r in range(len(speed.TOOLS))]
    assert [order[0] for order in rounds] == list(speed.TOOLS)
    assert all(sorted(order) == sorted(speed.TOOLS) for order in rounds)
    # the cycle repeats: round 4 runs in round 1's order
    assert speed.rotated(speed.TOOLS, len(speed.TOOLS)) == speed.TOOLS
