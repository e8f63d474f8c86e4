"""The numba backend: one compiled kernel per plan, runs in parallel over the cores.

The kernel is generated mechanically from the plan's step function (the same source the numpy
backend runs): each variable becomes a scalar, the time loop runs inside one run, and the runs are
the outer loop, over a range of runs the caller gives. The kernel releases the interpreter lock, so
a large batch runs its runs in contiguous parts on a pool of threads, one per core: a serial kernel
compiles in about half the time of a ``numba.prange`` one, and several app sessions can run at once.
Schedules and lookups are interpolated inside the kernel; which outputs to save is an array given at
run time, so a new ``outputs=`` list does not recompile. Initial values and everything constant
during a run come from :mod:`sim.engine.request`, vectorised over the runs, as in the numpy backend.

The generated source is deterministic and written, keyed by its hash, to a cache folder
(``PMO_SIM_KERNEL_CACHE``, else ``kernels`` in the translation cache), then imported as a real module
whose kernel is ``numba.njit(cache=True)``: a second process loads the machine code instead of
compiling it.
"""

from __future__ import annotations

import ast as pyast
import functools
import hashlib
import importlib.util
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numba
import numpy as np

from sim.engine import buffers, numba_functions, pysd_engine
from sim.engine.plan import CompiledModel, Plan
from sim.engine.request import Outputs, Request, collect, initialise

#: Environment variable naming the folder of generated kernels and numba's cache of them
#: (default: ``kernels`` in the translation cache, ``$PMO_SIM_CACHE`` or the user's cache folder).
CACHE_ENV = "PMO_SIM_KERNEL_CACHE"
#: Batches smaller than this run on the calling thread: waking the other cores costs more than it saves.
PARALLEL_MIN_RUNS = 64
# Numba's default threading layer must not be entered by two threads at once (the app's sessions): the
# parallel kernels that use it (sim.analysis.loop_kernel) hold this lock.
_LOCK = threading.Lock()
_POOL: ThreadPoolExecutor | None = None


def _threads() -> int:
    """Threads a large batch runs on: numba's thread count (``NUMBA_NUM_THREADS``, else the cores)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _forget_pool() -> None:
    """In a forked child the parent's pool threads do not exist: start a new pool when one is needed."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=max(1, _threads() - 1), thread_name_prefix="pmo-sim-kernel")
    return _POOL


def cache_dir() -> Path:
    """Where generated kernels live: ``$PMO_SIM_KERNEL_CACHE``, else ``kernels`` in the translation cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return pysd_engine.cache_dir() / "kernels"


class _Kernel:
    """Generated kernel source of one plan: the body of one step for one run, over scalars."""

    def __init__(self, plan: Plan, compiled_model: CompiledModel) -> None:
        self.plan = plan
        names = sorted(compiled_model.lookups)
        sizes = [len(compiled_model.lookups[n].xs) for n in names]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.tables = {n: (int(s), k, compiled_model.lookups[n].extrapolate) for n, s, k in zip(names, starts, sizes)}
        self.lookup_xs = np.concatenate([compiled_model.lookups[n].xs for n in names] or [np.empty(0)])
        self.lookup_ys = np.concatenate([compiled_model.lookups[n].ys for n in names] or [np.empty(0)])
        self.states = [f"s{i}_{k}" for i, s in enumerate(plan.statefuls) for k in range(s.order)]
        self.body: list[str] = []
        self.save: list[str] = []
        self.update: list[str] = []
        function = pyast.parse(plan.source).body[0]
        for statement in function.body:
            self._statement(statement)
        assigned = {t.id for line in self.body for t in pyast.walk(pyast.parse(line)) if isinstance(t, pyast.Name) and isinstance(t.ctx, pyast.Store)}
        read = {n.id for line in self.body + self.update for n in pyast.walk(pyast.parse(line)) if isinstance(n, pyast.Name)}
        self.body, self.saved_only = _split_saved_only(self.body, self.update)
        self.traced = self.save + self.states  # what a saving step can write: the saved values, then the states
        self.position = {name: i for i, name in enumerate(self.traced)}
        known = assigned | set(self.states) | {"time", "np", "LX", "LY", "SM", "SN", "SV", "SP", "r"} | set(numba_functions.HELPERS)
        self.parameters = sorted(read - known)  # constant per run: hoisted, static, settings

    def _expression(self, node: pyast.expr) -> str:
        tables = self.tables

        class Scalar(pyast.NodeTransformer):
            def visit_Call(self, call):
                self.generic_visit(call)
                name = getattr(call.func, "id", None)
                if name == "_lookup":
                    start, n, extrapolate = tables[call.args[1].id.removeprefix("_lk_")]
                    call.args = [call.args[0], pyast.Name("LX"), pyast.Name("LY")] + [pyast.Constant(v) for v in (start, n, extrapolate)]
                elif name == "_ramp" and len(call.args) == 3:
                    call.func = pyast.Name("_ramp_open")
                return call

            def visit_Subscript(self, node):  # d0[1] -> d0_1
                return pyast.Name(f"{node.value.id}_{node.slice.value}")

        return pyast.unparse(Scalar().visit(node))

    def _statement(self, statement: pyast.stmt) -> None:
        if isinstance(statement, pyast.Return):
            updates, saved = statement.value.elts
            self.save = [pyast.unparse(name) for name in saved.elts]
            self.update = [f"{state} = {self._expression(value)}" for state, value in zip(self.states, [e for u in updates.elts for e in u.elts])]
            return
        target, value = statement.targets[0], statement.value
        if isinstance(value, pyast.Subscript) and getattr(value.value, "id", None) == "S":
            return  # the states are the kernel's loop variables
        if isinstance(value, pyast.Name) and value.id == "row":
            names = [pyast.unparse(t) for t in (target.elts if isinstance(target, pyast.Tuple) else [target])]
            self.body += [f"{n} = _schedule(time, SM, SN, SV, {i}, r * SP[{i}])" for i, n in enumerate(names)]
            return
        if isinstance(value, pyast.Tuple):  # derivatives d{i} = (..., ...)
            self.body += [f"{target.id}_{k} = {self._expression(e)}" for k, e in enumerate(value.elts)]
            return
        self.body.append(f"{pyast.unparse(target)} = {self._expression(value)}")

    def source(self) -> str:
        pad = " " * 12
        lines = [
            '"""Generated by sim.engine.numba_backend from one plan of the model file; do not edit."""',
            "import numba",
            "import numpy as np",
            f"from sim.engine.numba_functions import {', '.join(numba_functions.HELPERS)}",
            "",
            f"# helpers: {hashlib.sha256(Path(numba_functions.__file__).read_bytes()).hexdigest()[:16]}, numba {numba.__version__}",
            "",
            "",
            '@numba.njit(nogil=True, cache=True, error_model="numpy")',
            "def kernel(P, S0, times, save_rows, SM, SN, SV, SP, LX, LY, out_index, out, first, last):",
            "    for r in range(first, last):",
        ]
        lines += [f"        {name} = P[{i}, r]" for i, name in enumerate(self.parameters)]
        lines += [f"        {state} = S0[{i}, r]" for i, state in enumerate(self.states)]
        lines += [f"        buf = np.empty({len(self.traced)})", "        for k in range(times.shape[0]):", f"{pad}time = times[k]"]
        lines += [pad + line for line in self.body]
        lines += [f"{pad}row = save_rows[k]", f"{pad}if row >= 0:"]
        lines += [f"{pad}    {line}" for line in self.saved_only]
        lines += [f"{pad}    buf[{i}] = {name}" for i, name in enumerate(self.traced)]
        lines += [f"{pad}    for j in range(out_index.shape[0]):", f"{pad}        out[j, r, row] = buf[out_index[j]]"]
        lines += [pad + line for line in self.update]
        return "\n".join(lines) + "\n"


def _names(line: str) -> tuple[set[str], set[str]]:
    """The names one generated assignment writes and reads."""
    written, read = set(), set()
    for node in pyast.walk(pyast.parse(line)):
        if isinstance(node, pyast.Name):
            (written if isinstance(node.ctx, pyast.Store) else read).add(node.id)
    return written, read


def _split_saved_only(body: list[str], update: list[str]) -> tuple[list[str], list[str]]:
    """``body`` split into the lines the next states need (run every step) and the rest, which only
    saved values read: those run at saving steps only (one step in eight at the model's settings),
    in the same order and with the same operations, so the saved values are bitwise the same."""
    needed = set().union(*(_names(line)[1] for line in update))
    every_step: list[str] = []
    for line in reversed(body):
        written, read = _names(line)
        if written & needed:
            needed |= read
            every_step.append(line)
    every = set(every_step)
    return [line for line in body if line in every], [line for line in body if line not in every]


def _import(source: str, name: str) -> Any:
    """The kernel of ``source``, written once to the cache folder and imported as module ``name``."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.exists():  # written once: numba's cache is keyed by the file's time stamp
        partial = folder / f".{name}.{os.getpid()}.tmp"
        partial.write_text(source, encoding="utf-8")
        os.replace(partial, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.kernel


_KERNELS: dict[str, tuple[_Kernel, Any]] = {}  # source hash -> generated kernel and its dispatcher


@functools.lru_cache(maxsize=64)
def kernel_for(plan: Plan, compiled_model: CompiledModel) -> tuple[_Kernel, Any]:
    """The generated kernel of a plan (hashed by identity: plans are cached per process)."""
    generated = _Kernel(plan, compiled_model)
    source = generated.source()
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    if digest not in _KERNELS:
        _KERNELS[digest] = generated, _import(source, f"pmo_sim_kernel_{digest}")
    return _KERNELS[digest]


def _schedule_arrays(schedules: dict[str, tuple[np.ndarray, np.ndarray]], names: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Schedules as padded arrays: months (schedule, point), counts, values (schedule, row, point), per-run flags."""
    width = max([len(schedules[n][0]) for n in names] or [1])
    rows = max([schedules[n][1].shape[0] for n in names] or [1])
    months = np.zeros((len(names), width))
    values = np.zeros((len(names), rows, width))
    counts = np.zeros(len(names), dtype=np.int64)
    per_run = np.zeros(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        m, table = schedules[name]
        shared = table.shape[0] == 1 or bool((table == table[0]).all())
        months[i, :len(m)], counts[i], per_run[i] = m, len(m), 0 if shared else 1
        values[i, : 1 if shared else table.shape[0], :len(m)] = table[:1] if shared else table
    return months, counts, values, per_run


@functools.lru_cache(maxsize=16)
def _save_rows(saved_steps: tuple[bool, ...]) -> np.ndarray:
    """For each step, the row its values are saved in, or -1."""
    steps = np.asarray(saved_steps)
    return np.where(steps, np.cumsum(steps) - 1, -1).astype(np.int64)  # the kernel only reads it


def run(req: Request) -> Outputs:
    """Run every run of ``req`` at once (as :class:`Outputs`) on the numba kernel; see :func:`sim.simulate_batch`."""
    varying = req.varying
    namespace, out = _integrate(req, [f"v_{n}" for n in varying], _save_rows(req.saved_steps))
    return collect(req, dict(zip(varying, out)), [namespace], [slice(0, req.n_runs)])


@functools.lru_cache(maxsize=16)
def _trace_rows(saved_steps: tuple[bool, ...]) -> tuple[np.ndarray, Any, Any]:
    """For each step, its row when it is saved or the step before one is (else -1); where the saved
    steps' rows are, and where those of the steps before them (the first step's own row: it is saved).

    Saved steps apart (SAVEPER a multiple of TIME STEP): each saved step and the step before it get
    rows 2i + 1 and 2i, so both are strided views of the kernel's output (row 0 is filled from row 1
    after the run). Saved steps adjacent (SAVEPER = TIME STEP): one row per step, picked by index.
    """
    steps = np.asarray(saved_steps)
    saved = np.flatnonzero(steps)
    if saved[0] == 0 and (len(saved) == 1 or np.diff(saved).min() > 1):
        rows = np.full(len(steps), -1, dtype=np.int64)
        rows[saved] = 2 * np.arange(len(saved)) + 1
        rows[saved[1:] - 1] = 2 * np.arange(1, len(saved))
        return rows, slice(1, None, 2), slice(0, None, 2)
    kept = steps | np.append(steps[1:], False)
    rows = np.where(kept, np.cumsum(kept) - 1, -1).astype(np.int64)
    return rows, rows[saved], rows[np.maximum(saved - 1, 0)]


def trace(req: Request, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``names`` (the plan's saved variables as ``v_<name>``, its states as ``s<i>_<k>``) at every saved
    step and at the step before it (the same step at the first): two (name, time, run) arrays, and
    the namespace of the run's constant values. What Loops that Matter compares, at the kernel's speed."""
    rows, now_rows, before_rows = _trace_rows(req.saved_steps)
    namespace, out = _integrate(req, names, rows)
    if isinstance(now_rows, slice):
        out[:, :, 0] = out[:, :, 1]
    return out[:, :, now_rows].transpose(0, 2, 1), out[:, :, before_rows].transpose(0, 2, 1), namespace


def _arguments(req: Request, names: Sequence[str], save_rows: np.ndarray) -> tuple[Any, tuple, dict[str, Any]]:
    """The dispatcher of ``req``'s kernel, its arguments (the output array last: ``names``, entries of
    the kernel's ``traced``, at the steps ``save_rows`` gives a row) and the initial namespace."""
    generated, kernel = kernel_for(req.plan, req.compiled_model)
    n_runs = req.n_runs
    namespace, states = initialise(req, req.inputs, n_runs)
    parameters = np.empty((len(generated.parameters), n_runs))
    for i, name in enumerate(generated.parameters):
        parameters[i] = namespace[name]
    initial_states = np.empty((len(generated.states), n_runs))
    for i, value in enumerate(value for stateful in states for value in stateful):
        initial_states[i] = value
    out_index = np.asarray([generated.position[n] for n in names], dtype=np.int64)
    out = buffers.empty((len(names), n_runs, int(save_rows.max()) + 1))
    arguments = (parameters, initial_states, np.asarray(req.times, dtype=float), save_rows,
                 *_schedule_arrays(req.inputs.schedules, req.plan.scheduled), generated.lookup_xs, generated.lookup_ys, out_index, out)
    return kernel, arguments, namespace


def ready(req: Request) -> bool:
    """Whether this process has the kernel of ``req``'s plan as machine code (a run starts at once)."""
    return bool(kernel_for(req.plan, req.compiled_model)[1].signatures)


def compile_kernel(req: Request) -> None:
    """Compile the kernel of ``req``'s plan, or load it from the disk cache, without running it: no
    lock is held, so other threads' runs go on meanwhile (a server warming a kernel in the background)."""
    kernel, arguments, _ = _arguments(req, [f"v_{n}" for n in req.varying], _save_rows(req.saved_steps))
    kernel.compile(tuple(numba.typeof(argument) for argument in (*arguments, 0, 0)))


def _integrate(req: Request, names: Sequence[str], save_rows: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    """Run the kernel, writing ``names`` (entries of the kernel's ``traced``) at the steps ``save_rows``
    gives a row: the initial namespace and the (name, run, row) array."""
    kernel, arguments, namespace = _arguments(req, names, save_rows)
    n_runs, parts = req.n_runs, _threads() if req.n_runs >= PARALLEL_MIN_RUNS else 1
    edges = [n_runs * i // parts for i in range(parts + 1)]
    others = [_pool().submit(kernel, *arguments, edges[i], edges[i + 1]) for i in range(1, parts)]
    kernel(*arguments, edges[0], edges[1])  # the first part on the calling thread
    for other in others:
        other.result()
    return namespace, arguments[-1]
