"""Scenario files (TOML): schema, ``extends`` chains, schedules, shocks and uncertainty.

A scenario file describes one what-if case. Every problem of a file is reported at once as
``path:line: field: message`` in a :class:`ScenarioError`; nothing is run from a file that has one.
The model file's metadata (names, ranges, units) is the only list of inputs: nothing here repeats it.

Split by job: ``schema`` (the fields, guards and problem type), ``source`` (reading TOML and the
line of every key), ``checks`` (against the model file), ``loading`` (``extends`` chains, uploads,
scenarios built in code) and ``writer`` (back to TOML).
"""

from sim.scenario.checks import base_points, safe_folder_name, truncation
from sim.scenario.loading import json_schema, load_scenario, load_uploaded, scenario_from_dict, shipped_scenarios
from sim.scenario.schema import (MAX_FILE_BYTES, MAX_RUNS, MAX_SAVED_VALUES, MAX_STEPS, SHOCK_EDGE, Distribution, Lognormal,
                                 Normal, RunSettings, Scenario, ScenarioError, ScenarioFile, ScenarioProblem, Schedule, Shock,
                                 Triangular, Uncertainty, Uniform)
from sim.scenario.source import key_lines
from sim.scenario.writer import to_toml

__all__ = [
    "MAX_FILE_BYTES", "MAX_RUNS", "MAX_SAVED_VALUES", "MAX_STEPS", "SHOCK_EDGE", "Distribution", "Lognormal", "Normal",
    "RunSettings", "Scenario", "ScenarioError", "ScenarioFile", "ScenarioProblem", "Schedule", "Shock", "Triangular",
    "Uncertainty", "Uniform", "base_points", "json_schema", "key_lines", "load_scenario", "load_uploaded",
    "safe_folder_name", "scenario_from_dict", "shipped_scenarios", "to_toml", "truncation",
]
