"""One request, before any backend integrates it: inputs, time grid and initial values.

Shared by the numpy and numba backends: a parameter table becomes constant values and schedules,
the time grid follows PySD's accumulation and saving rules, and the initial values (and every value
that is constant during a run) are computed once, vectorised over the runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.engine import initial
from sim.engine.functions import HELPERS, BatchError
from sim.engine.plan import CompiledModel, Plan, compiled, plan_for, var
from sim.model import CONTROL_NAMES, Model, get_model


@dataclass
class _Inputs:
    """A parameter table turned into constant values and schedules."""

    values: dict[str, Any]  # name -> float (same for all runs) or (runs,) array
    schedules: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (months, values (runs, points))


def _cells(column_data: Any) -> tuple[bool, Any]:
    """A column's cells, and whether they are all plain numbers (then as a float array)."""
    if isinstance(column_data, pd.Series):
        if pd.api.types.is_numeric_dtype(column_data) and not pd.api.types.is_bool_dtype(column_data):
            return True, column_data.to_numpy(dtype=float)
        return False, list(column_data)
    return False, list(column_data)


def _schedule_table(name: str, cells: list) -> tuple[np.ndarray, np.ndarray]:
    """A column of schedules (``pandas.Series``) and numbers as (months, runs x months); a number holds its value.

    Each distinct schedule object is checked and interpolated once, however many runs share it.
    """
    distinct = {id(cell): cell for cell in cells if isinstance(cell, pd.Series)}
    for s in distinct.values():
        if not s.index.is_monotonic_increasing or s.isna().any():
            raise BatchError(f"{name}: a schedule needs sorted months and no missing values")
    indexes = [s.index.to_numpy(dtype=float) for s in distinct.values()]
    if any(not isinstance(cell, pd.Series) for cell in cells):
        indexes.append(np.zeros(1))
    months = np.unique(np.concatenate(indexes))
    rows = {key: np.interp(months, s.index.to_numpy(dtype=float), s.to_numpy(dtype=float)) for key, s in distinct.items()}
    return months, np.vstack([rows[id(cell)] if isinstance(cell, pd.Series) else np.full(len(months), float(cell)) for cell in cells])


def _inputs(compiled_model: CompiledModel, columns: Iterable[tuple[Any, Any]]) -> _Inputs:
    model = compiled_model.model
    allowed = compiled_model.inputs
    values: dict[str, Any] = {}
    schedules: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for column, column_data in columns:
        name = model.resolve(str(column), allowed=allowed)
        if name in values or name in schedules:
            raise BatchError(f"'{column}' names '{name}' twice")
        numeric, cells = _cells(column_data)
        if not numeric and any(isinstance(cell, pd.Series) for cell in cells):
            schedules[name] = _schedule_table(name, cells)
            continue
        column_values = np.asarray(cells, dtype=float)
        if not np.isfinite(column_values).all():
            raise BatchError(f"{name}: every value must be a finite number")
        values[name] = column_values[0] if (column_values == column_values[0]).all() else column_values
    return _Inputs(values, schedules)


def _schedule_row(schedules: dict[str, tuple[np.ndarray, np.ndarray]], names: Sequence[str], time: float) -> tuple:
    """Every schedule at ``time``: ``np.interp`` (ends held), per run."""
    row = []
    for name in names:
        months, table = schedules[name]
        if table.shape[0] == 1 or (table == table[0]).all():
            row.append(np.float64(np.interp(time, months, table[0])))
            continue
        j = int(np.searchsorted(months, time, side="right")) - 1
        if j < 0:
            row.append(table[:, 0])
        elif j >= len(months) - 1:
            row.append(table[:, -1])
        else:
            row.append(table[:, j] + (time - months[j]) * (table[:, j + 1] - table[:, j]) / (months[j + 1] - months[j]))
    return tuple(row)


@functools.lru_cache(maxsize=16)
def _time_grid(initial_time: float, final: float, dt: float, save_every: float) -> tuple[tuple[np.float64, ...], tuple[bool, ...]]:
    """Every step's time, accumulated as PySD does, and whether it is saved (PySD's rule)."""
    precision = dt * 1e-5  # PySD's relative precision for saving and the final time
    times, saved = [], []
    time = np.float64(initial_time)
    while True:
        elapsed = time - initial_time
        times.append(time)
        saved.append(bool(elapsed % save_every < precision or -elapsed % save_every < precision))
        if not time + precision < final:
            return tuple(times), tuple(saved)
        time = time + dt


def _slice_inputs(inputs: _Inputs, runs: slice) -> _Inputs:
    return _Inputs(
        {n: v[runs] if isinstance(v, np.ndarray) else v for n, v in inputs.values.items()},
        {n: (months, table[runs]) for n, (months, table) in inputs.schedules.items()},
    )



@dataclass
class Request:
    """What a backend needs to integrate one call: the plan, the inputs and the time grid."""

    compiled_model: CompiledModel
    plan: Plan
    inputs: _Inputs
    settings: dict[str, float]
    times: tuple[np.float64, ...]
    saved_steps: tuple[bool, ...]
    wanted: list[str]  # outputs, in order
    n_runs: int

    @property
    def dt(self) -> float:
        return self.settings["time_step"]

    @property
    def varying(self) -> list[str]:
        """The wanted outputs that change during a run (the rest are constant per run)."""
        saved = self.plan.saved_set
        return [n for n in self.wanted if n in saved]


def _runs(param_table: pd.DataFrame | Mapping[str, Sequence[Any]]) -> int:
    if isinstance(param_table, pd.DataFrame):
        return len(param_table)
    lengths = {len(cells) for cells in param_table.values()}
    if len(lengths) > 1:
        raise BatchError("every column of the parameter table needs one value per run")
    return lengths.pop() if lengths else 1


def request(param_table: pd.DataFrame | Mapping[str, Sequence[Any]], *, final_time: float | None, time_step: float | None,
            saveper: float | None, outputs: Sequence[str] | None, model: Model | None) -> Request:
    """Check a call and choose its plan.

    ``param_table``: a frame with one row per run, or (cheaper for a few runs) a mapping of input
    name to its cells, one per run; a mapping without columns is one run of the defaults.
    """
    compiled_model = compiled(model or get_model())
    model = compiled_model.model
    n_runs = _runs(param_table)
    if n_runs == 0:
        raise BatchError("the parameter table has no rows")
    inputs = _inputs(compiled_model, param_table.items())
    settings = {n: compiled_model.constants[n] for n in CONTROL_NAMES}
    settings.update({k: v for k, v in (("final_time", final_time), ("time_step", time_step), ("saveper", saveper)) if v is not None})
    initial_time, final, dt, save_every = (settings[k] for k in ("initial_time", "final_time", "time_step", "saveper"))
    if not (dt > 0 and save_every > 0 and final > initial_time):
        raise BatchError("need TIME STEP > 0, SAVEPER > 0 and FINAL TIME after INITIAL TIME")
    overridden = frozenset(n for n in list(inputs.values) + list(inputs.schedules) if n not in compiled_model.constants)
    plan = plan_for(compiled_model, overridden, tuple(sorted(inputs.schedules)))
    if outputs is None:
        wanted = compiled_model.outputs
    else:
        allowed = compiled_model.known
        names = [outputs] if isinstance(outputs, str) else outputs  # one name is a list of one
        wanted = list(dict.fromkeys(n if n in allowed else model.resolve(n, allowed=allowed) for n in names))
    times, saved_steps = _time_grid(initial_time, final, dt, save_every)
    return Request(compiled_model, plan, inputs, settings, times, saved_steps, wanted, n_runs)


def initialise(req: Request, inputs: _Inputs, n_runs: int) -> tuple[dict[str, Any], tuple]:
    """The namespace of a step function (helpers, settings, constant and hoisted values) and the
    initial states, for ``n_runs`` runs with ``inputs``."""
    compiled_model, plan = req.compiled_model, req.plan
    namespace: dict[str, Any] = dict(HELPERS)
    namespace.update({f"_lk_{n}": table for n, table in compiled_model.lookups.items()})
    namespace.update({k: np.float64(v) for k, v in req.settings.items()})
    namespace["time"] = req.times[0]
    namespace["_dt"] = np.float64(req.dt)
    constant_values = {n: np.float64(v) for n, v in compiled_model.constants.items() if n not in CONTROL_NAMES}
    constant_values.update(inputs.values)
    for name in plan.scheduled:
        constant_values[name] = _schedule_row(inputs.schedules, [name], req.times[0])[0]
    namespace.update(initial.HELPERS)
    with np.errstate(all="ignore"):
        values, states = initial.run(compiled_model, plan, constant_values, namespace, n_runs, req.dt)
    namespace.update(values)
    namespace.update({var(n): v for n, v in constant_values.items() if n not in plan.scheduled})
    return namespace, tuple(tuple(states[s.name]) for s in plan.statefuls)


@dataclass
class Outputs:
    """A call's saved values before they become a Dataset: name -> (run, time) array."""

    values: dict[str, np.ndarray]
    times: np.ndarray  # the saved months

    def to_dataset(self) -> xr.Dataset:
        n_runs = next(iter(self.values.values())).shape[0] if self.values else 0
        data = {name: (("run", "time"), array) for name, array in self.values.items()}
        return xr.Dataset(data, coords={"run": np.arange(n_runs), "time": self.times})

    def frame(self, run: int = 0) -> pd.DataFrame:
        """One run as a frame: one row per saved month (index ``time``), one column per output."""
        columns = tuple(self.values)
        table = np.empty((len(self.times), len(columns)))
        for i, name in enumerate(columns):
            table[:, i] = self.values[name][run]
        # views of cached indexes: building them again (string columns) costs more than the rest
        return pd.DataFrame(table, index=_time_index(self.times).view(), columns=_column_index(columns).view())


@functools.lru_cache(maxsize=64)
def _column_index(columns: tuple[str, ...]) -> pd.Index:
    return pd.Index(columns)


_TIME_INDEXES: dict[int, tuple[np.ndarray, pd.Index]] = {}


def _time_index(times: np.ndarray) -> pd.Index:
    """The ``time`` index of saved months ``times`` (one of :func:`_saved_times`' cached arrays)."""
    known = _TIME_INDEXES.get(id(times))
    if known is None or known[0] is not times:
        if len(_TIME_INDEXES) > 64:
            _TIME_INDEXES.clear()
        known = _TIME_INDEXES[id(times)] = (times, pd.Index(times, name="time"))
    return known[1]


def collect(req: Request, out: dict[str, np.ndarray], namespaces: Sequence[dict[str, Any]], chunks: Sequence[slice]) -> Outputs:
    """The result: ``out`` holds each varying output as a (run, time) array; the constant ones come
    from the namespace of each chunk of runs."""
    times = _saved_times(req.times, req.saved_steps, req.dt)
    # constant during the run: one value per run (or one for all), repeated along time
    constant = [n for n in req.wanted if n not in out]
    block = np.empty((len(constant), req.n_runs))
    for i, name in enumerate(constant):
        for namespace, runs in zip(namespaces, chunks):
            block[i, runs] = namespace[var(name)]
    repeated = dict(zip(constant, np.broadcast_to(block[:, :, None], block.shape + (len(times),))))
    return Outputs({name: out[name] if name in out else repeated[name] for name in req.wanted}, times)


@functools.lru_cache(maxsize=16)
def _saved_times(times: tuple, saved_steps: tuple, dt: float) -> np.ndarray:
    """The saved months, rounded to PySD's precision (``dt`` x 1e-5)."""
    saved = np.round(np.asarray([t for t, keep in zip(times, saved_steps) if keep]), -int(np.log10(dt * 1e-5)))
    saved.flags.writeable = False
    return saved
