"""The numpy backend: the plan's step function over arrays whose leading axis is the run.

Euler at the model's TIME STEP, saving at SAVEPER; large batches split over threads (numpy releases
the interpreter lock inside its loops).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from sim.engine.plan import var
from sim.engine.request import Request, _Inputs, _schedule_row, _slice_inputs, Outputs, collect, initialise

#: Batches at least this large are split over the machine's cores (numpy releases the GIL).
# Below this many runs one thread is faster: the threads contend for the interpreter between numpy calls.
# Measured with benchmarks/bench_threads.py on 2 cores: 1 thread / 2 threads = 0.72 at 5,000 runs,
# 0.98 at 10,000, 1.11 at 14,000, 1.37 at 20,000, 1.85 at 50,000.
PARALLEL_MIN_RUNS = 12_000


def run(req: Request, *, workers: int | None = None) -> Outputs:
    """Run every run of ``req`` at once (as :class:`Outputs`); see :func:`sim.simulate_batch`.

    ``workers`` threads each integrate a share of the runs (default: one per core for batches of
    at least ``PARALLEL_MIN_RUNS`` runs, else one).
    """
    n_runs = req.n_runs
    out = {n: np.empty((sum(req.saved_steps), n_runs)) for n in req.varying}  # (time, run): each save writes a row
    if workers is None:
        workers = (os.cpu_count() or 1) if n_runs >= PARALLEL_MIN_RUNS else 1
    bounds = np.linspace(0, n_runs, max(1, min(workers, n_runs)) + 1).astype(int)
    chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    def integrate(runs: slice) -> dict[str, Any]:
        chunk = _slice_inputs(req.inputs, runs) if len(chunks) > 1 else req.inputs
        return _integrate_chunk(req, chunk, runs, out)

    if len(chunks) == 1:
        namespaces = [integrate(chunks[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            namespaces = list(pool.map(integrate, chunks))
    return collect(req, {n: array.T for n, array in out.items()}, namespaces, chunks)


class _Recorder:
    """Keeps, at every saved step, some of the plan's saved values and states, now and one step before."""

    def __init__(self, req: Request, names: Sequence[str]) -> None:
        saved = {var(n): i for i, n in enumerate(req.plan.saved)}
        states = {f"s{i}_{k}": (i, k) for i, s in enumerate(req.plan.statefuls) for k in range(s.order)}
        self.values = [(j, saved[n]) for j, n in enumerate(names) if n in saved]
        self.states = [(j, *states[n]) for j, n in enumerate(names) if n not in saved]
        shape = (len(names), sum(req.saved_steps), req.n_runs)
        self.now, self.before = np.empty(shape), np.empty(shape)

    def record(self, row: int, states: tuple, values: tuple, previous_states: tuple, previous_values: tuple) -> None:
        for j, position in self.values:
            self.now[j, row] = values[position]
            self.before[j, row] = previous_values[position]
        for j, i, k in self.states:
            self.now[j, row] = states[i][k]
            self.before[j, row] = previous_states[i][k]


def trace(req: Request, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``names`` (the plan's saved variables as ``v_<name>``, its states as ``s<i>_<k>``) at every saved
    step and at the step before it (the same step at the first): two (name, time, run) arrays, and
    the namespace of the run's constant values. What Loops that Matter compares."""
    recorder = _Recorder(req, names)
    namespace = _integrate_chunk(req, req.inputs, slice(0, req.n_runs), {}, recorder)
    return recorder.now, recorder.before, namespace


def _integrate_chunk(req: Request, inputs: _Inputs, runs: slice, out: dict[str, np.ndarray],
                     recorder: _Recorder | None = None) -> dict[str, Any]:
    """Initialise and integrate the runs ``runs``, writing saved values into ``out``; returns the namespace."""
    plan = req.plan
    namespace, states = initialise(req, inputs, runs.stop - runs.start)
    with np.errstate(all="ignore"):
        scope: dict[str, Any] = {}
        exec(plan.code, namespace, scope)  # noqa: S102 - code generated from the model file
        step = scope["step"]
        targets = [(out[n], plan.saved.index(n)) for n in out]
        row_index = 0
        previous_states, previous_values = states, None
        for k, time in enumerate(req.times):
            row = _schedule_row(inputs.schedules, plan.scheduled, time)
            new_states, values = step(time, states, row)
            if req.saved_steps[k]:
                for array, position in targets:
                    array[row_index, runs] = values[position]
                if recorder is not None:
                    recorder.record(row_index, states, values, previous_states, values if previous_values is None else previous_values)
                row_index += 1
            previous_states, previous_values, states = states, values, new_states
    return namespace
