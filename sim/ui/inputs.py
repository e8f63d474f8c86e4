"""The executive page's inputs: the main sliders, every other input of the model file, shocks, reset.

The page's state is a *settings* dict: the main inputs by name, ``phase1``/``phase2`` splits, the
month the second phase starts, ``extra`` (every other input the user moved away from its default),
``shocks`` (rows of input, month, size, duration) and ``final_time``. :func:`scenario_data` turns it
into the scenario-file format that the command line runs, and :func:`settings_from_scenario` back.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from sim.experiments import SHARES
from sim.scenario import Scenario
from sim.ui.common import MODEL, label, shipped, slider

PHASE_TRANSITION = 1.0  # months over which the second split phases in
#: The inputs with one slider each in front (besides the split), and the slider's key.
SLIDERS = {"pmo_budget": "budget", "strategic_turbulence": "turbulence", "pmo_authority": "authority",
           "organisational_complexity": "complexity"}
MONTE_CARLO_RUNS = 200
SHOCK_COLUMNS = ("input", "month", "size", "duration")
DECISIONS = "Decisions and environment"


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


def extra_inputs() -> dict[str, list[str]]:
    """Every input without a slider in front, grouped as the model file groups them.

    The decisions-and-environment group is split into the environment (what happens to the PMO) and
    its starting point (the initial levels); the model's parameters keep their sections.
    """
    groups: dict[str, list[str]] = {"Environment": [], "Starting point": []}
    for variable in MODEL.inputs:
        name = variable.py_name
        if name in SLIDERS or name in SHARES:
            continue
        if variable.group == DECISIONS:
            groups["Starting point" if name.startswith("initial_") else "Environment"].append(name)
        else:
            groups.setdefault(f"Assumptions: {variable.group}", []).append(name)
    return {title: names for title, names in groups.items() if names}


def shockable() -> list[str]:
    """Inputs a shock may hit: the environment and decisions (a shock on a share or the budget)."""
    return [v.py_name for v in MODEL.inputs if v.group == DECISIONS and not v.py_name.startswith("initial_")]


def default_settings() -> dict[str, Any]:
    """The shipped baseline: the model's defaults, no second phase, no shock."""
    defaults = MODEL.defaults()
    return {**{n: defaults[n] for n in SLIDERS}, "phase1": {n: defaults[n] for n in SHARES}, "phase2": None,
            "phase2_month": 18.0, "final_time": defaults["final_time"], "extra": {}, "shocks": []}


def scenario_data(settings: dict[str, Any], *, uncertainty: bool = False, name: str = "what_if") -> dict[str, Any]:
    """The scenario the inputs describe, in the scenario-file format."""
    params: dict[str, float] = {n: settings[n] for n in SLIDERS} | dict(settings.get("extra", {}))
    schedule = {}
    for share in SHARES:
        first = settings["phase1"][share]
        second = settings["phase2"][share] if settings["phase2"] else first
        if second == first:
            params[share] = first
        else:
            month = settings["phase2_month"]
            schedule[share] = {"points": [[0.0, first], [month, first], [month + PHASE_TRANSITION, second]]}
    data: dict[str, Any] = {"name": name, "description": "Built in the pmo-sim app's executive what-if page.",
                            "run": {"final_time": settings["final_time"]}, "params": params, "schedule": schedule}
    if settings.get("shocks"):  # rows of (input, month, size, duration)
        data["shocks"] = [{"input": name, "at": month, "size": size, "duration": duration}
                          for name, month, size, duration in settings["shocks"]]
    if uncertainty:
        baseline = shipped().get("baseline")
        if baseline is not None and baseline.spec.uncertainty is not None:
            data["uncertainty"] = {**baseline.spec.uncertainty.model_dump(), "runs": MONTE_CARLO_RUNS}
    return data


def settings_from_scenario(scenario: Scenario) -> tuple[dict[str, Any], list[str]]:
    """Input settings for an opened scenario, and what the page cannot show."""
    spec = scenario.spec
    settings = default_settings()
    skipped = []
    for name, value in spec.params.items():
        if name in SLIDERS:
            settings[name] = value
        elif name in SHARES:
            settings["phase1"][name] = value
        else:
            settings["extra"][name] = value
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
    settings["shocks"] = [[s.input, s.at, s.size, s.duration] for s in spec.shocks]
    settings["final_time"] = spec.run.final_time
    if spec.study is not None:  # the what-if page runs the scenario itself; its download carries no [study]
        skipped.append("the [study] table")
    return settings, skipped


def put_on_inputs(settings: dict[str, Any]) -> None:
    """Set every widget to ``settings`` (takes effect on the next run of the page)."""
    state = st.session_state
    for name, key in SLIDERS.items():
        state[key] = settings[name]
    state["horizon"] = settings["final_time"]
    for name in SHARES:
        state[f"p1_{name}"] = settings["phase1"][name] * 100
        state[f"p2_{name}"] = (settings["phase2"] or settings["phase1"])[name] * 100
    state["phase2"] = settings["phase2"] is not None
    state["phase2_month"] = int(settings["phase2_month"])
    defaults = MODEL.defaults()
    for names in extra_inputs().values():
        for name in names:
            state[f"in_{name}"] = settings["extra"].get(name, defaults[name])
    state["shocks_table"] = _shock_frame(settings["shocks"])
    state.pop("shocks_editor", None)  # the editor starts again from the new table


def reset_inputs() -> None:
    """Every input back to the model file's default (a button's callback)."""
    put_on_inputs(default_settings())


def _shock_frame(rows: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SHOCK_COLUMNS))
    return frame.astype({"input": "object", "month": "float", "size": "float", "duration": "float"})


def controls() -> dict[str, Any]:
    """The main sliders, then every other input in groups; returns the settings."""
    budget = slider("pmo_budget", key="budget")
    st.markdown("**How the budget is split** (normalised: the shares need not add to 100)")
    phase1 = {n: slider(n, key=f"p1_{n}", percent=True) for n in SHARES}
    total = sum(phase1.values()) or 1.0
    st.caption("Split used: " + ", ".join(f"{MODEL.variables[n].name.removeprefix('Share ')} {100 * v / total:.0f}%"
                                          for n, v in phase1.items()))
    phase2 = None
    month = int(st.session_state.setdefault("phase2_month", 18))
    if st.toggle("Second phase: a new split from a month", key="phase2"):
        month = st.slider("Second phase starts at month", 1, 119, step=1, key="phase2_month",
                          help="Foundation first, then value: the second split phases in over one month.")
        st.markdown(f"**The split from month {month}**")
        phase2 = {n: slider(n, key=f"p2_{n}", percent=True) for n in SHARES}
    turbulence = slider("strategic_turbulence", key="turbulence")
    st.markdown("**The PMO's mandate and its organisation**")
    authority = slider("pmo_authority", key="authority")
    complexity = slider("organisational_complexity", key="complexity")
    st.caption(f"PMO type: **{describe_on_scale('pmo_authority', authority)}**. "
               f"Organisation: **{describe_on_scale('organisational_complexity', complexity)}**.")
    horizon = slider("final_time", key="horizon")
    extra = _other_inputs()
    shocks = _shock_editor()
    st.button("Reset every input to its default", key="reset", on_click=reset_inputs)
    return {"pmo_budget": budget, "phase1": phase1, "phase2": phase2, "phase2_month": float(month),
            "strategic_turbulence": turbulence, "pmo_authority": authority, "organisational_complexity": complexity,
            "final_time": horizon, "extra": extra, "shocks": shocks}


def _other_inputs() -> dict[str, float]:
    """Every other input of the model file, in its group; returns those moved off their default."""
    defaults = MODEL.defaults()
    moved: dict[str, float] = {}
    groups = extra_inputs()
    changed = sum(1 for names in groups.values() for n in names if st.session_state.get(f"in_{n}", defaults[n]) != defaults[n])
    st.markdown(f"**Every other input** ({sum(map(len, groups.values()))}; {changed} changed)")
    for title, names in groups.items():
        with st.expander(title):
            for name in names:
                value = slider(name, key=f"in_{name}")
                if value != defaults[name]:
                    moved[name] = value
    return moved


def _shock_editor() -> list[list]:
    """Shocks: ``size`` added to an input from a month for some months; rows with a blank are ignored."""
    state = st.session_state
    if "shocks_table" not in state:
        state["shocks_table"] = _shock_frame([])
    with st.expander(f"Shocks ({len(state['shocks_table'])})"):
        st.caption("A shock adds its size to an input from a month, for a number of months "
                   "(a crisis: Risk Shock 0.5 at month 24 for 3 months).")
        edited = st.data_editor(
            state["shocks_table"], key="shocks_editor", num_rows="dynamic", hide_index=True, width="stretch",
            column_config={
                "input": st.column_config.SelectboxColumn("input", options=shockable(), required=True,
                                                          help="The input the shock hits."),
                "month": st.column_config.NumberColumn("month", min_value=0.0, step=1.0, format="%.0f"),
                "size": st.column_config.NumberColumn("size", step=0.05, help="Added to the input while the shock lasts."),
                "duration": st.column_config.NumberColumn("months", min_value=0.5, step=1.0, format="%.0f"),
            })
    complete = edited.dropna()
    return [[row.input, float(row.month), float(row.size), float(row.duration)] for row in complete.itertuples()]

