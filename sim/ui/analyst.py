"""Analyst: run shipped or uploaded scenarios, overlay them, and download every result."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from sim import runner
from sim.results import SERIES_OUTPUTS, comparison_files, result_files
from sim.scenario import Scenario, safe_folder_name
from sim.ui.assumptions import assumptions_section
from sim.ui.common import DASHES, PALETTE, label, read_upload, shipped

DEFAULT_SELECTION = ("baseline", "reporting_factory", "balanced_dual_track")
DEFAULT_OUTPUTS = ("pmo_performance", "pmo_survival")


def results_zip(results) -> bytes:
    """The files ``pmo-sim run`` writes, one folder per scenario, plus the comparison."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for result in results:
            folder = safe_folder_name(result.scenario.name)
            for name, content in result_files(result, command_line=["pmo-sim app"]).items():
                archive.writestr(f"{folder}/{name}", content)
        for name, content in comparison_files(results).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def overlay_chart(results, output: str, height: int = 260) -> dict[str, Any]:
    """Median of ``output`` per scenario with its 25-75% band, one hue (and dash beyond 12) per scenario.

    Interactive: hover shows the scenario, month and value; a click on a legend entry highlights it.
    """
    names = [r.scenario.name for r in results]
    rows = []
    for result in results:
        values = result.dataset[output].to_numpy()
        low, median, high = np.quantile(values, [0.25, 0.5, 0.75], axis=0)
        rows += [{"scenario": result.scenario.name, "month": float(m), "median": float(v), "p25": float(a), "p75": float(b)}
                 for m, v, a, b in zip(result.dataset["time"].to_numpy(), median, low, high)]
    colour = {"field": "scenario", "type": "nominal", "title": None,
              "scale": {"domain": names, "range": [PALETTE[i % len(PALETTE)] for i in range(len(names))]},
              "legend": {"orient": "right", "labelLimit": 0, "symbolType": "stroke", "symbolOpacity": 1,
                         "symbolStrokeWidth": 3, "labelFontSize": 12}}
    dash = {"field": "scenario", "type": "nominal", "legend": None,
            "scale": {"domain": names, "range": [DASHES[i // len(PALETTE) % len(DASHES)] for i in range(len(names))]}}
    x = {"field": "month", "type": "quantitative", "title": "month"}
    pick = {"name": "pick", "select": {"type": "point", "fields": ["scenario"]}, "bind": "legend"}
    faded = {"condition": {"param": "pick", "value": 1}, "value": 0.15}
    return {
        "title": label(output), "height": height, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.15},
             "encoding": {"x": x, "y": {"field": "p25", "type": "quantitative", "title": None}, "y2": {"field": "p75"},
                          "color": colour, "opacity": {"condition": {"param": "pick", "value": 0.15}, "value": 0.03}}},
            {"mark": {"type": "line", "strokeWidth": 2.5}, "params": [pick],
             "encoding": {"x": x, "y": {"field": "median", "type": "quantitative", "title": None}, "color": colour,
                          "strokeDash": dash, "opacity": faded,
                          "tooltip": [{"field": "scenario"}, {"field": "month", "type": "quantitative"},
                                      {"field": "median", "type": "quantitative", "format": ".3f"},
                                      {"field": "p25", "type": "quantitative", "format": ".3f"},
                                      {"field": "p75", "type": "quantitative", "format": ".3f"}]}},
        ],
    }


def _selection() -> tuple[list[Scenario], list[str], tuple]:
    """The scenarios chosen and uploaded, the problems of the uploads, and what identifies the selection."""
    available = shipped()
    chosen = st.multiselect("Shipped scenarios", list(available), default=[n for n in DEFAULT_SELECTION if n in available],
                            key="chosen")
    uploads = st.file_uploader("Your scenario files (TOML, at most 1 MB each)", type=["toml"], accept_multiple_files=True,
                               key="analyst_uploads")
    runs = st.slider("Monte Carlo runs (for scenarios with [uncertainty])", 20, 2000, 200, step=20, key="analyst_runs")
    scenarios: list[Scenario] = [available[n] for n in chosen]
    problems: list[str] = []
    for uploaded in uploads or []:
        scenario, found = read_upload(uploaded)
        problems += found
        if scenario is not None:
            scenarios.append(scenario)
    key = (tuple(chosen), tuple(u.file_id for u in uploads or []), runs)
    return scenarios, problems, key


def render() -> None:
    scenarios = _run_scenarios()
    st.divider()
    assumptions_section(scenarios)  # which assumptions matter (sim.analysis.sensitivity)
    # -- virtual survey --
    from sim.ui import survey_view

    survey_view.render()


def _run_scenarios() -> list[Scenario]:
    """Choose, run, overlay and download scenarios; returns those chosen."""
    st.title("Analyst: scenarios")
    st.markdown("Run shipped scenario files or your own, overlay them, compare their KPIs and download every result "
                "(the same files as `pmo-sim run`).")
    scenarios, problems, key = _selection()
    if problems:
        st.error("Some files cannot be used:\n\n" + "\n".join(f"- `{p}`" for p in problems))
    names = [s.name for s in scenarios]
    duplicate = len(set(names)) != len(names)
    if duplicate:
        st.error("Two scenarios share a name; rename one so their results do not overwrite each other.")
    runs = key[2]
    if st.button("Run", type="primary", disabled=not scenarios or duplicate, key="run"):
        with st.spinner(f"Running {len(scenarios)} scenario(s)..."):
            st.session_state["analyst_results"] = [
                runner.run(s, runs=runs if s.spec.uncertainty else None) for s in scenarios]
            st.session_state["analyst_key"] = key
            st.session_state["analyst_files"] = comparison_files(st.session_state["analyst_results"])
    results = st.session_state.get("analyst_results")
    if not results:
        return scenarios
    st.divider()
    shown = ", ".join(r.scenario.name for r in results)
    if st.session_state.get("analyst_key") != key:
        st.warning(f"**Out of date**: these results are for an earlier selection ({shown}). Press **Run** to run the "
                   "current one.", icon=":material/history:")
    else:
        st.subheader(f"Results: {shown}")
    outputs = st.multiselect("Outputs to chart", list(SERIES_OUTPUTS), default=list(DEFAULT_OUTPUTS), format_func=label,
                             key="analyst_outputs", max_selections=4)
    for row in range(0, len(outputs), 2):
        for column, output in zip(st.columns(2), outputs[row:row + 2]):
            column.vega_lite_chart(overlay_chart(results, output), width="stretch")
    st.caption("Medians with the 25-75% band where a scenario has uncertainty. Hover for values; click a scenario in "
               "the legend to pick it out.")
    files = st.session_state["analyst_files"]
    st.dataframe(pd.read_csv(io.BytesIO(files["comparison_kpis.csv"])), hide_index=True, width="stretch")
    st.download_button("Download all results (zip)", lambda: results_zip(results), file_name="pmo-sim-results.zip",
                       mime="application/zip", key="download_zip")
    return scenarios
