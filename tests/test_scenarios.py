"""Every shipped scenario validates, runs, says which behaviour it shows, and both engines agree on it."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import sim
from sim import runner
from sim.results import kpi_table
from sim.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))
REQUIRED = {
    "baseline", "reporting_factory", "strategy_without_execution", "balanced_dual_track", "capability_first",
    "foundation_then_value", "mandate_crisis", "budget_cut", "supportive", "controlling", "directive",
    "zombie_pmo", "new_pmo", "agile_startup", "complex_transformation",
}


def test_every_required_scenario_is_shipped():
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


FOLDER = Path(__file__).parent.parent / "scenarios"


@functools.lru_cache(maxsize=None)
def _runs(stem: str, overrides: tuple = ()) -> xr.Dataset:
    scenario = load_scenario(FOLDER / f"{stem}.toml", overrides=dict(overrides) or None)
    return runner.run(scenario, runs=50, with_parent=False).dataset


def median(stem: str, name: str, month: float, **overrides: float) -> float:
    """Median over 50 Monte Carlo runs of the shipped file (its own uncertainty)."""
    return float(np.median(_runs(stem, tuple(sorted(overrides.items())))[name].sel(time=month)))


def average(stem: str, **overrides: float) -> float:
    """Median over the runs of PMO Performance averaged over months 60-120."""
    data = _runs(stem, tuple(sorted(overrides.items())))["pmo_performance"]
    return float(np.median(data.sel(time=slice(60, 120)).mean("time")))


CLAIMS = {
    "reporting factory loses support": lambda: median("reporting_factory", "executive_support", 120) < median("baseline", "executive_support", 120),
    "balanced beats the reporting factory": lambda: median("balanced_dual_track", "pmo_performance", 120) > median("reporting_factory", "pmo_performance", 120),
    "balanced beats strategy without execution": lambda: median("balanced_dual_track", "pmo_performance", 120) > median("strategy_without_execution", "pmo_performance", 120),
    "foundation then value dips first": lambda: median("foundation_then_value", "pmo_performance", 36) < median("baseline", "pmo_performance", 36),
    "mandate crisis ends higher": lambda: median("mandate_crisis", "pmo_performance", 84) > median("baseline", "pmo_performance", 84),
    "budget cut adds less net value (B16)": lambda: median("budget_cut", "cumulative_net_value", 120) < median("baseline", "cumulative_net_value", 120),
    "zombie PMO is more likely closed than not": lambda: median("zombie_pmo", "pmo_survival", 120) < 0.5 < median("baseline", "pmo_survival", 120),
    "new PMO gets time and builds delivery": lambda: median("new_pmo", "pmo_survival", 12) >= 0.9 and median("new_pmo", "delivery_performance", 24) > median("new_pmo", "delivery_performance", 0),
    "controlling fits a mid-complexity organisation": lambda: average("controlling") > max(average("supportive"), average("directive")),
    "supportive fits the agile startup": lambda: average("agile_startup") > average("agile_startup", pmo_authority=1),
    "directive fits the complex transformation": lambda: average("complex_transformation") > average("complex_transformation", pmo_authority=0),
}


@pytest.mark.parametrize("claim", sorted(CLAIMS))
def test_shipped_scenario_shows_what_its_description_says(claim):
    """The shipped files show what their descriptions say (medians of the Monte Carlo)."""
    assert CLAIMS[claim]()


def test_foundation_then_value_overtakes_the_baseline():
    assert median("foundation_then_value", "pmo_performance", 120) > median("baseline", "pmo_performance", 120)


def test_a_child_file_or_p_sets_an_input_another_way_than_its_parent(tmp_path):
    """A fixed value replaces the parent's distribution or schedule, a distribution its fixed value;
    in one file, an input set two ways stays a problem. The parent itself is unchanged."""
    (tmp_path / "parent.toml").write_text(
        'description = "p"\n[params]\nlearning_strength = 0.4\n[schedule.pmo_budget]\npoints = [[0, 100], [12, 150]]\n'
        '[uncertainty]\nruns = 5\n[uncertainty.params]\nrisk_tolerance = { dist = "uniform", low = 0.7, high = 0.8 }\n')
    (tmp_path / "child.toml").write_text(
        'extends = "parent.toml"\n[params]\nrisk_tolerance = 0.75\npmo_budget = 120\n'
        '[uncertainty.params]\nlearning_strength = { dist = "uniform", low = 0.3, high = 0.5 }\n')
    child = sim.load_scenario(tmp_path / "child.toml")
    assert child.spec.params == {"risk_tolerance": 0.75, "pmo_budget": 120.0}
    assert child.spec.schedule == {} and list(child.spec.uncertainty.params) == ["learning_strength"]
    parent = child.parent.spec
    assert parent.params == {"learning_strength": 0.4} and list(parent.schedule) == ["pmo_budget"]
    assert list(parent.uncertainty.params) == ["risk_tolerance"]
    assert list(sim.load_scenario(tmp_path / "parent.toml", overrides={"risk_tolerance": 0.72}).spec.uncertainty.params) == []
    (tmp_path / "both.toml").write_text('extends = "parent.toml"\n[params]\nstrategic_turbulence = 0.3\n'
                                        '[uncertainty.params]\nstrategic_turbulence = { dist = "uniform", low = 0.2, high = 0.4 }\n')
    with pytest.raises(sim.ScenarioError, match=r"both.toml:3: params.strategic_turbulence: 'strategic_turbulence' is also uncertain"):
        sim.load_scenario(tmp_path / "both.toml")


def test_an_uploads_problems_name_the_file_alone():
    """As the app shows them: the file's name, never a made-up folder; parse and check problems alike."""
    from sim.scenario import load_uploaded

    with pytest.raises(sim.ScenarioError) as raised:
        load_uploaded(b"[params]\npmo_budgte = 1\n", file_name="typo.toml")
    assert str(raised.value.problems[0]).startswith("typo.toml:2: params.pmo_budgte: unknown parameter")
    with pytest.raises(sim.ScenarioError) as raised:
        load_uploaded(b"[params\n", file_name="broken.toml")
    assert str(raised.value.problems[0]).startswith("broken.toml:1: syntax:")


def test_a_childs_distribution_replaces_its_parents_whole(tmp_path):
    """Another kind of distribution is not merged field by field with the parent's (the README's example)."""
    (tmp_path / "parent.toml").write_text('[uncertainty]\nruns = 5\n[uncertainty.params]\n'
                                          'learning_strength = { dist = "triangular", low = 0.3, mode = 0.4, high = 0.5 }\n')
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\n[uncertainty.params]\n'
                                         'learning_strength = { dist = "uniform", low = 0.35, high = 0.45 }\n')
    child = sim.load_scenario(tmp_path / "child.toml")
    assert child.spec.uncertainty.params["learning_strength"].model_dump() == {"dist": "uniform", "low": 0.35, "high": 0.45}
    assert child.parent.spec.uncertainty.params["learning_strength"].model_dump()["dist"] == "triangular"


def test_the_scenario_readmes_examples_are_valid_files(tmp_path):
    """Each TOML example of scenarios/README.md, saved beside the shipped files it extends, loads."""
    import shutil

    folder = Path(__file__).parent.parent / "scenarios"
    text = (folder / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(examples) >= 2
    for path in SCENARIOS:
        shutil.copy(path, tmp_path / path.name)
    for i, example in enumerate(examples):
        body = example if "extends" in example or "[study" not in example else f'extends = "baseline.toml"\n{example}'
        (tmp_path / f"example_{i}.toml").write_text(body, encoding="utf-8")
        load_scenario(tmp_path / f"example_{i}.toml")
