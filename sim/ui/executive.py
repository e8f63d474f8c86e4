"""Executive what-if: split the PMO budget and see ten years against a pinned baseline."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import streamlit as st
import xarray as xr

from sim.experiments import SHARES
from sim.model import CONTRACT_OUTPUTS
from sim.results import timeseries_table
from sim.scenario import Scenario, scenario_from_dict, to_toml
from sim.ui.common import MODEL, label, read_upload, run_scenario, shipped, slider, track_chart

MONTE_CARLO_RUNS = 200
PHASE_TRANSITION = 1.0  # months over which the second split phases in
KPI_MONTHS = {"1 year": 12, "3 years": 36, "10 years": 120}
#: The inputs with one slider each (besides the split), and the slider's key.
SLIDERS = {"pmo_budget": "budget", "strategic_turbulence": "turbulence", "pmo_authority": "authority",
           "organisational_complexity": "complexity"}
#: What the page shows: the contract's outputs, and survival, money and fit (version 2 of the model).
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
#: How a card shows its value: decimals and suffix (default: 3 decimals, no suffix).
CARD_FORMATS = {"Value to Cost Ratio (end)": (2, ""), "PMO Survival (end)": (1, "%"),
                f"Net Value Added (end, {MODEL.variables['net_value_added'].units})": (0, ""),
                "Cumulative Net Value (end, M$)": (2, "")}


def default_settings() -> dict[str, Any]:
    """The shipped baseline: the model's defaults, no second phase."""
    defaults = MODEL.defaults()
    shares = {n: defaults[n] for n in SHARES}
    return {**{n: defaults[n] for n in SLIDERS}, "phase1": shares, "phase2": None, "phase2_month": 18.0,
            "final_time": defaults["final_time"]}


def scenario_data(settings: dict[str, Any], *, uncertainty: bool = False, name: str = "what_if") -> dict[str, Any]:
    """The scenario the sliders describe, in the scenario-file format."""
    params: dict[str, float] = {n: settings[n] for n in SLIDERS}
    schedule = {}
    for share in SHARES:
        first = settings["phase1"][share]
        second = settings["phase2"][share] if settings["phase2"] else first
        if second == first:
            params[share] = first
        else:
            month = settings["phase2_month"]
            schedule[share] = {"points": [[0.0, first], [month, first], [month + PHASE_TRANSITION, second]]}
    description = "Built in the pmo-sim app's executive what-if page."
    data: dict[str, Any] = {"name": name, "description": description, "run": {"final_time": settings["final_time"]},
                            "params": params, "schedule": schedule}
    if uncertainty:
        baseline = shipped().get("baseline")
        if baseline is not None and baseline.spec.uncertainty is not None:
            spread = baseline.spec.uncertainty.model_dump()
            data["uncertainty"] = {**spread, "runs": MONTE_CARLO_RUNS}
    return data


def settings_from_scenario(scenario: Scenario) -> tuple[dict[str, Any], list[str]]:
    """Slider settings for an uploaded scenario, and what the sliders cannot show."""
    spec = scenario.spec
    settings = default_settings()
    skipped = []
    for name, value in spec.params.items():
        if name in SLIDERS:
            settings[name] = value
        elif name in SHARES:
            settings["phase1"][name] = value
        else:
            skipped.append(f"parameter {name}")
    phase2, month = {}, None
    for name, schedule in spec.schedule.items():
        points = schedule.points
        two_phase = name in SHARES and len(points) == 3 and points[0][1] == points[1][1] and points[0][0] == 0
        if two_phase and (month is None or month == points[1][0]):
            month = points[1][0]
            settings["phase1"][name] = points[0][1]
            phase2[name] = points[2][1]
        else:
            skipped.append(f"schedule of {name}")
    if phase2:
        settings["phase2"] = {n: phase2.get(n, settings["phase1"][n]) for n in SHARES}
        settings["phase2_month"] = month
    skipped += [f"shock on {s.input} at month {s.at:g}" for s in spec.shocks]
    settings["final_time"] = spec.run.final_time
    return settings, skipped


def _put_on_sliders(settings: dict[str, Any]) -> None:
    state = st.session_state
    for name, key in SLIDERS.items():
        state[key] = settings[name]
    state["horizon"] = settings["final_time"]
    for name in SHARES:
        state[f"p1_{name}"] = settings["phase1"][name] * 100
        state[f"p2_{name}"] = (settings["phase2"] or settings["phase1"])[name] * 100
    state["phase2"] = settings["phase2"] is not None
    state["phase2_month"] = float(settings["phase2_month"])


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
    _put_on_sliders(settings)
    note = f"Opened **{scenario.name}**."
    if skipped:
        note += " Not shown on the sliders (run it in full on the Analyst page): " + ", ".join(skipped) + "."
    st.session_state["upload_note"] = note
    st.rerun()


def _kpis(values: dict[str, np.ndarray]) -> dict[str, float]:
    months = values["time"]

    def at(name: str, month: float) -> float:
        return float(values[name][0][months == month][0]) if month in months else float("nan")

    def end(name: str) -> float:
        return float(values[name][0][-1])

    kpis = {f"{label(name)}: {title}": at(name, month)
            for name in ("pmo_performance", "delivery_performance", "strategic_value_realization")
            for title, month in KPI_MONTHS.items()}
    kpis["PMO Survival (end)"] = 100 * end("pmo_survival")
    kpis[f"Net Value Added (end, {MODEL.variables['net_value_added'].units})"] = end("net_value_added")
    kpis["Cumulative Net Value (end, M$)"] = end("cumulative_net_value") / 1000  # the model counts k$
    kpis["Maturity Level (end)"] = end("maturity_level")
    kpis["Value to Cost Ratio (end)"] = end("value_to_cost_ratio")
    kpis["Lowest Executive Support"] = float(values["executive_support"][0].min())
    return kpis


def _show_kpis(current: dict[str, float], baseline: dict[str, float]) -> None:
    names = list(current)
    for row in range(0, len(names), 3):
        for column, name in zip(st.columns(3), names[row:row + 3]):
            value, reference = current[name], baseline[name]
            if np.isnan(value):
                column.metric(name, "beyond horizon")
                continue
            digits, suffix = CARD_FORMATS.get(name, (3, ""))
            change = value - reference
            moved = not np.isnan(change) and abs(change) >= 0.5 * 10**-digits
            delta = f"{change:+.{digits}f}{' pts' if suffix == '%' else ''}" if moved else "same as baseline"
            column.metric(name, f"{value:.{digits}f}{suffix}", delta,
                          delta_color="normal" if moved else "off", delta_arrow="auto" if moved else "off")


def scale_points(name: str) -> list[tuple[float, str]]:
    """The named points of an input's 0-1 scale, as its comment in the model file declares them.

    ``PMO Authority``: "0 supportive (...), 0.5 controlling (...), 1 directive (...)" gives
    ``[(0.0, "supportive"), (0.5, "controlling"), (1.0, "directive")]``.
    """
    found = re.findall(r"(?:^|: |, )(\d+(?:\.\d+)?) ([a-z][^().:]*?)(?= \(|, \d|\.|$)", MODEL.variables[name].comment)
    return [(float(value), words) for value, words in found]


def describe_on_scale(name: str, value: float) -> str:
    """What ``value`` means on the input's named scale: the nearest named point, or between two."""
    points = scale_points(name)
    if not points:
        return f"{value:g}"
    nearest = min(points, key=lambda point: abs(point[0] - value))
    if abs(nearest[0] - value) <= 0.125:
        return nearest[1]
    below = max((p for p in points if p[0] < value), default=nearest)
    above = min((p for p in points if p[0] > value), default=nearest)
    return f"between {below[1]} and {above[1]}"


def _controls() -> dict[str, Any]:
    budget = slider("pmo_budget", key="budget")
    st.markdown("**How the budget is split** (normalised: the shares need not add to 100)")
    phase1 = {n: slider(n, key=f"p1_{n}", percent=True) for n in SHARES}
    total = sum(phase1.values()) or 1.0
    st.caption("Split used: " + ", ".join(f"{MODEL.variables[n].name.removeprefix('Share ')} {100 * v / total:.0f}%" for n, v in phase1.items()))
    phase2 = None
    month = float(st.session_state.get("phase2_month", 18.0))
    if st.toggle("Second phase: a new split from a month", key="phase2"):
        month = st.slider("Second phase starts at month", 1.0, 119.0, step=1.0, key="phase2_month",
                          help="Foundation first, then value: the second split phases in over one month.")
        phase2 = {n: slider(n, key=f"p2_{n}", percent=True) for n in SHARES}
    turbulence = slider("strategic_turbulence", key="turbulence")
    st.markdown("**The PMO's mandate and its organisation**")
    authority = slider("pmo_authority", key="authority")
    complexity = slider("organisational_complexity", key="complexity")
    st.caption(f"PMO type: **{describe_on_scale('pmo_authority', authority)}**. "
               f"Organisation: **{describe_on_scale('organisational_complexity', complexity)}**.")
    horizon = slider("final_time", key="horizon")
    return {"pmo_budget": budget, "phase1": phase1, "phase2": phase2, "phase2_month": month,
            "strategic_turbulence": turbulence, "pmo_authority": authority, "organisational_complexity": complexity,
            "final_time": horizon}


@st.fragment
def what_if() -> None:
    controls, output = st.columns([1, 2.3], gap="large")
    with controls:
        settings = _controls()
        uncertainty = st.toggle(f"Show uncertainty ({MONTE_CARLO_RUNS}-run Monte Carlo)", key="uncertainty",
                                help="Bands of 25-75% and 5-95% of runs over the assumption parameters of the shipped baseline.")
        if st.button("Pin these settings as the baseline", key="pin"):
            st.session_state["pinned"] = json.loads(json.dumps(settings))
    pinned = st.session_state.setdefault("pinned", default_settings())
    pinned = {**pinned, "final_time": settings["final_time"]}  # compare over the same horizon
    current = run_scenario(scenario_data(settings), OUTPUTS)
    reference = run_scenario(scenario_data(pinned, name="baseline"), OUTPUTS)
    bands = run_scenario(scenario_data(settings, uncertainty=True), OUTPUTS) if uncertainty else None
    with output:
        _show_kpis(_kpis(current), _kpis(reference))
        if bands is not None:
            p = np.quantile(bands["pmo_performance"][:, -1], [0.05, 0.95])
            st.caption(f"PMO Performance at the end lies between {p[0]:.2f} and {p[1]:.2f} in 90% of {MONTE_CARLO_RUNS} runs.")
        for row in range(0, len(CHARTS), 2):  # a row of two at a time keeps the pairs level
            for column, (title, names, y_range) in zip(st.columns(2), CHARTS[row:row + 2]):
                column.vega_lite_chart(track_chart(title, names, current, reference, bands, y_range=y_range), width="stretch")
        fit = float(current["authority_fit"][0][-1])
        st.caption(f"Solid: current settings. Dashed: pinned baseline. {label('authority_fit')} of these settings: {fit:.2f} "
                   "(1 when the PMO's authority is what its organisation needs). Survival, money and value are "
                   "weighted by the probability that the PMO still exists.")
        _downloads(settings, current, bands)


def _downloads(settings: dict[str, Any], current: dict, bands: dict | None) -> None:
    """The settings as a scenario file and the results as CSV, made only when clicked."""
    values = bands if bands is not None else current
    data = scenario_data(settings, uncertainty=bands is not None)

    def scenario_toml() -> str:
        return to_toml(scenario_from_dict(data))

    def results_csv() -> str:
        dataset = xr.Dataset({n: (("run", "time"), values[n]) for n in OUTPUTS}, coords={"time": values["time"]})
        return timeseries_table(dataset, OUTPUTS).to_csv(index=False)

    first, second = st.columns(2)
    first.download_button("Download these settings (scenario TOML)", scenario_toml, file_name="what_if.toml",
                          mime="application/toml", key="download_toml")
    second.download_button("Download the results (CSV)", results_csv, file_name="what_if_timeseries.csv",
                           mime="text/csv", key="download_csv")


def render() -> None:
    st.title("Executive what-if")
    st.markdown(
        "Move the budget and its split, the PMO's authority and its organisation's complexity, and see ten years "
        "of the PMO **against a pinned baseline**, including the risk that it is closed. Governance and delivery "
        "support lift delivery within months (the short cycle); strategic alignment and value management act only "
        "through PMO transformation, over years (the long cycle)."
    )
    with st.expander("Open or save a scenario file"):
        _open_upload()
    if "upload_note" in st.session_state:
        st.info(st.session_state.pop("upload_note"))
    what_if()
