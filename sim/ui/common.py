"""What every page shares: sliders declared by the model file, cached runs, charts, uploads."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from sim import runner
from sim.model import get_model
from sim.results import QUANTILE_COLUMNS
from sim.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, load_scenario, load_uploaded, scenario_from_dict, shipped_scenarios

MODEL = get_model()


def slider(name: str, *, key: str, percent: bool = False, value: float | None = None, container: Any = st) -> float:
    """A slider whose label, unit, range, step and help all come from the model file."""
    variable = MODEL.variables[name]
    scale = 100.0 if percent else 1.0
    unit = "% of budget" if percent else variable.units
    step = (variable.step or (variable.maximum - variable.minimum) / 100) * scale
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if key not in st.session_state:
        st.session_state[key] = float((variable.default if value is None else value) * scale)
    chosen = container.slider(
        f"{label(name)} ({unit})",
        min_value=float(variable.minimum * scale),
        max_value=float(variable.maximum * scale),
        step=float(step),
        format=f"%.{decimals}f",
        key=key,
        help=variable.comment,
    )
    return chosen / scale


@st.cache_data(max_entries=512, show_spinner=False)
def _run_cached(scenario_json: str, outputs: tuple[str, ...]) -> dict[str, np.ndarray]:
    scenario = scenario_from_dict(json.loads(scenario_json))
    dataset = runner.run(scenario, outputs=list(outputs), with_parent=False).dataset
    return {"time": dataset["time"].to_numpy(), **{n: dataset[n].to_numpy() for n in outputs}}


def run_scenario(data: dict[str, Any], outputs: Sequence[str]) -> dict[str, np.ndarray]:
    """Run a scenario built from the page (cached by its content); values are (runs, months)."""
    return _run_cached(json.dumps(data, sort_keys=True), tuple(outputs))


def frame(values: dict[str, np.ndarray], names: Sequence[str], run: int = 0) -> pd.DataFrame:
    return pd.DataFrame({n: values[n][run] for n in names}, index=pd.Index(values["time"], name="month"))


def quantiles(values: dict[str, np.ndarray], name: str) -> pd.DataFrame:
    table = np.quantile(values[name], list(QUANTILE_COLUMNS.values()), axis=0)
    return pd.DataFrame(dict(zip(QUANTILE_COLUMNS, table)), index=pd.Index(values["time"], name="month"))


def label(name: str) -> str:
    """A variable's name from the model file; Vensim's upper-case control names in title case."""
    name = MODEL.variables[name].name
    return name.title() if name.isupper() else name


def track_chart(title: str, names: Sequence[str], current: dict, baseline: dict | None = None,
                bands: dict | None = None, height: int = 260) -> alt.Chart:
    """Current (solid) against baseline (dashed), with 25-75% and 5-95% bands when given."""
    layers = []
    rows = []
    for name in names:
        for kind, source in (("current", current), ("baseline", baseline)):
            if source is None:
                continue
            series = frame(source, [name])[name]
            rows.append(pd.DataFrame({"month": series.index, "value": series.to_numpy(), "variable": label(name), "run": kind}))
    lines = pd.concat(rows, ignore_index=True)
    color = alt.Color("variable:N", title=None, legend=alt.Legend(orient="bottom"))
    if bands is not None:
        for name in names:
            q = quantiles(bands, name).reset_index().assign(variable=label(name))
            for low, high, opacity in (("p05", "p95", 0.12), ("p25", "p75", 0.25)):
                layers.append(alt.Chart(q).mark_area(opacity=opacity).encode(
                    x="month:Q", y=alt.Y(f"{low}:Q", scale=alt.Scale(domain=[0, 1]), title=None), y2=f"{high}:Q", color=color))
    layers.append(alt.Chart(lines).mark_line().encode(
        x=alt.X("month:Q", title="month"),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
        color=color,
        strokeDash=alt.StrokeDash("run:N", title=None, legend=alt.Legend(orient="bottom"),
                                  scale=alt.Scale(domain=["current", "baseline"], range=[[1, 0], [5, 4]])),
        tooltip=["variable", "run", alt.Tooltip("month:Q"), alt.Tooltip("value:Q", format=".3f")],
    ))
    return alt.layer(*layers).properties(title=title, height=height)


def read_upload(uploaded) -> tuple[Scenario | None, list[str]]:
    """An uploaded TOML file checked like the command line does; (scenario, problems)."""
    raw = uploaded.getvalue()
    if len(raw) > MAX_FILE_BYTES:
        return None, [f"{uploaded.name}:1: file: is larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a short text"]
    try:
        return load_uploaded(raw, file_name=uploaded.name), []
    except ScenarioError as error:
        return None, [str(p) for p in error.problems]


def shipped() -> dict[str, Scenario]:
    """The shipped scenarios by name (an empty dict if the folder is not there)."""
    folder = shipped_scenarios()
    return {p.stem: load_scenario(p) for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}
