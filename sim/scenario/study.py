"""The ``[study]`` table of a scenario file: checked by the study that reads it, reported like the rest.

A study (``kind = "survey"``, ...) declares its options in the scenario file it studies. The scenario
loader keeps the table as plain data; the study validates it against its own schema here, and every
problem is reported as ``path:line: study.field: message`` in a :class:`ScenarioError`, with the line
of the file of the ``extends`` chain that sets the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pydantic

from sim.scenario.checks import _Checker, _pydantic_problems
from sim.scenario.schema import Scenario, ScenarioError
from sim.scenario.source import _label, _parse, _read, _Source

Options = TypeVar("Options", bound=pydantic.BaseModel)


class StudyChecker:
    """Collects the problems of a scenario's ``[study]`` table; locations are given inside the table."""

    def __init__(self, scenario: Scenario, *, uploaded: bytes | None = None, file_name: str = "upload.toml") -> None:
        """``uploaded``: the bytes the scenario was read from when it has no path (an upload), for the lines."""
        self.scenario = scenario
        chain = _sources(scenario)
        if uploaded is not None:
            label = Path(file_name).name or "upload.toml"
            chain[0] = _parse(uploaded, label, Path("<upload>") / label)
        self._checker = _Checker(chain)

    @property
    def problems(self):
        return self._checker.problems

    def add(self, location: tuple, message: str, *, in_study: bool = True) -> None:
        """A problem at ``study.<location>``, or at ``location`` of the scenario when not ``in_study``."""
        self._checker.add(("study",) + location if in_study else location, message)

    def validate(self, model: type[Options], *, fields: dict[tuple, type[pydantic.BaseModel]] | None = None) -> Options | None:
        """The table checked against ``model`` (None, with the problems noted, when it does not fit).

        ``fields`` names the model of each sub-table (by location inside the study) for "did you mean" hints.
        """
        data: Any = self.scenario.spec.study or {}
        try:
            return model.model_validate(data)
        except pydantic.ValidationError as error:
            _pydantic_problems(self._checker, error, prefix=("study",), fields={(): model, **(fields or {})})
            return None

    def raise_problems(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


def _sources(scenario: Scenario) -> list[_Source]:
    """The files of the scenario's ``extends`` chain, child first, with the line of every key."""
    chain = []
    current: Scenario | None = scenario
    while current is not None:
        if current.path is not None and Path(current.path).is_file():
            chain.append(_read(Path(current.path), _label(Path(current.path))))
        else:  # built in code or uploaded: no lines to point at
            chain.append(_Source(Path(f"<{current.name}>"), current.spec.model_dump(mode="json"), {}))
        current = current.parent
    return chain


def check_study(scenario: Scenario, model: type[Options], *,
                fields: dict[tuple, type[pydantic.BaseModel]] | None = None) -> Options:
    """The scenario's ``[study]`` table validated against ``model``; raises :class:`ScenarioError` listing
    every problem as ``path:line: study.field: message``."""
    checker = StudyChecker(scenario)
    options = checker.validate(model, fields=fields)
    checker.raise_problems()
    return options  # type: ignore[return-value]
