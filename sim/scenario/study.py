"""The ``[study]`` table of a scenario file: what to do with the scenario beyond running it.

Each kind of study reads its own sub-table (``[study.sensitivity]``, ``[study.optimize]``,
``[study.survey]`` in :mod:`sim.scenario.survey_study`); a study
added later adds its own sub-table here, beside these, and its checks to :mod:`sim.scenario.study_checks`.
Every field has a default, so an empty sub-table (or none) asks for the study's default question; the
command line's options give the same fields. The model-dependent checks (names, months within the
horizon, feasible constraints) are in :mod:`sim.scenario.study_checks`.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sim.limits import NOT_FINITE, is_number
from sim.scenario.survey_study import SURVEY_TABLES, SurveyStudy
from sim.scenario.values import Flag, Number, Span, Whole, kind_of, refuse


#: What an optimisation may maximise: PMO Performance averaged over a window of months, Cumulative Net
#: Value at the horizon, PMO Survival at the horizon.
OBJECTIVES = ("performance", "net_value", "survival")
Objective = Literal["performance", "net_value", "survival"]
_ALLOWED = f"one of {', '.join(OBJECTIVES)} (or a table of weights over them)"


def _objective(value: Any) -> Any:
    """An objective's name, or weights by name; every refusal in one line, at the key it is about."""
    if isinstance(value, str):
        if value not in OBJECTIVES:
            raise refuse(f"'{value}' is not {_ALLOWED}")
    elif isinstance(value, dict):
        for key in value:
            if key not in OBJECTIVES:
                close = difflib.get_close_matches(str(key), OBJECTIVES, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"use {', '.join(OBJECTIVES)}"
                raise refuse(f"unknown objective '{key}'; {hint}", key=key)
            if not is_number(value[key]):
                raise refuse(f"a weight is a number, got {kind_of(value[key])}", key=key)
            if not math.isfinite(value[key]):
                raise refuse(NOT_FINITE, key=key)
    else:
        raise refuse(f"expected {_ALLOWED}, got {kind_of(value)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SensitivityStudy(_Strict):
    """``[study.sensitivity]``: which inputs drive which outputs (global sensitivity analysis)."""

    name: str | None = Field(None, description="Output folder; default '<scenario>_sensitivity'.")
    method: Literal["sobol", "morris"] = Field("sobol", description="Sobol indices (variance-based) or Morris screening.")
    params: list[str] | None = Field(None, description="Inputs to vary; default those of [uncertainty.params]. An input "
                                                       "not in [uncertainty] varies uniformly over its documented range.")
    outputs: list[str] = Field(default_factory=lambda: ["pmo_performance"], min_length=1,
                               description="Model variables whose indices are computed.")
    months: list[Number] | None = Field(None, description="Months at which indices are reported; default the horizon.")
    n: Whole = Field(1024, ge=8, description="Sobol: base sample (a power of 2; runs = n x (params + 2), or n x "
                                           "(2 params + 2) with second order). Morris: trajectories (runs = n x (params + 1)).")
    second_order: Flag = Field(False, description="Sobol: also the second-order indices of every pair.")
    levels: Whole = Field(4, ge=2, le=20, description="Morris: grid levels per input.")
    every: Number = Field(12, gt=0, description="Months between the points of the indices over time.")
    seed: Whole | None = Field(None, ge=0, description="Sampling seed; default [uncertainty].seed, else 0.")


class OptimizeStudy(_Strict):
    """``[study.optimize]``: the budget split (or schedule) that maximises an objective, robust over uncertainty."""

    name: str | None = Field(None, description="Output folder; default '<scenario>_optimize'.")
    objective: Annotated[Union[Objective, dict[Objective, Number]], BeforeValidator(_objective)] = Field(
        "performance", description="performance (PMO Performance averaged over window), net_value (Cumulative Net Value "
                                   "at the horizon), survival (PMO Survival at the horizon), or weights of several.")
    window: Span | None = Field(None, description="[first, last] month of the performance average; "
                                                                    "default [60, 120], or the second half of a shorter horizon.")
    phases: Whole = Field(1, ge=1, le=3, description="1: a constant split; 2 or 3: a schedule whose switch months are decisions too.")
    shares: list[str] | None = Field(None, description="Shares the optimiser may move (default all five); the others keep "
                                                       "their part of the budget.")
    switch_months: Span | None = Field(None, description="Range of the switch months; default [6, horizon - 6].")
    budget: Span | None = Field(None, description="[low, high] k$/Month: optimise PMO Budget in this range too.")
    budget_cap: Number | None = Field(None, gt=0, description="Constraint: PMO Budget at most this (k$/Month).")
    min_share: Number = Field(0.0, ge=0, lt=1, description="Constraint: each share moved gets at least this part of the budget.")
    min_survival: Number | None = Field(None, ge=0, le=1, description="Constraint: PMO Survival at the horizon at least this "
                                                                       "(the robust statistic over the samples).")
    robust: Literal["mean", "percentile", "worst"] = Field("mean", description="How the samples' objectives become one.")
    percentile: Number = Field(10, ge=0, le=100, description="With robust = percentile: this percentile of the samples.")
    samples: Whole = Field(200, ge=1, description="Uncertainty samples each candidate runs over ([uncertainty]; 1 without it).")
    pareto: Flag = Field(False, description="Also the Pareto front of PMO Performance against Cumulative PMO Cost (pymoo).")
    popsize: Whole = Field(8, ge=4, le=100, description="Candidates per generation, per decision variable.")
    maxiter: Whole = Field(200, ge=1, le=5000, description="Generations at most.")
    tol: Number = Field(0.005, gt=0, description="Stop when the candidates' objectives agree within this (relative).")
    seed: Whole | None = Field(None, ge=0, description="Optimiser and sampling seed; default [uncertainty].seed, else 0.")


class Study(_Strict):
    """``[study]``: one sub-table per kind of study."""

    sensitivity: SensitivityStudy | None = None
    optimize: OptimizeStudy | None = None
    survey: SurveyStudy | None = None  # a virtual survey of the [uncertainty] population (sim.scenario.survey_study)


#: The sub-tables by location, for "did you mean" suggestions.
STUDY_TABLES = {("study",): Study, ("study", "sensitivity"): SensitivityStudy, ("study", "optimize"): OptimizeStudy,
                **SURVEY_TABLES}
