"""Measurements of the core dynamic behaviours B1-B12, one function per id.

Each function runs its experiment and returns the figures the behaviour is judged on; the
thresholds live in ``tests/test_behaviours.py``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from sim.experiments import pulse_schedule, share_move, split, track_step
from sim.model import CONTRACT_OUTPUTS, get_model
from sim.simulate import simulate, simulate_batch

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
NO_VALUE_TRACK = {
    "share_strategic_alignment": 0.0, "share_value_management": 0.0,
    "initial_strategic_alignment": 0.05, "initial_value_management": 0.05,
}


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


def run_many(param_sets: list[dict], *, final_time: float = 120, outputs: tuple[str, ...] = ("pmo_performance",)):
    """Many parameter sets in one batch-engine call (runs in the order given)."""
    defaults = get_model().defaults()
    names = sorted({name for params in param_sets for name in params})
    table = pd.DataFrame([{name: params.get(name, defaults.get(name)) for name in names} for params in param_sets])
    return simulate_batch(table, final_time=final_time, outputs=list(outputs))


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
    held = {"pmo_transformation": get_model().defaults()["initial_pmo_transformation"], "transformation_activity": 0.0}
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
    undirected, undirected_shocked = run(NO_VALUE_TRACK), run({**NO_VALUE_TRACK, **shock})
    dip = (undirected_shocked["delivery_performance"] - undirected["delivery_performance"]).loc[25:48]
    return {
        "largest relative performance change in 24-27": float(relative.max()),
        "pressure gain at 25": gain(shocked, base, "transformation_pressure", 25),
        "transformation gain at 48": gain(shocked, base, "pmo_transformation", 48),
        "performance gain at 84": gain(shocked, base, "pmo_performance", 84),
        "performance gain at 84 without readiness": gain(unready_shocked, unready, "pmo_performance", 84),
        "performance gain at 84 without value track": gain(undirected_shocked, undirected, "pmo_performance", 84),
        "without value track: deepest delivery dip in 25-48": float(dip.min()),
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
    """Months of the peaks of Transformation Activity (prominence 10% of its largest value)."""
    activity = frame["transformation_activity"].to_numpy()
    peaks, _ = find_peaks(activity, prominence=0.1 * np.abs(activity).max())
    return frame.index.to_numpy()[peaks]


def longest_regular_run(months: np.ndarray, low: float = 18, high: float = 48) -> int:
    """The most consecutive peaks whose gaps all lie in [low, high] months."""
    best = current = 1 if len(months) else 0
    for gap in np.diff(months):
        current = current + 1 if low <= gap <= high else 1
        best = max(best, current)
    return best


def b11_reconfiguration_cycles() -> dict[str, float]:
    figures: dict[str, float] = {}
    for label, params in {"turbulence 0.8": {"strategic_turbulence": 0.8}, "defaults": {}}.items():
        months = reconfiguration_peaks(run(params, final_time=240))
        gaps = np.diff(months)
        figures[f"{label}: peaks"] = float(len(months))
        figures[f"{label}: consecutive peaks 18-48 months apart"] = float(longest_regular_run(months))
        figures[f"{label}: shortest gap"] = float(gaps.min()) if len(gaps) else float("nan")
        figures[f"{label}: longest gap"] = float(gaps.max()) if len(gaps) else float("nan")
    return figures


def b12_integration() -> dict[str, float]:
    """Relative change of each contract output when TIME STEP halves.

    The denominator is floored at 1% of the output's largest magnitude: net value and value
    delivered start at zero and change sign, where a pointwise relative change has no meaning.
    """
    coarse = run()
    fine = run(time_step=get_model().defaults()["time_step"] / 2)
    changes = {}
    for c in CONTRACT_OUTPUTS:
        scale = np.maximum(np.abs(fine[c]), max(0.01 * float(np.abs(fine[c]).max()), 1e-9))
        changes[c] = float((np.abs(coarse[c] - fine[c]) / scale).max())
    worst = max(changes, key=changes.get)
    over = {f"(also over 1%: {name})": change for name, change in sorted(changes.items(), key=lambda item: -item[1])
            if change > 0.01 and name != worst}
    return {"largest relative change of a contract output": changes[worst], f"(it is {worst})": changes[worst], **over}
