"""Fast engine: the model file compiled into vectorised numpy that advances N runs at once.

Pipeline (as PySD's): the abstract model PySD's Vensim translator makes -> one Python expression
per variable (``_Compiler``) -> equations ordered by dependency -> generated source of one step
function over arrays whose leading axis is the run -> Euler at the model's TIME STEP, saving at
SAVEPER. Semantics follow PySD's (the reference engine) construct by construct, so both engines
agree to 1e-9 relative; any construct not listed in ``FUNCTIONS`` raises :class:`BatchError`
naming it and the variable.

Values that do not change during a run (constants and everything computed only from them) are
evaluated once per call; only the rest runs every step.
"""

from __future__ import annotations

import ast as pyast
import bisect
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sim.model import CONTROL_NAMES, Model, ModelError, get_model

SMALL_VENSIM = 1e-6  # what Vensim (and PySD) treat as zero in ZIDZ, XIDZ, PULSE, RAMP


class BatchError(ModelError):
    """The batch engine cannot compile or run a model or request."""


# -- Vensim functions, with PySD's semantics, over arrays --------------------------------------


def _zidz(numerator, denominator):
    return np.where(np.abs(denominator) < SMALL_VENSIM, 0.0, np.divide(numerator, denominator))


def _xidz(numerator, denominator, x):
    return np.where(np.abs(denominator) < SMALL_VENSIM, x, np.divide(numerator, denominator))


def _if_then_else(condition, if_true, if_false):
    return np.where(condition, if_true, if_false)


def _step(time, time_step, height, step_time):
    return height * (time + time_step / 2 > step_time)


def _pulse(time, start, width):
    return 1.0 * ((start - SMALL_VENSIM <= time) & (time < start + width))


def _ramp(time, slope, start, finish=None):
    final = time if finish is None else np.minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


@dataclass(frozen=True)
class Table:
    """A lookup's points; ``extrapolate`` continues the end slopes instead of holding the ends."""

    xs: np.ndarray
    ys: np.ndarray
    extrapolate: bool

    @functools.cached_property
    def points(self) -> tuple[list[float], list[float]]:
        return self.xs.tolist(), self.ys.tolist()


def _lookup(x, table: Table):
    """PySD's lookup: linear inside, ends held (or extrapolated); arrays or a single number."""
    if np.ndim(x) == 0 and not table.extrapolate:
        return _lookup_scalar(float(x), *table.points)
    xs, ys = table.xs, table.ys
    y = np.interp(x, xs, ys)
    if table.extrapolate:
        below_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        above_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        y = np.where(x < xs[0], ys[0] + below_slope * (x - xs[0]), y)
        y = np.where(x > xs[-1], ys[-1] + above_slope * (x - xs[-1]), y)
    return y


def _lookup_scalar(x: float, xs: list[float], ys: list[float]) -> np.float64:
    """``np.interp`` for one number, without numpy's per-call cost (same formula, same result)."""
    if x != x:
        return np.float64(x)
    if x <= xs[0]:
        return np.float64(ys[0])
    if x >= xs[-1]:
        return np.float64(ys[-1])
    j = bisect.bisect_right(xs, x) - 1
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return np.float64(slope * (x - xs[j]) + ys[j])


# Vensim function (PySD's name) -> (Python template, number of arguments or None for any).
FUNCTIONS: dict[str, tuple[str, tuple[int, ...]]] = {
    "min": ("np.minimum({0}, {1})", (2,)),
    "max": ("np.maximum({0}, {1})", (2,)),
    "abs": ("np.abs({0})", (1,)),
    "exp": ("np.exp({0})", (1,)),
    "ln": ("np.log({0})", (1,)),
    "sqrt": ("np.sqrt({0})", (1,)),
    "power": ("np.power({0}, {1})", (2,)),
    "zidz": ("_zidz({0}, {1})", (2,)),
    "xidz": ("_xidz({0}, {1}, {2})", (3,)),
    "if_then_else": ("_if_then_else({0}, {1}, {2})", (3,)),
    "step": ("_step(time, time_step, {0}, {1})", (2,)),
    "pulse": ("_pulse(time, {0}, {1})", (2,)),
    "ramp": ("_ramp(time, {0}, {1}, {2})", (3,)),
    "Xramp": ("_ramp(time, {0}, {1})", (2,)),
}
OPERATORS = {
    "^": "**", "*": "*", "/": "/", "+": "+", "-": "-",
    "=": "==", "<>": "!=", ">=": ">=", ">": ">", "<=": "<=", "<": "<",
}
HELPERS = {
    "np": np,
    "_zidz": _zidz,
    "_xidz": _xidz,
    "_if_then_else": _if_then_else,
    "_step": _step,
    "_pulse": _pulse,
    "_ramp": _ramp,
    "_lookup": _lookup,
}


# -- compilation: abstract syntax -> Python expressions ------------------------------------------


@dataclass
class Stateful:
    """A stock or a SMOOTH/DELAY: ``order`` state arrays advanced by Euler, as PySD keeps them.

    integ: one state, the stock; output = state. smooth: output = last state.
    delay: each state holds stage content x order; output = last state / delay time.
    """

    name: str  # the variable whose value is this stateful's output
    kind: str  # "integ" | "smooth" | "delay"
    order: int
    input: str  # the flow for integ
    initial: str
    time: str | None  # smoothing or delay time
    time_deps: set[str]  # what the time reads: a delay's output depends on it


@dataclass
class Equation:
    name: str
    code: str
    deps: set[str]
    reads_time: bool


def var(name: str) -> str:
    """Python identifier of a model variable in generated code."""
    return f"v_{name}"


class _Compiler:
    """Turns abstract syntax into a Python expression, collecting what it reads."""

    def __init__(self, model: Model, owner: str, statefuls: list[Stateful], lookups: dict[str, Any]) -> None:
        self.model, self.owner, self.statefuls, self.lookups = model, owner, statefuls, lookups
        self.deps: set[str] = set()
        self.reads_time = False

    def fail(self, construct: str) -> BatchError:
        variable = self.model.variables[self.owner].name
        return BatchError(f"the batch engine does not support {construct} (in '{variable}')")

    def expression(self, ast: Any) -> str:
        if isinstance(ast, (bool, int, float, np.integer, np.floating)):
            return repr(float(ast))
        kind = type(ast).__name__
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise self.fail(kind.replace("Structure", "").upper())
        return method(ast)

    def _ReferenceStructure(self, ast) -> str:
        name = ast.reference
        if ast.subscripts:
            raise self.fail("subscripts")
        if name == "time":
            self.reads_time = True
            return "time"
        if name in CONTROL_NAMES:
            return name
        variable = self.model.variables.get(name)
        if variable is None or variable.kind == "lookup":
            raise self.fail(f"the reference '{name}'")
        self.deps.add(name)
        return var(name)

    def _ArithmeticStructure(self, ast) -> str:
        return self._operation(ast)

    def _LogicStructure(self, ast) -> str:
        return self._operation(ast)

    def _operation(self, ast) -> str:
        # PySD writes a flat Python expression and lets Python's precedence act; parenthesised
        # operands joined by the same operators evaluate in the same order.
        operands = [f"({self.expression(argument)})" for argument in ast.arguments]
        operators = list(ast.operators)
        if len(operands) == 1:
            unary = {"negative": "-{0}", ":NOT:": "np.logical_not({0})"}
            if operators[0] not in unary:
                raise self.fail(f"the operator {operators[0]}")
            return unary[operators[0]].format(operands[0])
        code = operands[0]
        for operator, operand in zip(operators, operands[1:]):
            if operator in (":AND:", ":OR:"):
                code = f"np.logical_{operator.strip(':').lower()}({code}, {operand})"
            elif operator in OPERATORS:
                code = f"{code} {OPERATORS[operator]} {operand}"
            else:
                raise self.fail(f"the operator {operator}")
        return code

    def _CallStructure(self, ast) -> str:
        function = getattr(ast.function, "reference", None)
        variable = self.model.variables.get(function)
        if variable is not None and variable.kind == "lookup":
            if len(ast.arguments) != 1:
                raise self.fail(f"the lookup '{variable.name}' called with {len(ast.arguments)} arguments")
            self.lookups[function] = variable.ast
            return f"_lookup({self.expression(ast.arguments[0])}, _lk_{function})"
        if function not in FUNCTIONS:
            raise self.fail(f"the function {str(function).upper()}")
        template, counts = FUNCTIONS[function]
        if len(ast.arguments) not in counts:
            raise self.fail(f"{function.upper()} with {len(ast.arguments)} arguments")
        if function in ("step", "pulse", "ramp", "Xramp"):
            self.reads_time = True
        return template.format(*(self.expression(argument) for argument in ast.arguments))

    def _InlineLookupsStructure(self, ast) -> str:
        name = f"{self.owner}__lookup"
        self.lookups[name] = ast.lookups
        return f"_lookup({self.expression(ast.argument)}, _lk_{name})"

    def _stateful(self, kind: str, order: int, input_ast: Any, time_ast: Any, initial_ast: Any) -> str:
        parts = {}
        for part, ast in (("input", input_ast), ("time", time_ast), ("initial", initial_ast)):
            inner = _Compiler(self.model, self.owner, self.statefuls, self.lookups)
            parts[part] = (inner.expression(ast) if ast is not None else None, inner.deps)
        name = f"{self.owner}__{len(self.statefuls)}"
        self.statefuls.append(
            Stateful(
                name=name,
                kind=kind,
                order=int(order),
                input=parts["input"][0],
                initial=parts["initial"][0],
                time=parts["time"][0],
                time_deps=parts["time"][1],
            )
        )
        self.deps.add(name)
        return var(name)

    def _IntegStructure(self, ast) -> str:
        return self._stateful("integ", 1, ast.flow, None, ast.initial)

    def _SmoothStructure(self, ast) -> str:
        return self._stateful("smooth", ast.order, ast.input, ast.smooth_time, ast.initial)

    def _DelayStructure(self, ast) -> str:
        return self._stateful("delay", ast.order, ast.input, ast.delay_time, ast.initial)


def _lookup_table(ast: Any) -> Table:
    kind = getattr(ast, "type", "interpolate")
    if kind not in ("interpolate", "extrapolate"):
        raise BatchError(f"the batch engine does not support '{kind}' lookups")
    return Table(np.asarray(ast.x, dtype=float), np.asarray(ast.y, dtype=float), kind == "extrapolate")


@dataclass(eq=False)  # hashed by identity: one per process
class CompiledModel:
    """Every variable as a constant, an equation or a stateful; lookups as tables."""

    model: Model
    constants: dict[str, float]
    equations: dict[str, Equation]
    statefuls: dict[str, Stateful]
    lookups: dict[str, Table]

    @property
    def names(self) -> list[str]:
        """Every variable a run can report."""
        return [n for n in self.model.variables if n in self.constants or n in self.equations or n in self.statefuls]


def compile_model(model: Model) -> CompiledModel:
    statefuls: list[Stateful] = []
    lookups: dict[str, Any] = {}
    equations: dict[str, Equation] = {}
    constants: dict[str, float] = {}
    for variable in model.variables.values():
        if variable.kind == "lookup":
            continue
        if variable.kind in ("constant", "control"):
            constants[variable.py_name] = float(variable.default)
            continue
        compiler = _Compiler(model, variable.py_name, statefuls, lookups)
        code = compiler.expression(variable.ast)
        if statefuls and code == var(statefuls[-1].name):
            statefuls[-1].name = variable.py_name  # the whole equation is one stateful
        else:
            equations[variable.py_name] = Equation(variable.py_name, code, compiler.deps, compiler.reads_time)
    tables = {name: _lookup_table(ast) for name, ast in lookups.items()}
    return CompiledModel(model, constants, equations, {s.name: s for s in statefuls}, tables)


@functools.lru_cache(maxsize=None)
def compiled(model: Model | None = None) -> CompiledModel:
    """The compiled model, built once per process."""
    return compile_model(model or get_model())


# -- planning: order the equations of one request and generate its step function ----------------


def _dependency_order(nodes: Mapping[str, set[str]]) -> list[str]:
    """``nodes`` (name -> names it reads) in an order where every name follows what it reads."""
    ordered: list[str] = []
    marks: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if marks.get(name) == 2:
            return
        if marks.get(name) == 1:
            raise BatchError("simultaneous equations: " + " -> ".join(path + (name,)))
        marks[name] = 1
        for dep in sorted(nodes[name]):
            if dep in nodes:
                visit(dep, path + (name,))
        marks[name] = 2
        ordered.append(name)

    for name in nodes:
        visit(name, ())
    return ordered


@dataclass
class Plan:
    """The step function of one shape of request (which names are overridden, which scheduled)."""

    statefuls: list[Stateful]
    static: list[str]  # equations evaluated once per call, in order
    saved: list[str]  # what the step function returns besides derivatives
    scheduled: list[str]
    hoisted: dict[str, str]  # name -> expression evaluated once per call
    source: str
    code: Any


def _hoist(source: str) -> tuple[str, dict[str, str]]:
    """Move every largest subexpression of the step function that reads nothing varying out of it.

    Whole subtrees are replaced by a name computed once per call; nothing is reassociated, so
    results are bitwise the same.
    """
    tree = pyast.parse(source)
    function = tree.body[0]
    varying = {"time", "S", "row"} | {
        target.id for node in pyast.walk(function) if isinstance(node, pyast.Assign)
        for target in pyast.walk(node.targets[0]) if isinstance(target, pyast.Name)
    }
    hoisted: dict[str, str] = {}

    class Hoister(pyast.NodeTransformer):
        def visit(self, node):
            trivial = isinstance(node, (pyast.Constant, pyast.Name, pyast.Attribute, pyast.Starred, pyast.Tuple))
            if isinstance(node, pyast.expr) and not trivial and not any(
                isinstance(n, pyast.Name) and n.id in varying for n in pyast.walk(node)
            ):
                name = f"_k{len(hoisted)}"
                hoisted[name] = pyast.unparse(node)
                return pyast.copy_location(pyast.Name(id=name, ctx=pyast.Load()), node)
            return self.generic_visit(node)

    function.body = [Hoister().visit(statement) for statement in function.body]
    return pyast.unparse(pyast.fix_missing_locations(tree)) + "\n", hoisted


def _plan(compiled_model: CompiledModel, overridden: frozenset[str], scheduled: tuple[str, ...]) -> Plan:
    equations = {n: e for n, e in compiled_model.equations.items() if n not in overridden}
    statefuls = [s for n, s in compiled_model.statefuls.items() if n not in overridden]
    # A value varies during a run if it is a stateful or a schedule, reads time, or reads one.
    varying = {s.name for s in statefuls} | set(scheduled)
    changed = True
    while changed:
        changed = False
        for name, equation in equations.items():
            if name not in varying and (equation.reads_time or equation.deps & varying):
                varying.add(name)
                changed = True
    static = _dependency_order({n: e.deps for n, e in equations.items() if n not in varying})
    # Step order: integ and smooth outputs are states; a delay's output divides by its delay time.
    dynamic = {n: e.deps for n, e in equations.items() if n in varying}
    dynamic.update({s.name: s.time_deps for s in statefuls if s.kind == "delay"})
    order = _dependency_order(dynamic)

    lines = ["def step(time, S, row):"]
    for i, s in enumerate(statefuls):
        lines.append(f"    {''.join(f's{i}_{k}, ' for k in range(s.order))}= S[{i}]")
        if s.kind != "delay":
            lines.append(f"    {var(s.name)} = s{i}_{s.order - 1}")
    if scheduled:
        lines.append(f"    {''.join(var(n) + ', ' for n in scheduled)}= row")
    delays = {s.name: (i, s) for i, s in enumerate(statefuls) if s.kind == "delay"}
    for name in order:
        if name in delays:
            i, s = delays[name]
            lines.append(f"    {var(name)} = s{i}_{s.order - 1} / ({s.time})")
        else:
            lines.append(f"    {var(name)} = {equations[name].code}")
    derivatives = []
    for i, s in enumerate(statefuls):
        if s.kind == "integ":
            derivatives.append(f"({s.input},)")
        elif s.kind == "smooth":  # PySD: (targets - state) * order / smooth_time
            targets = [f"({s.input})"] + [f"s{i}_{k}" for k in range(s.order - 1)]
            derivatives.append("(" + "".join(f"({t} - s{i}_{k}) * {s.order} / ({s.time}), " for k, t in enumerate(targets)) + ")")
        else:  # PySD: (inflows - outflows) * order, outflows = state / delay_time
            outflows = [f"s{i}_{k} / ({s.time})" for k in range(s.order)]
            inflows = [f"({s.input})"] + outflows[:-1]
            derivatives.append("(" + "".join(f"({a} - {b}) * {s.order}, " for a, b in zip(inflows, outflows)) + ")")
    saved = [n for n in order] + [s.name for s in statefuls if s.kind != "delay"] + list(scheduled)
    # Euler, as PySD: state + derivative * time step; the new states are returned with the values.
    updates = []
    for i, (s, derivative) in enumerate(zip(statefuls, derivatives)):
        lines.append(f"    d{i} = {derivative}")
        updates.append("(" + "".join(f"s{i}_{k} + d{i}[{k}] * _dt, " for k in range(s.order)) + ")")
    lines.append(f"    return ({''.join(u + ', ' for u in updates)}), ({''.join(var(n) + ', ' for n in saved)})")
    source, hoisted = _hoist("\n".join(lines) + "\n")
    return Plan(statefuls, static, saved, list(scheduled), hoisted, source, compile(source, "<pmo-sim batch step>", "exec"))


@functools.lru_cache(maxsize=64)
def plan_for(compiled_model: CompiledModel, overridden: frozenset[str], scheduled: tuple[str, ...]) -> Plan:
    return _plan(compiled_model, overridden, scheduled)


# -- running -------------------------------------------------------------------------------------


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
        return eval(code, self.namespace, self)  # noqa: S307 - code generated from the model file

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
            series = [cell if isinstance(cell, pd.Series) else pd.Series([float(cell)], index=[0.0]) for cell in cells]
            months = np.unique(np.concatenate([s.index.to_numpy(dtype=float) for s in series]))
            for s in series:
                if not s.index.is_monotonic_increasing or s.isna().any():
                    raise BatchError(f"{name}: a schedule needs sorted months and no missing values")
            table = np.vstack([np.interp(months, s.index.to_numpy(dtype=float), s.to_numpy(dtype=float)) for s in series])
            schedules[name] = (months, table)
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


def _time_grid(initial_time: float, final: float, dt: float, save_every: float) -> tuple[list[np.float64], list[bool]]:
    """Every step's time, accumulated as PySD does, and whether it is saved (PySD's rule)."""
    precision = dt * 1e-5  # PySD's relative precision for saving and the final time
    times, saved = [], []
    time = np.float64(initial_time)
    while True:
        elapsed = time - initial_time
        times.append(time)
        saved.append(bool(elapsed % save_every < precision or -elapsed % save_every < precision))
        if not time + precision < final:
            return times, saved
        time = time + dt


def _slice_inputs(inputs: _Inputs, runs: slice) -> _Inputs:
    return _Inputs(
        {n: v[runs] if isinstance(v, np.ndarray) else v for n, v in inputs.values.items()},
        {n: (months, table[runs]) for n, (months, table) in inputs.schedules.items()},
    )


#: Batches at least this large are split over the machine's cores (numpy releases the GIL).
PARALLEL_MIN_RUNS = 2000


def run(
    param_table: pd.DataFrame,
    *,
    final_time: float | None = None,
    time_step: float | None = None,
    saveper: float | None = None,
    outputs: Sequence[str] | None = None,
    model: Model | None = None,
    workers: int | None = None,
) -> xr.Dataset:
    """Run every row of ``param_table`` at once; see :func:`sim.simulate_batch`.

    ``workers`` threads each integrate a share of the runs (default: one per core for batches of
    at least ``PARALLEL_MIN_RUNS`` runs, else one).
    """
    compiled_model = compiled(model or get_model())
    model = compiled_model.model
    if len(param_table) == 0:
        raise BatchError("the parameter table has no rows")
    n_runs = len(param_table)
    inputs = _inputs(compiled_model, param_table)
    settings = {n: compiled_model.constants[n] for n in CONTROL_NAMES}
    settings.update({k: v for k, v in (("final_time", final_time), ("time_step", time_step), ("saveper", saveper)) if v is not None})
    initial_time, final, dt, save_every = (settings[k] for k in ("initial_time", "final_time", "time_step", "saveper"))
    if not (dt > 0 and save_every > 0 and final > initial_time):
        raise BatchError("need TIME STEP > 0, SAVEPER > 0 and FINAL TIME after INITIAL TIME")
    overridden = frozenset(n for n in list(inputs.values) + list(inputs.schedules) if n not in compiled_model.constants)
    plan = plan_for(compiled_model, overridden, tuple(sorted(inputs.schedules)))
    wanted = list(outputs) if outputs is not None else [n for n in compiled_model.names if n not in CONTROL_NAMES]
    wanted = list(dict.fromkeys(model.resolve(n, allowed=set(compiled_model.names)) for n in wanted))

    times, saved_steps = _time_grid(initial_time, final, dt, save_every)
    n_saved = sum(saved_steps)
    varying = [n for n in wanted if n in plan.saved]
    out = {n: np.empty((n_saved, n_runs)) for n in varying}  # (time, run): each save writes a row
    if workers is None:
        workers = (os.cpu_count() or 1) if n_runs >= PARALLEL_MIN_RUNS else 1
    bounds = np.linspace(0, n_runs, max(1, min(workers, n_runs)) + 1).astype(int)
    chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    def integrate(runs: slice) -> dict[str, Any]:
        chunk = _slice_inputs(inputs, runs) if len(chunks) > 1 else inputs
        return _integrate_chunk(compiled_model, plan, chunk, settings, times, saved_steps, dt, runs, out)

    if len(chunks) == 1:
        namespaces = [integrate(chunks[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            namespaces = list(pool.map(integrate, chunks))

    saved_times = np.round(np.asarray([t for t, keep in zip(times, saved_steps) if keep]), -int(np.log10(dt * 1e-5)))
    data: dict[str, Any] = {}
    for name in wanted:
        if name in out:
            data[name] = (("run", "time"), out[name].T)
        else:  # constant during the run
            value = np.concatenate([np.broadcast_to(np.asarray(ns[var(name)], dtype=float), (r.stop - r.start,)) for ns, r in zip(namespaces, chunks)])
            data[name] = (("run", "time"), np.broadcast_to(value[:, None], (n_runs, n_saved)))
    return xr.Dataset(data, coords={"run": np.arange(n_runs), "time": saved_times})


def _integrate_chunk(compiled_model: CompiledModel, plan: Plan, inputs: _Inputs, settings: dict[str, float], times: list,
                     saved_steps: list[bool], dt: float, runs: slice, out: dict[str, np.ndarray]) -> dict[str, Any]:
    """Initialise and integrate the runs ``runs``, writing saved values into ``out``; returns the namespace."""
    n_runs = runs.stop - runs.start
    namespace: dict[str, Any] = dict(HELPERS)
    namespace.update({f"_lk_{n}": table for n, table in compiled_model.lookups.items()})
    namespace.update({k: np.float64(v) for k, v in settings.items()})
    namespace["time"] = times[0]
    namespace["_dt"] = np.float64(dt)
    constant_values = {n: np.float64(v) for n, v in compiled_model.constants.items() if n not in CONTROL_NAMES}
    constant_values.update(inputs.values)
    for name in plan.scheduled:
        constant_values[name] = _schedule_row(inputs.schedules, [name], times[0])[0]
    with np.errstate(all="ignore"):
        initial = _Initial(compiled_model, plan, constant_values, namespace, n_runs, dt)
        for s in plan.statefuls:
            initial[var(s.name)]
        for name in plan.static:
            namespace[var(name)] = initial[var(name)]
        for name, value in constant_values.items():
            if name not in plan.scheduled:
                namespace[var(name)] = value
        for name, code in plan.hoisted.items():
            namespace[name] = eval(code, namespace)  # noqa: S307 - code generated from the model file
        scope: dict[str, Any] = {}
        exec(plan.code, namespace, scope)  # noqa: S102 - code generated from the model file
        step = scope["step"]
        states = tuple(tuple(initial.states[s.name]) for s in plan.statefuls)
        targets = [(out[n], plan.saved.index(n)) for n in out]
        row_index = 0
        for k, time in enumerate(times):
            row = _schedule_row(inputs.schedules, plan.scheduled, time)
            states, values = step(time, states, row)
            if saved_steps[k]:
                for array, position in targets:
                    array[row_index, runs] = values[position]
                row_index += 1
    return namespace
