"""One request, before any backend integrates it: inputs, time grid and initial values.

Shared by the numpy and numba backends: a parameter table becomes constant values and schedules,
the time grid follows PySD's accumulation and saving rules, and the initial values (and every value
that is constant during a run) are computed once, vectorised over the runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.engine.functions import HELPERS, BatchError
from sim.engine.plan import CompiledModel, Plan, Stateful, compiled, plan_for, var
from sim.model import CONTROL_NAMES, Model, get_model


@functools.lru_cache(maxsize=4096)
def _code(expression: str) -> Any:
    """An expression compiled once per process (initial values are computed on every call)."""
    return compile(expression, "<pmo-sim expression>", "eval")


class _Initial(dict):
    """Values at the initial time, computed on demand in whatever order the equations need."""

    def __init__(self, compiled_model: CompiledModel, plan: Plan, values: dict[str, Any], namespace: dict[str, Any], n_runs: int, time_step: float) -> None:
        super().__init__({var(n): v for n, v in values.items()})
        self.compiled_model, self.namespace, self.n_runs, self.time_step = compiled_model, namespace, n_runs, time_step
        self.equations = compiled_model.equations
        self.statefuls = {s.name: s for s in plan.statefuls}
        self.states: dict[str, list[np.ndarray]] = {}
        self.pending: list[str] = []

    def evaluate(self, code: str) -> Any:
        return eval(_code(code), self.namespace, self)  # noqa: S307 - code generated from the model file

    def __missing__(self, key: str) -> Any:
        if not key.startswith("v_"):
            raise KeyError(key)  # let eval look in the namespace (np, helpers, time, ...)
        name = key[2:]
        if name in self.pending:
            raise BatchError("initial values depend on each other: " + " -> ".join(self.pending + [name]))
        self.pending.append(name)
        try:
            if name in self.statefuls:
                value = self._initialise(self.statefuls[name])
            elif name in self.equations:
                value = self.evaluate(self.equations[name].code)
            else:
                raise KeyError(key)
        finally:
            self.pending.pop()
        self[key] = value
        return value

    def _full(self, value: Any) -> Any:
        """A value for every run: an array, or a numpy scalar when there is one run (much faster)."""
        value = np.broadcast_to(np.asarray(value, dtype=float), (self.n_runs,))
        return value[0] if self.n_runs == 1 else value

    def _initialise(self, s: Stateful) -> Any:
        initial = self._full(self.evaluate(s.initial))
        if s.kind == "delay":
            delay_time = self._full(self.evaluate(s.time))
            # PySD would lower the order here; a compiled step has a fixed order, so say so instead.
            if s.order * self.time_step > np.min(delay_time):
                raise BatchError(f"{s.name}: a delay time is shorter than order x TIME STEP "
                                 f"({s.order} x {self.time_step:g}); lower TIME STEP or lengthen the delay")
            self.states[s.name] = [initial * delay_time for _ in range(s.order)]
            return self.states[s.name][-1] / delay_time
        self.states[s.name] = [np.array(initial) if self.n_runs > 1 else initial for _ in range(s.order)]
        return self.states[s.name][-1]


@dataclass
class _Inputs:
    """A parameter table turned into constant values and schedules."""

    values: dict[str, Any]  # name -> float (same for all runs) or (runs,) array
    schedules: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (months, values (runs, points))


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


def _inputs(compiled_model: CompiledModel, param_table: pd.DataFrame) -> _Inputs:
    model = compiled_model.model
    allowed = set(compiled_model.names) - set(CONTROL_NAMES)
    values: dict[str, Any] = {}
    schedules: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for column in param_table.columns:
        name = model.resolve(str(column), allowed=allowed)
        if name in values or name in schedules:
            raise BatchError(f"'{column}' names '{name}' twice")
        cells = list(param_table[column])
        if any(isinstance(cell, pd.Series) for cell in cells):
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
        return [n for n in self.wanted if n in self.plan.saved]


def request(param_table: pd.DataFrame, *, final_time: float | None, time_step: float | None, saveper: float | None,
            outputs: Sequence[str] | None, model: Model | None) -> Request:
    """Check a call and choose its plan."""
    compiled_model = compiled(model or get_model())
    model = compiled_model.model
    if len(param_table) == 0:
        raise BatchError("the parameter table has no rows")
    inputs = _inputs(compiled_model, param_table)
    settings = {n: compiled_model.constants[n] for n in CONTROL_NAMES}
    settings.update({k: v for k, v in (("final_time", final_time), ("time_step", time_step), ("saveper", saveper)) if v is not None})
    initial_time, final, dt, save_every = (settings[k] for k in ("initial_time", "final_time", "time_step", "saveper"))
    if not (dt > 0 and save_every > 0 and final > initial_time):
        raise BatchError("need TIME STEP > 0, SAVEPER > 0 and FINAL TIME after INITIAL TIME")
    overridden = frozenset(n for n in list(inputs.values) + list(inputs.schedules) if n not in compiled_model.constants)
    plan = plan_for(compiled_model, overridden, tuple(sorted(inputs.schedules)))
    wanted = list(outputs) if outputs is not None else [n for n in compiled_model.names if n not in CONTROL_NAMES]
    allowed = set(compiled_model.names)
    wanted = list(dict.fromkeys(n if n in allowed else model.resolve(n, allowed=allowed) for n in wanted))
    times, saved_steps = _time_grid(initial_time, final, dt, save_every)
    return Request(compiled_model, plan, inputs, settings, times, saved_steps, wanted, len(param_table))


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
    with np.errstate(all="ignore"):
        initial = _Initial(compiled_model, plan, constant_values, namespace, n_runs, req.dt)
        for s in plan.statefuls:
            initial[var(s.name)]
        for name in plan.static:
            namespace[var(name)] = initial[var(name)]
        for name, value in constant_values.items():
            if name not in plan.scheduled:
                namespace[var(name)] = value
        for name, code in plan.hoisted.items():
            namespace[name] = eval(_code(code), namespace)  # noqa: S307 - code generated from the model file
    return namespace, tuple(tuple(initial.states[s.name]) for s in plan.statefuls)


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
        columns = list(self.values)
        table = np.empty((len(self.times), len(columns)))
        for i, name in enumerate(columns):
            table[:, i] = self.values[name][run]
        return pd.DataFrame(table, index=pd.Index(self.times, name="time"), columns=columns)


def collect(req: Request, out: dict[str, np.ndarray], namespaces: Sequence[dict[str, Any]], chunks: Sequence[slice]) -> Outputs:
    """The result: ``out`` holds each varying output as a (run, time) array; the constant ones come
    from the namespace of each chunk of runs."""
    n_saved = sum(req.saved_steps)
    data: dict[str, np.ndarray] = {}
    for name in req.wanted:
        if name in out:
            data[name] = out[name]
            continue
        # constant during the run: one value per run (or one for all), repeated along time
        if len(chunks) == 1:
            column = np.asarray(namespaces[0][var(name)], dtype=float)
        else:
            column = np.concatenate([np.broadcast_to(np.asarray(ns[var(name)], dtype=float), (r.stop - r.start,)) for ns, r in zip(namespaces, chunks)])
        data[name] = np.broadcast_to(column[:, None] if column.ndim else column, (req.n_runs, n_saved))
    return Outputs(data, _saved_times(req.times, req.saved_steps, req.dt))


@functools.lru_cache(maxsize=16)
def _saved_times(times: tuple, saved_steps: tuple, dt: float) -> np.ndarray:
    """The saved months, rounded to PySD's precision (``dt`` x 1e-5)."""
    saved = np.round(np.asarray([t for t, keep in zip(times, saved_steps) if keep]), -int(np.log10(dt * 1e-5)))
    saved.flags.writeable = False
    return saved
