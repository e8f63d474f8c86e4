"""Analyst page, calibration section: upload a PMO's history, fit the model to it, see the fit and download the
calibrated scenario. The work is :func:`sim.analysis.calibrate`; this module only lays it out."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import streamlit as st

from sim.analysis.calibrate import Calibration, HistoryError, calibrate, read_history
from sim.analysis.calibration import report
from sim.analysis.calibration.chart import calibration_figure
from sim.analysis.calibration.history import MAX_HISTORY_BYTES, History
from sim.analysis.calibration.intervals import confounded_pairs
from sim.analysis.calibration.setup import default_parameters
from sim.model import get_model
from sim.results import _png
from sim.scenario import ScenarioError, to_toml
from sim.ui.common import label, shipped

#: At most this many bytes of history are read from an upload (a history is a short table).
MAX_UPLOAD = min(MAX_HISTORY_BYTES, 1_000_000)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "histories"
NO_EXAMPLE = "(none: upload your own)"


def _examples() -> dict[str, Path]:
    return {p.stem: p for p in sorted(EXAMPLES.glob("*.csv"))} if EXAMPLES.is_dir() else {}


def _history(start: str) -> tuple[History | None, list[str], object]:
    """The uploaded or chosen history, its problems, and what identifies it."""
    upload_column, example_column = st.columns([3, 2])
    uploaded = upload_column.file_uploader("Your PMO's history (CSV, at most 1 MB): a 'month' or 'date' column, the outputs "
                                           "you measured and the decisions you took", type=["csv"], key="calibration_upload")
    examples = _examples()
    example = example_column.selectbox("or an example history", [NO_EXAMPLE, *examples], key="calibration_example",
                                       disabled=uploaded is not None)
    try:
        if uploaded is not None:
            raw = uploaded.getvalue()
            if len(raw) > MAX_UPLOAD:
                return None, [f"{uploaded.name}:1: file: is larger than {MAX_UPLOAD:,} bytes; a history is a short table"], None
            return read_history(raw, name=uploaded.name, start=start or None), [], ("upload", uploaded.file_id, start)
        if example != NO_EXAMPLE:
            path = examples[example]
            return read_history(path.read_bytes(), name=path.name, start=start or None), [], ("example", example, start)
    except HistoryError as error:
        return None, [f"Date of month 0: {p.message}" if p.path == "--start" else str(p) for p in error.problems], None  # its --start
    return None, [], None


def _files_zip(calibration: Calibration) -> bytes:
    buffer = io.BytesIO()
    folder = report.folder_name(calibration)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in report.files(calibration, command_line=["pmo-sim app"]).items():
            archive.writestr(f"{folder}/{name}", content)
    return buffer.getvalue()


def _show(calibration: Calibration) -> None:
    starts = report.agreement(calibration)
    starts = starts[0].upper() + starts[1:]
    st.markdown(f"**{calibration.history.label}**: {calibration.history.n_observations} observations of "
                f"{len(calibration.history.observed)} series; {len(calibration.names)} parameters. {starts}")
    estimates = report.estimates(calibration)
    level = round(calibration.level * 100)
    shown = estimates[["label", "unit", "scenario_value", "estimate", f"low_{level}", f"high_{level}", "identified"]]
    st.dataframe(shown.rename(columns={"label": "parameter", "scenario_value": "scenario", f"low_{level}": f"{level}% low",
                                       f"high_{level}": f"{level}% high"}),
                 hide_index=True, width="stretch")
    st.caption(f"{level}% profile-likelihood intervals. *Not identified*: the interval reaches both ends of the "
               "documented range, so the history says nothing about the parameter; *lower (upper) bound only*: it "
               "reaches one end.")
    pairs = confounded_pairs(calibration.names, calibration.correlation)
    if pairs:
        st.warning("The history cannot tell these apart (correlation of the estimates): "
                   + "; ".join(f"{label(a)} and {label(b)} ({r:+.2f})" for a, b, r in pairs))
    st.image(_png(calibration_figure(calibration, title=" ")), width="stretch")
    statistics = report.statistics(calibration)
    statistics["series"] = [label(n) for n in statistics["series"]]
    st.dataframe(statistics.rename(columns={"r2": "R²", "mape_percent": "MAPE %", "theil_um": "U^M", "theil_us": "U^S",
                                            "theil_uc": "U^C", "noise_sd": "noise sd"}),
                 hide_index=True, width="stretch")
    st.caption("Theil's inequality statistics (Sterman 1984) split each series' mean squared error into bias (U^M), "
               "unequal variation (U^S) and unequal covariation (U^C); a good fit leaves most of it in U^C.")
    point, _ = report.calibrated_scenarios(calibration)
    download, archive = st.columns(2)
    download.download_button("Download the calibrated scenario (TOML)", to_toml(point).encode(),
                             file_name=f"{point.name}.toml", mime="application/toml", key="calibration_toml")
    archive.download_button("Download every calibration file (zip)", lambda: _files_zip(calibration),
                            file_name=f"{report.folder_name(calibration)}.zip", mime="application/zip", key="calibration_zip")


def render_calibration() -> None:
    """The calibration section of the analyst page."""
    st.divider()
    st.header("Calibrate to your PMO's history")
    st.markdown("Fit the model to what your PMO measured: weighted least squares from several starts, "
                "profile-likelihood intervals, the fit series by series and a 5-95% predictive band to the horizon. "
                "The result is a calibrated scenario file every other study and page can open "
                "(the same as `pmo-sim calibrate`).")
    available = shipped()
    names = list(available)
    left, right = st.columns([2, 1])
    scenario_name = left.selectbox("Scenario describing the PMO", names,
                                   index=names.index("baseline") if "baseline" in names else 0, key="calibration_scenario")
    start = right.text_input("Date of month 0 (for a history with dates)", key="calibration_start",
                             placeholder="e.g. 2021-01-01; default: the first date")
    history, problems, identity = _history(start.strip())
    if problems:
        st.error("This history cannot be used:\n\n" + "\n".join(f"- `{p}`" for p in problems))
    if history is None or not available:
        return
    scenario = available[scenario_name]
    inputs = [v.py_name for v in get_model().inputs if v.py_name not in history.decisions]
    default = default_parameters(scenario, history)
    chosen = st.multiselect("Parameters to fit (each bounded by its documented range)", inputs, default=default,
                            format_func=label, key=f"calibration_params_{scenario_name}_{identity}")
    st.caption(f"{len(chosen)} parameters for {history.n_observations} observations: each fit parameter adds to the time "
               "(16 take 10 to 30 seconds) and needs data that moves with it.")
    key = (identity, scenario_name, tuple(chosen))
    if st.button("Calibrate", type="primary", disabled=not chosen, key="calibrate"):
        with st.spinner(f"Fitting {len(chosen)} parameters..."):
            try:
                st.session_state["calibration"] = calibrate(history, scenario, params=chosen)
                st.session_state["calibration_key"] = key
            except (HistoryError, ScenarioError) as error:
                st.session_state.pop("calibration", None)
                st.error("The calibration cannot run:\n\n" + "\n".join(f"- `{p}`" for p in error.problems))
    calibration = st.session_state.get("calibration")
    if calibration is None:
        return
    if st.session_state.get("calibration_key") != key:
        st.warning("**Out of date**: this calibration is for an earlier history, scenario or parameter choice. Press "
                   "**Calibrate** to fit the current one.", icon=":material/history:")
    _show(calibration)
