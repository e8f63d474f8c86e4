"""A survey study: a scenario file whose ``[uncertainty]`` is the population and whose ``[study]`` table
(``kind = "survey"``) says how the PMOs are sampled, measured and analysed.

    [uncertainty]                 # the population: N PMOs (runs) and the distributions they are drawn from
    runs = 500
    seed = 2026
    [uncertainty.params]
    share_governance = { dist = "uniform", low = 0.05, high = 0.5 }

    [study]
    kind = "survey"
    age = { dist = "lognormal", median = 24, sigma = 0.8, low = 3, high = 120 }   # months, the window
    survivors_only = true         # a closed PMO cannot answer
    non_response = 0.3            # share of the PMOs reached that do not answer
    scale = 7                     # Likert points: 5 or 7
    loadings = [0.85, 0.8, 0.75, 0.7]   # standardised loading of each item (3 to 5 items)
    common_method = 0.0           # loading of a common-method factor on every item
    bootstrap = 1000
    [study.constructs.pmo_performance]
    loadings = [0.9, 0.85, 0.8]   # a construct measured differently from the default
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.analysis.survey.constructs import NAMES
from sim.scenario import Distribution, Lognormal, Normal, Scenario, StudyChecker, Triangular, Uniform, load_scenario, load_uploaded

Finite = Annotated[float, Field(allow_inf_nan=False)]
Loading = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
Noise = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]
MIN_ITEMS, MAX_ITEMS = 3, 5
MAX_BOOTSTRAP = 100_000
#: Fewer answering PMOs than this and the path model is not estimated.
MIN_RESPONDENTS = 30


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConstructItems(_Strict):
    """``[study.constructs.<name>]``: how one construct is measured, when not as the study's default."""

    loadings: list[Loading] = Field(min_length=MIN_ITEMS, max_length=MAX_ITEMS,
                                    description="Standardised loading of each item on the construct (0 to 1).")
    noise: list[Noise] | None = Field(None, description="Standard deviation of each item's own error; default: what "
                                                         "makes each item's variance 1.")


class SurveyOptions(_Strict):
    """The ``[study]`` table of a survey."""

    kind: Literal["survey"]
    age: Distribution = Field(description="Months since the PMO started at which it is surveyed; the window is the "
                                          "distribution's low to high.")
    survivors_only: bool = Field(True, description="Closed PMOs (drawn from PMO Survival at their age) do not answer.")
    non_response: Finite = Field(0.0, ge=0, le=0.95, description="Share of the PMOs reached that do not answer.")
    non_response_bias: Finite = Field(0.0, ge=-5, le=5, description="Log-odds of answering per standard deviation of "
                                                                      "PMO Performance (positive: weaker PMOs answer less).")
    scale: Literal[5, 7] = Field(7, description="Likert points.")
    loadings: list[Loading] = Field([0.8, 0.8, 0.8, 0.8], min_length=MIN_ITEMS, max_length=MAX_ITEMS,
                                    description="Default standardised loadings of a construct's items.")
    noise: list[Noise] | None = Field(None, description="Default standard deviation of each item's own error.")
    common_method: Finite = Field(0.0, ge=0, lt=1, description="Loading of one common-method factor on every item.")
    constructs: dict[str, ConstructItems] = Field(default_factory=dict)
    bootstrap: int = Field(1000, ge=50, le=MAX_BOOTSTRAP, description="Bootstrap resamples of the path model.")
    confidence: Finite = Field(0.95, gt=0.5, lt=1, description="Level of the bootstrap intervals.")
    seed: int | None = Field(None, ge=0, description="Seed of ages, answers and resamples (default: [uncertainty].seed).")

    def items(self, construct: str) -> tuple[list[float], list[float]]:
        """A construct's item loadings and error standard deviations."""
        own = self.constructs.get(construct)
        loadings = own.loadings if own else self.loadings
        noise = own.noise if own else self.noise
        if noise is None:
            noise = [math.sqrt(max(1 - loading**2 - self.common_method**2, 0.0)) for loading in loadings]
        return list(loadings), list(noise)


def _check(checker: StudyChecker, scenario: Scenario, options: SurveyOptions) -> None:
    spec = scenario.spec
    if spec.uncertainty is None:
        checker.add(("kind",), "a survey needs an [uncertainty] table: its runs are the PMOs surveyed and its params the "
                               "distributions they are drawn from")
    age = options.age
    low, high = (age.low, age.high)
    if isinstance(age, (Normal, Lognormal)) and (low is None or high is None):
        checker.add(("age",), "give low and high: they are the window of ages surveyed")
    elif isinstance(age, (Uniform, Triangular)) and not low < high:
        checker.add(("age", "high"), "high must be above low")
    elif isinstance(age, Triangular) and not low <= age.mode <= high:
        checker.add(("age", "mode"), "mode must lie between low and high")
    if low is not None and low < 0:
        checker.add(("age", "low"), "an age cannot be negative")
    if high is not None and high > spec.run.final_time:
        checker.add(("age", "high"), f"{high:g} is beyond the horizon [run] final_time = {spec.run.final_time:g}; raise "
                                     "final_time or lower the window")
    _check_items(checker, ("",), options.loadings, options.noise, options.common_method)
    for name, items in options.constructs.items():
        if name not in NAMES:
            close = difflib.get_close_matches(name, NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; the constructs are {', '.join(NAMES)}"
            checker.add(("constructs", name), f"unknown construct '{name}'{hint}")
            continue
        _check_items(checker, ("constructs", name), items.loadings, items.noise, options.common_method)


def _check_items(checker: StudyChecker, where: tuple, loadings: list[float], noise: list[float] | None,
                 common_method: float) -> None:
    where = tuple(part for part in where if part)
    if noise is not None:
        if len(noise) != len(loadings):
            checker.add(where + ("noise",), f"give one value per item: {len(loadings)} loadings, {len(noise)} noise values")
        return
    worst = max(loadings)
    if worst**2 + common_method**2 >= 1:
        checker.add(where + ("loadings",), f"a loading of {worst:g} with common_method {common_method:g} leaves the item "
                                           "no error of its own (loading² + common_method² must stay below 1); lower "
                                           "one, or give noise")


def survey_options(scenario: Scenario, *, uploaded: bytes | None = None, file_name: str = "upload.toml") -> SurveyOptions:
    """The scenario's ``[study]`` table as :class:`SurveyOptions`; raises ScenarioError (``file:line: study.x: ...``).

    ``uploaded``: the bytes an uploaded scenario was read from, so that problems carry their lines."""
    checker = StudyChecker(scenario, uploaded=uploaded, file_name=file_name)
    if not scenario.spec.study:
        checker.add(("kind",), 'no [study] table: a survey file needs one with kind = "survey" (see studies/white_paper_survey.toml)')
        checker.raise_problems()
    declared = scenario.spec.study.get("constructs")
    hints = {("constructs", name): ConstructItems for name in declared} if isinstance(declared, dict) else {}
    options = checker.validate(SurveyOptions, fields=hints)
    if options is not None:
        _check(checker, scenario, options)
    checker.raise_problems()
    return options  # type: ignore[return-value]


def load_study(path: str | Path) -> tuple[Scenario, SurveyOptions]:
    """Read a survey study file: the scenario (its population) and the survey's options, every problem at once."""
    scenario = load_scenario(path)
    return scenario, survey_options(scenario)


def load_uploaded_study(raw: bytes, *, file_name: str) -> tuple[Scenario, SurveyOptions]:
    """A survey study uploaded as bytes (the app), checked like a file."""
    scenario = load_uploaded(raw, file_name=file_name)
    return scenario, survey_options(scenario, uploaded=raw, file_name=file_name)
