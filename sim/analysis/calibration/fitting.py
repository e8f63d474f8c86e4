"""Weighted least squares: ``scipy.optimize.least_squares`` from several starts, in lockstep.

Each residual is (model - observed) / noise of its series. The Jacobian is forward finite
differences, all perturbations of one iteration as runs of one batch-engine call (and, through
:mod:`~sim.analysis.calibration.lockstep`, the same call serves every start and every problem).
A series' noise is given, or estimated from the residuals of the fit (iteratively reweighted), or,
for a series with too few observations to estimate it, assumed (5% of its documented range).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import qmc

from sim.analysis.calibration.lockstep import Ask, run_lockstep
from sim.analysis.calibration.problem import Problem, Request, evaluate

#: Finite-difference step in unit coordinates (a millionth of each range).
STEP = 1e-6
#: Residual given to a run that fails to produce a number: far worse than any fit.
FAILED = 1e3
#: Starts whose weighted sum of squares is within this of the best reach the same fit.
SAME_FIT = 0.05
#: Estimates closer than this (share of each range) agree.
SAME_ESTIMATE = 0.02
#: A series' noise is estimated when its share of the residual degrees of freedom is at least this; else assumed.
MIN_NOISE_DEGREES = 3.0
#: Reweighting rounds at most, and the relative change of the noise estimates that stops them.
MAX_ROUNDS = 4
NOISE_TOLERANCE = 0.01


@dataclass
class Solution:
    """One local fit: the estimate (unit coordinates), its weighted residuals and Jacobian."""

    u: np.ndarray
    cost: float  # sum of squared weighted residuals
    residuals: np.ndarray
    jacobian: np.ndarray  # weighted, per unit coordinate; columns of the free parameters only
    evaluations: int
    weights: np.ndarray  # per observation, those the residuals carry


@dataclass
class Start:
    """Where one start began and ended."""

    u_start: np.ndarray
    u_end: np.ndarray
    cost: float


@dataclass
class Fit:
    """The best fit of one problem with the noise it used."""

    problem: Problem
    u: np.ndarray
    cost: float
    residuals: np.ndarray
    jacobian: np.ndarray
    noise: np.ndarray  # per series
    noise_kind: np.ndarray  # per series: "given", "estimated" or "assumed"
    predictions: np.ndarray
    starts: list[Start] = field(default_factory=list)
    evaluations: int = 0

    @property
    def theta(self) -> np.ndarray:
        return self.problem.theta(self.u)

    @property
    def noise_known(self) -> bool:
        """No series' noise is estimated from the residuals: each is given, or assumed for want of observations, and
        the intervals take it as known. (Scaling by the residual variance instead would rest on a handful of
        degrees of freedom, and an exact fit of a few points would give intervals of zero width.)"""
        return bool((self.noise_kind != "estimated").all())

    @property
    def degrees_of_freedom(self) -> int:
        return self.problem.n_observations - self.problem.size

    def agreement(self) -> tuple[int, int, bool]:
        """(starts reaching the best fit, starts in all, whether those agree on every estimate)."""
        best = min(s.cost for s in self.starts)
        reached = [s for s in self.starts if s.cost <= best + max(SAME_FIT, 1e-6 * best)]
        spread = np.ptp(np.array([s.u_end for s in reached]), axis=0) if len(reached) > 1 else np.zeros(len(self.u))
        return len(reached), len(self.starts), bool((spread <= SAME_ESTIMATE).all())


def weights_of(problem: Problem, noise: np.ndarray) -> np.ndarray:
    return 1.0 / noise[problem.series_index]


def solve(ask: Ask, problem: Problem, weights: np.ndarray, start: np.ndarray, free: np.ndarray | None = None,
          *, tolerance: float = 1e-8, max_evaluations: int | None = None) -> Solution:
    """``least_squares`` over the ``free`` parameters (all when None) from ``start``, the others held at it."""
    free = np.ones(problem.size, bool) if free is None else free
    held = np.asarray(start, dtype=float).copy()
    columns = np.flatnonzero(free)
    observed = problem.observed
    seen: dict[bytes, np.ndarray] = {}
    count = [0]

    def full(v: np.ndarray) -> np.ndarray:
        u = np.broadcast_to(held, (len(v), problem.size)).copy()
        u[:, columns] = v
        return u

    def weighted(predictions: np.ndarray) -> np.ndarray:
        r = (predictions - observed) * weights
        return np.where(np.isfinite(r), r, FAILED)

    def residuals(v: np.ndarray) -> np.ndarray:
        key = v.tobytes()
        if key not in seen:
            count[0] += 1
            seen.clear()
            seen[key] = weighted(ask(Request(problem, full(v[None, :])))[0])
        return seen[key]

    def jacobian(v: np.ndarray) -> np.ndarray:
        """Forward differences (backward at the upper end of a range), every column a run of one call."""
        base = residuals(v)
        step = np.where(v + STEP <= 1.0, STEP, -STEP)
        points = np.repeat(v[None, :], len(v), axis=0)
        points[np.arange(len(v)), np.arange(len(v))] += step
        count[0] += 1
        moved = weighted(ask(Request(problem, full(points))))
        return ((moved - base[None, :]) / step[:, None]).T

    v0 = np.clip(held[columns], 0.0, 1.0)
    if len(columns) == 0:
        r = residuals(v0)
        return Solution(held, float(r @ r), r, np.zeros((len(r), 0)), count[0], weights)
    result = least_squares(residuals, v0, jac=jacobian, bounds=(0.0, 1.0), method="trf", x_scale=1.0,
                           ftol=tolerance, xtol=tolerance, gtol=tolerance, max_nfev=max_evaluations or 200 * len(columns))
    u = held.copy()
    u[columns] = result.x
    return Solution(u, float(result.fun @ result.fun), result.fun, np.asarray(result.jac), count[0], weights)


def lockstep(jobs: Sequence[Callable[[Ask], object]], engine: str) -> list:
    """Run jobs side by side, their runs joined into one batch-engine call per round."""
    return run_lockstep(jobs, lambda requests: evaluate(requests, engine=engine))


def estimate_noise(problem: Problem, residuals_raw: np.ndarray, kind: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Each series' noise from the unweighted residuals of a fit (the degrees of freedom shared out by observations);
    given and assumed noise is kept."""
    index = problem.series_index
    n, p = problem.n_observations, problem.size
    estimated = noise.copy()
    for s in range(len(problem.series)):
        if kind[s] != "estimated":
            continue
        r = residuals_raw[index == s]
        scale = max(np.abs(problem.observed[index == s]).max(), 1e-9)
        estimated[s] = max(np.sqrt(r @ r / (len(r) * (1 - p / n))), 1e-6 * scale)
    return estimated


def initial_noise(problem: Problem, noise: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """The noise to start from and its kind: given; else 5% of the series' documented range (or of its largest
    value), estimated from the fit when the series has enough observations, else assumed."""
    from sim.model import get_model

    variables = get_model().variables
    values, kinds = [], []
    index = problem.series_index
    share = 1 - problem.size / problem.n_observations
    for s, name in enumerate(problem.series):
        if name in noise:
            values.append(float(noise[name]))
            kinds.append("given")
            continue
        variable = variables[name]
        if variable.minimum is not None and variable.maximum is not None:
            width = variable.maximum - variable.minimum
        else:
            width = max(np.abs(problem.observed[index == s]).max(), 1e-6)
        values.append(0.05 * width)
        kinds.append("estimated" if (index == s).sum() * share >= MIN_NOISE_DEGREES else "assumed")
    return np.array(values), np.array(kinds)


def starts_for(problem: Problem, first: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``first`` (the scenario's values) and ``count - 1`` Latin-hypercube points, in unit coordinates."""
    points = [np.clip(first, 0.0, 1.0)]
    if count > 1:
        points += list(qmc.LatinHypercube(d=problem.size, seed=seed).random(count - 1))
    return np.array(points)


def fit_all(problems: Sequence[Problem], firsts: Sequence[np.ndarray], *, noise: dict[str, float], starts: int,
            seed: int, engine: str = "batch") -> list[Fit]:
    """The best fit of every problem: the noise first estimated from the first start, then every start with
    it, then reweighted from the best until the noise estimates settle."""
    states = []
    for problem in problems:
        sigma, kind = initial_noise(problem, noise)
        states.append({"noise": sigma, "kind": kind, "evaluations": 0})

    def single_round(problems_starts: list[tuple[int, np.ndarray]]) -> list[Solution]:
        jobs = [lambda ask, i=i, u=u: solve(ask, problems[i], weights_of(problems[i], states[i]["noise"]), u)
                for i, u in problems_starts]
        return lockstep(jobs, engine)

    # 1. noise from a fit at the first start (skipped when no series' noise is to be estimated)
    estimate = [i for i, s in enumerate(states) if (s["kind"] == "estimated").any()]
    for i, solution in zip(estimate, single_round([(i, firsts[i]) for i in estimate])):
        states[i]["noise"] = _noise_from(problems[i], solution, states[i])
        states[i]["evaluations"] += solution.evaluations
    # 2. every start
    plan = [(i, u) for i, problem in enumerate(problems) for u in starts_for(problem, firsts[i], starts, seed + i)]
    solutions = single_round(plan)
    best: dict[int, Solution] = {}
    records: dict[int, list[Start]] = {i: [] for i in range(len(problems))}
    for (i, u), solution in zip(plan, solutions):
        states[i]["evaluations"] += solution.evaluations
        records[i].append(Start(u, solution.u, solution.cost))
        if i not in best or solution.cost < best[i].cost:
            best[i] = solution
    # 3. reweight from the best until the noise settles
    for _ in range(MAX_ROUNDS):
        changing = []
        for i in estimate:
            new = _noise_from(problems[i], best[i], states[i])
            if np.max(np.abs(new / states[i]["noise"] - 1)) > NOISE_TOLERANCE:
                changing.append(i)
            states[i]["noise"] = new
        if not changing:
            break
        for i, solution in zip(changing, single_round([(i, best[i].u) for i in changing])):
            states[i]["evaluations"] += solution.evaluations
            best[i] = solution
    fits = []
    for i, problem in enumerate(problems):
        solution = best[i]
        raw = solution.residuals / solution.weights
        scale = weights_of(problem, states[i]["noise"]) / solution.weights  # the last noise estimate's weights
        residuals = raw * solution.weights * scale
        fits.append(Fit(problem, solution.u, float(residuals @ residuals), residuals, solution.jacobian * scale[:, None],
                        states[i]["noise"], states[i]["kind"], raw + problem.observed, records[i], states[i]["evaluations"]))
    return fits


def _noise_from(problem: Problem, solution: Solution, state: dict) -> np.ndarray:
    raw = solution.residuals / solution.weights
    return estimate_noise(problem, raw, state["kind"], state["noise"])
