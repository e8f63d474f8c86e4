"""The scenario file's schema (pydantic), its guards, and how problems are reported."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from sim.limits import MAX_STEPS  # noqa: F401 - part of the guards below
from sim.model import MAX_FINAL_TIME
from sim.scenario.distributions import Distribution, Lognormal, Normal, Triangular, Uniform  # noqa: F401 - part of the schema
from sim.scenario.study import Study
from sim.scenario.values import Number, Whole, pair

#: Guards against requests that would exhaust the machine.
MAX_RUNS = 100_000
MAX_SAVED_VALUES = 20_000_000  # runs x saved months, per output
MAX_FILE_BYTES = 1_000_000
SHOCK_EDGE = 1e-6  # months: a shock switches on and off within this time


# -- problems --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioProblem:
    """One thing wrong with a scenario file, where it is, and what to do about it."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ScenarioError(Exception):
    """A scenario file cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        # In reading order: by file, then line (the sort is stable within a line).
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in problems))


# -- schema ----------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunSettings(_Strict):
    """``[run]``: horizon and integration, in months."""

    final_time: Number = Field(120.0, gt=0, le=MAX_FINAL_TIME, description="Horizon in months.")
    time_step: Number | None = Field(None, gt=0, le=1, description="Euler step in months (model default 0.125).")
    saveper: Number | None = Field(None, gt=0, description="Months between saved values (model default 1).")


class Schedule(_Strict):
    """``[schedule.<input>]``: the input follows straight lines between these points."""

    points: list[Annotated[tuple[Number, Number], pair("[month, value]")]] = Field(min_length=1, description="[[month, value], ...], months increasing.")


class Shock(_Strict):
    """``[[shocks]]``: ``size`` is added to ``input`` from month ``at`` for ``duration`` months."""

    input: str
    at: Number = Field(ge=0)
    size: Number
    duration: Number = Field(gt=0)


class Uncertainty(_Strict):
    """``[uncertainty]``: a Monte Carlo of ``runs`` Latin-hypercube samples."""

    runs: Whole = Field(200, ge=1, le=MAX_RUNS)
    seed: Whole = Field(0, ge=0)
    params: dict[str, Distribution] = Field(default_factory=dict)


class ScenarioFile(_Strict):
    """The fields of a scenario file."""

    name: str | None = Field(None, description="Defaults to the file's stem; names the output folder.")
    description: str = ""
    extends: str | None = Field(None, description="Path of the scenario this one changes, relative to this file.")
    run: RunSettings = Field(default_factory=RunSettings)
    params: dict[str, Number] = Field(default_factory=dict)
    schedule: dict[str, Schedule] = Field(default_factory=dict)
    shocks: list[Shock] = Field(default_factory=list)
    uncertainty: Uncertainty | None = None
    study: Study | None = Field(None, description="Studies of this scenario: [study.sensitivity], [study.optimize], [study.survey].")


@dataclass
class Scenario:
    """A validated scenario with its ``extends`` chain resolved."""

    name: str
    path: Path | None
    spec: ScenarioFile
    parent: "Scenario | None" = None

    @property
    def description(self) -> str:
        return self.spec.description

    def resolved(self) -> dict[str, Any]:
        """Everything that determines the results, as plain data (``extends`` merged in)."""
        data = self.spec.model_dump(mode="json", exclude={"extends"})
        data["name"] = self.name
        return data

    def sha256(self) -> str:
        canonical = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

