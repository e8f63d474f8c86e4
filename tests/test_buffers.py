"""Large batch results reuse memory only when nothing refers to it any more (sim.engine.buffers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine import batch, buffers

pytestmark = pytest.mark.skipif(batch.default_backend() != "numba", reason="numba not installed")

OUTPUTS = list(sim.model.CONTRACT_OUTPUTS)


@pytest.fixture
def small_pool(monkeypatch):
    """Pool arrays from 1 MB (the shipped threshold is 64 MB), starting empty; emptied again after."""
    monkeypatch.setattr(buffers, "MIN_BYTES", 2**20)
    monkeypatch.delenv(buffers.REUSE_ENV, raising=False)
    buffers.release()
    yield
    buffers.release()


def _table(budget: float, runs: int = 60) -> pd.DataFrame:
    return pd.DataFrame({"pmo_budget": np.linspace(budget, budget + 50.0, runs)})


def _address(dataset) -> int:
    return dataset["pmo_performance"].values.__array_interface__["data"][0]


def test_a_result_still_held_is_never_written_over(small_pool):
    held = sim.simulate_batch(_table(20.0), engine="numba", outputs=OUTPUTS)
    before = held.copy(deep=True)
    other = sim.simulate_batch(_table(300.0), engine="numba", outputs=OUTPUTS)
    assert _address(other) != _address(held)
    assert held.identical(before)
    assert not held["pmo_performance"].equals(other["pmo_performance"])


def test_a_view_of_a_result_keeps_its_memory_too(small_pool):
    column = np.asarray(sim.simulate_batch(_table(20.0), engine="numba", outputs=OUTPUTS)["pmo_survival"])
    kept = column.copy()
    assert buffers.kept() == 0  # the dataset is gone but the view still refers to the memory
    sim.simulate_batch(_table(300.0), engine="numba", outputs=OUTPUTS)
    np.testing.assert_array_equal(column, kept)


def test_memory_of_a_dropped_result_is_reused_with_the_same_results(small_pool):
    fresh = sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)
    expected, address = fresh.copy(deep=True), _address(fresh)
    del fresh
    assert buffers.kept() >= 60 * len(OUTPUTS) * 121 * 8
    reused = sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)
    assert _address(reused) == address
    assert reused.identical(expected)
    assert buffers.kept() == 0


def test_release_gives_unused_memory_back_and_reuse_can_be_turned_off(small_pool, monkeypatch):
    held = sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)
    sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)  # dropped at once
    assert buffers.release() == 60 * len(OUTPUTS) * 121 * 8  # the dropped one's, not the held one's
    assert buffers.kept() == 0 and not buffers._BUFFERS
    del held
    assert buffers.kept() == 0  # no longer kept: freed when its holder dropped it
    monkeypatch.setenv(buffers.REUSE_ENV, "0")
    sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)
    assert not buffers._BUFFERS


def test_small_results_and_unused_buffers_beyond_the_limit_are_not_kept(small_pool):
    tiny = sim.simulate_batch(_table(120.0, runs=2), engine="numba", outputs=OUTPUTS)
    del tiny
    assert buffers.kept() == 0
    for runs in (60, 200, 700, 2400):  # each too large for the buffers before it: a new one each time
        sim.simulate_batch(_table(120.0, runs=runs), engine="numba", outputs=OUTPUTS)
    assert len(buffers._BUFFERS) == buffers.KEEP_IDLE
    assert buffers.kept() == sum(b.nbytes for b in buffers._BUFFERS)


def test_at_most_keep_idle_unused_buffers_outlive_the_next_batch(small_pool):
    held = [sim.simulate_batch(_table(120.0 + i), engine="numba", outputs=OUTPUTS) for i in range(4)]
    del held
    assert len(buffers._BUFFERS) == 4
    result = sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)
    assert len(buffers._BUFFERS) == buffers.KEEP_IDLE  # the one in use and one unused
    del result
    assert buffers.kept() == buffers.KEEP_IDLE * 60 * len(OUTPUTS) * 121 * 8


_HELD: dict = {}  # what a forked child sees of its parent's results


def _child_in_fork() -> float:
    """In a forked child: write into the parent's held result, run a batch the size of the parent's
    unused buffer, and one large enough for the thread pool."""
    _HELD["result"]["pmo_performance"].values[:] = -1.0
    sim.simulate_batch(_table(300.0), engine="numba", outputs=OUTPUTS)
    return float(sim.simulate_batch(_table(300.0, runs=100), engine="numba", outputs=OUTPUTS)["pmo_survival"].sum())


def test_a_forked_process_never_writes_into_its_parents_memory(small_pool):
    """Pooled memory is private, as malloc's: a child gets its own copy of what it writes (and no pool),
    even of a buffer the parent will reuse next; a batch that uses the thread pool still runs there."""
    import multiprocessing

    _HELD["result"] = sim.simulate_batch(_table(20.0), engine="numba", outputs=OUTPUTS)
    before = _HELD["result"].copy(deep=True)
    sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS)  # dropped: an unused buffer
    expected = sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS).copy(deep=True)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            survival = pool.apply(_child_in_fork)
        assert _HELD["result"].identical(before)
        assert sim.simulate_batch(_table(120.0), engine="numba", outputs=OUTPUTS).identical(expected)  # the reused buffer
        assert survival == float(sim.simulate_batch(_table(300.0, runs=100), engine="numba", outputs=OUTPUTS)["pmo_survival"].sum())
    finally:
        _HELD.clear()
