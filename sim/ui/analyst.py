"""Analyst: run shipped or uploaded scenarios, overlay them, and download every result."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import streamlit as st

from sim import runner
from sim.results import comparison_files, result_files
from sim.scenario import Scenario, safe_folder_name
from sim.ui.common import read_upload, shipped

DEFAULT_SELECTION = ("baseline", "reporting_factory", "balanced_dual_track")


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


def render() -> None:
    st.title("Analyst: scenarios")
    st.markdown("Run shipped scenario files or your own, overlay them, compare their KPIs and download every result "
                "(the same files as `pmo-sim run`).")
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
    if problems:
        st.error("Some files cannot be used:\n\n" + "\n".join(f"- `{p}`" for p in problems))
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        st.error("Two scenarios share a name; rename one so their results do not overwrite each other.")
        return
    if st.button("Run", type="primary", disabled=not scenarios, key="run"):
        with st.spinner("Running..."):
            st.session_state["analyst_results"] = [
                runner.run(s, runs=runs if s.spec.uncertainty else None) for s in scenarios]
    results = st.session_state.get("analyst_results")
    if not results:
        return
    files = comparison_files(results)
    st.image(files["comparison.png"], caption="Medians with 25-75% and 5-95% bands where there is uncertainty.")
    st.dataframe(pd.read_csv(io.BytesIO(files["comparison_kpis.csv"])), hide_index=True, width="stretch")
    st.download_button("Download all results (zip)", results_zip(results), file_name="pmo-sim-results.zip",
                       mime="application/zip", key="download_zip")
