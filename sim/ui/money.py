"""The executive page's money: cost, value delivered, net value, payback, and "how much budget?".

Net value counts the portfolio's benefits above the same portfolio without a PMO, minus what the PMO
costs, weighted by the probability that the PMO still exists (the model's Net Value Added). Nothing
here is a ratio of value to cost: a ratio rewards starving the PMO (a tiny budget with any value has
the best ratio), while the net value peaks at the budget that adds the most.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from sim.results import month_from_which
from sim.runner import parameter_table
from sim.scenario import scenario_from_dict
from sim.simulate import simulate_batch
from sim.ui.common import MODEL

#: The model counts money in k$; the cards show M$.
K_PER_M = 1000.0
BUDGET_POINTS = 21
CURVE_OUTPUTS = ("cumulative_net_value", "pmo_performance")


def money_kpis(values: dict[str, np.ndarray]) -> dict[str, float]:
    """PMO cost, value delivered and net value to the horizon (M$), and the payback month (NaN: not paid back)."""
    months = values["time"]
    net = values["cumulative_net_value"][0]
    payback = month_from_which(months, net[np.newaxis, :] >= 0)[0]
    return {
        "PMO cost (M$)": values["cumulative_pmo_cost"][0][-1] / K_PER_M,
        "Value delivered (M$)": values["cumulative_value_delivered"][0][-1] / K_PER_M,
        "Net value (M$)": net[-1] / K_PER_M,
        "Payback month": float(payback),
    }


GRID_TOP = 400.0  # k$/Month: four times the default budget


def budget_grid(budget: float) -> np.ndarray:
    """PMO budgets to try: 0 to 400 k$/month, or to twice the current budget above that (within the slider's range).

    The grid does not move with the budget below 400, so moving the budget slider reuses the curve.
    """
    top = GRID_TOP if budget <= GRID_TOP else min(MODEL.variables["pmo_budget"].maximum, 2 * budget)
    return np.round(np.linspace(0.0, top, BUDGET_POINTS), 1)


@st.cache_data(max_entries=64, show_spinner=False)
def _budget_curve(scenario_json: str, budgets: tuple[float, ...]) -> pd.DataFrame:
    scenario = scenario_from_dict(json.loads(scenario_json))
    row = parameter_table(scenario.spec)
    table = pd.concat([row.iloc[:1]] * len(budgets), ignore_index=True)
    table["pmo_budget"] = list(budgets)
    run = scenario.spec.run
    data = simulate_batch(table, outputs=list(CURVE_OUTPUTS), final_time=run.final_time, time_step=run.time_step)
    return pd.DataFrame({
        "budget": budgets,
        "net": data["cumulative_net_value"].isel(time=-1).to_numpy() / K_PER_M,
        "performance": data["pmo_performance"].mean(dim="time").to_numpy(),
    })


def budget_curve(data: dict[str, Any], budget: float) -> pd.DataFrame:
    """Cumulative net value (M$) and average PMO Performance at the horizon for each budget of the grid.

    One batch-engine call: the scenario the page describes with only PMO Budget changed (a shock on
    the budget is replaced by the constant budget of each point).
    """
    without_budget = {**data, "params": {k: v for k, v in data["params"].items() if k != "pmo_budget"}}
    return _budget_curve(json.dumps(without_budget, sort_keys=True), tuple(budget_grid(budget)))


def budget_chart(curve: pd.DataFrame, budget: float, height: int = 230) -> dict[str, Any]:
    """Net value and average performance against budget, the current budget and the best one marked."""
    best = curve.loc[curve["net"].idxmax()]
    unit = MODEL.variables["pmo_budget"].units
    x = {"field": "budget", "type": "quantitative", "title": f"PMO Budget ({unit})"}
    marks = pd.DataFrame([{"budget": budget, "what": f"current {budget:g}", "y": 10},
                          {"budget": float(best["budget"]), "what": f"best {best['budget']:g}", "y": 26}])
    line = {"mark": {"type": "line", "point": True, "strokeWidth": 2.5}, "encoding": {"x": x}}
    return {
        "title": "How much budget? (this split, to the horizon)",
        "height": height, "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": [
            {"data": {"values": curve.to_dict("records")}, **line,
             "encoding": {"x": x, "y": {"field": "net", "type": "quantitative", "title": "cumulative net value (M$)",
                                        "axis": {"titleColor": "#0072B2"}},
                          "color": {"value": "#0072B2"},
                          "tooltip": [{"field": "budget", "title": "budget"}, {"field": "net", "format": ".2f", "title": "net value (M$)"},
                                      {"field": "performance", "format": ".3f", "title": "average performance"}]}},
            {"data": {"values": curve.to_dict("records")}, **line,
             "encoding": {"x": x, "y": {"field": "performance", "type": "quantitative", "title": "average PMO Performance",
                                        "scale": {"domain": [0, 1]}, "axis": {"titleColor": "#D55E00", "orient": "right"}},
                          "color": {"value": "#D55E00"}, "strokeDash": {"value": [6, 4]}}},
            {"data": {"values": marks.to_dict("records")}, "mark": {"type": "rule", "strokeDash": [3, 3], "color": "#444444"},
             "encoding": {"x": {"field": "budget", "type": "quantitative"}}},
            {"data": {"values": marks.to_dict("records")},
             "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 13, "color": "#222222"},
             "encoding": {"x": {"field": "budget", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative", "scale": None}, "text": {"field": "what"}}},
        ],
        "resolve": {"scale": {"y": "independent"}},
    }


def best_budget(curve: pd.DataFrame) -> float:
    return float(curve.loc[curve["net"].idxmax(), "budget"])
