"""The population surveyed: N simulated PMOs drawn from the study's distributions, each observed at its own age.

Every PMO is one run of the scenario's Monte Carlo (Latin-hypercube samples of its ``[uncertainty]``),
with its own random risk events when the study declares them, all run at once on the batch engine. A
PMO is then read at its age, each construct as the study measures it (the model quantity at the survey
month, or over the months before it: :mod:`sim.analysis.survey.readings`); it can answer only if it
still exists (drawn from PMO Survival at that age, when the study says so) and if it responds
(non-response at random, or tilted towards the better performers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import runner
from sim.analysis.evaluate import run_settings, run_table
from sim.analysis.survey.constructs import NAMES, OUTCOME
from sim.analysis.survey.readings import at_ages, read
from sim.analysis.survey.study import reading
from sim.model import get_model
from sim.scenario import Scenario
from sim.scenario.survey_study import RiskEvents, SurveyStudy

SURVIVAL = "pmo_survival"


@dataclass
class Population:
    """Every PMO drawn: its sampled inputs, age, state at that age, and whether it answered."""

    pmos: pd.DataFrame  # one row per PMO: age, events, survival, open, responded, each construct's measured value
    samples: pd.DataFrame  # the sampled inputs, one row per PMO
    seed: int

    @property
    def respondents(self) -> pd.DataFrame:
        return self.pmos[self.pmos["responded"]]


def study_seed(scenario: Scenario, options: SurveyStudy) -> int:
    return options.seed if options.seed is not None else scenario.spec.uncertainty.seed


def event_pulses(events: RiskEvents, horizon: float, rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """One PMO's events as (start month, size, duration): gaps between them exponential with mean ``every``
    months (a Poisson process), one event at a time."""
    pulses = []
    start = rng.exponential(events.every)
    while start < horizon:
        size, duration = (float(runner.sample_distribution(d, rng.random(1))[0]) for d in (events.size, events.duration))
        pulses.append((start, size, duration))
        start += duration + rng.exponential(events.every)
    return pulses


def with_events(table: pd.DataFrame, events: RiskEvents, pulses: list[list[tuple[float, float, float]]]) -> pd.DataFrame:
    """``table`` with each run's events added to the events' input (its value or schedule in that run)."""
    table = table.copy()
    base = table[events.input] if events.input in table else pd.Series(get_model().defaults()[events.input],
                                                                           index=table.index)
    cells = np.empty(len(table), dtype=object)
    for i, (own, extra) in enumerate(zip(base, pulses)):
        points = list(zip(own.index, own.to_numpy())) if isinstance(own, pd.Series) else [(0.0, float(own))]
        cells[i] = runner.input_schedule(points, extra)
    table[events.input] = cells
    return table


def draw(scenario: Scenario, options: SurveyStudy, *, pmos: int | None = None) -> Population:
    """Simulate the population and decide who answers; ``pmos`` overrides ``[uncertainty].runs``."""
    seed = study_seed(scenario, options)
    rng = np.random.default_rng([seed, 15])
    table = runner.parameter_table(scenario.spec, runs=pmos)
    count = len(table)
    horizon = scenario.spec.run.final_time
    events = np.zeros(count, dtype=int)
    if options.events is not None:
        drawn = [event_pulses(options.events, horizon, rng) for _ in range(count)]
        events = np.array([len(p) for p in drawn])
        table = with_events(table, options.events, drawn)
    readings = {name: reading(options, name) for name in NAMES}
    variables = sorted({r.variable for r in readings.values()} | {SURVIVAL})
    runs = run_table(run_settings(scenario), table, variables)
    ages = runner.sample_distribution(options.age, rng.random(count), minimum=0.0, maximum=float(runs.months[-1]))
    frame = pd.DataFrame({"pmo": np.arange(count), "age": ages, "events": events})
    for name, how in readings.items():
        frame[name] = read(runs.values[how.variable], runs.months, ages, how.measure, how.window)
    frame[SURVIVAL] = at_ages(runs.values[SURVIVAL], runs.months, ages)
    frame["open"] = rng.random(count) < frame[SURVIVAL] if options.survivors_only else True
    performance = frame[OUTCOME].to_numpy()
    spread = performance.std() or 1.0
    log_odds = _logit(1 - options.non_response) + options.non_response_bias * (performance - performance.mean()) / spread
    answers = rng.random(count) < 1 / (1 + np.exp(-log_odds))
    frame["responded"] = frame["open"] & answers
    uncertain = sorted(scenario.spec.uncertainty.params)
    return Population(pmos=frame, samples=table[uncertain].reset_index(drop=True), seed=seed)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))
