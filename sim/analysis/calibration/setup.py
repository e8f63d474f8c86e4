"""From a history and a scenario to a :class:`~sim.analysis.calibration.problem.Problem`: which
parameters to fit (by default the scenario's uncertain assumption parameters and the initial
capability levels), their documented ranges, where the fit starts, and every input held fixed (the
scenario's values and schedules, with the history's decisions as schedules)."""

from __future__ import annotations

import difflib
import math
from typing import Sequence

import numpy as np
import pandas as pd

from sim.analysis.calibration.history import History, HistoryError, OptionProblem
from sim.analysis.calibration.problem import Problem, Value
from sim.model import get_model, snake_case
from sim.runner import distribution_quantile, parameter_table
from sim.scenario import Scenario

#: The starting levels of the five capability stocks.
INITIAL_CAPABILITIES = ("initial_governance", "initial_delivery_support", "initial_strategic_alignment",
                        "initial_value_management", "initial_capability_development")


def default_parameters(scenario: Scenario, history: History) -> list[str]:
    """The scenario's uncertain assumption parameters and the initial capability levels, less the history's decisions."""
    model = get_model()
    uncertain = sorted(scenario.spec.uncertainty.params) if scenario.spec.uncertainty else []
    names = [n for n in uncertain if model.variables[n].is_assumption] + list(INITIAL_CAPABILITIES)
    return [n for n in dict.fromkeys(names) if n not in history.decisions]


def resolve_parameters(names: Sequence[str], scenario: Scenario, history: History) -> list[str]:
    """Parameter names as snake_case; every problem (unknown, computed, scheduled, given by the history) at once."""
    model = get_model()
    inputs = {v.py_name: v for v in model.inputs}
    spec = scenario.spec
    shocked = {s.input for s in spec.shocks}
    resolved, problems = [], []

    def add(name: str, message: str) -> None:
        problems.append(OptionProblem("--params", 0, name, message))

    for raw in names:
        name = raw.strip()
        py_name = name if name in inputs else snake_case(name)
        if py_name not in inputs:
            if py_name in model.variables:
                add(name, f"'{name}' is computed by the model, not a parameter; see pmo-sim list-params")
            else:
                close = difflib.get_close_matches(py_name, sorted(inputs), n=1, cutoff=0.6)
                add(name, f"unknown parameter '{name}'" + (f"; did you mean '{close[0]}'?" if close else "; see pmo-sim list-params"))
            continue
        variable = inputs[py_name]
        if variable.minimum is None or variable.maximum is None or not variable.minimum < variable.maximum:
            add(name, f"'{py_name}' has no documented range in the model file to bound the fit")
        elif py_name in history.decisions:
            add(name, f"'{py_name}' is a column of {history.label}: a known decision cannot also be fitted")
        elif py_name in spec.schedule or py_name in shocked:
            add(name, f"'{py_name}' is {'scheduled' if py_name in spec.schedule else 'shocked'} in {scenario.name}: "
                      "only a constant can be fitted")
        elif py_name in resolved:
            add(name, f"'{py_name}' is named twice")
        else:
            resolved.append(py_name)
    if not resolved and not problems:
        add("", "no parameters to fit")
    if problems:
        raise HistoryError(problems)
    return resolved


def scenario_value(scenario: Scenario, name: str) -> float:
    """A parameter's value in the scenario: its ``[params]`` value, its distribution's median, or the model's default."""
    spec = scenario.spec
    if name in spec.params:
        return float(spec.params[name])
    if spec.uncertainty is not None and name in spec.uncertainty.params:
        variable = get_model().variables[name]
        return float(distribution_quantile(spec.uncertainty.params[name], variable, 0.5)[0])
    return float(get_model().defaults()[name])


def fixed_inputs(scenario: Scenario, history: History, fitted: Sequence[str]) -> dict[str, Value]:
    """Every input the runs set besides the fitted ones: the scenario's values and schedules (shocks included), its
    uncertain parameters at their medians, and the history's decisions as schedules (they win)."""
    spec = scenario.spec
    table = parameter_table(spec.model_copy(update={"uncertainty": None}))
    fixed: dict[str, Value] = {name: table[name].iloc[0] for name in table.columns}
    if spec.uncertainty is not None:
        for name in spec.uncertainty.params:
            fixed[name] = scenario_value(scenario, name)
    fixed.update({name: simplified(series) for name, series in history.decisions.items()})
    return {name: value for name, value in fixed.items() if name not in fitted}


def build_problem(history: History, scenario: Scenario, fitted: Sequence[str]) -> tuple[Problem, np.ndarray]:
    """The problem and its first start (the scenario's values, unit coordinates). Refuses a history with fewer
    observations than parameters (one more is needed to estimate the noise)."""
    model = get_model()
    n, p = history.n_observations, len(fitted)
    if n <= p:
        raise HistoryError([history.problem(
            "file", f"{n} observation{'s' if n != 1 else ''} for {p} parameter{'s' if p != 1 else ''} to fit: a fit needs "
                    "more observations than parameters; add rows or fit fewer parameters (--params)")])
    lower = np.array([model.variables[n].minimum for n in fitted], dtype=float)
    upper = np.array([model.variables[n].maximum for n in fitted], dtype=float)
    series = tuple(history.observed)
    months = tuple(history.observed[s].months for s in series)
    observed = np.concatenate([history.observed[s].values for s in series])
    final_time = max(1.0, float(math.ceil(max(m.max() for m in months) - 1e-9)))
    problem = Problem(tuple(fitted), lower, upper, fixed_inputs(scenario, history, fitted), series, months, observed,
                      final_time, scenario.spec.run.time_step)
    first = problem.unit(np.array([scenario_value(scenario, n) for n in fitted]))
    return problem, np.clip(first, 0.0, 1.0)


def simplified(series: pd.Series) -> pd.Series:
    """The same piecewise-linear schedule with the points that lie on a straight line between their neighbours
    left out (a budget held at 100 for 36 months is two points, not 37)."""
    months, values = series.index.to_numpy(dtype=float), series.to_numpy(dtype=float)
    if len(months) <= 2:
        return series.astype(float)
    keep = [0]
    for i in range(1, len(months) - 1):
        a = keep[-1]
        expected = values[a] + (values[i + 1] - values[a]) * (months[i] - months[a]) / (months[i + 1] - months[a])
        if not np.isclose(values[i], expected, rtol=1e-12, atol=1e-12):
            keep.append(i)
    keep.append(len(months) - 1)
    return pd.Series(values[keep], index=months[keep], name=series.name)


def decision_points(series: pd.Series) -> list[list[float]]:
    """A decision column as the ``points`` of a scenario schedule."""
    return [[float(m), float(v)] for m, v in simplified(series).items()]
