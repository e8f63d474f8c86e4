"""The population surveyed: N simulated PMOs drawn from the study's distributions, each observed at its own age.

Every PMO is one run of the scenario's Monte Carlo (Latin-hypercube samples of its ``[uncertainty]``),
all run at once on the batch engine up to the oldest age of the window. A PMO is then read at its age;
it can answer only if it still exists (drawn from PMO Survival at that age, when the study says so) and
if it responds (non-response at random, or tilted towards the better performers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import runner
from sim.analysis.survey.constructs import NAMES, OUTCOME
from sim.analysis.survey.study import SurveyOptions
from sim.scenario import Scenario

SURVIVAL = "pmo_survival"


@dataclass
class Population:
    """Every PMO drawn: its sampled inputs, age, state at that age, and whether it answered."""

    pmos: pd.DataFrame  # one row per PMO: age, survival, open, responded, the constructs' true values (0-1)
    samples: pd.DataFrame  # the sampled inputs, one row per PMO
    seed: int

    @property
    def respondents(self) -> pd.DataFrame:
        return self.pmos[self.pmos["responded"]]


def at_ages(values: np.ndarray, months: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Per run, ``values`` (runs x saved months) linearly interpolated at that run's age."""
    position = np.interp(ages, months, np.arange(len(months)))
    before = np.floor(position).astype(int)
    after = np.minimum(before + 1, len(months) - 1)
    weight = position - before
    rows = np.arange(len(ages))
    return values[rows, before] * (1 - weight) + values[rows, after] * weight


def study_seed(scenario: Scenario, options: SurveyOptions) -> int:
    return options.seed if options.seed is not None else scenario.spec.uncertainty.seed


def draw(scenario: Scenario, options: SurveyOptions, *, pmos: int | None = None, engine: str = "batch") -> Population:
    """Simulate the population and decide who answers; ``pmos`` overrides ``[uncertainty].runs``."""
    seed = study_seed(scenario, options)
    result = runner.run(scenario, runs=pmos, engine=engine, outputs=list(NAMES) + [SURVIVAL], with_parent=False)
    data = result.dataset
    months = data["time"].to_numpy()
    count = result.runs
    rng = np.random.default_rng([seed, 15])
    ages = runner.sample_distribution(options.age, rng.random(count), minimum=0.0, maximum=float(months[-1]))
    frame = pd.DataFrame({"pmo": np.arange(count), "age": ages})
    for name in (*NAMES, SURVIVAL):
        frame[name] = at_ages(data[name].to_numpy(), months, ages)
    frame["open"] = rng.random(count) < frame[SURVIVAL] if options.survivors_only else True
    performance = frame[OUTCOME].to_numpy()
    spread = performance.std() or 1.0
    log_odds = _logit(1 - options.non_response) + options.non_response_bias * (performance - performance.mean()) / spread
    answers = rng.random(count) < 1 / (1 + np.exp(-log_odds))
    frame["responded"] = frame["open"] & answers
    samples = result.samples.reset_index(drop=True)
    return Population(pmos=frame, samples=samples, seed=seed)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))
