"""KPIs of PMO survival and net value, and milestones over Monte Carlo runs, on real runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.plotting import scenario_figure
from sim.results import MILESTONE_UNIT, _first_month, kpi_table, kpi_values, milestone_summary

SCENARIOS = Path(__file__).parent.parent / "scenarios"
FINAL = "at month 120 (final)"


@pytest.fixture(scope="module")
def baseline_runs() -> sim.Result:
    return sim.run(sim.load_scenario(SCENARIOS / "baseline.toml"), runs=200)


def single(tmp_path: Path, params: str = "") -> sim.Result:
    path = tmp_path / "case.toml"
    path.write_text(f'description = "x"\n[params]\n{params}\n', encoding="utf-8")
    return sim.run(sim.load_scenario(path))


def by_kpi(result: sim.Result):
    return kpi_table(result).set_index("kpi")


def test_survival_and_net_value_kpis_are_read_from_the_run(tmp_path):
    result = single(tmp_path)
    data, kpis = result.dataset.isel(run=0), by_kpi(result)
    assert kpis.at[f"pmo_survival {FINAL}", "value"] == pytest.approx(float(data["pmo_survival"][-1]))
    assert kpis.at[f"net_value_added {FINAL}", "value"] == pytest.approx(float(data["net_value_added"][-1]))
    assert kpis.at[f"cumulative_net_value {FINAL}", "value"] == pytest.approx(float(data["cumulative_net_value"][-1]))
    assert kpis.loc[f"net_value_added {FINAL}", "unit"] == "k$/Month" and kpis.loc[f"cumulative_net_value {FINAL}", "unit"] == "k$"
    # Break-even against no PMO: Cumulative Net Value stays at or above 0 from that month on.
    net = data["cumulative_net_value"].to_series()
    month = kpis.at["month of break-even against no PMO", "value"]
    if np.isnan(month):
        assert net.iloc[-1] < 0 and kpis.at["month of break-even against no PMO", "reached_share"] == 0
    else:
        assert (net.loc[month:] >= 0).all() and (month == 0 or net.loc[month - 1] < 0)


def test_survival_below_half_reached_or_not(tmp_path):
    """No closure at all never reaches it (blank value, share 0); an unfunded PMO closing fast does."""
    never = by_kpi(single(tmp_path, "maximum_closure_hazard = 0"))
    assert never.at[f"pmo_survival {FINAL}", "value"] == 1
    assert np.isnan(never.at["month pmo_survival falls below 50%", "value"])
    assert never.at["month pmo_survival falls below 50%", "reached_share"] == 0
    closing = single(tmp_path, "maximum_closure_hazard = 0.5\npmo_budget = 0")
    survival = closing.dataset["pmo_survival"].isel(run=0).to_series()
    month = by_kpi(closing).at["month pmo_survival falls below 50%", "value"]
    assert survival.loc[month] < 0.5 <= survival.loc[month - 1]
    assert by_kpi(closing).at["month pmo_survival falls below 50%", "reached_share"] == 1


def test_milestones_count_every_run(baseline_runs):
    """reached_share is the share of all runs; quantiles count a run that never reaches it as after the horizon."""
    table = kpi_table(baseline_runs).set_index("kpi")
    values = kpi_values(baseline_runs)
    milestones = [name for name, (unit, _) in values.items() if unit == MILESTONE_UNIT]
    assert {"month maturity level 3 reached", "month pmo_survival falls below 50%", "month of break-even against no PMO"} <= set(milestones)
    for name in milestones:
        per_run = values[name][1]
        reached = int(np.isfinite(per_run).sum())
        assert table.at[name, "runs_reached"] == reached and table.at[name, "reached_share"] == reached / 200
        assert np.isnan(table.at[name, "mean"]) == (reached < 200)
        if reached <= 100:  # half or fewer reach it: the median is after the horizon, written blank
            assert np.isnan(table.at[name, "p50"])
        else:
            assert table.at[name, "p50"] == pytest.approx(np.quantile(np.nan_to_num(per_run, nan=1e9), 0.5))
    assert np.isnan(table.filter(like="reached").loc["lowest executive support"]).all()  # not a milestone
    assert "runs counted" not in table


@pytest.mark.parametrize("share", [0.3, 0.8])
def test_milestone_quantiles_on_a_real_spread(baseline_runs, share):
    """A level a given share of the runs reach: the median exists only when more than half do."""
    months = baseline_runs.dataset["time"].to_numpy()
    cost = baseline_runs.dataset["cumulative_pmo_cost"].to_numpy()  # never falls, ends apart in every run
    level = np.quantile(cost[:, -1], 1 - share)
    first = _first_month(months, cost > level)
    summary = milestone_summary(first)
    assert np.isfinite(first).mean() == pytest.approx(share, abs=0.01)
    assert np.isnan(summary["mean"])  # some runs never reach it
    if share < 0.5:
        assert np.isnan(summary["p50"]) and np.isfinite(summary["p05"]) and np.isnan(summary["p95"])
    else:
        after_horizon = np.where(np.isnan(first), months[-1] + 1000, first)
        assert summary["p50"] == pytest.approx(np.quantile(after_horizon, 0.5))
        assert summary["p50"] >= np.nanmedian(first)  # counting the runs that never reach it moves the median later


def test_charts_show_survival_and_cumulative_net_value(baseline_runs):
    figure = scenario_figure(baseline_runs.dataset, title="baseline")
    titles = [axes.get_title() for axes in figure.axes]
    assert "PMO survival" in titles and "Cumulative net value against no PMO" in titles
    survival = figure.axes[titles.index("PMO survival")]
    assert survival.get_ylim()[0] == 0 and survival.get_ylabel()
