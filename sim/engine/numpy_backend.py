"""The numpy backend: the plan's step function over arrays whose leading axis is the run.

Euler at the model's TIME STEP, saving at SAVEPER; large batches split over threads (numpy releases
the interpreter lock inside its loops).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np

from sim.engine.request import Request, _Inputs, _schedule_row, _slice_inputs, Outputs, collect, initialise

#: Batches at least this large are split over the machine's cores (numpy releases the GIL).
PARALLEL_MIN_RUNS = 2000


class Trace(Protocol):
    """Receives, at every saved step, the states and values of that step and of the step before
    (the same ones at the first step): what Loops that Matter compares (:mod:`sim.engine.link_scores`)."""

    def record(self, row: int, runs: slice, states: tuple, values: tuple, previous_states: tuple, previous_values: tuple) -> None: ...


def run(req: Request, *, workers: int | None = None, trace: Trace | None = None) -> Outputs:
    """Run every run of ``req`` at once (as :class:`Outputs`); see :func:`sim.simulate_batch`.

    ``workers`` threads each integrate a share of the runs (default: one per core for batches of
    at least ``PARALLEL_MIN_RUNS`` runs, else one). ``trace`` also receives each saved step's
    states and values with those of the step before.
    """
    n_runs = req.n_runs
    out = {n: np.empty((sum(req.saved_steps), n_runs)) for n in req.varying}  # (time, run): each save writes a row
    if workers is None:
        workers = (os.cpu_count() or 1) if n_runs >= PARALLEL_MIN_RUNS else 1
    bounds = np.linspace(0, n_runs, max(1, min(workers, n_runs)) + 1).astype(int)
    chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]

    def integrate(runs: slice) -> dict[str, Any]:
        chunk = _slice_inputs(req.inputs, runs) if len(chunks) > 1 else req.inputs
        return _integrate_chunk(req, chunk, runs, out, trace)

    if len(chunks) == 1:
        namespaces = [integrate(chunks[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            namespaces = list(pool.map(integrate, chunks))
    return collect(req, {n: array.T for n, array in out.items()}, namespaces, chunks)


def _integrate_chunk(req: Request, inputs: _Inputs, runs: slice, out: dict[str, np.ndarray],
                     trace: Trace | None = None) -> dict[str, Any]:
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
                if trace is not None:
                    trace.record(row_index, runs, states, values, previous_states,
                                 values if previous_values is None else previous_values)
                row_index += 1
            previous_states, previous_values, states = states, values, new_states
    return namespace
