"""Budget policies as an optimiser sees them: decision vectors <-> splits, schedules and budgets.

A policy gives each budget share its part of the budget (fractions summing to 1), constant or in two
or three phases with switch months, and optionally the budget itself. The shares the study does not
move keep their part of the scenario's split; every share moved gets at least ``min_share``. Both hold
by construction: each phase's free shares are weights the decoder scales into the part left to them,
so no candidate can break them. The switch months are decisions too, kept in order by the decoder;
each new split phases in over :data:`PHASE_TRANSITION` months (as in the app's two-phase split).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import SHARES
from sim.scenario import Scenario, base_points
from sim.scenario.study import OptimizeStudy
from sim.scenario.study_checks import default_window

PHASE_TRANSITION = 1.0  # months over which a new split phases in


@dataclass(frozen=True)
class Policies:
    """Decoded candidates: ``shares`` (candidates, phases, 5) as fractions of the budget in :data:`SHARES`
    order, ``switches`` (candidates, phases - 1) in months, ``budget`` (candidates,) or None."""

    shares: np.ndarray
    switches: np.ndarray
    budget: np.ndarray | None

    def __len__(self) -> int:
        return self.shares.shape[0]

    def row(self, index: int) -> dict[str, Any]:
        """One candidate as plain data: ``phases`` (list of {share: fraction}), ``switch_months``, ``pmo_budget``."""
        found: dict[str, Any] = {
            "phases": [dict(zip(SHARES, map(float, phase))) for phase in self.shares[index]],
            "switch_months": [float(m) for m in self.switches[index]],
        }
        if self.budget is not None:
            found["pmo_budget"] = float(self.budget[index])
        return found


@dataclass(frozen=True)
class PolicySpace:
    """The decisions of an optimisation and their bounds."""

    free: tuple[str, ...]
    fixed: dict[str, float]  # the other shares' parts of the budget
    min_share: float
    phases: int
    switch_range: tuple[float, float]
    budget: tuple[float, float] | None

    @classmethod
    def of(cls, scenario: Scenario, options: OptimizeStudy) -> "PolicySpace":
        spec = scenario.spec
        free = tuple(dict.fromkeys(options.shares or SHARES))
        values = {name: base_points(spec, name)[0][1] for name in SHARES}
        total = sum(values.values()) or 1.0
        fixed = {name: values[name] / total for name in SHARES if name not in free}
        final = spec.run.final_time
        budget = None
        if options.budget is not None:
            low, high = options.budget
            budget = (low, min(high, options.budget_cap) if options.budget_cap is not None else high)
        return cls(free, fixed, options.min_share, options.phases, tuple(options.switch_months or (6.0, final - 6.0)), budget)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        found = [(0.0, 1.0)] * (self.phases * len(self.free)) + [self.switch_range] * (self.phases - 1)
        return found + ([self.budget] if self.budget is not None else [])

    @property
    def free_part(self) -> float:
        return 1.0 - sum(self.fixed.values())

    def decode(self, x: np.ndarray) -> Policies:
        """Candidates (candidates x decisions) -> :class:`Policies`."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        k = len(self.free)
        weights = x[:, : self.phases * k].reshape(len(x), self.phases, k)
        totals = weights.sum(axis=2, keepdims=True)
        even = np.full_like(weights, 1.0 / k)
        parts = np.divide(weights, totals, out=even, where=totals > 0)
        spare = self.free_part - k * self.min_share
        shares = np.empty((len(x), self.phases, len(SHARES)))
        for column, name in enumerate(SHARES):
            if name in self.free:
                shares[:, :, column] = self.min_share + spare * parts[:, :, self.free.index(name)]
            else:
                shares[:, :, column] = self.fixed[name]
        switches = np.sort(x[:, self.phases * k: self.phases * k + self.phases - 1], axis=1)
        if self.phases == 3:  # a phase lasts at least its transition
            switches[:, 1] = np.maximum(switches[:, 1], switches[:, 0] + 2 * PHASE_TRANSITION)
        budget = x[:, -1].copy() if self.budget is not None else None
        return Policies(shares, switches, budget)

    def encode(self, policies: Policies) -> np.ndarray:
        """The decision vectors of ``policies`` (free shares' fractions as weights)."""
        columns = [policies.shares[:, p, SHARES.index(name)] - self.min_share for p in range(self.phases) for name in self.free]
        found = np.column_stack(columns + [policies.switches[:, i] for i in range(self.phases - 1)])
        return np.column_stack([found, policies.budget]) if self.budget is not None else found


def schedule_points(fractions: np.ndarray, switches: np.ndarray) -> list[tuple[float, float]]:
    """A share's phases as schedule points: hold, then move to the next value over the transition."""
    points = [(0.0, float(fractions[0]))]
    for month, before, after in zip(switches, fractions[:-1], fractions[1:]):
        points += [(float(month), float(before)), (float(month) + PHASE_TRANSITION, float(after))]
    return points


def policy_columns(policies: Policies, repeat: int) -> dict[str, Any]:
    """Parameter-table columns of the candidates, each repeated ``repeat`` times (once per uncertainty sample)."""
    columns: dict[str, Any] = {}
    for column, name in enumerate(SHARES):
        values = policies.shares[:, :, column]
        if policies.shares.shape[1] == 1:
            columns[name] = np.repeat(values[:, 0], repeat)
        else:  # one schedule object per candidate, shared by its samples' rows
            points = [schedule_points(values[i], policies.switches[i]) for i in range(len(policies))]
            series = [pd.Series([v for _, v in p], index=[m for m, _ in p]) for p in points]
            columns[name] = [s for s in series for _ in range(repeat)]
    if policies.budget is not None:
        columns["pmo_budget"] = np.repeat(policies.budget, repeat)
    return columns


def policy_settings(policies: Policies, index: int) -> dict[str, Any]:
    """One candidate as scenario-file tables: ``params`` (constant shares, budget) and ``schedule``."""
    params: dict[str, float] = {}
    schedule: dict[str, Any] = {}
    for column, name in enumerate(SHARES):
        values = policies.shares[index, :, column]
        if len(values) == 1 or np.allclose(values, values[0]):
            params[name] = round(float(values[0]), 6)
        else:
            schedule[name] = {"points": [[round(m, 3), round(v, 6)] for m, v in schedule_points(values, policies.switches[index])]}
    if policies.budget is not None:
        params["pmo_budget"] = round(float(policies.budget[index]), 3)
    return {"params": params, "schedule": schedule}


def objective_window(scenario: Scenario, options: OptimizeStudy) -> tuple[float, float]:
    return tuple(options.window) if options.window is not None else default_window(scenario.spec.run.final_time)
