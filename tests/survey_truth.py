"""Data from a linear structural model with known standardised paths (not from the simulation), for the survey tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.survey.constructs import MEDIATOR, NAMES, OUTCOME, PREDICTORS

#: Known standardised paths: predictors -> transformation, and predictors, transformation -> performance.
TO_MEDIATOR = np.array([0.05, 0.0, 0.25, 0.3, 0.2, 0.25, 0.0, 0.15])
DIRECT = np.array([0.3, 0.35, 0.0, 0.0, 0.1, 0.0, -0.15, 0.0, 0.35])


def predictor_correlations(rho: float = 0.3) -> np.ndarray:
    k = len(PREDICTORS)
    return rho * np.ones((k, k)) + (1 - rho) * np.eye(k)


def latent_scores(count: int, rng: np.random.Generator, rho: float = 0.3) -> pd.DataFrame:
    """True construct values with unit variances whose standardised paths are TO_MEDIATOR and DIRECT."""
    sigma = predictor_correlations(rho)
    x = rng.multivariate_normal(np.zeros(len(PREDICTORS)), sigma, size=count)
    explained_t = TO_MEDIATOR @ sigma @ TO_MEDIATOR
    t = x @ TO_MEDIATOR + np.sqrt(1 - explained_t) * rng.standard_normal(count)
    joint = np.block([[sigma, (sigma @ TO_MEDIATOR)[:, None]], [(TO_MEDIATOR @ sigma)[None, :], np.ones((1, 1))]])
    explained_p = DIRECT @ joint @ DIRECT
    assert explained_p < 1
    p = np.c_[x, t] @ DIRECT + np.sqrt(1 - explained_p) * rng.standard_normal(count)
    frame = pd.DataFrame(x, columns=list(PREDICTORS))
    frame[MEDIATOR] = t
    frame[OUTCOME] = p
    return frame[list(NAMES)]
