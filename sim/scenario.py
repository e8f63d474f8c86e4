"""Scenario files (TOML): schema, ``extends`` chains, schedules, shocks and uncertainty.

A scenario file describes one what-if case. Every problem of a file is reported at once as
``path:line: field: message`` in a :class:`ScenarioError`; nothing is run from a file that has one.
The model file's metadata (names, ranges, units) is the only list of inputs: nothing here repeats it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from sim.model import MAX_FINAL_TIME, Variable, get_model

#: Guards against requests that would exhaust the machine.
MAX_STEPS = 100_000  # Euler steps per run
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

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunSettings(_Strict):
    """``[run]``: horizon and integration, in months."""

    final_time: Finite = Field(120.0, gt=0, le=MAX_FINAL_TIME, description="Horizon in months.")
    time_step: Finite | None = Field(None, gt=0, le=1, description="Euler step in months (model default 0.125).")
    saveper: Finite | None = Field(None, gt=0, description="Months between saved values (model default 1).")


class Schedule(_Strict):
    """``[schedule.<input>]``: the input follows straight lines between these points."""

    points: list[tuple[Finite, Finite]] = Field(min_length=1, description="[[month, value], ...], months increasing.")


class Shock(_Strict):
    """``[[shocks]]``: ``size`` is added to ``input`` from month ``at`` for ``duration`` months."""

    input: str
    at: Finite = Field(ge=0)
    size: Finite
    duration: Finite = Field(gt=0)


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: Finite
    high: Finite


class Triangular(_Strict):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite


class Normal(_Strict):
    """Truncated to ``low``/``high`` when given, and always to the input's documented range."""

    dist: Literal["normal"]
    mean: Finite
    sd: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


class Lognormal(_Strict):
    """``median`` and ``sigma`` (standard deviation of the logarithm); truncated like normal."""

    dist: Literal["lognormal"]
    median: Finite = Field(gt=0)
    sigma: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


Distribution = Annotated[Union[Uniform, Triangular, Normal, Lognormal], Field(discriminator="dist")]


class Uncertainty(_Strict):
    """``[uncertainty]``: a Monte Carlo of ``runs`` Latin-hypercube samples."""

    runs: int = Field(200, ge=1, le=MAX_RUNS)
    seed: int = Field(0, ge=0)
    params: dict[str, Distribution] = Field(default_factory=dict)


class ScenarioFile(_Strict):
    """The fields of a scenario file."""

    name: str | None = Field(None, description="Defaults to the file's stem; names the output folder.")
    description: str = ""
    extends: str | None = Field(None, description="Path of the scenario this one changes, relative to this file.")
    run: RunSettings = Field(default_factory=RunSettings)
    params: dict[str, Finite] = Field(default_factory=dict)
    schedule: dict[str, Schedule] = Field(default_factory=dict)
    shocks: list[Shock] = Field(default_factory=list)
    uncertainty: Uncertainty | None = None


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


# -- reading files ---------------------------------------------------------------------------------


_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in re.findall(_KEY, text))


def key_lines(text: str) -> dict[tuple, int]:
    """Line of every key, table and inline-table key in a TOML text, by path."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    array_counts: dict[tuple, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.match(r"^\[\[\s*([^\]]+?)\s*\]\]", line)
        if header:
            path = _key_parts(header.group(1))
            index = array_counts.get(path, 0)
            array_counts[path] = index + 1
            table = path + (index,)
            lines.setdefault(path, number)
            lines[table] = number
            continue
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            table = _key_parts(header.group(1))
            for depth in range(1, len(table) + 1):
                lines.setdefault(table[:depth], number)
            continue
        assignment = re.match(rf"^({_KEY}(?:\s*\.\s*{_KEY})*)\s*=(.*)$", line)
        if assignment:
            path = table + _key_parts(assignment.group(1))
            lines.setdefault(path, number)
            inline = re.match(r"^\s*\{(.*)\}", assignment.group(2))
            if inline:
                for inner in re.finditer(rf"({_KEY})\s*=", inline.group(1)):
                    lines.setdefault(path + _key_parts(inner.group(1)), number)
    return lines


@dataclass
class _Source:
    """One file of an ``extends`` chain: its data and where each key is."""

    path: Path
    data: dict[str, Any]
    lines: dict[tuple, int]

    def line(self, location: tuple) -> int:
        for depth in range(len(location), 0, -1):
            if location[:depth] in self.lines:
                return self.lines[location[:depth]]
        return 1


def _read(path: Path, label: str) -> _Source:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([ScenarioProblem(label, 1, "file", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([ScenarioProblem(label, 1, "file", "is a folder, not a scenario file")]) from None
    except OSError as error:
        raise ScenarioError([ScenarioProblem(label, 1, "file", f"cannot be read ({error.strerror})")]) from None
    return _parse(raw, label, path)


def _parse(raw: bytes, label: str, path: Path) -> _Source:
    """Bytes of a scenario file -> its data and key lines; nothing in it is executed or opened."""

    def fail(message: str, line: int = 1, field: str = "file") -> ScenarioError:
        return ScenarioError([ScenarioProblem(label, line, field, message)])

    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"is larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a short text")
    if b"\x00" in raw:
        raise fail("is a binary file, not a TOML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("is not UTF-8 text") from None
    if not text.strip():
        raise fail("the file is empty; a scenario needs at least a description or a [params] table")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else len(text.splitlines()) or 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise fail(f"TOML syntax error: {message[:1].lower() + message[1:]}", line, "syntax") from None
    return _Source(path, data, key_lines(text))


def _merge(parent: dict, child: dict) -> dict:
    """Child values win; tables merge key by key; arrays (shocks) are replaced whole."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _owner(chain: list[_Source], location: tuple) -> _Source:
    """The file of the chain (child first) that sets ``location`` or its nearest parent key."""
    for depth in range(len(location), 0, -1):
        for source in chain:
            node: Any = source.data
            for key in location[:depth]:
                if isinstance(node, dict) and key in node:
                    node = node[key]
                elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                    node = node[key]
                else:
                    break
            else:
                return source
    return chain[0]


def _label(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _field(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"


# -- checking against the model --------------------------------------------------------------------


class _Checker:
    """Collects problems of one resolved scenario."""

    def __init__(self, chain: list[_Source]) -> None:
        self.chain = chain
        self.problems: list[ScenarioProblem] = []
        model = get_model()
        self.inputs = {v.py_name: v for v in model.inputs}
        self.computed = {v.py_name for v in model.variables.values() if v.kind not in ("constant", "control")}

    def add(self, location: tuple, message: str) -> None:
        source = _owner(self.chain, location)
        self.problems.append(ScenarioProblem(_label(source.path), source.line(location), _field(location), message))

    def input(self, location: tuple, name: str) -> Variable | None:
        if name in self.inputs:
            return self.inputs[name]
        if name in self.computed:
            self.add(location, f"'{name}' is computed by the model, not an input; see pmo-sim list-params")
            return None
        close = difflib.get_close_matches(name, sorted(self.inputs), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else "; see pmo-sim list-params"
        self.add(location, f"unknown parameter '{name}'{hint}")
        return None

    def in_range(self, location: tuple, variable: Variable, value: float, what: str = "") -> None:
        low, high = variable.minimum, variable.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(location, f"{what}{value:g} is outside the documented range {low:g} to {high:g} ({variable.units})")


def _pydantic_problems(checker: _Checker, error: pydantic.ValidationError) -> None:
    fields = {
        (): ScenarioFile, ("run",): RunSettings, ("uncertainty",): Uncertainty,
    }
    for item in error.errors():
        location = _strip_tags(tuple(item["loc"]))
        kind = item["type"]
        if kind == "extra_forbidden":
            known = fields.get(location[:-1])
            names = sorted(known.model_fields) if known else []
            close = difflib.get_close_matches(str(location[-1]), names, n=1, cutoff=0.6)
            message = "unknown field" + (f"; did you mean '{close[0]}'?" if close else "")
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "finite_number":
            message = "must be a finite number (not nan or inf)"
        elif kind in ("float_type", "float_parsing", "int_type", "int_parsing", "string_type", "list_type",
                      "dict_type", "model_type", "tuple_type", "model_attributes_type", "int_from_float"):
            expected = {"float": "a number", "int": "a whole number", "string": "text", "list": "a list",
                        "dict": "a table", "model": "a table", "tuple": "a [month, value] pair"}
            wanted = next((v for k, v in expected.items() if kind.startswith(k)), "another type")
            message = f"expected {wanted}, got {type(item.get('input')).__name__.replace('str', 'text')}"
        elif kind == "union_tag_invalid":
            message = f"unknown distribution '{item['ctx']['tag']}'; use uniform, triangular, normal or lognormal"
        elif kind == "union_tag_not_found":
            message = "a distribution needs dist = uniform, triangular, normal or lognormal"
        else:
            message = item["msg"][:1].lower() + item["msg"][1:]
        checker.add(location, message)


def _without(data: dict[str, Any], locations: list[tuple]) -> dict[str, Any]:
    """``data`` less the entries pydantic rejected, so the rest can still be checked.

    Removes the deepest table key each location reaches; a rejected array item removes the array.
    """
    import copy

    pruned = copy.deepcopy(data)
    for location in locations:
        node: Any = pruned
        parent, key = None, None
        for part in location:
            if isinstance(node, dict) and part in node:
                parent, key, node = node, part, node[part]
            elif isinstance(node, list):
                break
            else:
                break
        if isinstance(parent, dict) and key in parent:
            del parent[key]
    return pruned


def _validated(checker: _Checker, data: dict[str, Any]) -> ScenarioFile | None:
    """Structure check; reports its problems and returns what is left valid (None if nothing)."""
    try:
        return ScenarioFile.model_validate(data)
    except pydantic.ValidationError as error:
        _pydantic_problems(checker, error)
        locations = [_strip_tags(tuple(item["loc"])) for item in error.errors()]
    for _ in range(5):  # later passes only find what pruning itself removed: not reported
        data = _without(data, locations)
        try:
            return ScenarioFile.model_validate(data)
        except pydantic.ValidationError as error:
            locations = [_strip_tags(tuple(item["loc"])) for item in error.errors()]
    return None


def _strip_tags(location: tuple) -> tuple:
    """Discriminated unions put the tag in the location; it is not a key of the file."""
    return tuple(p for p in location if p not in ("uniform", "triangular", "normal", "lognormal"))


def _check(checker: _Checker, spec: ScenarioFile) -> None:
    run = spec.run
    time_step = run.time_step or get_model().defaults()["time_step"]
    saveper = run.saveper or get_model().defaults()["saveper"]
    if run.final_time / time_step > MAX_STEPS:
        checker.add(("run", "time_step"), f"{run.final_time:g} months in steps of {time_step:g} is more than {MAX_STEPS:,} steps")
    if saveper < time_step or not math.isclose(saveper / time_step, round(saveper / time_step)):
        checker.add(("run", "saveper"), f"must be a multiple of the time step ({time_step:g})")
    for name, value in spec.params.items():
        variable = checker.input(("params", name), name)
        if variable is not None:
            checker.in_range(("params", name), variable, value)
    for name, schedule in spec.schedule.items():
        variable = checker.input(("schedule", name), name)
        months = [m for m, _ in schedule.points]
        if any(b <= a for a, b in zip(months, months[1:])):
            checker.add(("schedule", name, "points"), "months must be in increasing order")
        if any(m < 0 for m in months):
            checker.add(("schedule", name, "points"), "months must not be negative")
        if variable is not None:
            for _, value in schedule.points:
                checker.in_range(("schedule", name, "points"), variable, value)
    for index, shock in enumerate(spec.shocks):
        variable = checker.input(("shocks", index, "input"), shock.input)
        if variable is not None:
            base = base_points(spec, shock.input)
            peak = max(v for _, v in base) + sum(s.size for s in spec.shocks if s.input == shock.input and s.size > 0)
            trough = min(v for _, v in base) + sum(s.size for s in spec.shocks if s.input == shock.input and s.size < 0)
            for value in (peak, trough):
                checker.in_range(("shocks", index, "size"), variable, value, "with this shock the input reaches ")
    if spec.uncertainty is not None:
        _check_uncertainty(checker, spec)


def _check_uncertainty(checker: _Checker, spec: ScenarioFile) -> None:
    uncertainty = spec.uncertainty
    points = spec.run.final_time / (spec.run.saveper or get_model().defaults()["saveper"]) + 1
    if uncertainty.runs * points > MAX_SAVED_VALUES:
        checker.add(("uncertainty", "runs"), f"{uncertainty.runs:,} runs x {points:,.0f} saved months is more than "
                    f"{MAX_SAVED_VALUES:,} values per output; lower runs or final_time, or raise saveper")
    for name, dist in uncertainty.params.items():
        location = ("uncertainty", "params", name)
        variable = checker.input(location, name)
        if name in spec.schedule:
            checker.add(location, f"'{name}' is also scheduled; an input is either scheduled or uncertain")
        if isinstance(dist, (Uniform, Triangular)):
            if not dist.low < dist.high:
                checker.add(location + ("high",), "high must be above low")
            if isinstance(dist, Triangular) and not dist.low <= dist.mode <= dist.high:
                checker.add(location + ("mode",), "mode must lie between low and high")
            if variable is not None:
                checker.in_range(location + ("low",), variable, dist.low)
                checker.in_range(location + ("high",), variable, dist.high)
        else:
            if dist.low is not None and dist.high is not None and not dist.low < dist.high:
                checker.add(location + ("high",), "high must be above low")
            elif variable is not None:
                low, high = truncation(dist, variable)
                if not low < high:
                    checker.add(location, f"its bounds leave nothing inside the documented range {variable.minimum:g} to {variable.maximum:g}")


def truncation(dist: Normal | Lognormal, variable: Variable) -> tuple[float, float]:
    """The interval a normal or lognormal distribution is truncated to."""
    lows = [x for x in (dist.low, variable.minimum) if x is not None]
    highs = [x for x in (dist.high, variable.maximum) if x is not None]
    return (max(lows) if lows else -math.inf, min(highs) if highs else math.inf)


def base_points(spec: ScenarioFile, name: str) -> list[tuple[float, float]]:
    """The input's own value over time before shocks: its schedule, parameter or model default."""
    if name in spec.schedule:
        return list(spec.schedule[name].points)
    value = spec.params.get(name, get_model().defaults().get(name, 0.0))
    return [(0.0, value)]


# -- loading ---------------------------------------------------------------------------------------


def safe_folder_name(name: str) -> str:
    """A folder name made of letters, digits, ``-`` and ``_`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return cleaned or "scenario"


def _check_name(checker: _Checker, name: str) -> None:
    if re.search(r"[\\/]", name) or name.strip().startswith(".") or ".." in name:
        checker.add(("name",), "must not contain '/', '\\' or '..' (a name cannot point outside the output folder)")
    elif not name.strip():
        checker.add(("name",), "must not be empty")


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
            raise
        seen.append(parent)
    return chain


def _beside(source: _Source, extends: str) -> Path:
    return source.path.parent / extends


def shipped_scenarios() -> Path:
    """The folder of the scenarios this project ships (next to the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "scenarios"


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
    first = _parse(raw, label, Path("<upload>") / label)
    return _resolve(_chain(first, _shipped_only), Path(label).stem, None)


def _resolve(chain: list[_Source], stem: str, overrides: dict[str, float] | None) -> Scenario:
    data: dict[str, Any] = {}
    for source in reversed(chain):
        inherited = {k: v for k, v in source.data.items() if k not in ("name", "description")}
        data = _merge(data, inherited if source is not chain[0] else source.data)
    if overrides:
        data = _merge(data, {"params": overrides})
    checker = _Checker(chain)
    spec = _validated(checker, data)
    if spec is not None:
        _check(checker, spec)
    name = data.get("name") if isinstance(data.get("name"), str) else stem
    _check_name(checker, name)
    if checker.problems:
        raise ScenarioError(checker.problems)
    parent = _resolve(chain[1:], chain[1].path.stem, None) if len(chain) > 1 else None
    path = chain[0].path if chain[0].path.parent.name != "<upload>" else None
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
    return schema


# -- writing ---------------------------------------------------------------------------------------


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
    return "\n".join(lines) + "\n"
