"""Writing a scenario back to a TOML file that ``pmo-sim run`` accepts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from sim.scenario.schema import Scenario


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) and not float(value).is_integer() else f"{value:g}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items() if v is not None) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(scenario: Scenario) -> str:
    """The scenario as a TOML file that ``pmo-sim run`` accepts (``extends`` resolved, defaults left out)."""
    spec = scenario.spec
    lines = [f"name = {_toml_value(scenario.name)}", f"description = {_toml_value(spec.description)}", "", "[run]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in spec.run.model_dump().items() if v is not None]
    if spec.params:
        lines += ["", "[params]"] + [f"{k} = {_toml_value(v)}" for k, v in spec.params.items()]
    for name, schedule in spec.schedule.items():
        lines += ["", f"[schedule.{name}]", f"points = {_toml_value([list(p) for p in schedule.points])}"]
    for shock in spec.shocks:
        lines += ["", "[[shocks]]"] + [f"{k} = {_toml_value(v)}" for k, v in shock.model_dump().items()]
    if spec.uncertainty is not None:
        lines += ["", "[uncertainty]", f"runs = {spec.uncertainty.runs}", f"seed = {spec.uncertainty.seed}"]
        if spec.uncertainty.params:
            lines += ["", "[uncertainty.params]"]
            lines += [f"{k} = {_toml_value(d.model_dump())}" for k, d in spec.uncertainty.params.items()]
    if spec.study is not None:
        lines += _table_lines("study", spec.study)
    return "\n".join(lines) + "\n"


def _table_lines(path: str, table: BaseModel) -> list[str]:
    """A table and its sub-tables, with the fields the file set (or the code gave); a distribution is inline."""
    values, tables = [], []
    for name in (n for n in type(table).model_fields if n in table.model_fields_set):
        value = getattr(table, name)
        if value is None:
            continue
        if isinstance(value, BaseModel) and "dist" not in type(value).model_fields:
            tables += _table_lines(f"{path}.{name}", value)
        else:
            data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            values.append(f"{name} = {_toml_value(data)}")
    return (["", f"[{path}]"] + values if values else []) + tables
