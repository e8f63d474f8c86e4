"""Calibrate the model to a PMO's own history: estimates, intervals, fit statistics, a predictive band
and a calibrated scenario.

    sim.analysis.calibrate(history, scenario, *, params=None, ...) -> Calibration

Weighted least squares (``scipy.optimize.least_squares``) from the scenario's values and a Latin
hypercube of starts, profile-likelihood intervals, the correlation of the estimates and, on request,
an emcee posterior; every model run through batch-engine calls over many runs at once. The jobs
live in :mod:`sim.analysis.calibration`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis.calibration import intervals as iv
from sim.analysis.calibration.fitting import Fit, fit_all
from sim.analysis.calibration.history import History, HistoryError, OptionProblem, read_history
from sim.analysis.calibration.problem import Problem, Request, evaluate
from sim.analysis.calibration.setup import build_problem, default_parameters, resolve_parameters, scenario_value
from sim.model import get_model, snake_case
from sim.scenario import Scenario, load_scenario

__all__ = ["Calibration", "HistoryError", "calibrate", "calibrate_each", "read_history"]

#: Runs drawn for the predictive band, and draws of observation noise added to each (no model runs needed).
BAND_RUNS = 200
NOISE_DRAWS = 20


@dataclass
class Calibration:
    """What a calibration found. The tables and files are built by :mod:`sim.analysis.calibration.report`."""

    history: History
    scenario: Scenario
    problem: Problem
    fit: Fit
    intervals: list[iv.Interval]
    correlation: np.ndarray
    level: float
    start_values: np.ndarray  # the scenario's values of the parameters (natural units)
    band: dict[str, np.ndarray]  # time, then per observed series: fitted, p05, p95 (to the horizon)
    posterior: iv.Posterior | None = None
    timings: dict[str, float] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return self.problem.names

    @property
    def estimates(self) -> dict[str, float]:
        return dict(zip(self.names, self.fit.theta.tolist()))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each parameter's interval in natural units (low, high)."""
        low = self.problem.theta(np.array([i.low.u for i in self.intervals]))
        high = self.problem.theta(np.array([i.high.u for i in self.intervals]))
        return low, high

    def marginals(self) -> list[dict]:
        return [iv.marginal(u, interval, self.level) for u, interval in zip(self.fit.u, self.intervals)]

    @property
    def horizon(self) -> float:
        return float(self.band["time"][-1])

    def identified(self) -> dict[str, str]:
        return {name: interval.status for name, interval in zip(self.names, self.intervals)}


def _noise(noise: Mapping[str, float] | None, histories: Sequence[History]) -> dict[str, float]:
    """Given noise by series name (snake_case or model names); every problem at once."""
    checked, problems = {}, []
    observed = {n for h in histories for n in h.observed}
    for name, value in (noise or {}).items():
        key = name if name in observed else snake_case(name)
        if key not in observed:
            problems.append(OptionProblem("--noise", 0, name, f"'{name}' is not an observed column of the history "
                                                              f"({', '.join(sorted(observed))})"))
        elif not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            problems.append(OptionProblem("--noise", 0, name, f"the noise must be a positive number, got {value!r}"))
        else:
            checked[key] = float(value)
    if problems:
        raise HistoryError(problems)
    return checked


def _band(calibrations_inputs: list[tuple[Fit, list[dict], iv.Posterior | None, float]], *, runs: int, seed: int,
          engine: str) -> list[dict[str, np.ndarray]]:
    """Fitted run and 5-95% bands to each horizon, in one call: of the runs over the parameters' uncertainty, and
    predictive (those runs plus observation noise)."""
    requests = []
    for fit, marginals, posterior, horizon in calibrations_inputs:
        if posterior is not None and len(posterior.u):
            chosen = np.random.default_rng(seed).choice(len(posterior.u), size=min(runs, len(posterior.u)), replace=False)
            draws = posterior.u[chosen]
        else:
            draws = iv.correlated_draws(fit, marginals, runs, seed)
        requests.append(Request(fit.problem, np.vstack([fit.u[None, :], draws]), horizon=horizon))
    answers = evaluate(requests, engine=engine)
    bands = []
    rng = np.random.default_rng(seed + 1)
    variables = get_model().variables
    for (fit, _, _, _), answer in zip(calibrations_inputs, answers):
        band = {"time": answer["time"]}
        for s, name in enumerate(fit.problem.series):
            values = answer[name]
            runs_drawn = values[1:]
            noisy = runs_drawn[None, :, :] + rng.normal(0.0, fit.noise[s], (NOISE_DRAWS, *runs_drawn.shape))
            low, high = variables[name].minimum, variables[name].maximum
            noisy = np.clip(noisy, -np.inf if low is None else low, np.inf if high is None else high)
            band[name] = values[0]
            band[f"{name}_runs_p05"], band[f"{name}_runs_p95"] = np.quantile(runs_drawn, [0.05, 0.95], axis=0)
            band[f"{name}_p05"], band[f"{name}_p95"] = np.quantile(noisy.reshape(-1, noisy.shape[-1]), [0.05, 0.95], axis=0)
        bands.append(band)
    return bands


def calibrate_each(histories: Sequence[str | Path | bytes | History], scenario: str | Path | Scenario, *,
                   params: Sequence[str] | None = None, noise: Mapping[str, float] | None = None,
                   start: dt.date | str | None = None, starts: int = 8, seed: int = 0, level: float = 0.9,
                   posterior: bool = False, walkers: int | None = None, steps: int = 2000, band_runs: int = BAND_RUNS,
                   engine: str = "batch") -> list[Calibration]:
    """:func:`calibrate` for several histories against one scenario, their model runs shared: each round of
    every fit and every profile is one batch-engine call (the posteriors are sampled one history at a time)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if starts < 1:
        raise ValueError(f"starts must be at least 1, got {starts}")
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    read = [h if isinstance(h, History) else read_history(h, start=start) for h in histories]
    found: list = []  # every problem of the options and histories, reported at once
    given: dict[str, float] = {}
    problems, firsts = [], []
    try:
        given = _noise(noise, read)
    except HistoryError as error:
        found += error.problems
    for history in read:
        try:
            names = resolve_parameters(params, scenario, history) if params is not None else default_parameters(scenario, history)
            problem, first = build_problem(history, scenario, names)
        except HistoryError as error:
            found += [p for p in error.problems if p not in found]
            continue
        problems.append(problem)
        firsts.append(first)
    if found:
        raise HistoryError(found)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    fits = fit_all(problems, firsts, noise=given, starts=starts, seed=seed, engine=engine)
    timings["fit_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    profiles = iv.profile_all(fits, level=level, engine=engine)
    timings["intervals_seconds"] = time.perf_counter() - clock
    posteriors: list[iv.Posterior | None] = [None] * len(fits)
    if posterior:
        clock = time.perf_counter()
        posteriors = [iv.posterior(fit, walkers=walkers, steps=steps, seed=seed, engine=engine) for fit in fits]
        timings["posterior_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    marginals = [[iv.marginal(u, i, level) for u, i in zip(fit.u, intervals)] for fit, intervals in zip(fits, profiles)]
    horizons = [max(scenario.spec.run.final_time, p.final_time) for p in problems]
    bands = _band(list(zip(fits, marginals, posteriors, horizons)), runs=band_runs, seed=seed, engine=engine)
    timings["band_seconds"] = time.perf_counter() - clock
    options = {"params": list(params) if params is not None else None, "noise": given, "starts": starts, "seed": seed,
               "level": level, "posterior": posterior, "walkers": walkers, "steps": steps, "band_runs": band_runs,
               "engine": engine, "start": read[0].start.isoformat() if read and read[0].start else None}
    return [Calibration(history, scenario, problem, fit, intervals, iv.correlation(fit), level,
                        np.array([scenario_value(scenario, n) for n in problem.names]), band, post, dict(timings), options)
            for history, problem, fit, intervals, band, post in zip(read, problems, fits, profiles, bands, posteriors)]


def calibrate(history: str | Path | bytes | History, scenario: str | Path | Scenario, *,
              params: Sequence[str] | None = None, noise: Mapping[str, float] | None = None,
              start: dt.date | str | None = None, starts: int = 8, seed: int = 0, level: float = 0.9,
              posterior: bool = False, walkers: int | None = None, steps: int = 2000, band_runs: int = BAND_RUNS,
              engine: str = "batch") -> Calibration:
    """Fit the scenario's parameters to a PMO's history.

    Parameters
    ----------
    history
        A history CSV (path or bytes) or a :class:`History` from :func:`read_history`: a ``month`` (or
        ``date``) column and any model outputs (observed) and inputs (known decisions, run as schedules).
    scenario
        The scenario the PMO is described by (path or :class:`~sim.scenario.Scenario`): the fit starts from its
        values and holds its other inputs.
    params
        Parameters to fit (snake_case or model names). Default: the scenario's uncertain assumption
        parameters and the five initial capability levels. Each is bounded by its documented range.
    noise
        Standard deviation of the observation noise of some series, by name; the others' is estimated.
    start
        The date of month 0 for a history with dates (default: the first date).
    starts
        Starts of the least-squares fit: the scenario's values and ``starts - 1`` Latin-hypercube points.
    seed
        Seeds the Latin hypercube, the predictive band and the posterior.
    level
        Confidence level of the profile intervals (0.9: 90%).
    posterior
        Also sample the posterior with emcee (``walkers`` walkers, ``steps`` steps; needs the
        ``calibrate`` extra).
    band_runs
        Parameter sets drawn for the 5-95% predictive band.
    engine
        Batch backend: ``"batch"`` (default), ``"numba"`` or ``"numpy"``.

    Raises :class:`HistoryError` (every problem as ``file:line: column: message``) for a history or
    options that cannot be used, and :class:`~sim.scenario.ScenarioError` for a bad scenario.
    """
    return calibrate_each([history], scenario, params=params, noise=noise, start=start, starts=starts, seed=seed,
                          level=level, posterior=posterior, walkers=walkers, steps=steps, band_runs=band_runs,
                          engine=engine)[0]


def fitted_frame(calibration: Calibration) -> pd.DataFrame:
    """Month by month to the horizon: each observed series' history, fitted run and 5-95% predictive band."""
    band = calibration.band
    frame = pd.DataFrame({"month": band["time"]})
    for name, observed in calibration.history.observed.items():
        history = pd.Series(observed.values, index=observed.months)
        frame[f"{name}_history"] = history.reindex(band["time"]).to_numpy()
        frame[name] = band[name]
        for suffix in ("runs_p05", "runs_p95", "p05", "p95"):
            frame[f"{name}_{suffix}"] = band[f"{name}_{suffix}"]
    return frame
