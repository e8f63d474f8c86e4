"""One run of the model: parameter checking and engine dispatch."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.limits import is_number, range_problem, settings_problems
from sim.model import ModelError, Variable, get_model

#: ``"batch"`` is the default batch backend: ``"numba"`` where numba imports, else ``"numpy"``.
BATCH_ENGINES = ("batch", "numba", "numpy")
ENGINES = BATCH_ENGINES + ("pysd",)


def _schedule(py_name: str, variable: Variable, value: pd.Series, where: str) -> pd.Series:
    if value.empty or value.isna().any():
        raise ModelError(f"{py_name}{where}: a schedule needs at least one point and no missing values")
    try:
        months = value.index.to_numpy(dtype=float)
        values = value.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ModelError(f"{py_name}{where}: a schedule is a pandas.Series of numbers indexed by month (numbers), "
                         f"e.g. pd.Series([100, 150], index=[0, 12])") from None
    if (np.diff(months) <= 0).any():  # as in scenario files: a month given twice is ambiguous
        raise ModelError(f"{py_name}{where}: schedule months must be in increasing order, each once")
    if (months < 0).any() or not np.isfinite(months).all():
        raise ModelError(f"{py_name}{where}: schedule months must be finite and not negative")
    for month, point in zip(months, values):
        problem = range_problem(variable, point, f"schedule at month {month:g}: ")
        if problem:
            raise ModelError(f"{py_name}{where}: {problem}")
    return value.astype(float)


def _number(py_name: str, variable: Variable, value: object, where: str) -> float:
    if not is_number(value):
        raise ModelError(f"{py_name}{where}: expected a number or a pandas.Series, got {type(value).__name__}")
    problem = range_problem(variable, float(value))  # type: ignore[arg-type]
    if problem:
        raise ModelError(f"{py_name}{where}: {problem}")
    return float(value)  # type: ignore[arg-type]


def _allowed() -> set[str]:
    return {v.py_name for v in get_model().variables.values() if v.kind not in ("control", "lookup")}


def check_params(params: Mapping[str, float | pd.Series] | None) -> dict[str, float | pd.Series]:
    """Resolve names to snake_case and check values as scenario files are checked; raise on the first problem.

    A value is a number (numpy numbers included) or a ``pandas.Series`` schedule, finite and inside
    the variable's documented range in the model file. A name may be any model variable: inputs are
    the usual case; naming a computed variable replaces its equation by the value given (a what-if
    override, e.g. to hold a stock fixed). Raises :class:`ModelError`, or ``TypeError`` when
    ``params`` is not a mapping.
    """
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of name -> value, e.g. {{'pmo_budget': 150}}; got {type(params).__name__}")
    model = get_model()
    allowed = _allowed()
    checked: dict[str, float | pd.Series] = {}
    for name, value in params.items():
        py_name = model.resolve(name, allowed=allowed)
        variable = model.describe(py_name)
        if isinstance(value, pd.Series):
            checked[py_name] = _schedule(py_name, variable, value, "")
        else:
            checked[py_name] = _number(py_name, variable, value, "")
    return checked


def check_table(param_table: pd.DataFrame) -> pd.DataFrame:
    """:func:`check_params` for every row of a parameter table; names resolved to snake_case.

    Raises :class:`ModelError` naming the parameter and the run, or ``TypeError`` when
    ``param_table`` is not a ``pandas.DataFrame``.
    """
    if not isinstance(param_table, pd.DataFrame):
        raise TypeError(f"param_table must be a pandas.DataFrame with one row per run and one column per input; "
                        f"got {type(param_table).__name__}")
    model = get_model()
    allowed = _allowed()
    renamed = {}
    for column in param_table.columns:
        py_name = model.resolve(str(column), allowed=allowed)
        variable = model.describe(py_name)
        cells = param_table[column]
        if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
            values = cells.to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if variable.minimum is not None:
                bad |= values < variable.minimum
            if variable.maximum is not None:
                bad |= values > variable.maximum
            if bad.any():
                first = int(np.argmax(bad))
                _number(py_name, variable, values[first], f" (run {cells.index[first]})")
        else:
            seen: set[int] = set()
            for run, cell in cells.items():
                if id(cell) in seen:  # one schedule shared by many runs is checked once
                    continue
                seen.add(id(cell))
                if isinstance(cell, pd.Series):
                    _schedule(py_name, variable, cell, f" (run {run})")
                else:
                    _number(py_name, variable, cell, f" (run {run})")
        renamed[column] = py_name
    return param_table.rename(columns=renamed)


def check_settings(final_time: object, time_step: object = None, saveper: object = None) -> None:
    """Refuse horizons, steps and saving intervals no run should take, as scenario files do."""
    problems = settings_problems(final_time, time_step, saveper)
    if problems:
        raise ModelError("; ".join(f"{name}: {message}" for name, message in problems))


def simulate(
    params: Mapping[str, float | pd.Series] | None = None,
    *,
    final_time: float = 120,
    time_step: float | None = None,
    saveper: float | None = None,
    engine: str = "batch",
) -> pd.DataFrame:
    """Run the PMO Dual-Track model once.

    Parameters
    ----------
    params
        Overrides by name (snake_case, or as written in the model file). A value is a number or
        a ``pandas.Series`` schedule indexed by month, interpolated linearly between points.
    final_time
        Horizon in months: greater than 0, at most 1200.
    time_step
        Euler step in months, greater than 0 and at most 1; the model file's TIME STEP (0.125)
        when omitted.
    saveper
        Months between saved values (rows of the result); the model file's SAVEPER (1 month) when
        omitted. It must be a multiple of the time step: ``time_step=0.3`` with the default
        ``saveper`` is refused rather than saving every 3 months; give ``saveper=0.3`` (or 0.6...)
        or a step that divides 1, e.g. 0.25.
    engine
        ``"batch"`` (default): the batch engine's default backend (``"numba"`` where numba is
        installed, else ``"numpy"``); ``"numba"`` or ``"numpy"`` to choose one; ``"pysd"``: the
        reference engine.

    Returns
    -------
    pandas.DataFrame
        One row per saved month (index ``time``), one snake_case column per model variable.
    """
    if engine not in ENGINES:
        raise ModelError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    check_settings(final_time, time_step, saveper)
    checked = check_params(params)
    if engine == "pysd":
        from sim.engine import pysd_engine

        return pysd_engine.run(checked, final_time=final_time, time_step=time_step, saveper=saveper)
    from sim.engine import batch

    columns = {name: [value] for name, value in checked.items()}  # one run: cheaper than a DataFrame
    return batch.outputs(columns, engine=engine, final_time=final_time, time_step=time_step, saveper=saveper).frame(0)


def simulate_batch(
    param_table: pd.DataFrame,
    *,
    final_time: float = 120,
    time_step: float | None = None,
    saveper: float | None = None,
    outputs: Sequence[str] | None = None,
    engine: str = "batch",
) -> xr.Dataset:
    """Run many parameter sets at once on the batch engine.

    Parameters
    ----------
    param_table
        One row per run, one column per input (snake_case or model-file name). A cell is a number
        or a ``pandas.Series`` schedule indexed by month (per run); a column may mix both.
    final_time
        Horizon in months: greater than 0, at most 1200.
    time_step
        Euler step in months, greater than 0 and at most 1; the model file's TIME STEP (0.125)
        when omitted.
    saveper
        Months between saved values (rows of the result); the model file's SAVEPER (1 month) when
        omitted. It must be a multiple of the time step: ``time_step=0.3`` with the default
        ``saveper`` is refused rather than saving every 3 months; give ``saveper=0.3`` (or 0.6...)
        or a step that divides 1, e.g. 0.25.
    outputs
        Variables to keep (all when omitted; one name or a list); fewer outputs use less memory.
    engine
        ``"batch"`` (default): ``"numba"`` where numba is installed, else ``"numpy"``; or either by name.

    Returns
    -------
    xarray.Dataset
        Dims ``(run, time)``, one data variable per model variable (snake_case).
    """
    if engine not in BATCH_ENGINES:
        raise ModelError(f"unknown batch engine '{engine}'; choose one of {', '.join(BATCH_ENGINES)}")
    check_settings(final_time, time_step, saveper)
    param_table = check_table(param_table)
    from sim.engine import batch

    return batch.run(param_table, engine=engine, final_time=final_time, time_step=time_step, saveper=saveper, outputs=outputs)
