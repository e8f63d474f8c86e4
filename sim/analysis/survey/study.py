"""A survey study: a scenario file whose ``[uncertainty]`` is the population and whose ``[study.survey]`` says
how the PMOs are sampled, measured and analysed (the fields: :mod:`sim.scenario.survey_study`).

The scenario loader checks the sub-table with the rest of the file (``file:line: study.survey.field:
message``); here the survey reads it, with the command line's changes, and resolves each construct's
measurement (what the file declares, else the construct's default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.options import problem, study_options
from sim.scenario import Scenario, load_scenario, load_uploaded
from sim.scenario.survey_study import CONSTRUCTS, SurveyStudy

#: Fewer answering PMOs than this and the path model is not estimated.
MIN_RESPONDENTS = 30
KIND = "survey"
NO_TABLE = ("no [study.survey] table: a survey file needs one (every field has a default, so the header alone will "
            "do; see studies/white_paper_survey.toml)")


@dataclass(frozen=True)
class Reading:
    """The model quantity behind a construct and how the questionnaire reads it (``SurveyStudy`` measures)."""

    variable: str
    measure: str
    window: float

    def text(self) -> str:
        if self.measure == "state":
            return f"{self.variable} at the survey"
        return f"{self.measure} of {self.variable} over the {self.window:g} months before the survey"


def reading(options: SurveyStudy, construct: str) -> Reading:
    """What the study declares for ``construct``, else the construct's default."""
    default = next(c for c in CONSTRUCTS if c.name == construct)
    own = getattr(options.constructs, construct)
    pick = (lambda field: getattr(own, field) if own is not None and getattr(own, field) is not None
            else getattr(default, field))
    return Reading(pick("variable"), pick("measure"), float(pick("window")))


def items(options: SurveyStudy, construct: str) -> tuple[list[float], list[float]]:
    """A construct's item loadings and error standard deviations."""
    own = getattr(options.constructs, construct)
    loadings = own.loadings if own is not None and own.loadings is not None else options.loadings
    noise = own.noise if own is not None and own.noise is not None else options.noise
    if noise is None:
        noise = [math.sqrt(max(1 - loading**2 - options.common_method**2, 0.0)) for loading in loadings]
    return list(loadings), list(noise)


def survey_options(scenario: Scenario, changes: dict[str, Any] | None = None) -> tuple[Scenario, SurveyStudy]:
    """The scenario (with ``changes`` merged into its ``[study.survey]``, checked) and the survey's options;
    raises ScenarioError (``file:line: study.survey.field: message``)."""
    if scenario.spec.study is None or scenario.spec.study.survey is None:
        raise problem(scenario, KIND, None, NO_TABLE)
    return study_options(scenario, KIND, changes)


def load_study(path: str | Path, changes: dict[str, Any] | None = None) -> tuple[Scenario, SurveyStudy]:
    """Read a survey study file: the scenario (its population) and the survey's options, every problem at once."""
    return survey_options(load_scenario(path), changes)


def load_uploaded_study(raw: bytes, *, file_name: str) -> tuple[Scenario, SurveyStudy]:
    """A survey study uploaded as bytes (the app), checked like a file."""
    return survey_options(load_uploaded(raw, file_name=file_name))
