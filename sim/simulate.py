"""One run of the model: parameter checking and engine dispatch."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import pandas as pd
import xarray as xr

from sim.model import MAX_FINAL_TIME, ModelError, get_model

#: ``"batch"`` is the default batch backend: ``"numba"`` where numba imports, else ``"numpy"``.
BATCH_ENGINES = ("batch", "numba", "numpy")
ENGINES = BATCH_ENGINES + ("pysd",)


def check_params(params: Mapping[str, float | pd.Series] | None) -> dict[str, float | pd.Series]:
    """Resolve names to snake_case and check values; raise :class:`ModelError` on the first problem.

    A name may be any model variable: inputs are the usual case; naming a computed variable
    replaces its equation by the value given (a what-if override, e.g. to hold a stock fixed).
    """
    model = get_model()
    allowed = {v.py_name for v in model.variables.values() if v.kind not in ("control", "lookup")}
    checked: dict[str, float | pd.Series] = {}
    for name, value in (params or {}).items():
        py_name = model.resolve(name, allowed=allowed)
        if isinstance(value, pd.Series):
            if value.empty or value.isna().any():
                raise ModelError(f"{py_name}: a schedule needs at least one point and no missing values")
            if not value.index.is_monotonic_increasing:
                raise ModelError(f"{py_name}: schedule months must be sorted")
            checked[py_name] = value.astype(float)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(f"{py_name}: expected a number or a pandas.Series, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ModelError(f"{py_name}: value must be finite, got {value}")
        checked[py_name] = float(value)
    return checked


def check_settings(final_time: float, time_step: float | None) -> None:
    """Refuse horizons and steps no run should take."""
    if not (isinstance(final_time, (int, float)) and 0 < final_time <= MAX_FINAL_TIME):
        raise ModelError(f"final_time must be between 0 and {MAX_FINAL_TIME:g} months, got {final_time}")
    if time_step is not None and not (0 < time_step <= 1):
        raise ModelError(f"time_step must be above 0 and at most 1 month, got {time_step}")


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
        Horizon in months.
    time_step
        Euler step in months; the model file's TIME STEP when omitted.
    saveper
        Months between saved values; the model file's SAVEPER when omitted.
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
    check_settings(final_time, time_step)
    checked = check_params(params)
    if engine == "pysd":
        from sim.engine import pysd_engine

        return pysd_engine.run(checked, final_time=final_time, time_step=time_step, saveper=saveper)
    from sim.engine import batch

    table = pd.DataFrame({name: [value] for name, value in checked.items()}, index=[0])
    return batch.outputs(table, engine=engine, final_time=final_time, time_step=time_step, saveper=saveper).frame(0)


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
        Horizon in months.
    time_step
        Euler step in months; the model file's TIME STEP when omitted.
    saveper
        Months between saved values; the model file's SAVEPER when omitted.
    outputs
        Variables to keep (all when omitted); fewer outputs use less memory.
    engine
        ``"batch"`` (default): ``"numba"`` where numba is installed, else ``"numpy"``; or either by name.

    Returns
    -------
    xarray.Dataset
        Dims ``(run, time)``, one data variable per model variable (snake_case).
    """
    if engine not in BATCH_ENGINES:
        raise ModelError(f"unknown batch engine '{engine}'; choose one of {', '.join(BATCH_ENGINES)}")
    check_settings(final_time, time_step)
    from sim.engine import batch

    return batch.run(param_table, engine=engine, final_time=final_time, time_step=time_step, saveper=saveper, outputs=outputs)
