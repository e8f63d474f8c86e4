"""The batch engine: N runs at once, compiled from the model file (see :mod:`sim.engine.plan`).

Two backends share one plan: ``"numba"`` (:mod:`sim.engine.numba_backend`, a generated kernel,
parallel over the cores; the default where numba imports) and ``"numpy"``
(:mod:`sim.engine.numpy_backend`, vectorised numpy, always available and the fallback).
``engine="batch"`` means the default backend.
"""

from __future__ import annotations

import functools
import importlib.util
from types import ModuleType
from typing import Any, Mapping, Sequence

import pandas as pd
import xarray as xr

from sim.engine.functions import SMALL_VENSIM, BatchError, Table
from sim.engine.numpy_backend import PARALLEL_MIN_RUNS
from sim.engine.plan import CompiledModel, Plan, compile_model, compiled, plan_for
from sim.engine.request import Outputs, request
from sim.model import Model

BACKENDS = ("numba", "numpy")

__all__ = [
    "SMALL_VENSIM", "BatchError", "Table", "PARALLEL_MIN_RUNS", "BACKENDS", "Outputs", "run", "outputs",
    "backend", "default_backend", "CompiledModel", "Plan", "compile_model", "compiled", "plan_for",
]


@functools.lru_cache(maxsize=None)
def default_backend() -> str:
    """``"numba"`` where numba is installed (the ``fast`` extra), else ``"numpy"``."""
    return "numba" if importlib.util.find_spec("numba") is not None else "numpy"


def backend(engine: str = "batch") -> ModuleType:
    """The backend module for ``engine`` (``"batch"``: the default one)."""
    name = default_backend() if engine == "batch" else engine
    if name not in BACKENDS:
        raise BatchError(f"unknown batch backend '{engine}'; choose one of batch, {', '.join(BACKENDS)}")
    if name == "numba":
        if importlib.util.find_spec("numba") is None:
            raise BatchError("engine='numba' needs numba: pip install 'pmo-sim[fast]' (or use engine='numpy')")
        from sim.engine import numba_backend

        return numba_backend
    from sim.engine import numpy_backend

    return numpy_backend


def outputs(param_table: pd.DataFrame | Mapping[str, Sequence[Any]], *, engine: str = "batch", final_time: float | None = None,
            time_step: float | None = None, saveper: float | None = None, outputs: Sequence[str] | None = None,
            model: Model | None = None, **backend_options: Any) -> Outputs:
    """Run every row of ``param_table`` on a backend; the saved values as arrays.

    ``param_table``: one row per run, or a mapping of input name to one cell per run (see
    :func:`sim.engine.request.request`). The call is checked and planned once (:func:`sim.engine.request.request`) whatever the backend;
    ``backend_options`` go to the backend (the numpy one's ``workers``).
    """
    module = backend(engine)
    req = request(param_table, final_time=final_time, time_step=time_step, saveper=saveper, outputs=outputs, model=model)
    return module.run(req, **backend_options)


def run(param_table: pd.DataFrame, *, engine: str = "batch", **options: Any) -> xr.Dataset:
    """Run every row of ``param_table`` on a backend; see :func:`sim.simulate_batch`."""
    return outputs(param_table, engine=engine, **options).to_dataset()
