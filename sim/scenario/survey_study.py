"""``[study.survey]``: a population of simulated PMOs surveyed as researchers survey real ones.

The scenario's ``[uncertainty]`` is the population (its runs are the PMOs, its params the distributions
they are drawn from); this sub-table says at what age each PMO is surveyed, who answers, which model
quantity stands behind each construct and how the questionnaire measures it, which random risk events
the PMOs meet, and how the answers are analysed. Every field has a default. The checks against the
scenario and the model file (the window of ages within the horizon, model variables, feasible item
loadings) are in :mod:`sim.scenario.survey_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from sim.scenario.distributions import Distribution, Lognormal, Uniform
from sim.scenario.values import Flag, Number, Whole

Loading = Annotated[Number, Field(gt=0, lt=1)]
Noise = Annotated[Number, Field(gt=0, le=10)]
MIN_ITEMS, MAX_ITEMS = 3, 5
MAX_BOOTSTRAP = 100_000

#: How a construct's model quantity is read over the ``window`` months before the survey: its value at the
#: survey month, its average, its total (the integral, for a flow per month), its change, or its peak.
Measure = Literal["state", "mean", "total", "change", "peak"]


@dataclass(frozen=True)
class Construct:
    """A construct of the white paper's path model and, by default, the model quantity a questionnaire reads."""

    name: str  # snake_case; the model variable of the same name is the construct's state
    label: str
    short: str  # for charts and item names
    role: str  # execution, value, enabling, risk, mediator, outcome
    variable: str  # the model variable measured by default
    measure: str  # how, by default (Measure)
    window: float  # months before the survey, by default


#: The defaults follow how PMO surveys ask (the README's survey section gives the sources): capabilities
#: as they are now; transformation as the reconfiguration of the last two years; risks as the tensions
#: experienced over the last two years; performance over the last twelve months.
CONSTRUCTS: tuple[Construct, ...] = (
    Construct("governance_and_standardization", "Governance & Standardization", "GOV", "execution",
              "governance_and_standardization", "state", 24),
    Construct("delivery_support", "Delivery Support", "DS", "execution", "delivery_support", "state", 24),
    Construct("strategic_alignment", "Strategic Alignment", "SA", "value", "strategic_alignment", "state", 24),
    Construct("performance_and_value_management", "Performance & Value Management", "PVM", "value",
              "performance_and_value_management", "state", 24),
    Construct("capability_development", "Capability Development", "CD", "enabling", "capability_development", "state", 24),
    Construct("mandate_risk", "Mandate Risk", "MR", "risk", "mandate_risk", "mean", 24),
    Construct("governance_fragmentation_risk", "Governance Fragmentation Risk", "GFR", "risk",
              "governance_fragmentation_risk", "mean", 24),
    Construct("value_measurement_risk", "Value Measurement Risk", "VMR", "risk", "value_measurement_risk", "mean", 24),
    Construct("pmo_transformation", "PMO Transformation", "TR", "mediator", "transformation_activity", "total", 24),
    Construct("pmo_performance", "PMO Performance", "PERF", "outcome", "pmo_performance", "mean", 12),
)
CONSTRUCT_NAMES = tuple(c.name for c in CONSTRUCTS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Measurement(_Strict):
    """``[study.survey.constructs.<name>]``: how one construct is measured, where not as by default."""

    variable: str | None = Field(None, description="Model variable behind the construct (default: see the README).")
    measure: Measure | None = Field(None, description="state (at the survey month), mean, total, change or peak over "
                                                      "the window.")
    window: Number | None = Field(None, gt=0, description="Months before the survey the measure covers (from month 0 "
                                                          "for a younger PMO).")
    loadings: list[Loading] | None = Field(None, min_length=MIN_ITEMS, max_length=MAX_ITEMS,
                                           description="Standardised loading of each item on the construct (0 to 1).")
    noise: list[Noise] | None = Field(None, description="Standard deviation of each item's own error; default: what "
                                                         "makes each item's variance 1.")


#: ``[study.survey.constructs]``: one optional sub-table per construct, so a misspelt one is an unknown field.
Constructs = create_model("Constructs", __base__=_Strict,
                          **{name: (Measurement | None, Field(None)) for name in CONSTRUCT_NAMES})


class RiskEvents(_Strict):
    """``[study.survey.events]``: random risk events, drawn for each PMO on its own (a Poisson process)."""

    input: str = Field("risk_shock", description="Input the events are added to.")
    every: Number = Field(36, gt=0, description="Mean months between the end of one event and the start of the next.")
    size: Distribution = Field(default_factory=lambda: Uniform(dist="uniform", low=0.2, high=0.6),
                               description="Size of each event, added to the input while it lasts.")
    duration: Distribution = Field(default_factory=lambda: Uniform(dist="uniform", low=1, high=6),
                                   description="Months each event lasts.")


def _default_age() -> Lognormal:
    return Lognormal(dist="lognormal", median=24, sigma=0.9, low=3, high=120)


class SurveyStudy(_Strict):
    """``[study.survey]``: who is surveyed, at what age, how each construct is measured, how the answers are analysed."""

    name: str | None = Field(None, description="Output folder; default the scenario's name.")
    age: Distribution = Field(default_factory=_default_age,
                              description="Months since the PMO started at which it is surveyed; the distribution's "
                                          "low to high is the window of ages.")
    survivors_only: Flag = Field(True, description="Closed PMOs (drawn from PMO Survival at their age) do not answer.")
    non_response: Number = Field(0.0, ge=0, le=0.95, description="Share of the PMOs reached that do not answer.")
    non_response_bias: Number = Field(0.0, ge=-5, le=5, description="Log-odds of answering per standard deviation of "
                                                                      "PMO Performance (positive: weaker PMOs answer less).")
    scale: Literal[5, 7] = Field(7, description="Likert points.")
    loadings: list[Loading] = Field([0.8, 0.8, 0.8, 0.8], min_length=MIN_ITEMS, max_length=MAX_ITEMS,
                                    description="Default standardised loadings of a construct's items.")
    noise: list[Noise] | None = Field(None, description="Default standard deviation of each item's own error.")
    common_method: Number = Field(0.0, ge=0, lt=1, description="Loading of one common-method factor on every item.")
    constructs: Constructs = Field(default_factory=Constructs,  # type: ignore[valid-type]
                                   description="How a construct is measured where not as by default.")
    events: RiskEvents | None = Field(None, description="Random risk events each PMO meets (none by default).")
    bootstrap: Whole = Field(1000, ge=50, le=MAX_BOOTSTRAP, description="Bootstrap resamples of the path model.")
    confidence: Number = Field(0.95, gt=0.5, lt=1, description="Level of the bootstrap intervals.")
    seed: Whole | None = Field(None, ge=0, description="Seed of ages, events, answers and resamples (default: "
                                                     "[uncertainty].seed).")


#: The survey's tables by location, for "did you mean" suggestions.
SURVEY_TABLES = {("study", "survey"): SurveyStudy, ("study", "survey", "constructs"): Constructs,
                 ("study", "survey", "events"): RiskEvents,
                 **{("study", "survey", "constructs", name): Measurement for name in CONSTRUCT_NAMES}}
