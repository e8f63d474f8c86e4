"""How well a fitted run reproduces a history, series by series.

R², the mean absolute percentage error, and Theil's inequality statistics as Sterman (1984,
"Appropriate summary statistics for evaluating the historical fit of system dynamics models",
Dynamica 10(2)) uses them: the mean squared error split into bias (U^M), unequal variation (U^S)
and unequal covariation (U^C), which add up to 1. A good fit leaves most of its error in U^C
(unsystematic point-by-point noise); a large U^M or U^S points to a systematic error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def fit_statistics(observed: np.ndarray, simulated: np.ndarray) -> dict[str, float]:
    """R², MAPE (%), RMSE and Theil's U^M, U^S, U^C of one series."""
    error = simulated - observed
    mse = float(np.mean(error**2))
    total = float(np.sum((observed - observed.mean()) ** 2))
    nonzero = observed != 0
    mape = float(np.mean(np.abs(error[nonzero] / observed[nonzero])) * 100) if nonzero.any() else np.nan
    s_sim, s_obs = float(simulated.std()), float(observed.std())
    r = float(np.corrcoef(simulated, observed)[0, 1]) if s_sim > 0 and s_obs > 0 else 0.0
    bias = (float(simulated.mean()) - float(observed.mean())) ** 2
    variation = (s_sim - s_obs) ** 2
    covariation = 2 * (1 - r) * s_sim * s_obs
    parts = (bias, variation, covariation)
    denominator = sum(parts) if sum(parts) > 0 else np.nan  # equals the MSE (population variances)
    return {
        "r2": 1 - float(np.sum(error**2)) / total if total > 0 else np.nan,
        "mape_percent": mape,
        "rmse": float(np.sqrt(mse)),
        "theil_um": parts[0] / denominator,
        "theil_us": parts[1] / denominator,
        "theil_uc": parts[2] / denominator,
    }


def statistics_table(series: tuple[str, ...], index: np.ndarray, observed: np.ndarray, simulated: np.ndarray,
                     noise: np.ndarray, kind: np.ndarray) -> pd.DataFrame:
    """One row per series: observations, noise (given, estimated or assumed) and the statistics of :func:`fit_statistics`."""
    rows = []
    for s, name in enumerate(series):
        chosen = index == s
        rows.append({"series": name, "observations": int(chosen.sum()), "noise_sd": float(noise[s]),
                     "noise": str(kind[s]),
                     **fit_statistics(observed[chosen], simulated[chosen])})
    return pd.DataFrame(rows)
