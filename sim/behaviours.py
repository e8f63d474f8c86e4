"""Measurements of the behaviours of MODEL.md section 5 (B1-B12), one function per id.

Each function runs its experiment and returns the figures the behaviour is judged on; the
thresholds live in ``tests/test_behaviours.py``. ``python -m sim.behaviours`` prints every figure
next to its threshold.
"""

from __future__ import annotations

import functools
import sys
from typing import Callable

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from sim.experiments import pulse_schedule, share_move, split, track_step
from sim.model import CONTRACT_OUTPUTS, get_model
from sim.simulate import simulate

CAPABILITIES = {
    "governance_and_standardization": "initial_governance",
    "delivery_support": "initial_delivery_support",
    "strategic_alignment": "initial_strategic_alignment",
    "performance_and_value_management": "initial_value_management",
    "capability_development": "initial_capability_development",
}
PERFORMANCE = ("pmo_performance", "delivery_performance", "strategic_value_realization")
BALANCED = split(0.2, 0.2, 0.2, 0.2, 0.2)
NO_READINESS = {"initial_capability_development": 0.0, "share_capability_development": 0.0}


@functools.lru_cache(maxsize=None)
def _run(key: tuple, final_time: float, time_step: float | None) -> pd.DataFrame:
    # run() hashes schedules as tuples of points; turn them back into Series here.
    params = {name: pd.Series(dict(value)) if isinstance(value, tuple) else value for name, value in key}
    return simulate(params, final_time=final_time, time_step=time_step)


def run(params: dict | None = None, *, final_time: float = 120, time_step: float | None = None) -> pd.DataFrame:
    """A cached run; schedules are made hashable by their points."""
    key = tuple(
        sorted(
            (name, tuple(value.items()) if isinstance(value, pd.Series) else value)
            for name, value in (params or {}).items()
        )
    )
    return _run(key, final_time, time_step).copy()




def gain(changed: pd.DataFrame, reference: pd.DataFrame, column: str, month: float) -> float:
    return float(changed.at[month, column] - reference.at[month, column])


def b1_short_cycle() -> dict[str, float]:
    base, step = run(), run(track_step("execution"))
    return {
        "delivery gain at 18": gain(step, base, "delivery_performance", 18),
        "delivery gain at 48": gain(step, base, "delivery_performance", 48),
    }


def b2_long_cycle() -> dict[str, float]:
    base, value, execution = run(), run(track_step("value")), run(track_step("execution"))
    return {
        "performance gain at 18": gain(value, base, "pmo_performance", 18),
        "performance gain at 60": gain(value, base, "pmo_performance", 60),
        "performance gain at 96": gain(value, base, "pmo_performance", 96),
        "execution step performance gain at 96": gain(execution, base, "pmo_performance", 96),
    }


def b3_mediation() -> dict[str, float]:
    held = {"pmo_transformation": get_model().defaults()["initial_pmo_transformation"]}
    without, with_value = run(held), run({**held, **track_step("value")})
    return {
        "value track strength gain at 120": gain(with_value, without, "value_track_strength", 120),
        "largest performance change": max(float((with_value[c] - without[c]).abs().max()) for c in PERFORMANCE),
    }


def b4_risk_as_trigger() -> dict[str, float]:
    shock = {"risk_shock": pulse_schedule(0.5, start=24, duration=3)}
    base, shocked = run(), run(shock)
    during = slice(24, 27)
    relative = (shocked.loc[during, "pmo_performance"] / base.loc[during, "pmo_performance"] - 1).abs()
    unready, unready_shocked = run(NO_READINESS), run({**NO_READINESS, **shock})
    return {
        "largest relative performance change in 24-27": float(relative.max()),
        "pressure gain at 25": gain(shocked, base, "transformation_pressure", 25),
        "transformation gain at 48": gain(shocked, base, "pmo_transformation", 48),
        "performance gain at 84": gain(shocked, base, "pmo_performance", 84),
        "performance gain at 84 without readiness": gain(unready_shocked, unready, "pmo_performance", 84),
    }


def b5_worse_before_better() -> dict[str, float]:
    difference = run(share_move(fraction=0.5, at=12))["pmo_performance"] - run()["pmo_performance"]
    dip = difference.loc[13:30]
    after_dip = difference.loc[dip.idxmin():]
    crossing = float(after_dip[after_dip > 0].index.min())
    return {
        "deepest dip in 13-30": float(dip.min()),
        "month back above": crossing,
        "smallest lead from then to 120": float(difference.loc[crossing:120].min()),
    }


def b6_imbalance() -> dict[str, float]:
    execution, value, balanced = run(split(0.5, 0.5, 0, 0, 0)), run(split(0, 0, 0.5, 0.5, 0)), run(BALANCED)
    return {
        "execution only: delivery minus value realised at 120": float(
            execution["delivery_performance"].iloc[-1] - execution["strategic_value_realization"].iloc[-1]
        ),
        "execution only: support change 0-120": float(
            execution["executive_support"].iloc[-1] - execution["executive_support"].iloc[0]
        ),
        "value only: value realised at 120": float(value["strategic_value_realization"].iloc[-1]),
        "balanced: value realised at 120": float(balanced["strategic_value_realization"].iloc[-1]),
        "execution only: performance at 120": float(execution["pmo_performance"].iloc[-1]),
        "value only: performance at 120": float(value["pmo_performance"].iloc[-1]),
        "balanced: performance at 120": float(balanced["pmo_performance"].iloc[-1]),
    }


def b7_readiness() -> dict[str, float]:
    """Faster is measured on a common yardstick: months to reach half of the low-readiness peak."""
    responses, delays = {}, {}
    for label, (initial, share) in {"low": (0.1, 0.05), "high": (0.6, 0.4)}.items():
        params = {"initial_capability_development": initial, "share_capability_development": share}
        reference, stepped = run(params), run({**params, **track_step("value")})
        responses[label] = (stepped["pmo_transformation"] - reference["pmo_transformation"]).loc[12:]
        delays[label] = float(stepped["transformation_delay"].loc[12:].mean())
    yardstick = 0.5 * responses["low"].max()
    figures: dict[str, float] = {}
    for label, response in responses.items():
        figures[f"{label} readiness: month response reaches yardstick"] = float(response[response >= yardstick].index.min())
        figures[f"{label} readiness: mean transformation delay"] = delays[label]
        figures[f"{label} readiness: peak response"] = float(response.max())
        figures[f"{label} readiness: response at 120"] = float(response.iloc[-1])
    return figures


def b8_zero_budget_decay() -> dict[str, float]:
    defaults = get_model().defaults()
    floor, erosion_time = defaults["capability_floor"], defaults["capability_erosion_time"]
    zero = run({"pmo_budget": 0, "strategic_turbulence": 0})
    months = zero.index.to_numpy()
    worst = 0.0
    for column, initial in CAPABILITIES.items():
        expected = floor + (defaults[initial] - floor) * np.exp(-months / erosion_time)
        worst = max(worst, float(np.abs(zero[column].to_numpy() - expected).max()))
    return {"largest deviation from exponential decay": worst, "largest effective budget": float(zero["effective_budget"].max())}


def b9_calibration() -> dict[str, float]:
    budget = get_model().defaults()["pmo_budget"]
    zero = run({"pmo_budget": 0}, final_time=240)
    figures = {
        "zero budget: delivery at 240": float(zero["delivery_performance"].iloc[-1]),
        "zero budget: delivery change 216-240": float(zero["delivery_performance"].iloc[-1] - zero.at[216, "delivery_performance"]),
    }
    for multiple in (2, 4):
        funded = run({**BALANCED, "pmo_budget": multiple * budget}, final_time=240)
        for month in (120, 240):
            figures[f"balanced {multiple}x budget: delivery at {month}"] = float(funded.at[month, "delivery_performance"])
    return figures


def b10_maturity_pace() -> dict[str, float]:
    start = {initial: 0.05 for initial in CAPABILITIES.values()}
    level = run({**start, **BALANCED, "pmo_budget": 2 * get_model().defaults()["pmo_budget"]})["maturity_level"]
    return {"month level 2 reached": float(level[level >= 2].index.min()), "month level 3 reached": float(level[level >= 3].index.min())}


def b11_legitimacy() -> dict[str, float]:
    execution = run(split(0.5, 0.5, 0, 0, 0))
    return {
        "execution only: support lost by 60": float(execution["executive_support"].iloc[0] - execution.at[60, "executive_support"]),
        "execution only: effective budget change by 60": float(execution.at[60, "effective_budget"] - execution["effective_budget"].iloc[0]),
    }


def reconfiguration_peaks(frame: pd.DataFrame) -> np.ndarray:
    """Months of the peaks of PMO Transformation's growth rate (prominence 10% of its largest size)."""
    growth = (frame["transformation_gain"] - frame["transformation_obsolescence"]).to_numpy()
    peaks, _ = find_peaks(growth, prominence=0.1 * np.abs(growth).max())
    return frame.index.to_numpy()[peaks]


def b11_reconfiguration_cycles() -> dict[str, float]:
    months = reconfiguration_peaks(run({"strategic_turbulence": 0.8}, final_time=240))
    gaps = np.diff(months)
    return {
        "peaks": float(len(months)),
        "shortest gap": float(gaps.min()) if len(gaps) else float("nan"),
        "longest gap": float(gaps.max()) if len(gaps) else float("nan"),
    }


def b12_integration() -> dict[str, float]:
    coarse = run()
    fine = run(time_step=get_model().defaults()["time_step"] / 2)
    worst = max(
        float((np.abs(coarse[c] - fine[c]) / np.maximum(np.abs(fine[c]), 1e-9)).max()) for c in CONTRACT_OUTPUTS
    )
    return {"largest relative change of a contract output": worst}


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
}


def main(argv: list[str] | None = None) -> int:
    for behaviour, measure in ALL.items():
        for name, value in measure().items():
            sys.stdout.write(f"{behaviour:5} {name:58} {value: .4g}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
