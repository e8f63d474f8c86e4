"""Virtual survey speed: a 300-PMO survey with 1,000 bootstrap resamples against the 30 s budget.

    PYTHONPATH=. python benchmarks/bench_survey.py

Two cases: the shipped study (its population simulated on the batch engine, measured and analysed; about 300
of its PMOs answer) and 300 answers from a linear structural model with known paths, where the latent model
is identified and semopy's full maximum-likelihood fit runs too. Prints seconds and the ratio to the budget;
the machine may be shared, so the figures are indicative.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
BUDGET = 30.0


def timed(label: str, work) -> float:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<64} {seconds:6.2f} s   {seconds / BUDGET:5.2f} x the 30 s budget")
    return seconds


def main() -> None:
    from survey_truth import latent_scores

    from sim.analysis.survey import analyse, load_study, run_survey
    from sim.analysis.survey.measurement import measure
    from sim.scenario.survey_study import SurveyStudy

    scenario, options = load_study(ROOT / "studies" / "white_paper_survey.toml")
    run_survey(scenario, options, pmos=100, bootstrap=50, fit_sem=False)  # compile the batch engine's kernel once
    timed("shipped study, 500 PMOs drawn, ~300 answer, 1,000 resamples", lambda: run_survey(scenario, options))
    rng = np.random.default_rng(0)
    responses = measure(latent_scores(300, rng), SurveyStudy(loadings=[0.85, 0.8, 0.75, 0.7]), rng)
    timed("300 answers (known paths), 1,000 resamples, without semopy",
          lambda: analyse(responses, resamples=1000, confidence=0.95, rng=rng, fit_sem=False))
    timed("300 answers (known paths), 1,000 resamples, with semopy's fit",
          lambda: analyse(responses, resamples=1000, confidence=0.95, rng=rng, fit_sem=True))


if __name__ == "__main__":
    main()
