"""A calibration problem (the parameters to fit, their ranges, the fixed inputs, the observations),
and the one place model runs are made for it: many problems' requests in one batch-engine call.

Parameters are fitted in unit coordinates: ``u`` in [0, 1] maps linearly onto the parameter's
documented range, so that every parameter has the same scale for the optimiser and the sampler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from sim.engine import batch
from sim.model import get_model

#: What a fixed input may be: a number, or a schedule (values by month).
Value = float | pd.Series


@dataclass(eq=False)
class Problem:
    """One history to fit. Residual order: each series' observations in time order, series after series."""

    names: tuple[str, ...]  # the parameters to fit (snake_case)
    lower: np.ndarray
    upper: np.ndarray
    fixed: dict[str, Value]  # every other input the runs set: the scenario's and the history's decisions
    series: tuple[str, ...]  # the observed outputs
    months: tuple[np.ndarray, ...]  # per series, the months observed
    observed: np.ndarray  # every observation, concatenated in residual order
    final_time: float
    time_step: float | None = None

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def n_observations(self) -> int:
        return len(self.observed)

    @property
    def series_index(self) -> np.ndarray:
        """For each observation, the index of its series."""
        return np.concatenate([np.full(len(m), i) for i, m in enumerate(self.months)])

    def theta(self, u: np.ndarray) -> np.ndarray:
        """Unit coordinates -> parameter values (any leading shape)."""
        return self.lower + np.asarray(u) * (self.upper - self.lower)

    def unit(self, theta: np.ndarray) -> np.ndarray:
        return (np.asarray(theta, dtype=float) - self.lower) / (self.upper - self.lower)


@dataclass(frozen=True)
class Request:
    """Runs wanted for one problem: ``u`` (runs x parameters) in unit coordinates, observed months or a whole horizon."""

    problem: Problem
    u: np.ndarray
    horizon: float | None = None  # None: the observations only; else every saved month up to it
    outputs: tuple[str, ...] = ()  # with a horizon: which outputs (default: the observed series)


def _at_months(times: np.ndarray, values: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``values`` (runs x saved months) interpolated linearly at ``months``."""
    right = np.clip(np.searchsorted(times, months, side="right"), 1, len(times) - 1)
    left = right - 1
    weight = np.clip((months - times[left]) / (times[right] - times[left]), 0.0, 1.0)
    return values[:, left] * (1 - weight) + values[:, right] * weight


def _table(requests: Sequence[Request]) -> pd.DataFrame:
    """One parameter table for every run of every request, in request order."""
    defaults = get_model().defaults()
    counts = [len(r.u) for r in requests]
    columns: dict[str, list] = {}
    names = list(dict.fromkeys(n for r in requests for n in (*r.problem.fixed, *r.problem.names)))
    for name in names:
        column: list = []
        for request, count in zip(requests, counts):
            problem = request.problem
            if name in problem.names:
                j = problem.names.index(name)
                column.extend(problem.theta(request.u)[:, j].tolist())
            else:
                column.extend([problem.fixed.get(name, defaults[name])] * count)
        columns[name] = column
    return pd.DataFrame(columns, index=range(sum(counts)))


def evaluate(requests: Sequence[Request], *, engine: str = "batch") -> list[np.ndarray | dict[str, np.ndarray]]:
    """Every request's runs, in one batch-engine call per time step (usually one).

    A request without a horizon gets its observations' model values (runs x observations); one with
    a horizon gets ``{"time": months, output: (runs x months), ...}``.
    """
    answers: list = [None] * len(requests)
    groups: dict[float | None, list[int]] = {}
    for index, request in enumerate(requests):
        groups.setdefault(request.problem.time_step, []).append(index)
    for time_step, indices in groups.items():
        chosen = [requests[i] for i in indices]
        final_time = max(max(r.problem.final_time, r.horizon or 0.0) for r in chosen)
        outputs = list(dict.fromkeys(n for r in chosen for n in (*r.problem.series, *r.outputs)))
        result = batch.outputs(_table(chosen), engine=engine, final_time=final_time, time_step=time_step, outputs=outputs)
        times = result.times
        first = 0
        for index, request in zip(indices, chosen):
            rows = slice(first, first + len(request.u))
            first = rows.stop
            if request.horizon is not None:
                keep = times <= request.horizon + 1e-9
                names = request.outputs or request.problem.series
                answers[index] = {"time": times[keep], **{n: np.asarray(result.values[n][rows])[:, keep] for n in names}}
                continue
            parts = [_at_months(times, np.asarray(result.values[name][rows]), months)
                     for name, months in zip(request.problem.series, request.problem.months)]
            answers[index] = np.concatenate(parts, axis=1)
    return answers
