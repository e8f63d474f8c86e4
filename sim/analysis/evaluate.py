"""How a study's runs are made: a parameter table in, the outputs it needs out, as batch-engine calls.

An *evaluator* takes the run settings, a parameter table (one row per run) and the outputs wanted,
and returns each output as an array (runs, saved months) with the months. :func:`local` makes one
batch-engine call on this machine; :mod:`sim.analysis.distributed` gives one that sends chunks of
the table to a Dask cluster, each chunk one batch-engine call on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np
import pandas as pd

from sim.scenario import Scenario


@dataclass(frozen=True)
class Runs:
    """The outputs of a batch of runs: ``values[name]`` is (runs, months)."""

    months: np.ndarray
    values: dict[str, np.ndarray]

    def at(self, name: str, months: Sequence[float]) -> np.ndarray:
        """``name`` at the saved months nearest to ``months``: (runs, len(months))."""
        return self.values[name][:, month_index(self.months, months)]


def month_index(saved: np.ndarray, months: Sequence[float]) -> np.ndarray:
    """Index of the saved month nearest to each of ``months``."""
    return np.abs(np.asarray(saved)[None, :] - np.asarray(months, dtype=float)[:, None]).argmin(axis=1)


def run_settings(scenario: Scenario) -> dict[str, float | None]:
    run = scenario.spec.run
    return {"final_time": run.final_time, "time_step": run.time_step, "saveper": run.saveper}


class Evaluator(Protocol):
    def __call__(self, settings: dict[str, float | None], table: pd.DataFrame, outputs: Sequence[str]) -> Runs: ...


def run_table(settings: dict[str, float | None], table: pd.DataFrame, outputs: Sequence[str]) -> Runs:
    """One batch-engine call over every row of ``table``."""
    from sim.simulate import simulate_batch

    dataset = simulate_batch(table.reset_index(drop=True), outputs=list(outputs), **settings)
    months = dataset["time"].to_numpy()
    shape = (len(table), len(months))
    # An output constant during a run comes without a time axis.
    return Runs(months, {name: np.broadcast_to(dataset[name].to_numpy().reshape(len(table), -1), shape).copy()
                         for name in outputs})


local: Evaluator = run_table

#: Called with (step done, steps in all) as a study goes.
Progress = Callable[[int, int], None]
