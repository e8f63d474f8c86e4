"""Checking a scenario against its schema and the model file's metadata; every problem at once."""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

import numpy as np
import pydantic

from sim.experiments import SHARES
from sim.limits import NOT_FINITE, outside_range, range_problem, time_problems
from sim.model import Variable, get_model
from sim.scenario.schema import (MAX_SAVED_VALUES, Lognormal, Normal, RunSettings, ScenarioFile, ScenarioProblem,
                                 Triangular, Uncertainty, Uniform)
from sim.scenario.source import _field, _label, _owner, _Source
from sim.scenario.study import STUDY_TABLES
from sim.scenario.values import REFUSED, kind_of


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
        """``what``, e.g. "with this shock the input reaches ", comes before the value in the message."""
        outside = outside_range(variable, value) if what and math.isfinite(value) else None
        problem = f"{what}{value:g}, which {outside}" if outside else range_problem(variable, value)
        if problem:
            self.add(location, problem)


def _pydantic_problems(checker: _Checker, error: pydantic.ValidationError) -> None:
    fields = {
        (): ScenarioFile, ("run",): RunSettings, ("uncertainty",): Uncertainty, **STUDY_TABLES,
    }
    seen = set()
    for item in error.errors():
        location = _strip_tags(tuple(item["loc"]))
        kind = item["type"]
        if kind == REFUSED and (item.get("ctx") or {}).get("key") is not None:
            location += (item["ctx"]["key"],)
        if location in seen:  # the branches of a union each refuse the value; the first says it
            continue
        seen.add(location)
        if location[:1] == ("params",) and len(location) == 2 and location[1] not in checker.inputs:
            checker.input(location, str(location[1]))  # unknown parameter says more than its value's type
            continue
        if kind == REFUSED:
            message = item["msg"]
        elif kind == "extra_forbidden":
            known = fields.get(location[:-1])
            names = sorted(known.model_fields) if known else []
            close = difflib.get_close_matches(str(location[-1]), names, n=1, cutoff=0.6)
            message = "unknown field" + (f"; did you mean '{close[0]}'?" if close else "")
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "finite_number":
            message = NOT_FINITE
        elif kind in ("float_type", "float_parsing", "int_type", "int_parsing", "string_type", "list_type",
                      "dict_type", "model_type", "tuple_type", "model_attributes_type", "int_from_float"):
            expected = {"float": "a number", "int": "a whole number", "string": "text", "list": "a list",
                        "dict": "a table", "model": "a table", "tuple": "a [month, value] pair"}
            wanted = next((v for k, v in expected.items() if kind.startswith(k)), "another type")
            message = f"expected {wanted}, got {type(item.get('input')).__name__.replace('str', 'text')}"
        elif kind == "literal_error":
            message = f"{_shown(item.get('input'))} is not one of {item['ctx']['expected'].replace(' or ', ', ')}"
        elif kind in ("too_short", "too_long"):
            ctx = item["ctx"]
            bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
            message = (f"needs at {'least' if kind == 'too_short' else 'most'} {bound} value{'s' if bound != 1 else ''}, "
                       f"got {ctx.get('actual_length', 'none')}")
        elif kind == "union_tag_invalid":
            message = f"unknown distribution '{item['ctx']['tag']}'; use uniform, triangular, normal or lognormal"
        elif kind == "union_tag_not_found":
            message = "a distribution needs dist = uniform, triangular, normal or lognormal"
        else:
            message = item["msg"][:1].lower() + item["msg"][1:]
        checker.add(location, message)


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else kind_of(value) if isinstance(value, (bool, dict, list)) else repr(value)


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
    return tuple(p for p in location if p not in ("uniform", "triangular", "normal", "lognormal")
                 and not (isinstance(p, str) and ("[" in p or "(" in p)))  # a union's branch, e.g. "dict[...]"


def _check(checker: _Checker, spec: ScenarioFile) -> None:
    for field, message in time_problems(spec.run.final_time, spec.run.time_step, spec.run.saveper):
        checker.add(("run", field), message)
    uncertain = spec.uncertainty.params if spec.uncertainty else {}
    for name, value in spec.params.items():
        variable = checker.input(("params", name), name)
        if variable is not None:
            checker.in_range(("params", name), variable, value)
        if name in spec.schedule or name in uncertain:
            how = "scheduled" if name in spec.schedule else "uncertain"
            checker.add(("params", name), f"'{name}' is also {how}; an input has one fixed value, a schedule or a distribution, "
                                          "and this value would not be used")
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
    _check_shares(checker, spec)
    if spec.uncertainty is not None:
        _check_uncertainty(checker, spec)
    if spec.study is not None:
        from sim.scenario.study_checks import check_study

        check_study(checker, spec)


def _check_shares(checker: _Checker, spec: ScenarioFile) -> None:
    """The model splits the budget by share / sum of shares (ZIDZ): all five at 0 invest nothing while the
    budget is still spent (Cumulative PMO Cost), which no one means; refused where the file says so."""
    uncertain = spec.uncertainty.params if spec.uncertainty else {}
    written = [n for n in SHARES if n in spec.params or n in spec.schedule]
    if not written or any(n in uncertain for n in SHARES) or spec.params.get("pmo_budget") == 0:
        return  # a PMO without budget may say its shares are 0 too
    points = {n: base_points(spec, n) for n in SHARES}
    months = sorted({m for series in points.values() for m, _ in series})
    for month in months:
        if all(np.interp(month, [m for m, _ in s], [v for _, v in s]) == 0 for s in points.values()):
            name = written[0]
            checker.add(("params" if name in spec.params else "schedule", name),
                        f"all five budget shares are 0 at month {month:g}: the budget would be spent and invest in "
                        "nothing; give at least one share above 0 (or pmo_budget = 0 for a PMO without budget)")
            return


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


#: A scenario's name becomes a folder name (at most 255 bytes on common file systems), with room to spare.
MAX_NAME_LENGTH = 120


def safe_folder_name(name: str) -> str:
    """A folder name made of letters, digits, ``-`` and ``_`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return cleaned or "scenario"


def _check_name(checker: _Checker, name: str, *, written: bool = True) -> None:
    """``written``: the file gives the name (a file's stem, used without one, is made a folder name instead)."""
    if re.search(r"[\\/]", name) or name.strip().startswith(".") or ".." in name:
        checker.add(("name",), "must not contain '/', '\\' or '..' (a name cannot point outside the output folder)")
    elif not name.strip():
        checker.add(("name",), "must not be empty")
    elif len(name) > MAX_NAME_LENGTH:
        checker.add(("name",), f"is {len(name)} characters long; a name names the output folder and may have at most "
                               f"{MAX_NAME_LENGTH} (without a name, the file name is used)")
    elif written and not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        example = safe_folder_name(name)
        checker.add(("name",), f"'{name}' names the output folder and may contain only letters, digits, - and _"
                               + (f"; e.g. '{example}'" if example != "scenario" else ""))
