"""A workshop's set-up: rounds, the starting PMO, events, the decisions teams make and the score.

Everything a facilitator declares before the first round, checked once with a message per problem,
and stored as plain data (JSON) so that a restarted server rebuilds the same workshop.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sim.model import MAX_FINAL_TIME, get_model
from sim.scenario import Scenario, ScenarioError, base_points, scenario_from_dict

MAX_ROUNDS = 20
MAX_MONTHS_PER_ROUND = 60
MAX_NAME = 80
MAX_HEADLINE = 200
#: What an event may change: the PMO's environment, never a team's own decision.
EVENT_INPUTS = ("risk_shock", "strategic_turbulence", "organisational_complexity")
#: Score components, as a facilitator declares their weights (percent, adding up to 100).
SCORE_COMPONENTS = {
    "performance": "average PMO Performance over the months played (0-100)",
    "net_value": "Cumulative Net Value against a portfolio without a PMO, 0 for the class's lowest and 100 for its "
                 "highest (the baseline and the benchmark included)",
    "survival": "PMO Survival at the end (%), 0 for a closed PMO",
}
DEFAULT_WEIGHTS = {"performance": 40.0, "net_value": 40.0, "survival": 20.0}


class WorkshopError(Exception):
    """Something asked of a workshop cannot be done; ``problems`` lists ``(field, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]] | str) -> None:
        self.problems = [("", problems)] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(f"{f}: {m}" if f else m for f, m in self.problems))


@dataclass(frozen=True)
class Event:
    """A shock at the start of a round: ``size`` added to ``input`` for ``duration`` months, from
    ``offset`` months into the round. ``hidden`` events are news only when they happen."""

    round: int
    headline: str
    input: str = "risk_shock"
    size: float = 0.5
    duration: float = 3.0
    offset: float = 0.0
    hidden: bool = True


@dataclass(frozen=True)
class WorkshopSetup:
    """What a facilitator declares when creating a workshop."""

    name: str
    scenario: dict[str, Any]  # the starting PMO: a resolved scenario (Scenario.resolved())
    rounds: int = 6
    months_per_round: int = 12
    events: tuple[Event, ...] = ()
    decide_budget: bool = True
    decide_shares: bool = True
    decide_authority: bool = False
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    #: A PMO whose Survival falls below this at the end of a round is closed: the team is out.
    closure_threshold: float = 0.5
    benchmark: str = "balanced"
    auto_advance: bool = False

    @property
    def horizon(self) -> int:
        """Months of the whole workshop."""
        return self.rounds * self.months_per_round

    def starting_scenario(self) -> Scenario:
        return scenario_from_dict(self.scenario, name=str(self.scenario.get("name", "start")))

    def round_start(self, round_number: int) -> int:
        """The month round ``round_number`` (1-based) starts."""
        return (round_number - 1) * self.months_per_round

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["events"] = [asdict(e) for e in self.events]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "WorkshopSetup":
        data = dict(data)
        data["events"] = tuple(Event(**e) for e in data.get("events", ()))
        return cls(**data)

    def score_rule(self) -> str:
        """The declared score in words."""
        parts = [f"{self.weights[k]:g}% {k.replace('_', ' ')} ({SCORE_COMPONENTS[k]})" for k in SCORE_COMPONENTS
                 if self.weights.get(k)]
        return "Score = " + " + ".join(parts)


def _number_problem(value: object, low: float, high: float, *, integer: bool = False) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "must be a number"
    if integer and value != int(value):
        return "must be a whole number"
    if not low <= value <= high:
        return f"must be between {low:g} and {high:g}, got {value:g}"
    return None


def _event_problems(setup: WorkshopSetup, scenario: Scenario | None) -> list[tuple[str, str]]:
    problems = []
    model = get_model()
    for i, event in enumerate(setup.events, start=1):
        where = f"event {i}"
        if not isinstance(event.headline, str) or not event.headline.strip():
            problems.append((where, "needs a headline: the news line teams read when it happens"))
        elif len(event.headline) > MAX_HEADLINE:
            problems.append((where, f"headline is longer than {MAX_HEADLINE} characters"))
        if event.input not in EVENT_INPUTS:
            problems.append((where, f"input '{event.input}' cannot be shocked; choose one of {', '.join(EVENT_INPUTS)}"))
            continue
        problem = _number_problem(event.round, 1, setup.rounds, integer=True)
        if problem:
            problems.append((f"{where} round", problem))
        for name, value, low, high in (("duration", event.duration, 0.125, setup.horizon),
                                       ("offset", event.offset, 0, max(setup.months_per_round - 0.125, 0))):
            problem = _number_problem(value, low, high)
            if problem:
                problems.append((f"{where} {name} (months)", problem))
        variable = model.variables[event.input]
        problem = _number_problem(event.size, -(variable.maximum - variable.minimum), variable.maximum - variable.minimum)
        if problem:
            problems.append((f"{where} size", problem))
        elif scenario is not None:
            values = [v for _, v in base_points(scenario.spec, event.input)]
            low, high = min(values) + event.size, max(values) + event.size
            if low < variable.minimum - 1e-9 or high > variable.maximum + 1e-9:
                problems.append((f"{where} size", f"{event.input} would reach {low if low < variable.minimum else high:g}, "
                                                  f"outside its range {variable.minimum:g} to {variable.maximum:g} "
                                                  "(the starting PMO's own value plus the shock)"))
    return problems


def check_setup(setup: WorkshopSetup) -> WorkshopSetup:
    """``setup`` itself when it can be played; else :class:`WorkshopError` listing every problem."""
    problems: list[tuple[str, str]] = []
    if not isinstance(setup.name, str) or not setup.name.strip():
        problems.append(("name", "give the workshop a name (teams see it)"))
    elif len(setup.name) > MAX_NAME:
        problems.append(("name", f"at most {MAX_NAME} characters"))
    for name, value, high in (("rounds", setup.rounds, MAX_ROUNDS), ("months per round", setup.months_per_round, MAX_MONTHS_PER_ROUND)):
        problem = _number_problem(value, 1, high, integer=True)
        if problem:
            problems.append((name, problem))
    if not problems and setup.horizon > MAX_FINAL_TIME:
        problems.append(("rounds", f"{setup.rounds} rounds of {setup.months_per_round} months exceed {MAX_FINAL_TIME:g} months"))
    if not (setup.decide_budget or setup.decide_shares or setup.decide_authority):
        problems.append(("decisions", "teams must make at least one decision"))
    weights = setup.weights
    if set(weights) != set(SCORE_COMPONENTS):
        problems.append(("score", f"weights needed for exactly {', '.join(SCORE_COMPONENTS)}"))
    elif any(_number_problem(w, 0, 100) for w in weights.values()) or not math.isclose(sum(weights.values()), 100, abs_tol=0.01):
        problems.append(("score", f"weights are percentages that add up to 100, got {', '.join(f'{k} {v:g}' for k, v in weights.items())}"))
    problem = _number_problem(setup.closure_threshold, 0, 0.99)
    if problem:
        problems.append(("closure threshold", problem))
    from sim.workshop.benchmark import BENCHMARKS

    if setup.benchmark not in BENCHMARKS:
        problems.append(("benchmark", f"unknown benchmark policy '{setup.benchmark}'; choose one of {', '.join(BENCHMARKS)}"))
    scenario = None
    try:
        scenario = setup.starting_scenario()
    except ScenarioError as error:
        problems += [("starting PMO", str(p)) for p in error.problems]
    if not problems:
        problems += _event_problems(setup, scenario)
    if problems:
        raise WorkshopError(problems)
    return setup
