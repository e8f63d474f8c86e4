"""Which batch backend a workshop's runs use: the compiled kernel once this process has it, numpy until then.

The numba backend advances a class of teams about ten times faster than numpy, but its kernel is
compiled on first use: tens of seconds on a busy laptop, too long for a room of managers to wait.
``make workshop`` therefore compiles it into the disk cache before the server starts
(``python -m sim.workshop.warm``). In the server, the first run of a plan whose kernel this
process does not have yet starts loading it on a background thread (from the disk cache in a
fraction of a second, or compiling it when it is not there) and runs on numpy meanwhile; the next
runs use the kernel. Both backends integrate the same plan and agree to rounding.

A workshop's plan does not depend on the teams' decisions: decision and event inputs are always
schedules (:mod:`sim.workshop.simulation`), so one kernel serves every workshop whose starting PMO
sets only the model's constants, as every shipped scenario does.
"""

from __future__ import annotations

import logging
import threading
import time

import pandas as pd

from sim.engine.batch import default_backend
from sim.engine.plan import Plan
from sim.engine.request import Request, request

_LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_LOADING: dict[Plan, threading.Thread] = {}  # plans cached per process: one loading thread each


def _request(table: pd.DataFrame, *, final_time: float, time_step: float) -> Request:
    """The call of one run of ``table``: the plan and the argument types are the same for any number of runs."""
    return request(table.iloc[:1], final_time=final_time, time_step=time_step, saveper=1, outputs=None, model=None)


def _load(req: Request) -> None:
    from sim.engine import numba_backend

    started = time.perf_counter()
    try:
        numba_backend.compile_kernel(req)
    except Exception:  # the workshop goes on with numpy; say why once
        _LOG.exception("pmo-sim workshop: the compiled kernel could not be built; advancing on numpy")
        return
    _LOG.info("pmo-sim workshop: compiled kernel ready in %.1f s", time.perf_counter() - started)


def backend(table: pd.DataFrame, *, final_time: float, time_step: float) -> str:
    """``"numba"`` when this process has the kernel for ``table``'s plan, else ``"numpy"`` (and the kernel
    starts loading in the background, once per plan); ``"numpy"`` where numba is not installed."""
    if default_backend() != "numba":
        return "numpy"
    from sim.engine import numba_backend

    req = _request(table, final_time=final_time, time_step=time_step)
    if numba_backend.ready(req):
        return "numba"
    with _LOCK:
        if req.plan not in _LOADING:
            thread = threading.Thread(target=_load, args=(req,), name="pmo-sim-kernel", daemon=True)
            _LOADING[req.plan] = thread
            thread.start()
    return "numpy"


def warm(table: pd.DataFrame, *, final_time: float, time_step: float) -> str:
    """Compile (or load) the kernel for ``table``'s plan now, in this thread; the backend runs will use."""
    if default_backend() != "numba":
        return "numpy"
    _load(_request(table, final_time=final_time, time_step=time_step))
    return backend(table, final_time=final_time, time_step=time_step)
