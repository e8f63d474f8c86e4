"""The trainer's demonstrations: the short and the long cycle, worse before better, risk as a catalyst.

Each returns responses relative to the run without the intervention, as a DataFrame indexed by
month, built from the standard experiments of :mod:`sim.experiments`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.experiments import months_to_fraction, pulse_schedule, share_move, track_step
from sim.simulate import simulate

HIGH_READINESS = {"initial_capability_development": 0.6, "share_capability_development": 0.4}
LOW_READINESS = {"initial_capability_development": 0.0, "share_capability_development": 0.0}


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


def risk_catalyst(*, size: float, at: float, duration: float = 3, final_time: float = 120) -> pd.DataFrame:
    """A risk shock in a PMO with high and with near-zero Capability Development (readiness)."""
    shock = {"risk_shock": pulse_schedule(size, start=at, duration=duration)}
    columns = {}
    for label, readiness in (("high readiness", HIGH_READINESS), ("no readiness", LOW_READINESS)):
        calm = simulate(readiness, final_time=final_time)
        shocked = simulate({**readiness, **shock}, final_time=final_time)
        columns[f"{label}: PMO Performance"] = shocked["pmo_performance"] - calm["pmo_performance"]
        columns[f"{label}: PMO Transformation"] = shocked["pmo_transformation"] - calm["pmo_transformation"]
    return pd.DataFrame(columns)
