"""Loading scenarios: files with their ``extends`` chains, uploads, and scenarios built in code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sim.model import get_model
from sim.scenario.checks import _check, _check_name, _Checker, _validated
from sim.scenario.schema import Scenario, ScenarioError, ScenarioFile, ScenarioProblem
from sim.scenario.source import UPLOAD_FOLDER, _label, _merge, _parse, _read, _Source


def _chain(first: _Source, resolve) -> list[_Source]:
    """The file and the files it extends, child first; cycles and missing files are problems.

    ``resolve(source, extends)`` gives the path a source's ``extends`` names.
    """
    chain = [first]
    seen = [first.path.resolve()]
    while isinstance(chain[-1].data.get("extends"), str):
        current = chain[-1]
        line = current.line(("extends",))
        parent = resolve(current, current.data["extends"])
        if parent is None:
            raise ScenarioError([ScenarioProblem(_label(current.path), line, "extends",
                                                 "an uploaded scenario can only extend a shipped scenario by its file name, e.g. baseline.toml")])
        parent = parent.resolve()
        if parent in seen:
            cycle = " -> ".join(_label(p) for p in seen + [parent])
            raise ScenarioError([ScenarioProblem(_label(current.path), line, "extends", f"cycle: {cycle}")])
        try:
            chain.append(_read(parent, _label(parent)))
        except ScenarioError as error:
            problem = error.problems[0]
            if problem.message == "no such file":
                raise ScenarioError([ScenarioProblem(_label(current.path), line, "extends", f"no such file: {_label(parent)}")]) from None
            # the file the user ran names the parent: say where it is named, and what is wrong with the parent
            raise ScenarioError([ScenarioProblem(_label(current.path), line, "extends",
                                                 f"'{current.data['extends']}' cannot be read: {p}")
                                 for p in error.problems]) from None
        seen.append(parent)
    return chain


def _beside(source: _Source, extends: str) -> Path:
    return source.path.parent / extends


def shipped_scenarios() -> Path:
    """The folder of the scenarios this project ships (next to the package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def _shipped_only(source: _Source, extends: str) -> Path | None:
    """For uploads: ``extends`` may only name a shipped file; the name is looked up, never joined."""
    folder = shipped_scenarios()
    shipped = {p.name: p for p in folder.glob("*.toml")} if folder.is_dir() else {}
    if source.path.parent == folder:  # a shipped file extending another shipped file
        return _beside(source, extends)
    return shipped.get(extends)


def load_scenario(path: str | Path, *, overrides: dict[str, float] | None = None) -> Scenario:
    """Read, resolve and check a scenario file; raise :class:`ScenarioError` listing every problem.

    ``overrides`` set parameters on top of the file (the command line's ``-p name=value``).
    """
    path = Path(path)
    return _resolve(_chain(_read(path, _label(path)), _beside), path.stem, overrides)


def load_uploaded(raw: bytes, *, file_name: str) -> Scenario:
    """A scenario uploaded as bytes (the app): parsed and checked like a file, never used as a path.

    Its ``extends`` may only name a shipped scenario.
    """
    label = Path(file_name).name or "upload.toml"
    first = _parse(raw, label, Path(UPLOAD_FOLDER) / label)
    return _resolve(_chain(first, _shipped_only), Path(label).stem, None)


#: The three ways a file sets an input: a fixed value, a schedule, a distribution.
_WAYS = (("params",), ("schedule",), ("uncertainty", "params"))


def _table(data: Any, path: tuple[str, ...]) -> dict:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _replaced(inherited: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """``inherited`` (what the files below set) without the inputs ``layer`` sets: a fixed value in a
    child file (or ``-p``) replaces its parent's schedule or distribution, a distribution replaces the
    parent's whole (a uniform one over a triangular one), and so on. Within one file, an input set
    two ways is still a problem (:func:`_check`)."""
    data = copy.deepcopy(inherited)  # the files' own tables stay as read
    for way in _WAYS:
        names = set(_table(layer, way))
        for other in _WAYS:
            table = _table(data, other)
            if names & set(table):
                parent = _table(data, other[:-1]) if len(other) > 1 else data
                parent[other[-1]] = {k: v for k, v in table.items() if k not in names}
    return data


def _resolve(chain: list[_Source], stem: str, overrides: dict[str, float] | None) -> Scenario:
    data: dict[str, Any] = {}
    for source in reversed(chain):
        inherited = {k: v for k, v in source.data.items() if k not in ("name", "description")}
        layer = inherited if source is not chain[0] else source.data
        data = _merge(_replaced(data, layer), layer)
    if overrides:
        data = _merge(_replaced(data, {"params": overrides}), {"params": overrides})
    checker = _Checker(chain)
    spec = _validated(checker, data)
    if spec is not None:
        _check(checker, spec)
    written = isinstance(data.get("name"), str)
    name = data["name"] if written else stem
    _check_name(checker, name, written=written)
    if checker.problems:
        raise ScenarioError(checker.problems)
    parent = _resolve(chain[1:], chain[1].path.stem, None) if len(chain) > 1 else None
    path = chain[0].path if chain[0].path.parent.name != UPLOAD_FOLDER else None
    return Scenario(name=name, path=path, spec=spec, parent=parent)


def scenario_from_dict(data: dict[str, Any], *, name: str = "scenario") -> Scenario:
    """A scenario built in code (the app's sliders) and checked like a file; no ``extends``."""
    checker = _Checker([_Source(Path(f"<{name}>"), data, {})])
    spec = _validated(checker, {**data, "name": data.get("name", name)})
    if spec is None:
        raise ScenarioError(checker.problems)
    if spec.extends is not None:
        checker.add(("extends",), "a scenario built in code cannot extend a file")
    _check(checker, spec)
    if checker.problems:
        raise ScenarioError(checker.problems)
    return Scenario(name=spec.name or name, path=None, spec=spec)


def json_schema() -> dict[str, Any]:
    """The scenario JSON Schema, with every model input listed under params, schedule and uncertainty."""
    schema = ScenarioFile.model_json_schema()
    schema["title"] = "pmo-sim scenario"
    inputs = get_model().inputs
    params = {
        v.py_name: {"type": "number", "minimum": v.minimum, "maximum": v.maximum, "default": v.default,
                    "description": f"{v.comment} [{v.units}]"}
        for v in inputs
    }
    names = sorted(params)
    schema["properties"]["params"] = {"type": "object", "properties": params, "additionalProperties": False,
                                      "description": "Model inputs by snake_case name."}
    schema["properties"]["schedule"]["propertyNames"] = {"enum": names}
    schema["$defs"]["Uncertainty"]["properties"]["params"]["propertyNames"] = {"enum": names}
    schema["$defs"]["Shock"]["properties"]["input"]["enum"] = names
    # the virtual survey: events go on an input; a construct is read from any model variable
    schema["$defs"]["RiskEvents"]["properties"]["input"]["enum"] = names
    readable = sorted(n for n, v in get_model().variables.items() if v.kind not in ("control", "lookup"))
    schema["$defs"]["Measurement"]["properties"]["variable"]["anyOf"][0]["enum"] = readable
    return schema

