"""The public API: sim.simulate and the model metadata."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.model import MODEL_FILE


def test_simulate_returns_months_and_snake_case_columns(baseline):
    assert baseline.index.name == "time"
    assert baseline.index[0] == 0 and baseline.index[-1] == 120 and len(baseline) == 121
    assert "delivery_performance" in baseline.columns and "Delivery Performance" not in baseline.columns


def test_final_time_sets_the_horizon():
    assert sim.simulate(final_time=24).index[-1] == 24


def test_params_accept_model_file_names_and_snake_case(baseline):
    a = sim.simulate({"PMO Budget": 150}, final_time=12)
    b = sim.simulate({"pmo_budget": 150}, final_time=12)
    pd.testing.assert_frame_equal(a, b)
    assert a.at[12, "effective_budget"] != baseline.at[12, "effective_budget"]


def test_unknown_name_suggests_the_closest():
    with pytest.raises(sim.ModelError, match="unknown model variable 'pmo_budgte'; did you mean 'pmo_budget'"):
        sim.simulate({"pmo_budgte": 100})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "100", True])
def test_bad_values_are_refused(value):
    with pytest.raises(sim.ModelError, match="pmo_budget"):
        sim.simulate({"pmo_budget": value})


def test_schedule_param_is_interpolated_over_months():
    schedule = pd.Series([100.0, 100.0, 200.0], index=[0.0, 12.0, 24.0])
    run = sim.simulate({"pmo_budget": schedule}, final_time=36)
    assert run.at[6, "pmo_budget"] == pytest.approx(100)
    assert run.at[18, "pmo_budget"] == pytest.approx(150)
    assert run.at[30, "pmo_budget"] == pytest.approx(200)


def test_unsorted_schedule_is_refused():
    with pytest.raises(sim.ModelError, match="sorted"):
        sim.simulate({"pmo_budget": pd.Series([1.0, 2.0], index=[12.0, 0.0])})


def test_one_run_never_leaks_into_the_next(baseline):
    sim.simulate({"pmo_budget": 0, "strategic_turbulence": 1}, final_time=24)
    again = sim.simulate()
    pd.testing.assert_frame_equal(again, baseline)


def test_translation_is_never_written_beside_the_model_file():
    sim.simulate(final_time=6)
    assert sorted(p.name for p in MODEL_FILE.parent.iterdir()) == [MODEL_FILE.name]


def test_unknown_engine_and_bad_horizon_are_refused():
    with pytest.raises(sim.ModelError, match="unknown engine"):
        sim.simulate(engine="vensim")
    with pytest.raises(sim.ModelError, match="final_time"):
        sim.simulate(final_time=0)


def test_metadata_exposes_units_ranges_and_comments(model):
    budget = model.describe("PMO Budget")
    assert (budget.units, budget.minimum, budget.maximum, budget.default) == ("k$/Month", 0, 1000, 100)
    assert budget.comment and budget.group == "Decisions and environment"
    assert model.describe("delivery_performance").kind == "auxiliary"
    assert {v.py_name for v in model.stocks} >= {"pmo_transformation", "executive_support"}


def test_load_scenario_and_run_are_public(tmp_path):
    path = tmp_path / "case.toml"
    path.write_text('description = "x"\n[params]\npmo_budget = 150\n[uncertainty]\nruns = 8\nseed = 1\n'
                    '[uncertainty.params]\nlearning_strength = { dist = "uniform", low = 0.5, high = 1.5 }\n')
    scenario = sim.load_scenario(path)
    result = sim.run(scenario)
    assert isinstance(result, sim.Result) and result.runs == 8
    assert dict(result.dataset.sizes) == {"run": 8, "time": 121}
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario(tmp_path / "missing.toml")
