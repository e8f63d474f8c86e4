"""The trainer's demonstrations: the short and the long cycle, worse before better, risk as a catalyst,
the zombie PMO and the crisis that only a ready, directed PMO turns into an opportunity.

Each returns a DataFrame indexed by month, built from the standard experiments of
:mod:`sim.experiments`: responses relative to the run without the intervention, or (the zombie
PMO) the levels of two PMOs side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.experiments import months_to_fraction, pulse_schedule, share_move, split, track_step
from sim.simulate import simulate

HIGH_READINESS = {"initial_capability_development": 0.6, "share_capability_development": 0.4}
LOW_READINESS = {"initial_capability_development": 0.0, "share_capability_development": 0.0}

#: The zombie PMO: all of the budget on the execution track, nothing on value or capability.
EXECUTION_ONLY = split(0.5, 0.5, 0, 0, 0)
BALANCED = split(0.2, 0.2, 0.2, 0.2, 0.2)
#: Three PMOs meeting the same crisis: ready and directed, ready but without a value track, unready.
CRISIS_CASES = {
    "ready, directed": BALANCED,
    "ready, no value track": {**split(0.2, 0.2, 0, 0, 0.2), "initial_strategic_alignment": 0.05,
                              "initial_value_management": 0.05},
    "unready": {**split(0.2, 0.2, 0.2, 0.2, 0), "initial_capability_development": 0.0},
}


def time_to_half(response: pd.Series, start: float) -> float:
    """Months after ``start`` until the response first reaches half of its final value (NaN if never)."""
    return months_to_fraction(response.loc[start:], 0.5) - start


@dataclass
class CycleComparison:
    responses: pd.DataFrame  # gains against the unchanged run, per track and output
    half_time: dict[str, float]  # months from the step to half of the final PMO Performance gain


def short_vs_long_cycle(*, size: float, at: float, final_time: float = 120) -> CycleComparison:
    """The same budget step into the execution track and into the value track."""
    base = simulate(final_time=final_time)
    responses = {}
    for track in ("execution", "value"):
        run = simulate(track_step(track, at=at, size=size), final_time=final_time)
        responses[f"{track}: PMO Performance"] = run["pmo_performance"] - base["pmo_performance"]
        responses[f"{track}: Delivery Performance"] = run["delivery_performance"] - base["delivery_performance"]
    frame = pd.DataFrame(responses)
    half = {track: time_to_half(frame[f"{track}: PMO Performance"], at) for track in ("execution", "value")}
    return CycleComparison(frame, half)


def worse_before_better(*, fraction: float, at: float, final_time: float = 120) -> pd.DataFrame:
    """Move ``fraction`` of the execution shares to the value track at ``at`` (budget unchanged)."""
    base = simulate(final_time=final_time)
    moved = simulate(share_move(fraction=fraction, at=at), final_time=final_time)
    return pd.DataFrame({
        name: moved[column] - base[column]
        for name, column in (("PMO Performance", "pmo_performance"), ("Delivery Performance", "delivery_performance"),
                             ("Strategic Value Realization", "strategic_value_realization"))
    })


def shock_responses(cases: dict[str, dict], outputs: dict[str, str], *, size: float, at: float, duration: float = 3,
                    final_time: float = 120) -> pd.DataFrame:
    """The change a risk shock makes in each case, against the same case without it.

    ``cases`` maps a label to its parameters, ``outputs`` a column title to a model variable;
    the columns are ``"<case>: <title>"``.
    """
    shock = {"risk_shock": pulse_schedule(size, start=at, duration=duration)}
    columns = {}
    for case, params in cases.items():
        calm = simulate(params, final_time=final_time)
        shocked = simulate({**params, **shock}, final_time=final_time)
        for title, name in outputs.items():
            columns[f"{case}: {title}"] = shocked[name] - calm[name]
    return pd.DataFrame(columns)


def risk_catalyst(*, size: float, at: float, duration: float = 3, final_time: float = 120) -> pd.DataFrame:
    """A risk shock in a PMO with high and with near-zero Capability Development (readiness)."""
    return shock_responses({"high readiness": HIGH_READINESS, "no readiness": LOW_READINESS},
                           {"PMO Performance": "pmo_performance", "PMO Transformation": "pmo_transformation"},
                           size=size, at=at, duration=duration, final_time=final_time)


def first_month_below(series: pd.Series, threshold: float) -> float:
    """First month at which ``series`` is below ``threshold`` (NaN if it never is)."""
    below = series.index[series.to_numpy() < threshold]
    return float(below[0]) if len(below) else float("nan")


ZOMBIE_OUTPUTS = {"Delivery Performance": "delivery_performance", "Strategic Value Realization": "strategic_value_realization",
                  "Executive Support": "executive_support", "PMO Survival": "pmo_survival"}


def zombie_pmo(*, final_time: float = 120) -> pd.DataFrame:
    """An execution-only PMO (shares 0.5, 0.5, 0, 0, 0) against the balanced split (0.2 each), as levels.

    Columns ``"execution only: <output>"`` and ``"balanced: <output>"`` for Delivery Performance,
    Strategic Value Realization, Executive Support and PMO Survival.
    """
    columns = {}
    for case, params in (("execution only", EXECUTION_ONLY), ("balanced", BALANCED)):
        run = simulate(params, final_time=final_time)
        columns.update({f"{case}: {title}": run[name] for title, name in ZOMBIE_OUTPUTS.items()})
    return pd.DataFrame(columns)


CRISIS_OUTPUTS = {"PMO Performance": "pmo_performance", "Delivery Performance": "delivery_performance"}


def crisis_opportunity(*, size: float = 0.5, at: float = 24, duration: float = 3, final_time: float = 120) -> pd.DataFrame:
    """The same risk shock in a ready and directed, a ready but undirected and an unready PMO.

    Columns ``"<case>: PMO Performance"`` and ``"<case>: Delivery Performance"``, each the change
    against the same PMO without the shock; cases as in :data:`CRISIS_CASES`.
    """
    return shock_responses(CRISIS_CASES, CRISIS_OUTPUTS, size=size, at=at, duration=duration, final_time=final_time)


def crisis_summary(responses: pd.DataFrame, *, month: float = 84) -> pd.DataFrame:
    """Per case of :func:`crisis_opportunity`: the largest gain in PMO Performance and when, the gain
    at ``month``, and the deepest dip of Delivery Performance (the disruption while it reconfigures) and when."""
    rows = []
    for case in CRISIS_CASES:
        gain, dip = responses[f"{case}: PMO Performance"], responses[f"{case}: Delivery Performance"]
        rows.append({"case": case, "largest gain": gain.max(), "month of largest gain": gain.idxmax(),
                     f"gain at month {month:g}": gain.loc[month] if month in gain.index else float("nan"),
                     "deepest delivery dip": dip.min(), "month of deepest dip": dip.idxmin()})
    return pd.DataFrame(rows).set_index("case")
