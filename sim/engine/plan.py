"""Model file -> compiled model -> plan: the part both backends share.

Pipeline (as PySD's): the abstract model PySD's Vensim translator makes -> one Python expression
per variable (``_Compiler``) -> equations ordered by dependency -> generated source of one step
function ``step(time, S, row)`` (the plan). Semantics follow PySD's (the reference engine) construct
by construct, so every backend agrees with it to 1e-9 relative; any construct not listed in
``FUNCTIONS`` raises :class:`BatchError` naming it and the variable.

Values that do not change during a run (constants and everything computed only from them) are
evaluated once per call (``Plan.static``, ``Plan.hoisted``); only the rest runs every step.
"""

from __future__ import annotations

import ast as pyast
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from sim import cache
from sim.engine import functions
from sim.engine.functions import FUNCTIONS, OPERATORS, BatchError, Table
from sim.model import CONTROL_NAMES, Model, get_model, parser_version


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

    @functools.cached_property
    def names(self) -> list[str]:
        """Every variable a run can report."""
        return [n for n in self.model.variables if n in self.constants or n in self.equations or n in self.statefuls]

    @functools.cached_property
    def known(self) -> frozenset[str]:
        return frozenset(self.names)

    @functools.cached_property
    def inputs(self) -> frozenset[str]:
        """What a parameter table may set: every variable but the simulation settings."""
        return self.known - set(CONTROL_NAMES)

    @functools.cached_property
    def outputs(self) -> list[str]:
        """What a run reports by default: every variable but the simulation settings."""
        return [n for n in self.names if n not in CONTROL_NAMES]


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
    """The compiled model, built once per process and kept in the disk cache (:mod:`sim.cache`)
    for the next, keyed by the model file and the compiler's source."""
    model = model or get_model()

    def make() -> tuple:
        made = compile_model(model)
        return made.constants, made.equations, made.statefuls, made.lookups

    entry = cache.key(model.sha256, Path(__file__), Path(functions.__file__), parser_version())
    return CompiledModel(model, *cache.cached("compiled", entry, make))


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


@dataclass(eq=False)  # hashed by identity: plans are cached per process
class Plan:
    """The step function of one shape of request (which names are overridden, which scheduled)."""

    statefuls: list[Stateful]
    static: list[str]  # equations evaluated once per call, in order
    saved: list[str]  # what the step function returns besides derivatives
    scheduled: list[str]
    hoisted: dict[str, str]  # name -> expression evaluated once per call
    source: str
    code: Any

    @functools.cached_property
    def saved_set(self) -> frozenset[str]:
        return frozenset(self.saved)


def _hoist(source: str) -> tuple[str, dict[str, str]]:
    """Move every largest subexpression of the step function that reads nothing varying out of it.

    Whole subtrees are replaced by a name computed once per call. A division by such a subexpression
    becomes a multiplication by its reciprocal, computed once per call (a division costs several
    multiplications, and the step divides by time constants some thirty times): the result moves by at
    most an ulp or two from PySD's, far inside the 1e-9 the equivalence tests allow, and both backends
    run the same step, so they stay bitwise equal to each other. Nothing else is reassociated.
    """
    tree = pyast.parse(source)
    function = tree.body[0]
    varying = {"time", "S", "row"} | {
        target.id for node in pyast.walk(function) if isinstance(node, pyast.Assign)
        for target in pyast.walk(node.targets[0]) if isinstance(target, pyast.Name)
    }
    hoisted: dict[str, str] = {}
    names: dict[str, str] = {}  # expression -> its name: one value per distinct expression

    def constant(node) -> bool:
        return not any(isinstance(n, pyast.Name) and n.id in varying for n in pyast.walk(node))

    def hoist(expression: str) -> pyast.Name:
        if expression not in names:
            names[expression] = f"_k{len(hoisted)}"
            hoisted[names[expression]] = expression
        return pyast.Name(id=names[expression], ctx=pyast.Load())

    class Hoister(pyast.NodeTransformer):
        def visit(self, node):
            trivial = isinstance(node, (pyast.Constant, pyast.Name, pyast.Attribute, pyast.Starred, pyast.Tuple))
            if isinstance(node, pyast.expr) and not trivial and constant(node):
                return pyast.copy_location(hoist(pyast.unparse(node)), node)
            if isinstance(node, pyast.BinOp) and isinstance(node.op, pyast.Div) and constant(node.right) \
                    and not isinstance(node.right, pyast.Constant):
                reciprocal = hoist(f"1.0 / ({pyast.unparse(node.right)})")
                return pyast.copy_location(pyast.BinOp(self.visit(node.left), pyast.Mult(), reciprocal), node)
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
