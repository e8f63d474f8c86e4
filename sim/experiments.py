"""The standard experiments (step tests, splits, share moves, shocks), as parameter sets for :func:`sim.simulate`.

Trainers, tests and the documentation use the same definitions:

- a *step into a track*: from ``at`` on, PMO Budget rises by ``size`` of its default and all of the
  extra goes to that track's shares, split evenly (execution: Governance and Delivery Support;
  value: Strategic Alignment and Value Management);
- a *split* ``(g, d, s, v, c)``: the five shares for the whole run;
- a *share move*: from ``at`` on, ``fraction`` of the execution shares moves to the value track,
  budget unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import get_model

SHARES = (
    "share_governance",
    "share_delivery_support",
    "share_strategic_alignment",
    "share_value_management",
    "share_capability_development",
)
TRACK_SHARES = {
    "execution": ("share_governance", "share_delivery_support"),
    "value": ("share_strategic_alignment", "share_value_management"),
}


def step_schedule(before: float, after: float, at: float) -> pd.Series:
    """A schedule that holds ``before`` until month ``at`` and ``after`` from then on."""
    # Two points at the same month would be ambiguous; the switch happens within one small step.
    eps = 1e-6
    return pd.Series([before, before, after, after], index=[0.0, at - eps, at, 1e4])


def split(g: float, d: float, s: float, v: float, c: float) -> dict[str, float]:
    """Shares for governance, delivery support, strategic alignment, value management, capability."""
    return dict(zip(SHARES, (float(g), float(d), float(s), float(v), float(c))))


def track_step(track: str, *, at: float = 12.0, size: float = 0.25) -> dict[str, pd.Series]:
    """Raise PMO Budget by ``size`` of its default from month ``at``; all the extra goes to ``track``."""
    if track not in TRACK_SHARES:
        raise ValueError(f"track must be one of {sorted(TRACK_SHARES)}, got {track!r}")
    defaults = get_model().defaults()
    total = sum(defaults[name] for name in SHARES)
    budget = defaults["pmo_budget"]
    params: dict[str, pd.Series] = {"pmo_budget": step_schedule(budget, budget * (1 + size), at)}
    # Shares are normalised by their sum, so adding size * total share units to the track
    # while the budget grows by size keeps every other capability's spending unchanged.
    names = TRACK_SHARES[track]
    for name in names:
        params[name] = step_schedule(defaults[name], defaults[name] + size * total / len(names), at)
    return params


def share_move(*, fraction: float = 0.5, at: float = 12.0) -> dict[str, pd.Series]:
    """Move ``fraction`` of the execution-track shares to the value track from month ``at``."""
    defaults = get_model().defaults()
    moved = sum(defaults[name] * fraction for name in TRACK_SHARES["execution"])
    params = {
        name: step_schedule(defaults[name], defaults[name] * (1 - fraction), at)
        for name in TRACK_SHARES["execution"]
    }
    for name in TRACK_SHARES["value"]:
        params[name] = step_schedule(defaults[name], defaults[name] + moved / 2, at)
    return params


def pulse_schedule(size: float, *, start: float, duration: float, base: float = 0.0) -> pd.Series:
    """``base`` plus ``size`` from month ``start`` for ``duration`` months (a shock)."""
    eps = 1e-6
    end = start + duration
    return pd.Series(
        [base, base, base + size, base + size, base, base],
        index=[0.0, start - eps, start, end - eps, end, 1e4],
    )


def months_to_fraction(response: pd.Series, fraction: float = 0.5) -> float:
    """First month at which ``response`` reaches ``fraction`` of its final value (NaN if never)."""
    final = response.iloc[-1]
    if final == 0:
        return float("nan")
    reached = response.index[np.asarray(response / final >= fraction)]
    return float(reached[0]) if len(reached) else float("nan")
