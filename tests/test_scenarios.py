"""Every shipped scenario validates, runs, says which behaviour it shows, and both engines agree on it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim import runner
from sim.results import kpi_table
from sim.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))
REQUIRED = {
    "baseline", "reporting_factory", "strategy_without_execution", "balanced_dual_track", "capability_first",
    "foundation_then_value", "mandate_crisis", "budget_cut", "supportive", "controlling", "directive",
}


def test_every_scenario_of_model_md_section_7_is_shipped():
    assert REQUIRED <= {p.stem for p in SCENARIOS}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_validates_and_runs(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem  # shipped files keep name = stem
    assert re.search(r"\b(B\d+|loop|Aubry)\b", scenario.description), "say which behaviour it shows"
    result = runner.run(scenario, runs=20 if scenario.spec.uncertainty else None)
    assert result.dataset.sizes["time"] == int(scenario.spec.run.final_time) + 1
    table = kpi_table(result)
    assert np.isfinite(table.filter(regex="^(value|mean|p50)$").drop(index=table.index[table["kpi"].str.startswith("month")]).to_numpy(dtype=float)).all()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_batch_engine_equals_pysd_on_shipped_scenario(path):
    """Two Monte Carlo samples of each shipped scenario, schedules and shocks included, on both engines."""
    scenario = load_scenario(path)
    runs = 2 if scenario.spec.uncertainty else None
    batch = runner.run(scenario, runs=runs, seed=11, with_parent=False).dataset
    reference = runner.run(scenario, runs=runs, seed=11, engine="pysd", with_parent=False).dataset
    for name in reference.data_vars:
        np.testing.assert_allclose(batch[name].to_numpy(), reference[name].to_numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_reporting_factory_loses_support_the_balanced_pmo_keeps(tmp_path):
    """The shipped files show what their descriptions say (medians of the Monte Carlo)."""
    folder = Path(__file__).parent.parent / "scenarios"

    def median(stem, name, month):
        data = runner.run(load_scenario(folder / f"{stem}.toml"), runs=50, with_parent=False).dataset
        return float(np.median(data[name].sel(time=month)))

    assert median("reporting_factory", "executive_support", 120) < median("baseline", "executive_support", 120)
    assert median("balanced_dual_track", "pmo_performance", 120) > median("reporting_factory", "pmo_performance", 120)
    assert median("balanced_dual_track", "pmo_performance", 120) > median("strategy_without_execution", "pmo_performance", 120)
    assert median("foundation_then_value", "pmo_performance", 36) < median("baseline", "pmo_performance", 36)
    assert median("foundation_then_value", "pmo_performance", 120) > median("baseline", "pmo_performance", 120)
    assert median("mandate_crisis", "pmo_performance", 84) > median("baseline", "pmo_performance", 84)
