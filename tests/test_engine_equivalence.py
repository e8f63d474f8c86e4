"""Both batch backends equal PySD (the reference) to 1e-9 relative, on every variable at every saved time:
schedules, shocks, overrides, time steps and batches (the fifty random parameter sets are in
test_engine_random_sets.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from engine_reference import BACKENDS, assert_same, pysd_run, random_parameter_sets
from sim.engine import batch
from sim.experiments import pulse_schedule, share_move, step_schedule, track_step


SCHEDULES = {
    "execution step": track_step("execution"),
    "value step": track_step("value"),
    "share move": share_move(fraction=0.5, at=12),
    "shock pulse": {"risk_shock": pulse_schedule(0.5, start=24, duration=3)},
    "ramp": {"pmo_budget": pd.Series([100.0, 100.0, 250.0], index=[0.0, 12.0, 48.0])},
    "schedule starting late and ending early": {"strategic_turbulence": pd.Series([0.2, 0.9], index=[30.5, 60.25])},
    "budget cut to zero": {"pmo_budget": step_schedule(100.0, 0.0, 36)},
    "held stock": {"pmo_transformation": 0.3, **track_step("value")},
    "overridden auxiliary": {"effective_budget": pd.Series([50.0, 150.0], index=[0.0, 120.0])},
}


@pytest.mark.parametrize("engine", BACKENDS)
@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedules_shocks_and_overrides_match_pysd(case, engine):
    params = SCHEDULES[case]
    assert_same(sim.simulate(params, engine=engine), pysd_run(case, params))


@pytest.mark.parametrize("engine", BACKENDS)
@pytest.mark.parametrize("time_step", [0.0625, 0.25, 1.0])
def test_other_time_steps_match_pysd(time_step, engine):
    params = {"strategic_turbulence": 0.8}
    assert_same(
        sim.simulate(params, time_step=time_step, final_time=60, engine=engine),
        pysd_run(f"time step {time_step}", params, time_step=time_step, final_time=60),
    )


@pytest.mark.parametrize("engine", BACKENDS)
def test_different_schedules_per_run_in_one_batch_match_pysd(engine):
    """Runs of one batch may each have their own schedule (and plain numbers) in the same column."""
    budgets = [
        pd.Series([100.0, 200.0], index=[0.0, 60.0]),
        120.0,
        pd.Series([80.0, 80.0, 10.0, 300.0], index=[0.0, 24.0, 25.0, 90.0]),
    ]
    shocks = [pulse_schedule(0.3, start=12, duration=6), pulse_schedule(0.9, start=50, duration=1), 0.0]
    table = pd.DataFrame({"pmo_budget": budgets, "risk_shock": shocks})
    dataset = sim.simulate_batch(table, engine=engine)
    for run in range(len(table)):
        reference = pysd_run(f"per-run schedules {run}", {"pmo_budget": budgets[run], "risk_shock": shocks[run]})
        assert_same(dataset.isel(run=run).drop_vars("run").to_dataframe(), reference)


def test_large_batches_split_over_threads_give_identical_results():
    """Splitting runs over worker threads changes nothing, bit for bit; spot-check against PySD."""
    table = random_parameter_sets(2005, seed=7)  # an odd count: the two threads get unequal shares
    split = batch.run(table, engine="numpy", workers=2)
    whole = batch.run(table, engine="numpy", workers=1)
    for name in whole.data_vars:
        np.testing.assert_array_equal(split[name].values, whole[name].values, err_msg=name)
    for run in (0, len(table) - 1):
        reference = pysd_run(f"split {run}", table.iloc[run].to_dict())
        assert_same(split.isel(run=run).drop_vars("run").to_dataframe(), reference)


@pytest.mark.skipif(batch.default_backend() != "numba", reason="numba not installed")
def test_numba_backend_splits_large_batches_over_cores_with_identical_results():
    """200 runs on the numba kernel (over the cores) equal the numpy backend's, every variable, to 1e-12."""
    table = random_parameter_sets(200, seed=11)
    numba_out = batch.run(table, engine="numba")
    numpy_out = batch.run(table, engine="numpy", workers=1)
    for name in numpy_out.data_vars:
        np.testing.assert_allclose(numba_out[name].values, numpy_out[name].values, rtol=1e-12, atol=1e-15, err_msg=name)
