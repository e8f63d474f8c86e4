"""The ``[study]`` table of a scenario file: what to do with the scenario beyond running it.

Each kind of study reads its own sub-table (``[study.sensitivity]``, ``[study.optimize]``,
``[study.survey]`` in :mod:`sim.scenario.survey_study`); a study
added later adds its own sub-table here, beside these, and its checks to :mod:`sim.scenario.study_checks`.
Every field has a default, so an empty sub-table (or none) asks for the study's default question; the
command line's options give the same fields. The model-dependent checks (names, months within the
horizon, feasible constraints) are in :mod:`sim.scenario.study_checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.survey_study import SURVEY_TABLES, SurveyStudy

Finite = Annotated[float, Field(allow_inf_nan=False)]

#: What an optimisation may maximise: PMO Performance averaged over a window of months, Cumulative Net
#: Value at the horizon, PMO Survival at the horizon.
OBJECTIVES = ("performance", "net_value", "survival")
Objective = Literal["performance", "net_value", "survival"]


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
    months: list[Finite] | None = Field(None, description="Months at which indices are reported; default the horizon.")
    n: int = Field(1024, ge=8, description="Sobol: base sample (a power of 2; runs = n x (params + 2), or n x "
                                           "(2 params + 2) with second order). Morris: trajectories (runs = n x (params + 1)).")
    second_order: bool = Field(False, description="Sobol: also the second-order indices of every pair.")
    levels: int = Field(4, ge=2, le=20, description="Morris: grid levels per input.")
    every: Finite = Field(12, gt=0, description="Months between the points of the indices over time.")
    seed: int | None = Field(None, ge=0, description="Sampling seed; default [uncertainty].seed, else 0.")


class OptimizeStudy(_Strict):
    """``[study.optimize]``: the budget split (or schedule) that maximises an objective, robust over uncertainty."""

    name: str | None = Field(None, description="Output folder; default '<scenario>_optimize'.")
    objective: Union[Objective, dict[Objective, Finite]] = Field(
        "performance", description="performance (PMO Performance averaged over window), net_value (Cumulative Net Value "
                                   "at the horizon), survival (PMO Survival at the horizon), or weights of several.")
    window: tuple[Finite, Finite] | None = Field(None, description="[first, last] month of the performance average; "
                                                                    "default [60, 120], or the second half of a shorter horizon.")
    phases: int = Field(1, ge=1, le=3, description="1: a constant split; 2 or 3: a schedule whose switch months are decisions too.")
    shares: list[str] | None = Field(None, description="Shares the optimiser may move (default all five); the others keep "
                                                       "their part of the budget.")
    switch_months: tuple[Finite, Finite] | None = Field(None, description="Range of the switch months; default [6, horizon - 6].")
    budget: tuple[Finite, Finite] | None = Field(None, description="[low, high] k$/Month: optimise PMO Budget in this range too.")
    budget_cap: Finite | None = Field(None, gt=0, description="Constraint: PMO Budget at most this (k$/Month).")
    min_share: Finite = Field(0.0, ge=0, lt=1, description="Constraint: each share moved gets at least this part of the budget.")
    min_survival: Finite | None = Field(None, ge=0, le=1, description="Constraint: PMO Survival at the horizon at least this "
                                                                       "(the robust statistic over the samples).")
    robust: Literal["mean", "percentile", "worst"] = Field("mean", description="How the samples' objectives become one.")
    percentile: Finite = Field(10, ge=0, le=100, description="With robust = percentile: this percentile of the samples.")
    samples: int = Field(200, ge=1, description="Uncertainty samples each candidate runs over ([uncertainty]; 1 without it).")
    pareto: bool = Field(False, description="Also the Pareto front of PMO Performance against Cumulative PMO Cost (pymoo).")
    popsize: int = Field(8, ge=4, le=100, description="Candidates per generation, per decision variable.")
    maxiter: int = Field(200, ge=1, le=5000, description="Generations at most.")
    tol: Finite = Field(0.005, gt=0, description="Stop when the candidates' objectives agree within this (relative).")
    seed: int | None = Field(None, ge=0, description="Optimiser and sampling seed; default [uncertainty].seed, else 0.")


class Study(_Strict):
    """``[study]``: one sub-table per kind of study."""

    sensitivity: SensitivityStudy | None = None
    optimize: OptimizeStudy | None = None
    survey: SurveyStudy | None = None  # a virtual survey of the [uncertainty] population (sim.scenario.survey_study)


#: The sub-tables by location, for "did you mean" suggestions.
STUDY_TABLES = {("study",): Study, ("study", "sensitivity"): SensitivityStudy, ("study", "optimize"): OptimizeStudy,
                **SURVEY_TABLES}
