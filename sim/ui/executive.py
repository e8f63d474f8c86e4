"""Executive what-if: split the PMO budget and see ten years, in performance and in money, against saved runs."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import numpy as np
import streamlit as st
import xarray as xr

from sim.model import CONTRACT_OUTPUTS
from sim.results import timeseries_table
from sim.scenario import ScenarioError, scenario_from_dict, to_toml
from sim.ui import money
from sim.ui.common import MODEL, label, read_upload, run_scenario, track_chart
from sim.ui.suggest import suggest_split
from sim.ui.inputs import MONTE_CARLO_RUNS, controls, default_settings, put_on_inputs, scenario_data, settings_from_scenario

KPI_MONTHS = {"1 year": 12, "3 years": 36, "10 years": 120}
#: What the page runs: the contract's outputs, and survival, money and fit (version 2 of the model).
OUTPUTS = tuple(dict.fromkeys(CONTRACT_OUTPUTS + ("pmo_survival", "net_value_added", "cumulative_net_value", "authority_fit")))
UNIT_RANGE = (0, 1)
CHARTS = (  # title, variables, y range (None: fitted to the values)
    ("The two tracks", ("execution_track_strength", "value_track_strength"), UNIT_RANGE),
    ("Performance", ("delivery_performance", "strategic_value_realization", "pmo_performance"), UNIT_RANGE),
    ("Transformation and risk", ("pmo_transformation", "transformation_pressure", "risk_signal"), UNIT_RANGE),
    ("Executive support", ("executive_support",), UNIT_RANGE),
    ("PMO survival (closure risk)", ("pmo_survival",), UNIT_RANGE),
    (f"Net value added ({MODEL.variables['net_value_added'].units})", ("net_value_added",), None),
)
#: Cards: name -> (decimals, suffix, delta colour). Cost and payback are neither good nor bad in
#: themselves (a budget that adds net value costs more), so their deltas are neutral.
CARDS = {
    "PMO Performance": (3, "", "normal"), "Delivery Performance": (3, "", "normal"),
    "Value Realization": (3, "", "normal"), "PMO Survival": (1, "%", "normal"),
    "PMO cost (M$)": (2, "", "off"), "Value delivered (M$)": (2, "", "normal"),
    "Net value (M$)": (2, "", "normal"), "Payback month": (0, "", "off"),
}
BASELINE = "baseline"


def kpis(values: dict[str, np.ndarray]) -> dict[str, float]:
    """The cards' figures for one run (the first run of ``values``)."""
    def end(name: str) -> float:
        return float(values[name][0][-1])

    return {
        "PMO Performance": end("pmo_performance"), "Delivery Performance": end("delivery_performance"),
        "Value Realization": end("strategic_value_realization"),
        "PMO Survival": 100 * end("pmo_survival"), **money.money_kpis(values),
    }


def yearly_table(values: dict[str, np.ndarray], reference: dict[str, np.ndarray], name: str) -> list[dict[str, Any]]:
    """Performance at 1, 3 and 10 years, and a few more figures, against the compared run."""
    months = values["time"]
    rows = []
    for output in ("pmo_performance", "delivery_performance", "strategic_value_realization", "executive_support", "maturity_level"):
        for title, month in KPI_MONTHS.items():
            if month in months:
                now, then = values[output][0][months == month][0], reference[output][0][months == month][0]
                rows.append({"figure": f"{label(output)} at {title}", "current": round(float(now), 3),
                             name: round(float(then), 3), "change": round(float(now - then), 3)})
    return rows


def _show_cards(current: dict[str, float], reference: dict[str, float], against: str) -> None:
    names = list(current)
    for row in range(0, len(names), 4):
        for column, name in zip(st.columns(4), names[row:row + 4]):
            value, then = current[name], reference[name]
            digits, suffix, colour = CARDS[name]
            if np.isnan(value):
                shown = "not paid back" if name == "Payback month" else "beyond horizon"
                delta = None if np.isnan(then) else f"{against}: month {then:.0f}"
                column.metric(name, shown, delta, delta_color="off", delta_arrow="off")
                continue
            change = value - then if not np.isnan(then) else np.nan
            moved = not np.isnan(change) and abs(change) >= 0.5 * 10**-digits
            if np.isnan(change):
                delta = f"{against}: not paid back"
            elif name == "Payback month":
                delta = f"{abs(change):.0f} months {'later' if change > 0 else 'earlier'}" if moved else f"same as {against}"
            else:
                delta = f"{change:+.{digits}f}{' pts' if suffix == '%' else ''}" if moved else f"same as {against}"
            column.metric(name, f"{value:.{digits}f}{suffix}", delta, delta_color=colour if moved else "off",
                          delta_arrow="auto" if moved and name != "Payback month" else "off",
                          help=f"Change against the saved run '{against}'.")


def _saved_runs(settings: dict[str, Any]) -> None:
    """Save the current settings under a name; the saved runs can be compared in the charts."""
    saved = st.session_state.setdefault("saved_runs", {BASELINE: default_settings()})
    # A new field after each save, so that it offers a new default name.
    name = st.text_input("Name for these settings", value=f"run {len(saved)}", key=f"save_name_{len(saved)}", max_chars=40)
    if st.button("Save these settings to compare", key="save") and name.strip():
        saved[name.strip()] = copy.deepcopy(settings)
        compared = st.session_state.get("compare", [BASELINE])
        st.session_state["compare"] = list(dict.fromkeys([*compared, name.strip()]))


@st.fragment
def what_if() -> None:
    inputs, output = st.columns([1, 2.3], gap="large")
    with inputs:
        settings = controls()
        uncertainty = st.toggle(f"Show uncertainty ({MONTE_CARLO_RUNS}-run Monte Carlo)", key="uncertainty",
                                help="Bands of 25-75% and 5-95% of runs over the assumption parameters of the shipped baseline.")
        _saved_runs(settings)
    saved = st.session_state.setdefault("saved_runs", {BASELINE: default_settings()})
    with output:
        st.session_state["compare"] = [n for n in st.session_state.get("compare", [BASELINE]) if n in saved]
        compared = st.multiselect("Compare with saved runs (the cards compare against the first)", list(saved), key="compare")
        data = scenario_data(settings)
        horizon = settings["final_time"]  # compare over the same horizon
        compared_data = {n: scenario_data({**saved[n], "final_time": horizon}, name="saved") for n in compared}
        picked = tuple(st.session_state.get("picked", ("effective_budget",)))
        outputs = tuple(dict.fromkeys(OUTPUTS + picked))  # one run for the cards, the charts and the picked variables
        try:
            current = run_scenario(data, outputs)
        except ScenarioError as error:
            st.error("These inputs cannot be run:\n\n" + "\n".join(f"- `{p}`" for p in error.problems))
            return
        references = {n: run_scenario(d, outputs) for n, d in compared_data.items()}
        bands = run_scenario(scenario_data(settings, uncertainty=True), OUTPUTS) if uncertainty else None
        against = compared[0] if compared else None
        reference = references[against] if against else current
        st.caption(f"At month {horizon:g}, against the saved run **{against or 'none'}**. Value Realization is "
                   f"{label('strategic_value_realization')}; money to the horizon, net of what the same portfolio "
                   "would gain without a PMO.")
        _show_cards(kpis(current), kpis(reference), against or "itself")
        if bands is not None:
            p = np.quantile(bands["pmo_performance"][:, -1], [0.05, 0.95])
            st.caption(f"PMO Performance at the end lies between {p[0]:.2f} and {p[1]:.2f} in 90% of {MONTE_CARLO_RUNS} runs.")
        with st.expander("Figures at 1, 3 and 10 years"):
            st.dataframe(yearly_table(current, reference, against or "current"), hide_index=True, width="stretch")
        # -- a better split, robust over the baseline's uncertainty (sim.analysis.optimize) --
        with st.expander("Suggest a better split", expanded="suggestion" in st.session_state):
            suggest_split(settings, kpis, OUTPUTS)
        curve = money.budget_curve(data, settings["pmo_budget"])
        charts = [track_chart(title, names, current, references, bands, y_range=y_range) for title, names, y_range in CHARTS]
        charts.append((money.budget_chart(curve, settings["pmo_budget"]), None))
        for row in range(0, len(charts), 2):  # a row of two at a time keeps the pairs level
            for column, (spec, table) in zip(st.columns(2), charts[row:row + 2]):
                column.vega_lite_chart(table, spec, width="stretch")
        best = money.best_budget(curve)
        fit = float(current["authority_fit"][0][-1])
        st.caption(f"Charts over months: solid lines are the current settings, dashed ones the saved runs compared. "
                   "*How much budget?*: cumulative net value (solid, left axis) and average PMO Performance (dashed, right "
                   f"axis) at each budget with this split; of the budgets tried, **{best:g} "
                   f"{MODEL.variables['pmo_budget'].units}** adds the most net value. "
                   f"{label('authority_fit')} of these settings: {fit:.2f} (1 when the PMO's authority is what its "
                   "organisation needs). Survival, money and value are weighted by the probability that the PMO still exists.")
        _any_variable(current, references, outputs)
        _downloads(settings, current, bands)


def _any_variable(current: dict[str, Any], references: dict[str, dict[str, Any]], outputs: tuple[str, ...]) -> None:
    """A chart of any of the model's variables, picked by the user, for the current and the compared runs."""
    with st.expander("Chart any variable of the model"):
        options = sorted(MODEL.variables, key=label)
        options = [n for n in options if MODEL.variables[n].kind != "control"]
        picked = st.multiselect("Variables", options, default=["effective_budget"], format_func=label, key="picked",
                                max_selections=6)
        if not picked:
            return
        if not set(picked) <= set(outputs):  # just picked: the page ran before the choice reached it
            st.rerun(scope="fragment")
        spec, table = track_chart(", ".join(label(n) for n in picked), picked, current, references, y_range=None)
        st.vega_lite_chart(table, spec, width="stretch")


def _default_name() -> str:
    return st.session_state.setdefault("download_default", f"what_if_{dt.datetime.now():%Y%m%d_%H%M%S}")


def _downloads(settings: dict[str, Any], current: dict, bands: dict | None) -> None:
    """The settings as a named scenario file and the results as CSV, made only when clicked."""
    values = bands if bands is not None else current
    name = st.text_input("Scenario name for the download (two downloads with different names can be compared)",
                         value=_default_name(), key="download_name", max_chars=60).strip() or _default_name()
    data = scenario_data(settings, uncertainty=bands is not None, name=name)
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError as error:
        st.error("\n".join(f"`{p}`" for p in error.problems))
        return

    def results_csv() -> str:
        dataset = xr.Dataset({n: (("run", "time"), values[n]) for n in OUTPUTS}, coords={"time": values["time"]})
        return timeseries_table(dataset, OUTPUTS).to_csv(index=False)

    first, second = st.columns(2)
    first.download_button("Download these settings (scenario TOML)", lambda: to_toml(scenario), file_name=f"{name}.toml",
                          mime="application/toml", key="download_toml")
    second.download_button("Download the results (CSV)", results_csv, file_name=f"{name}_timeseries.csv",
                           mime="text/csv", key="download_csv")


def _open_upload() -> None:
    uploaded = st.file_uploader("Open a scenario file (TOML, at most 1 MB)", type=["toml"], key="upload")
    if uploaded is None or st.session_state.get("applied_upload") == uploaded.file_id:
        return
    scenario, problems = read_upload(uploaded)
    if problems:
        st.error("This scenario file cannot be used:\n\n" + "\n".join(f"- `{p}`" for p in problems))
        return
    settings, skipped = settings_from_scenario(scenario)
    st.session_state["applied_upload"] = uploaded.file_id
    put_on_inputs(settings)
    note = f"Opened **{scenario.name}**."
    if settings["shocks"]:
        note += f" Its {len(settings['shocks'])} shock(s) are in the Shocks table."
    if skipped:
        note += " Not shown on the inputs (run it in full on the Analyst page): " + ", ".join(skipped) + "."
    st.session_state["upload_note"] = note
    st.rerun()


def render() -> None:
    st.title("Executive what-if")
    st.markdown(
        "Move the budget and its split, the PMO's authority and its organisation's complexity, and see ten years "
        "of the PMO, **in performance and in money, against saved runs**, including the risk that it is closed. "
        "Governance and delivery support lift delivery within months (the short cycle); strategic alignment and value "
        "management act only through PMO transformation, over years (the long cycle)."
    )
    with st.expander("Open a scenario file"):
        _open_upload()
    if "upload_note" in st.session_state:
        st.info(st.session_state.pop("upload_note"))
    what_if()
