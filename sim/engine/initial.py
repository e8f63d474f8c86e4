"""Initial values of one plan as one generated function, built once per plan.

At the initial time every stateful takes its initial value and every value that is constant during
a run (``Plan.static``, ``Plan.hoisted``) is computed once, vectorised over the runs. Which
equations that needs, and in which order, depends only on the plan, so the order is worked out once
(depth first, as the equations read each other) and written as straight-line code; a call then
runs that code on its inputs: the same expressions on the same values as evaluating them one by
one, without looking each one up again on every call.
"""

from __future__ import annotations

import functools
import re
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine.functions import BatchError
from sim.engine.plan import CompiledModel, Plan, Stateful, var

_READS = re.compile(r"\bv_(\w+)")


def _full(value: Any, n_runs: int) -> Any:
    """A value for every run: an array, or a numpy scalar when there is one run (much faster)."""
    if n_runs == 1 and np.ndim(value) == 0:
        return np.float64(value)
    value = np.broadcast_to(np.asarray(value, dtype=float), (n_runs,))
    return value[0] if n_runs == 1 else value


def _stock(states: dict[str, list], name: str, initial: Any, order: int, n_runs: int) -> Any:
    """A stock or a SMOOTH: ``order`` states at the initial value; its output is the last one."""
    initial = _full(initial, n_runs)
    states[name] = [np.array(initial) if n_runs > 1 else initial for _ in range(order)]
    return states[name][-1]


def _delay(states: dict[str, list], name: str, initial: Any, delay_time: Any, order: int, n_runs: int, time_step: float) -> Any:
    """A DELAY: each stage holds initial value x delay time; its output is the last stage / delay time."""
    initial, delay_time = _full(initial, n_runs), _full(delay_time, n_runs)
    # PySD would lower the order here; a compiled step has a fixed order, so say so instead.
    if order * time_step > np.min(delay_time):
        raise BatchError(f"{name}: a delay time is shorter than order x TIME STEP "
                         f"({order} x {time_step:g}); lower TIME STEP or lengthen the delay")
    states[name] = [initial * delay_time for _ in range(order)]
    return states[name][-1] / delay_time


@dataclass
class InitialProgram:
    """The generated function ``initial(V, n_runs, time_step) -> (values, states)`` of one plan."""

    code: types.CodeType
    source: str


def _statement(name: str, compiled_model: CompiledModel, statefuls: dict[str, Stateful]) -> str:
    if name in statefuls:
        s = statefuls[name]
        if s.kind == "delay":
            return f"{var(name)} = _delay(_S, {name!r}, {s.initial}, {s.time}, {s.order}, _n_runs, _time_step)"
        return f"{var(name)} = _stock(_S, {name!r}, {s.initial}, {s.order}, _n_runs)"
    return f"{var(name)} = {compiled_model.equations[name].code}"


def _reads(name: str, compiled_model: CompiledModel, statefuls: dict[str, Stateful]) -> list[str]:
    if name in statefuls:
        s = statefuls[name]
        code = s.initial + (f" {s.time}" if s.kind == "delay" else "")
    else:
        code = compiled_model.equations[name].code
    return list(dict.fromkeys(_READS.findall(code)))


@functools.lru_cache(maxsize=64)
def program(compiled_model: CompiledModel, plan: Plan, given: tuple[str, ...]) -> InitialProgram:
    """The initial-value function of ``plan`` when the names ``given`` (constants, inputs and
    schedules at the initial time) are passed in."""
    statefuls = {s.name: s for s in plan.statefuls}
    known = set(given)
    loads: list[str] = []
    body: list[str] = []
    done: set[str] = set()
    pending: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in known:
            loads.append(f"{var(name)} = _V[{var(name)!r}]")
            done.add(name)
            return
        if name not in statefuls and name not in compiled_model.equations:
            return  # not a variable of this plan: left for the namespace, as a name error
        if name in pending:
            raise BatchError("initial values depend on each other: " + " -> ".join(pending + [name]))
        pending.append(name)
        for read in _reads(name, compiled_model, statefuls):
            visit(read)
        pending.pop()
        body.append(_statement(name, compiled_model, statefuls))
        done.add(name)

    for s in plan.statefuls:
        visit(s.name)
    for name in plan.static:
        visit(name)
    for code in plan.hoisted.values():
        for read in _READS.findall(code):
            visit(read)
    body += [f"{name} = {code}" for name, code in plan.hoisted.items()]
    results = [var(n) for n in plan.static] + list(plan.hoisted)
    lines = ["def initial(_V, _n_runs, _time_step):", "    _S = {}"] + ["    " + line for line in loads + body]
    lines.append("    return {" + ", ".join(f"{r!r}: {r}" for r in results) + "}, _S")
    source = "\n".join(lines) + "\n"
    return InitialProgram(compile(source, "<pmo-sim initial values>", "exec"), source)


def run(compiled_model: CompiledModel, plan: Plan, values: dict[str, Any], namespace: dict[str, Any],
        n_runs: int, time_step: float) -> tuple[dict[str, Any], dict[str, list]]:
    """Static and hoisted values (by their names in generated code) and each stateful's states."""
    generated = program(compiled_model, plan, tuple(values))
    scope: dict[str, Any] = {}
    exec(generated.code, namespace, scope)  # noqa: S102 - code generated from the model file
    function = scope["initial"]
    return function({var(n): v for n, v in values.items()}, n_runs, time_step)


HELPERS = {"_stock": _stock, "_delay": _delay}
