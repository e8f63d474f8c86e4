"""A study's options: the scenario file's ``[study.<kind>]`` with the caller's changes, checked like the file.

Problems are :class:`~sim.scenario.ScenarioError` s: ``file:line: study.<kind>.<field>: message``,
at the line of the scenario file that sets the field (line 1 for a scenario built in code).
"""

from __future__ import annotations

from typing import Any

from sim.scenario import Scenario, ScenarioError, ScenarioProblem, key_lines, scenario_from_dict
from sim.scenario.source import _label
from sim.scenario.study import OptimizeStudy, SensitivityStudy
from sim.scenario.survey_study import SurveyStudy

#: Runs one batch call of a study may ask of this machine (population x samples, or a Sobol design);
#: more go to a Dask cluster (``scheduler=``).
MAX_STUDY_RUNS = 250_000
KINDS = {"sensitivity": SensitivityStudy, "optimize": OptimizeStudy, "survey": SurveyStudy}


def study_options(scenario: Scenario, kind: str, changes: dict[str, Any] | None = None) -> tuple[Scenario, Any]:
    """The scenario (with ``changes`` merged into its ``[study.<kind>]``, checked) and that sub-table's options."""
    changes = {k: v for k, v in (changes or {}).items() if v is not None}
    if changes:
        data = scenario.resolved()
        study = data.get("study") or {}
        table = {k: v for k, v in (study.get(kind) or {}).items() if v is not None}
        data["study"] = {**{k: v for k, v in study.items() if v is not None}, kind: {**table, **changes}}
        checked = scenario_from_dict(data, name=scenario.name)
        scenario = Scenario(name=scenario.name, path=scenario.path, spec=checked.spec, parent=scenario.parent)
    study = scenario.spec.study
    options = getattr(study, kind, None) if study is not None else None
    return scenario, options if options is not None else KINDS[kind]()


def problem(scenario: Scenario, kind: str, field: str | None, message: str) -> ScenarioError:
    """A problem with option ``field`` of ``[study.<kind>]`` (None: with the sub-table as a whole), at the line of
    the scenario file that sets it."""
    location = ("study", kind) + ((field,) if field else ())
    line, label = 1, f"<{scenario.name}>"
    if scenario.path is not None:
        label = _label(scenario.path)
        try:
            lines = key_lines(scenario.path.read_text(encoding="utf-8"))
        except OSError:
            lines = {}
        line = next((lines[location[:depth]] for depth in range(len(location), 0, -1) if location[:depth] in lines), 1)
    return ScenarioError([ScenarioProblem(label, line, ".".join(location), message)])


def check_size(scenario: Scenario, kind: str, field: str, runs: int, *, distributed: bool) -> None:
    """Refuse a batch call larger than one machine should take, unless the runs go to a cluster."""
    if runs > MAX_STUDY_RUNS and not distributed:
        raise problem(scenario, kind, field, f"this study makes {runs:,} runs at once, more than {MAX_STUDY_RUNS:,} on one "
                                             "machine; lower it or give a Dask scheduler (--scheduler)")


def seed_of(scenario: Scenario, seed: int | None) -> int:
    """The study's seed: its own, else the scenario's ``[uncertainty].seed``, else 0."""
    if seed is not None:
        return seed
    return scenario.spec.uncertainty.seed if scenario.spec.uncertainty is not None else 0
