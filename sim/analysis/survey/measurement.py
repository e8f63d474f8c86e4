"""Measurement: each construct answered on Likert items, as a questionnaire measures it.

Each item's latent response is ``loading * z + common_method * m + noise * e``: ``z`` the construct's
true value standardised over the respondents, ``m`` one common-method factor per respondent (the same
answering style on every item: Podsakoff et al. 2003), ``e`` the item's own error. The response is
cut into the scale's points at equal intervals, the scale spanning two standard deviations either side
of the mean (on a 7-point scale: 4 is the middle third of a standard deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.survey.constructs import NAMES, short
from sim.analysis.survey.study import items
from sim.scenario.survey_study import SurveyStudy


@dataclass
class Responses:
    """The questionnaire's answers: one row per respondent, one integer column per item."""

    items: pd.DataFrame
    blocks: dict[str, list[str]]  # construct -> its item columns, in NAMES order
    scale: int

    def scores(self) -> pd.DataFrame:
        """Each construct's score: the mean of its items (what a reader without SEM would use)."""
        return pd.DataFrame({name: self.items[columns].mean(axis=1) for name, columns in self.blocks.items()})


def likert(latent: np.ndarray, points: int) -> np.ndarray:
    """Latent responses (standard units) -> 1..points, equal intervals over -2 to 2 standard deviations."""
    middle = (points + 1) / 2
    return np.clip(np.rint(middle + latent * (points - 1) / 4), 1, points).astype(np.int8)


def measure(true_values: pd.DataFrame, options: SurveyStudy, rng: np.random.Generator) -> Responses:
    """Answers of the respondents whose true construct values (one column per construct: the model quantity
    the study reads for it) are given."""
    count = len(true_values)
    method = rng.standard_normal(count)
    columns: dict[str, np.ndarray] = {}
    blocks: dict[str, list[str]] = {}
    for name in NAMES:
        values = true_values[name].to_numpy(dtype=float)
        spread = values.std()
        z = (values - values.mean()) / spread if spread > 0 else np.zeros(count)
        loadings, noise = items(options, name)
        blocks[name] = []
        for number, (loading, error) in enumerate(zip(loadings, noise), start=1):
            item = f"{short(name)}{number}"
            latent = loading * z + options.common_method * method + error * rng.standard_normal(count)
            columns[item] = likert(latent, options.scale)
            blocks[name].append(item)
    return Responses(items=pd.DataFrame(columns, index=true_values.index), blocks=blocks, scale=options.scale)
