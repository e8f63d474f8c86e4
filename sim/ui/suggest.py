"""The executive page's "Suggest a better split": the constant split that maximises PMO Performance over
the later years, as the mean over the shipped baseline's uncertainty, beside the current one."""

from __future__ import annotations

import json
from typing import Any, Callable

import pandas as pd
import streamlit as st

from sim.analysis.optimize import optimize
from sim.experiments import SHARES
from sim.scenario import ScenarioError, scenario_from_dict
from sim.ui.common import MODEL, run_scenario
from sim.ui.inputs import scenario_data

#: Small enough for a few seconds on a laptop; the command line (pmo-sim optimize) does the full study.
SAMPLES = 40
OPTIONS = {"samples": SAMPLES, "popsize": 6, "maxiter": 60, "tol": 0.01, "seed": 0}
MEASURES = {"performance": ("PMO Performance", 3), "survival": ("PMO Survival at the end (0-1)", 3),
            "net_value": ("Cumulative net value (k$)", 0), "cost": ("Cumulative PMO cost (k$)", 0)}


def _name(share: str) -> str:
    return MODEL.variables[share].name.removeprefix("Share ")


def _suggested_settings(settings: dict[str, Any], split: dict[str, float]) -> dict[str, Any]:
    return {**settings, "phase1": dict(split), "phase2": None}


def _apply(split: dict[str, float]) -> None:
    """Put the suggested split on the sliders (a button's callback, before the sliders are drawn)."""
    for name, value in split.items():
        st.session_state[f"p1_{name}"] = round(100 * value, 1)
    st.session_state["phase2"] = False
    st.session_state["suggestion_applied"] = True


def _run(settings: dict[str, Any]) -> dict[str, Any] | None:
    data = scenario_data(settings, uncertainty=True, name="current_settings")
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError as error:
        st.error("These inputs cannot be optimised:\n\n" + "\n".join(f"- `{p}`" for p in error.problems))
        return None
    bar = st.progress(0.0, text="Searching for a better split...")

    def progress(done: int, total: int) -> None:
        bar.progress(min(1.0, done / total), text=f"Searching for a better split: generation {done}")

    result = optimize(scenario, progress=progress, **OPTIONS)
    bar.empty()
    return {"split": result.policy["phases"][0], "kpis": result.kpis, "window": result.options["window"],
            "converged": result.converged}


def suggest_split(settings: dict[str, Any], kpi_cards: Callable[[dict], dict[str, float]], outputs: tuple[str, ...]) -> None:
    """The button, the suggestion beside the current split with both sets of KPIs (``kpi_cards`` of runs of
    ``outputs``: the page's cards), and applying it."""
    st.caption(f"Searches for the constant split with the best PMO Performance over the later years, on average over "
               f"{SAMPLES} runs of the baseline's uncertain assumptions (differential evolution; the budget and every "
               "other input as set here).")
    key = json.dumps({k: v for k, v in settings.items() if k not in ("phase1", "phase2", "phase2_month")}, sort_keys=True)
    if st.button("Suggest a better split", key="suggest"):
        found = _run(settings)
        if found is not None:
            st.session_state["suggestion"] = {**found, "key": key}
    suggestion = st.session_state.get("suggestion")
    if suggestion is None:
        return
    if suggestion["key"] != key:
        st.info("The suggestion below was made for other inputs; press the button again for these.")
    split = suggestion["split"]
    total = sum(settings["phase1"].values()) or 1.0
    st.dataframe(pd.DataFrame({"capability": [_name(n) for n in SHARES],
                               "current %": [round(100 * settings["phase1"][n] / total, 1) for n in SHARES],
                               "suggested %": [round(100 * split[n], 1) for n in SHARES]}),
                 hide_index=True, width="stretch", key="suggested_split")
    first, last = suggestion["window"]
    rows = [{"figure": f"{title}{f', months {first:g}-{last:g}' if name == 'performance' else ''}, mean of {SAMPLES} runs",
             "current": round(float(row.current), digits), "suggested": round(float(row.best), digits)}
            for row in suggestion["kpis"].itertuples() if row.measure in MEASURES
            for name, (title, digits) in [(row.measure, MEASURES[row.measure])]]
    current = kpi_cards(run_scenario(scenario_data(settings), outputs))
    suggested = kpi_cards(run_scenario(scenario_data(_suggested_settings(settings, split)), outputs))
    rows += [{"figure": f"{name} (at the end, one run)", "current": round(value, 3), "suggested": round(suggested[name], 3)}
             for name, value in current.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="suggested_kpis")
    if not suggestion["converged"]:
        st.caption("The search stopped at its generation limit; the split is the best found.")
    st.button("Apply the suggested split to the sliders", key="apply_suggestion", on_click=_apply, args=(split,))

