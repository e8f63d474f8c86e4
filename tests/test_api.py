"""The public API: sim.simulate and the model metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import MODEL_FILE

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


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
    with pytest.raises(sim.ModelError, match="increasing order"):
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


@pytest.mark.parametrize(("params", "message"), [
    ({"pmo_budget": -50}, "pmo_budget: -50 is outside the documented range 0 to 1000 (k$/Month)"),
    ({"pmo_budget": 5000}, "pmo_budget: 5000 is outside the documented range 0 to 1000 (k$/Month)"),
    ({"share_governance": 2.5}, "share_governance: 2.5 is outside the documented range 0 to 1 (Dmnl)"),
    ({"strategic_turbulence": -1}, "strategic_turbulence: -1 is outside the documented range 0 to 1 (Dmnl)"),
    ({"pmo_budget": float("nan")}, "pmo_budget: must be a finite number (not nan or inf)"),
    ({"pmo_budget": pd.Series([100.0, 5000.0], index=[0, 12])},
     "pmo_budget: schedule at month 12: 5000 is outside the documented range 0 to 1000 (k$/Month)"),
])
def test_values_are_checked_as_scenario_files_check_them(params, message):
    """Ranges come from the model file's [min, max]; the message is the scenario file's, after the name."""
    with pytest.raises(sim.ModelError) as raised:
        sim.simulate(params, final_time=6)
    assert str(raised.value) == message


def test_scenario_files_and_the_api_give_the_same_range_message(tmp_path):
    """One check serves both: the scenario error ends with the API's message."""
    path = tmp_path / "big.toml"
    path.write_text("[params]\npmo_budget = 5000\n")
    with pytest.raises(sim.ScenarioError) as from_file:
        sim.load_scenario(path)
    with pytest.raises(sim.ModelError) as from_api:
        sim.simulate({"pmo_budget": 5000})
    assert str(from_file.value).endswith(str(from_api.value).removeprefix("pmo_budget: "))


@pytest.mark.parametrize("number", [np.int64(150), np.float32(150), np.float64(150), 150])
def test_numpy_numbers_are_accepted(number):
    """np.int64(150) is a number like 150."""
    run = sim.simulate({"pmo_budget": number}, final_time=3)
    assert run["pmo_budget"].iloc[-1] == 150


@pytest.mark.parametrize("value", [np.bool_(True), [150], None])
def test_bools_lists_and_none_are_not_numbers(value):
    with pytest.raises(sim.ModelError, match="pmo_budget: expected a number or a pandas.Series, got"):
        sim.simulate({"pmo_budget": value}, final_time=3)


@pytest.mark.parametrize("params", [[("pmo_budget", 150)], "pmo_budget=150", 150])
def test_a_wrong_container_is_a_clear_type_error(params):
    with pytest.raises(TypeError, match=r"params must be a dict of name -> value, e.g. \{'pmo_budget': 150\}; got"):
        sim.simulate(params)


def test_simulate_batch_checks_every_run_and_its_container():
    """The same checks for a parameter table, naming the run."""
    with pytest.raises(sim.ModelError, match=r"^pmo_budget \(run 1\): -5 is outside the documented range 0 to 1000"):
        sim.simulate_batch(pd.DataFrame({"pmo_budget": [100, -5]}), final_time=3)
    with pytest.raises(sim.ModelError, match=r"^share_governance \(run 0\): schedule at month 6: 2 is outside"):
        sim.simulate_batch(pd.DataFrame({"share_governance": [pd.Series([0.2, 2.0], index=[0, 6])]}), final_time=3)
    with pytest.raises(TypeError, match="param_table must be a pandas.DataFrame"):
        sim.simulate_batch([{"pmo_budget": 100}])
    ok = sim.simulate_batch(pd.DataFrame({"PMO Budget": np.array([90, 110], dtype=np.int64)}), final_time=3)
    assert list(ok["pmo_budget"].isel(time=-1).values) == [90, 110]


@pytest.mark.parametrize(("settings", "message"), [
    ({"final_time": 0}, "final_time: must be greater than 0 and at most 1200 months, got 0"),
    ({"final_time": 5000}, "final_time: must be greater than 0 and at most 1200 months, got 5000"),
    ({"final_time": "120"}, "final_time: expected a number of months, got str"),
    ({"time_step": 0}, "time_step: must be greater than 0 and at most 1 month, got 0"),
    ({"saveper": -1}, "saveper: must be greater than 0 and at most 1200 months, got -1"),
    ({"final_time": 1200, "time_step": 0.01}, "time_step: 1200 months in steps of 0.01 is more than 100,000 steps"),
])
def test_bad_run_settings_say_what_is_allowed(settings, message):
    with pytest.raises(sim.ModelError) as raised:
        sim.simulate(**settings)
    assert str(raised.value) == message


def test_a_time_step_that_does_not_divide_saveper_is_refused_not_silently_saved_every_3_months():
    with pytest.raises(sim.ModelError, match=r"^time_step: 0.3 months does not divide the saving interval \(saveper, default 1 month\)"):
        sim.simulate(time_step=0.3, final_time=6)
    with pytest.raises(sim.ModelError, match=r"^saveper: 1 month is not a multiple of the time step \(0.3 months\)"):
        sim.simulate(time_step=0.3, saveper=1, final_time=6)
    run = sim.simulate(time_step=0.3, saveper=0.6, final_time=6)
    assert list(run.index) == pytest.approx([0, 0.6, 1.2, 1.8, 2.4, 3, 3.6, 4.2, 4.8, 5.4, 6])


def test_saveper_sets_the_saved_months_default_one():
    assert list(sim.simulate(final_time=4).index) == [0, 1, 2, 3, 4]
    assert list(sim.simulate(final_time=12, saveper=3).index) == [0, 3, 6, 9, 12]


@pytest.mark.parametrize("schedule, message", [
    (pd.Series([100.0, 150.0, 120.0], index=[0, 12, 12]), "schedule months must be in increasing order, each once"),
    (pd.Series([100.0, 150.0], index=[-1, 12]), "schedule months must be finite and not negative"),
    (pd.Series([100.0, 150.0], index=["a", "b"]), "a schedule is a pandas.Series of numbers indexed by month"),
    (pd.Series(["x", "y"], index=[0, 12]), "a schedule is a pandas.Series of numbers indexed by month"),
])
def test_schedules_are_refused_as_scenario_files_refuse_them(schedule, message):
    with pytest.raises(sim.ModelError, match=f"^pmo_budget: {message}"):
        sim.simulate({"pmo_budget": schedule}, final_time=12)


@pytest.mark.parametrize("options, message", [
    ({"runs": 0}, "runs: must be a whole number from 1 to 100,000, got 0"),
    ({"runs": 2.5}, "runs: must be a whole number from 1 to 100,000, got 2.5"),
    ({"runs": True}, "runs: must be a whole number from 1 to 100,000, got True"),
    ({"runs": 10**7}, "runs: must be a whole number from 1 to 100,000, got 10000000"),
    ({"seed": -1}, "seed: must be a whole number, 0 or more, got -1"),
])
def test_run_refuses_what_the_command_line_refuses(options, message):
    scenario = sim.load_scenario(BASELINE)
    with pytest.raises(sim.ModelError, match=f"^{message}$"):
        sim.run(scenario, **options)


def test_run_takes_a_scenario_files_path_and_one_output_name():
    result = sim.run(str(BASELINE), runs=2, outputs="pmo_performance", with_parent=False)
    assert result.runs == 2 and list(result.dataset.data_vars) == ["pmo_performance"]
    with pytest.raises(TypeError, match="scenario: expected a Scenario"):
        sim.run(42)
    with pytest.raises(sim.ScenarioError, match="no_such.toml"):
        sim.run("no_such.toml")
