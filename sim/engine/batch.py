"""The batch engine: N runs at once, compiled from the model file (see :mod:`sim.engine.plan`).

A facade over the backends, which share one plan: :mod:`sim.engine.numpy_backend` (vectorised
numpy, always available) and :mod:`sim.engine.numba_backend` (a generated numba kernel, where numba
imports). ``run`` here is the numpy backend's; :func:`sim.simulate_batch` chooses by ``engine=``.
"""

from __future__ import annotations

from sim.engine.functions import SMALL_VENSIM, BatchError, Table
from sim.engine.numpy_backend import PARALLEL_MIN_RUNS, run
from sim.engine.plan import CompiledModel, Plan, compile_model, compiled, plan_for

__all__ = [
    "SMALL_VENSIM", "BatchError", "Table", "PARALLEL_MIN_RUNS", "run",
    "CompiledModel", "Plan", "compile_model", "compiled", "plan_for",
]
