"""Both batch backends equal PySD to 1e-9 relative on fifty parameter sets drawn over every input's
documented range, every variable at every saved time (a file of its own: PySD's fifty runs are the
suite's longest job, and a file is what the test workers share out)."""

from __future__ import annotations

import pytest

import sim
from engine_reference import BACKENDS, assert_same, pysd_run, random_parameter_sets


@pytest.mark.parametrize("engine", BACKENDS)
def test_fifty_random_parameter_sets_match_pysd(engine):
    table = random_parameter_sets(50, seed=20261121)
    dataset = sim.simulate_batch(table, engine=engine)
    for run in range(len(table)):
        params = table.iloc[run].to_dict()
        reference = pysd_run(f"random {run}", params)
        batch = dataset.isel(run=run).drop_vars("run").to_dataframe()
        assert_same(batch, reference)
