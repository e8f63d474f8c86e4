"""How sure the estimates are: profile-likelihood intervals, the correlation of the estimates, and on
request a posterior sampled with emcee.

Profile likelihood (Venzon and Moolgavkar 1988; Raue et al. 2009, Bioinformatics 25:1923): hold one
parameter at a value, refit the others, and see how much worse the best fit gets. The interval
holds the values whose weighted sum of squares exceeds the best by at most the 90% quantile of
F(1, n - p) times the residual variance (some series' noise estimated) or of chi-square(1) (every series'
noise given, or assumed where too few observations estimate it). Both sides of every parameter of
every problem are profiled side by side (:mod:`~sim.analysis.calibration.lockstep`). A side whose
profile stays below the threshold up to the end of the documented range reaches it: the history
does not bound the parameter on that side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats
from scipy.optimize import brentq

from sim.analysis.calibration.fitting import Fit, lockstep, solve, weights_of
from sim.analysis.calibration.lockstep import Ask
from sim.analysis.calibration.problem import Request

#: Fractions of the way from the estimate to the end of the range at which the profile is first looked at.
PROFILE_STEPS = (1 / 32, 1 / 8, 1 / 3, 1.0)
#: How precisely an interval's end is found, in unit coordinates (a thousandth of the range).
END_TOLERANCE = 1e-3
#: Tolerance and evaluations of the refits along a profile: a profile needs the sum of squares to a few hundredths.
INNER_TOLERANCE = 1e-5
INNER_EVALUATIONS = 60
#: Correlations at least this strong (in absolute value) mean the data cannot tell two parameters apart.
STRONG_CORRELATION = 0.9


@dataclass
class Side:
    """One end of a profile interval."""

    u: float  # unit coordinates
    reaches_range: bool
    better_fit: float | None = None  # a lower sum of squares found on the way, if any


@dataclass
class Interval:
    """A parameter's interval in unit coordinates, and whether the history identifies it."""

    low: Side
    high: Side

    @property
    def status(self) -> str:
        if self.low.reaches_range and self.high.reaches_range:
            return "not identified"
        if self.low.reaches_range:
            return "upper bound only"
        if self.high.reaches_range:
            return "lower bound only"
        return "identified"


def threshold(fit: Fit, level: float) -> float:
    """How much the weighted sum of squares may rise inside the interval at ``level``."""
    if fit.noise_known:
        return float(stats.chi2.ppf(level, 1))
    dof = max(fit.degrees_of_freedom, 1)
    return float(stats.f.ppf(level, 1, dof) * fit.cost / dof)


def _profile_side(ask: Ask, fit: Fit, index: int, end: float, rise: float) -> Side:
    """Walk from the estimate towards ``end`` (0 or 1) until the profile rises by ``rise``; then find the crossing."""
    problem = fit.problem
    weights = weights_of(problem, fit.noise)
    free = np.ones(problem.size, bool)
    free[index] = False
    start = fit.u[index]
    best_seen = [None]
    warm = {start: fit.u.copy()}
    known = {start: -float(np.sqrt(rise))}

    def profile(value: float) -> float:
        """The signed square root of the rise above the threshold: nearly linear in the parameter, so that the
        root finder needs few steps (the profile itself is nearly quadratic near the estimate). Remembered, so
        that the root finder sees the same value as the walk at the ends of the bracket."""
        if value in known:
            return known[value]
        nearest = min(warm, key=lambda v: abs(v - value))
        u = warm[nearest].copy()
        u[index] = value
        solution = solve(ask, problem, weights, u, free, tolerance=INNER_TOLERANCE, max_evaluations=INNER_EVALUATIONS)
        warm[value] = solution.u
        if solution.cost < fit.cost - 1e-6 * max(fit.cost, 1.0) and (best_seen[0] is None or solution.cost < best_seen[0]):
            best_seen[0] = solution.cost
        known[value] = float(np.sqrt(max(solution.cost - fit.cost, 0.0)) - np.sqrt(rise))
        return known[value]

    if start == end:
        return Side(end, True)
    inside = start
    for fraction in PROFILE_STEPS:
        value = start + fraction * (end - start)
        if profile(value) > 0:
            found = brentq(profile, inside, value, xtol=END_TOLERANCE, rtol=1e-6) if abs(value - inside) > END_TOLERANCE else value
            return Side(float(found), False, best_seen[0])
        inside = value
    return Side(end, True, best_seen[0])


def profile_all(fits: Sequence[Fit], *, level: float = 0.9, engine: str = "batch") -> list[list[Interval]]:
    """Profile intervals of every parameter of every fit; all sides side by side."""
    jobs, keys = [], []
    for f, fit in enumerate(fits):
        rise = threshold(fit, level)
        for index in range(fit.problem.size):
            for end in (0.0, 1.0):
                jobs.append(lambda ask, fit=fit, index=index, end=end, rise=rise: _profile_side(ask, fit, index, end, rise))
                keys.append((f, index, end))
    sides = dict(zip(keys, lockstep(jobs, engine)))
    return [[Interval(sides[(f, i, 0.0)], sides[(f, i, 1.0)]) for i in range(fit.problem.size)] for f, fit in enumerate(fits)]


def covariance(fit: Fit) -> np.ndarray:
    """Asymptotic covariance of the estimates in unit coordinates, ``s^2 (J'J)^-1``, lightly regularised so that
    a parameter the data do not inform shows as a huge variance rather than an error."""
    jacobian = fit.jacobian
    information = jacobian.T @ jacobian
    ridge = 1e-10 * max(np.trace(information) / max(len(information), 1), 1e-12)
    scale = 1.0 if fit.noise_known else fit.cost / max(fit.degrees_of_freedom, 1)
    return scale * np.linalg.inv(information + ridge * np.eye(len(information)))


def correlation(fit: Fit) -> np.ndarray:
    """Correlation of the estimates (parameters x parameters)."""
    cov = covariance(fit)
    sd = np.sqrt(np.diag(cov))
    return np.clip(cov / np.outer(sd, sd), -1.0, 1.0)


def confounded_pairs(names: Sequence[str], matrix: np.ndarray) -> list[tuple[str, str, float]]:
    """Pairs of parameters whose estimates correlate strongly: the data cannot tell them apart."""
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(matrix[i, j]) >= STRONG_CORRELATION:
                pairs.append((names[i], names[j], float(matrix[i, j])))
    return sorted(pairs, key=lambda pair: -abs(pair[2]))


@dataclass
class Posterior:
    """Samples of the parameters (unit coordinates) from emcee, after burn-in and thinning."""

    u: np.ndarray  # samples x parameters
    acceptance: float
    autocorrelation: np.ndarray  # integrated autocorrelation time per parameter (steps)
    walkers: int
    steps: int
    burn: int
    thin: int

    @property
    def converged(self) -> bool:
        """emcee's rule of thumb: a chain at least 50 autocorrelation times long."""
        return bool(np.isfinite(self.autocorrelation).all() and self.steps >= 50 * np.max(self.autocorrelation))


def posterior(fit: Fit, *, walkers: int | None = None, steps: int = 2000, seed: int = 0, engine: str = "batch") -> Posterior:
    """Sample the posterior with emcee (flat prior over the documented ranges, Gaussian noise of the fitted size).

    The log-probability is vectorised: emcee's stretch move updates the walkers in two halves (each half moves
    against the other), and each half's proposals are the runs of one batch-engine call, two calls a step.
    """
    try:
        import emcee
    except ImportError:
        raise ImportError("the posterior needs emcee: pip install 'pmo-sim[calibrate]'") from None
    from sim.analysis.calibration.problem import evaluate

    problem = fit.problem
    weights = weights_of(problem, fit.noise)
    dimensions = problem.size
    walkers = walkers or max(4 * dimensions, 16)
    walkers += walkers % 2

    def log_probability(u: np.ndarray) -> np.ndarray:
        inside = ((u >= 0) & (u <= 1)).all(axis=1)
        result = np.full(len(u), -np.inf)
        if inside.any():
            predictions = evaluate([Request(problem, u[inside])], engine=engine)[0]
            r = (predictions - problem.observed) * weights
            cost = np.einsum("ij,ij->i", r, r)
            result[inside] = np.where(np.isfinite(cost), -0.5 * cost, -np.inf)
        return result

    rng = np.random.default_rng(seed)
    start = np.clip(fit.u + 1e-3 * rng.standard_normal((walkers, dimensions)), 0.0, 1.0)
    sampler = emcee.EnsembleSampler(walkers, dimensions, log_probability, vectorize=True)
    sampler.run_mcmc(emcee.State(start, random_state=np.random.RandomState(seed).get_state()), steps, progress=False)
    emcee_log = logging.getLogger("emcee")
    level, emcee_log.level = emcee_log.level, logging.ERROR  # a short chain is reported in the summary instead
    try:
        tau = np.asarray(sampler.get_autocorr_time(quiet=True), dtype=float)
    finally:
        emcee_log.setLevel(level)
    longest = float(np.nanmax(tau)) if np.isfinite(tau).any() else steps / 50
    burn = min(int(2 * longest), steps // 2)
    thin = max(1, int(longest / 2))
    samples = sampler.get_chain(discard=burn, thin=thin, flat=True)
    return Posterior(samples, float(np.mean(sampler.acceptance_fraction)), tau, walkers, steps, burn, thin)


def marginal(estimate: float, interval: Interval, level: float) -> dict[str, float | str]:
    """A distribution (unit coordinates) that carries a parameter's uncertainty into runs: a normal with the
    estimate as mean and the interval's mean half-width as its ``level`` quantile (truncated to the range) when
    the history bounds the parameter on both sides, else uniform over the interval."""
    low, high = interval.low.u, interval.high.u
    if interval.status == "identified":
        z = float(stats.norm.ppf(0.5 + level / 2))
        return {"dist": "normal", "mean": estimate, "sd": max((high - low) / (2 * z), 1e-6)}
    return {"dist": "uniform", "low": low, "high": max(high, low + 1e-6)}


def marginal_quantile(distribution: dict, q: np.ndarray) -> np.ndarray:
    """Quantiles ``q`` of a :func:`marginal` (unit coordinates, the normal truncated to [0, 1])."""
    if distribution["dist"] == "uniform":
        return distribution["low"] + q * (distribution["high"] - distribution["low"])
    mean, sd = distribution["mean"], distribution["sd"]
    return stats.truncnorm.ppf(q, (0 - mean) / sd, (1 - mean) / sd, loc=mean, scale=sd)


def correlated_draws(fit: Fit, marginals: Sequence[dict], count: int, seed: int) -> np.ndarray:
    """Parameter sets (unit coordinates) with the given marginals and the estimates' correlation (a Gaussian copula)."""
    matrix = correlation(fit)
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    z = np.random.default_rng(seed).standard_normal((count, len(marginals))) @ root.T
    q = np.clip(stats.norm.cdf(z), 1e-9, 1 - 1e-9)
    return np.column_stack([marginal_quantile(m, q[:, i]) for i, m in enumerate(marginals)])
