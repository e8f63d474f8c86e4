"""Measurements of the behaviours the model must show (B1-B19), one function per id.

Each function runs its experiment and returns the figures the behaviour is judged on; the
thresholds live in ``tests/test_behaviours.py``. ``python -m sim.behaviours`` prints every figure.
B20 (units) is ``sim.units``.
"""

from __future__ import annotations

import sys
from typing import Callable

from sim.behaviours.dynamics import *  # noqa: F401,F403  (the measurement helpers and B1-B12)
from sim.behaviours.dynamics import (
    b1_short_cycle, b2_long_cycle, b3_mediation, b4_risk_as_trigger, b5_worse_before_better, b6_imbalance,
    b7_readiness, b8_zero_budget_decay, b9_calibration, b10_maturity_pace, b11_legitimacy,
    b11_reconfiguration_cycles, b12_integration,
)
from sim.behaviours.practice import (
    b13_no_free_lunch, b14_direction, b15_closure, b16_net_value, b17_foundation_first, b18_authority_fit,
    b19_anchors,
)

ALL: dict[str, Callable[[], dict[str, float]]] = {
    "B1": b1_short_cycle,
    "B2": b2_long_cycle,
    "B3": b3_mediation,
    "B4": b4_risk_as_trigger,
    "B5": b5_worse_before_better,
    "B6": b6_imbalance,
    "B7": b7_readiness,
    "B8": b8_zero_budget_decay,
    "B9": b9_calibration,
    "B10": b10_maturity_pace,
    "B11a": b11_legitimacy,
    "B11b": b11_reconfiguration_cycles,
    "B12": b12_integration,
    "B13": b13_no_free_lunch,
    "B14": b14_direction,
    "B15": b15_closure,
    "B16": b16_net_value,
    "B17": b17_foundation_first,
    "B18": b18_authority_fit,
    "B19": b19_anchors,
}


def main(argv: list[str] | None = None) -> int:
    only = set(argv if argv is not None else sys.argv[1:])
    for behaviour, measure in ALL.items():
        if only and behaviour not in only and behaviour.rstrip("ab") not in only:
            continue
        for name, value in measure().items():
            sys.stdout.write(f"{behaviour:5} {name:78} {value: .4g}\n")
    return 0
