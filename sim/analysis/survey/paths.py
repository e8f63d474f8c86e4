"""The path model in closed form, vectorised over bootstrap resamples.

Everything follows from the items' covariance matrix ``S``, so that a thousand resamples are a thousand
matrices handled at once:

- each item's loading on its construct from the one-factor identity ``loading_i² = s_ik s_il / s_kl``
  (averaged over every pair of the other items of the construct; Spearman's tetrad logic);
- the reliability of each construct's score (the mean of its items): McDonald's omega,
  ``(Σ loadings)² / variance of the sum``;
- the constructs' correlations disattenuated by those reliabilities (Spearman 1904), which is what a
  structural-equation model estimates for the latent constructs when, as here, the structural model is
  saturated; with ``disattenuate=False`` the plain correlations of the scores (regression on scores);
- the standardised paths by least squares on that correlation matrix: PMO Transformation on the eight
  predictors, PMO Performance on the eight and Transformation.

Direct effects are the paths, the indirect effect of a predictor on performance is its path to
transformation times transformation's path to performance, and the total is their sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from sim.analysis.survey.constructs import MEDIATOR, NAMES, OUTCOME, PREDICTORS

#: Resamples handled per block of the bootstrap: bounds memory to about 100 MB for 300 PMOs x 40 items.
CHUNK = 250


@dataclass
class PathEstimates:
    """Standardised effects per resample: arrays with a leading resample axis (1 for the sample itself)."""

    to_mediator: np.ndarray  # (B, predictors): predictor -> transformation
    direct: np.ndarray  # (B, predictors + 1): predictor (and transformation) -> performance
    reliability: np.ndarray  # (B, constructs): omega of each construct's score
    proper: np.ndarray  # (B,) bool: the construct correlation matrix is positive definite

    @property
    def indirect(self) -> np.ndarray:
        return self.to_mediator * self.direct[:, -1:]

    @property
    def total(self) -> np.ndarray:
        return self.direct[:, :-1] + self.indirect


def item_loadings(cov: np.ndarray, columns: list[int]) -> np.ndarray:
    """One-factor loadings (B, items) of a construct's items from their covariances ``cov`` (B, p, p)."""
    loadings = []
    for i in columns:
        others = [k for k in columns if k != i]
        triads = [cov[:, i, k] * cov[:, i, l] / np.where(np.abs(cov[:, k, l]) > 1e-12, cov[:, k, l], 1e-12)
                  for k, l in combinations(others, 2)]
        squared = np.clip(np.mean(triads, axis=0), 0.0, cov[:, i, i])
        loadings.append(np.sqrt(squared))
    return np.stack(loadings, axis=1)


def _blocks(blocks: dict[str, list[str]], columns: list[str]) -> list[list[int]]:
    position = {c: i for i, c in enumerate(columns)}
    return [[position[c] for c in blocks[name]] for name in NAMES]


def from_covariance(cov: np.ndarray, blocks: list[list[int]], *, disattenuate: bool = True) -> PathEstimates:
    """The path model of every item covariance matrix in ``cov`` (B, p, p); ``blocks`` lists each construct's items."""
    count, p = cov.shape[0], cov.shape[1]
    weights = np.zeros((p, len(blocks)))
    for j, block in enumerate(blocks):
        weights[block, j] = 1.0
    scores = weights.T @ cov @ weights  # covariances of the sum scores
    variance = np.clip(np.diagonal(scores, axis1=1, axis2=2), 1e-12, None)
    reliability = np.ones((count, len(blocks)))
    if disattenuate:
        for j, block in enumerate(blocks):
            reliability[:, j] = np.clip(item_loadings(cov, block).sum(axis=1) ** 2 / variance[:, j], 1e-6, 1.0)
    scale = np.sqrt(variance * reliability)
    corr = scores / (scale[:, :, None] * scale[:, None, :])
    index = np.arange(len(blocks))
    corr[:, index, index] = 1.0
    proper = np.linalg.eigvalsh(corr)[:, 0] > 1e-8
    x = [NAMES.index(n) for n in PREDICTORS]
    m, y = NAMES.index(MEDIATOR), NAMES.index(OUTCOME)
    xm = x + [m]
    to_mediator = _solve(corr[:, x][:, :, x], corr[:, x, m])
    direct = _solve(corr[:, xm][:, :, xm], corr[:, xm, y])
    return PathEstimates(to_mediator, direct, reliability, proper)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares per resample; a singular system (a constant construct in a resample) gives NaN."""
    out = np.full(b.shape, np.nan)
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        for k in range(len(a)):
            try:
                out[k] = np.linalg.solve(a[k], b[k])
            except np.linalg.LinAlgError:
                pass
        return out


def covariances(values: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Item covariance matrices (B, p, p): of ``values`` (n, p) itself, or of each bootstrap resample given as
    ``counts`` (B, n), how many times each respondent is drawn. One matrix product over the respondents'
    outer products gives every resample's second moments at once."""
    n, p = values.shape
    if counts is None:
        counts = np.ones((1, n))
    means = counts @ values / n
    products = (values[:, :, None] * values[:, None, :]).reshape(n, p * p)
    second = (counts @ products).reshape(-1, p, p) / n
    return (second - means[:, :, None] * means[:, None, :]) * (n / (n - 1))


def resample_counts(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How many times each of ``n`` respondents is drawn in each of ``resamples`` bootstrap resamples (B, n)."""
    rows = rng.integers(0, n, size=(resamples, n))
    counts = np.zeros((resamples, n))
    np.add.at(counts, (np.repeat(np.arange(resamples), n), rows.ravel()), 1.0)
    return counts


def estimate(items: pd.DataFrame, blocks: dict[str, list[str]], *, disattenuate: bool = True) -> PathEstimates:
    """The path model of the sample."""
    return from_covariance(covariances(items.to_numpy(dtype=float)), _blocks(blocks, list(items.columns)),
                           disattenuate=disattenuate)


def bootstrap(items: pd.DataFrame, blocks: dict[str, list[str]], *, resamples: int, rng: np.random.Generator,
              disattenuate: bool = True) -> PathEstimates:
    """The path model of ``resamples`` bootstrap resamples of the respondents (rows drawn with replacement)."""
    values = items.to_numpy(dtype=float)
    positions = _blocks(blocks, list(items.columns))
    n = len(values)
    parts = []
    for start in range(0, resamples, CHUNK):
        counts = resample_counts(n, min(CHUNK, resamples - start), rng)
        parts.append(from_covariance(covariances(values, counts), positions, disattenuate=disattenuate))
    return PathEstimates(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("to_mediator", "direct", "reliability", "proper")))


def effects_table(sample: PathEstimates, resamples: PathEstimates, *, confidence: float) -> pd.DataFrame:
    """Direct, indirect and total effects with percentile bootstrap intervals, one row per effect."""
    low_q, high_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    rows = []

    def add(kind: str, source: str, target: str, via: str, value: float, draws: np.ndarray) -> None:
        draws = draws[np.isfinite(draws)]
        low, high = np.quantile(draws, [low_q, high_q]) if len(draws) else (np.nan, np.nan)
        rows.append({"effect": kind, "from": source, "to": target, "via": via, "estimate": value,
                     "ci_low": low, "ci_high": high, "significant": bool(low > 0 or high < 0),
                     "share_of_resamples_positive": float(np.mean(draws > 0)) if len(draws) else np.nan})

    for i, name in enumerate(PREDICTORS):
        add("direct", name, MEDIATOR, "", sample.to_mediator[0, i], resamples.to_mediator[:, i])
    for i, name in enumerate(PREDICTORS + (MEDIATOR,)):
        add("direct", name, OUTCOME, "", sample.direct[0, i], resamples.direct[:, i])
    for i, name in enumerate(PREDICTORS):
        add("indirect", name, OUTCOME, MEDIATOR, sample.indirect[0, i], resamples.indirect[:, i])
        add("total", name, OUTCOME, "", sample.total[0, i], resamples.total[:, i])
    return pd.DataFrame(rows)
