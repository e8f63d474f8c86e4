"""Scenario -> parameter table -> engine -> :class:`Result`."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats
from scipy.stats import qmc

from sim.model import ModelError, get_model
from sim.scenario import (MAX_RUNS, SHOCK_EDGE, Normal, Scenario, ScenarioFile, Triangular, Uniform, base_points, load_scenario,
                          truncation)


@dataclass
class Result:
    """The runs of one scenario: ``dataset`` has dims (run, time), one variable per model variable."""

    scenario: Scenario
    dataset: xr.Dataset
    engine: str
    seed: int | None
    runs: int
    parent: "Result | None" = None
    samples: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def uncertain(self) -> bool:
        return self.runs > 1


def input_schedule(base: list[tuple[float, float]], shocks: Sequence[tuple[float, float, float]]) -> pd.Series:
    """``base`` (piecewise-linear points) plus each shock ``(at, size, duration)`` as a pulse."""
    months, values = zip(*base)
    edges = sorted({m for at, _, duration in shocks for m in (at - SHOCK_EDGE, at, at + duration - SHOCK_EDGE, at + duration)})
    grid = np.array(sorted(set(months) | {m for m in edges if m >= 0}), dtype=float)
    total = np.interp(grid, months, values)
    for at, size, duration in shocks:
        total = total + size * ((grid >= at) & (grid < at + duration))
    return pd.Series(total, index=grid)


def from_uniform(dist, variable, u: np.ndarray) -> np.ndarray:
    """Map uniform numbers ``u`` through the distribution's inverse CDF (truncated where it says)."""
    if isinstance(dist, Uniform):
        return dist.low + u * (dist.high - dist.low)
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        # the distributions' own functions, not frozen ones: freezing one builds its docstring (milliseconds)
        return stats.triang.ppf(u, (dist.mode - dist.low) / width, loc=dist.low, scale=width)
    if isinstance(dist, Normal):
        family, shape = stats.norm, {"loc": dist.mean, "scale": dist.sd}
    else:
        family, shape = stats.lognorm, {"s": dist.sigma, "scale": dist.median}
    low, high = truncation(dist, variable)
    lower = family.cdf(low, **shape) if math.isfinite(low) else 0.0
    upper = family.cdf(high, **shape) if math.isfinite(high) else 1.0
    return np.clip(family.ppf(lower + u * (upper - lower), **shape), low, high)


def distribution_quantile(dist, variable, q: float | np.ndarray) -> np.ndarray:
    """The ``q`` quantiles of an uncertain input's distribution (truncated where it says), e.g. 0.5: its median."""
    return from_uniform(dist, variable, np.atleast_1d(np.asarray(q, dtype=float)))


def sample_distribution(dist, u: np.ndarray, *, minimum: float | None = None, maximum: float | None = None) -> np.ndarray:
    """Uniform numbers ``u`` through a scenario file's distribution, truncated to ``[minimum, maximum]`` as an
    input's documented range truncates it (for quantities that are not model inputs, e.g. a surveyed PMO's age)."""
    return from_uniform(dist, SimpleNamespace(minimum=minimum, maximum=maximum), u)


def run_count(spec: ScenarioFile, runs: int | None = None) -> int:
    """How many runs a scenario makes: ``runs`` if given, else its ``[uncertainty].runs``, else one."""
    return runs or (spec.uncertainty.runs if spec.uncertainty else 1)


def samples(spec: ScenarioFile, *, runs: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Latin-hypercube samples of the uncertain inputs, one row per run (empty without uncertainty)."""
    if spec.uncertainty is None or not spec.uncertainty.params:
        return pd.DataFrame(index=range(run_count(spec, runs)))
    runs = run_count(spec, runs)
    seed = spec.uncertainty.seed if seed is None else seed
    names = sorted(spec.uncertainty.params)
    inputs = {v.py_name: v for v in get_model().inputs}
    u = qmc.LatinHypercube(d=len(names), seed=seed).random(runs)
    return pd.DataFrame({name: from_uniform(spec.uncertainty.params[name], inputs[name], u[:, i]) for i, name in enumerate(names)})


def parameter_table(spec: ScenarioFile, *, runs: int | None = None, seed: int | None = None,
                    sampled: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per run: constants, schedules (with shocks) and sampled uncertain inputs.

    ``sampled`` gives the varied inputs' values instead (one row per run; a study's own design).
    """
    sampled = samples(spec, runs=runs, seed=seed) if sampled is None else sampled.reset_index(drop=True)
    n = len(sampled)
    # columns gathered first and made into a frame once: inserting them one by one costs more than the run
    columns: dict[str, Any] = {name: sampled[name].to_numpy() for name in sampled.columns}
    for name, value in spec.params.items():
        if name not in columns:
            columns[name] = np.full(n, float(value))
    shocked = {s.input for s in spec.shocks}
    for name in sorted(set(spec.schedule) | shocked):
        pulses = [(s.at, s.size, s.duration) for s in spec.shocks if s.input == name]
        if name in columns:  # uncertain (or a parameter) and shocked: one schedule per run
            columns[name] = _cells([input_schedule([(0.0, float(v))], pulses) for v in columns[name]])
        else:
            series = input_schedule(base_points(spec, name), pulses)
            columns[name] = _cells([series] * n)
    return pd.DataFrame(columns, index=sampled.index)


def _cells(series: list[pd.Series]) -> np.ndarray:
    """Schedules as one object column (a list of Series would be read as rows of numbers)."""
    cells = np.empty(len(series), dtype=object)
    for i, schedule in enumerate(series):
        cells[i] = schedule
    return cells


def _run_table(scenario: Scenario, table: pd.DataFrame, *, engine: str, outputs: Sequence[str] | None,
               first_run: int = 0) -> xr.Dataset:
    """The runs of ``table`` (rows ``first_run``... of the scenario's runs) on ``engine``: ``"batch"``
    (the default batch backend), ``"numba"``, ``"numpy"`` or ``"pysd"``."""
    from sim.simulate import BATCH_ENGINES, ENGINES, simulate, simulate_batch

    spec = scenario.spec
    settings = {"final_time": spec.run.final_time, "time_step": spec.run.time_step, "saveper": spec.run.saveper}
    if engine in BATCH_ENGINES:
        dataset = simulate_batch(table.reset_index(drop=True), outputs=outputs, engine=engine, **settings)
    elif engine == "pysd":
        frames = [simulate(row.to_dict(), engine="pysd", **settings) for _, row in table.iterrows()]
        dataset = xr.concat([xr.Dataset.from_dataframe(f) for f in frames], dim="run").transpose("run", "time")
    else:
        raise ValueError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if first_run == 0 and "run" in dataset.coords:  # already numbered 0, 1, ...
        return dataset
    return dataset.assign_coords(run=np.arange(first_run, first_run + len(table)))


def _result(scenario: Scenario, dataset: xr.Dataset, table: pd.DataFrame, *, engine: str, seed: int | None,
            parent: Result | None) -> Result:
    spec = scenario.spec
    uncertain = spec.uncertainty is not None
    return Result(
        scenario=scenario,
        dataset=dataset,
        engine=engine,
        seed=(spec.uncertainty.seed if seed is None else seed) if uncertain else None,
        runs=len(table),
        parent=parent,
        samples=table[sorted(spec.uncertainty.params)] if uncertain else pd.DataFrame(),
    )


def _whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def checked(scenario: Scenario | str | os.PathLike, runs: object = None, seed: object = None) -> Scenario:
    """The scenario (a path is loaded as a file), after refusing what the command line refuses of
    ``runs`` (1 to :data:`MAX_RUNS`) and ``seed`` (0 or more): :class:`sim.ModelError`."""
    if isinstance(scenario, (str, os.PathLike)):
        scenario = load_scenario(scenario)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a Scenario (sim.load_scenario) or a scenario file's path, got {type(scenario).__name__}")
    if runs is not None and not (_whole(runs) and 1 <= runs <= MAX_RUNS):
        raise ModelError(f"runs: must be a whole number from 1 to {MAX_RUNS:,}, got {runs!r}")
    if seed is not None and not (_whole(seed) and seed >= 0):
        raise ModelError(f"seed: must be a whole number, 0 or more, got {seed!r}")
    return scenario


def run(scenario: Scenario | str | os.PathLike, *, engine: str = "batch", runs: int | None = None, seed: int | None = None,
        outputs: Sequence[str] | None = None, with_parent: bool = True) -> Result:
    """Run a scenario, or the scenario file at a path (every Monte Carlo sample at once on the batch engine).

    ``runs`` (1 to 100,000) and ``seed`` (0 or more) override the file's ``[uncertainty]``;
    ``with_parent`` also runs the scenario it extends (for break-even KPIs).
    """
    scenario = checked(scenario, runs, seed)
    table = parameter_table(scenario.spec, runs=runs, seed=seed)
    dataset = _run_table(scenario, table, engine=engine, outputs=outputs)
    parent = None
    if with_parent and scenario.parent is not None:
        parent = run(scenario.parent, engine=engine, runs=runs, seed=seed, outputs=outputs, with_parent=False)
    return _result(scenario, dataset, table, engine=engine, seed=seed, parent=parent)


#: Runs per chunk of :func:`run_in_chunks`: about 35 outputs x 121 months of 10,000 runs is 0.35 GB.
CHUNK_RUNS = 10_000


def run_in_chunks(scenario: Scenario, *, engine: str = "batch", runs: int | None = None, seed: int | None = None,
                  outputs: Sequence[str] | None = None, with_parent: bool = True,
                  chunk_runs: int = CHUNK_RUNS) -> Iterator[Result]:
    """The runs of :func:`run`, the same samples in the same order, as Results of at most ``chunk_runs`` runs.

    A chunk's ``dataset`` numbers its runs as in the whole (``run`` from the chunk's first), its
    ``runs`` counts the chunk's runs, and its ``parent`` holds the parent's matching runs (or its first
    run when the two differ in number, as :func:`sim.results.break_even_months` compares them).
    """
    if chunk_runs < 1:
        raise ValueError("chunk_runs must be at least 1")
    scenario = checked(scenario, runs, seed)
    table = parameter_table(scenario.spec, runs=runs, seed=seed)
    parent_table = None
    whole_parent = None
    if with_parent and scenario.parent is not None:
        parent_table = parameter_table(scenario.parent.spec, runs=runs, seed=seed)
        if len(parent_table) != len(table):
            whole_parent = run(scenario.parent, engine=engine, runs=runs, seed=seed, outputs=outputs, with_parent=False)
            # Compared with its first run, as a whole run would be; never paired with a chunk of equal size.
            whole_parent.dataset = whole_parent.dataset.isel(run=[0])
    for first in range(0, len(table), chunk_runs):
        rows = slice(first, min(first + chunk_runs, len(table)))
        parent = whole_parent
        if parent_table is not None and whole_parent is None:
            parent_data = _run_table(scenario.parent, parent_table.iloc[rows], engine=engine, outputs=outputs, first_run=first)
            parent = _result(scenario.parent, parent_data, parent_table.iloc[rows], engine=engine, seed=seed, parent=None)
            del parent_data
        # Nothing here keeps a chunk's runs once yielded, so that only one chunk is ever held.
        yield _result(scenario, _run_table(scenario, table.iloc[rows], engine=engine, outputs=outputs, first_run=first),
                      table.iloc[rows], engine=engine, seed=seed, parent=parent)
        parent = None
