"""What every page shares: sliders declared by the model file, cached runs, charts, uploads."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import streamlit as st

from sim import runner
from sim.model import get_model
from sim.results import QUANTILE_COLUMNS
from sim.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, load_scenario, load_uploaded, scenario_from_dict, shipped_scenarios

MODEL = get_model()


def slider_unit(variable: Any) -> str:
    """A unit as a slider shows it: "0 to 1" for a dimensionless share or score, "months" for Month."""
    if variable.units == "Dmnl":
        return f"{variable.minimum:g} to {variable.maximum:g}"
    return {"Month": "months"}.get(variable.units, variable.units)


def slider(name: str, *, key: str, percent: bool = False, value: float | None = None, container: Any = st) -> float:
    """A slider whose label, unit, range, step and help all come from the model file."""
    variable = MODEL.variables[name]
    scale = 100.0 if percent else 1.0
    unit = "% of budget" if percent else slider_unit(variable)
    step = (variable.step or (variable.maximum - variable.minimum) / 100) * scale
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    # The starting value as the widget's default, not written into the session state: a widget
    # without a default reads the whole session state to find one, which made the page's ~70
    # sliders cost time growing with their square.
    chosen = container.slider(
        f"{label(name)} ({unit})" if unit else label(name),
        min_value=float(variable.minimum * scale),
        max_value=float(variable.maximum * scale),
        value=float((variable.default if value is None else value) * scale),
        step=float(step),
        format=f"%.{decimals}f",
        key=key,
        help=variable.comment,
    )
    return chosen / scale


@st.cache_data(max_entries=512, show_spinner=False)
def _run_cached(scenario_json: str, outputs: tuple[str, ...]) -> dict[str, np.ndarray]:
    scenario = scenario_from_dict(json.loads(scenario_json))
    variables = runner.run(scenario, outputs=list(outputs), with_parent=False).dataset.variables
    return {"time": variables["time"].values, **{n: variables[n].values for n in outputs}}


def run_scenario(data: dict[str, Any], outputs: Sequence[str]) -> dict[str, np.ndarray]:
    """Run a scenario built from the page (cached by its content); values are (runs, months)."""
    return _run_cached(json.dumps(data, sort_keys=True), tuple(outputs))


def quantile_columns(values: dict[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """The 5, 25, 50, 75 and 95% of runs of ``name`` at each month, by column name (p05...)."""
    table = np.quantile(values[name], list(QUANTILE_COLUMNS.values()), axis=0)
    return dict(zip(QUANTILE_COLUMNS, table))


def label(name: str) -> str:
    """A variable's name from the model file; Vensim's upper-case control names in title case."""
    name = MODEL.variables[name].name
    return name.title() if name.isupper() else name


#: Colour-blind-safe hues (Okabe and Ito 2008, then Tol's muted set), distinct for 12 series or scenarios;
#: yellow is left out (unreadable on white and on a projector).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
           "#882255", "#44AA99", "#999933", "#AA4499", "#888888")
#: Dash patterns: the current settings solid, each saved run its own dashes.
DASHES = ([1, 0], [6, 4], [2, 2], [8, 3, 2, 3], [12, 4], [1, 3], [4, 2, 1, 2])


def palette(count: int) -> list[str]:
    """``count`` colours, cycling through :data:`PALETTE` (beyond 12 the dash tells series apart)."""
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def track_chart(title: str, names: Sequence[str], current: dict, references: dict[str, dict] | None = None,
                bands: dict | None = None, height: int = 230,
                y_range: Sequence[float] | None = (0, 1)) -> tuple[dict[str, Any], pa.Table]:
    """A Vega-Lite spec and its data: current (solid) against saved runs (dashed), with 25-75% and 5-95% bands.

    ``references`` maps a saved run's name to its values. ``height`` is the plot's (axes, title and
    legends come on top: Streamlit's default would fit them all into it and squeeze the plot);
    ``y_range`` fixes the vertical axis (None: fitted to the values). Show it with
    ``st.vega_lite_chart(data, spec)``.

    A plain spec rather than Altair (whose object model and schema validation cost more than the run
    itself on every slider move), and the data as one Arrow table with one wide row per month that
    the browser folds into lines (Arrow goes to the browser as it is: no frame, no records).
    """
    references = references or {}
    labels = [label(n) for n in names]
    runs = ["current", *references]
    columns = {f"{label(n)}|current": current[n][0] for n in names}
    for run, values in references.items():
        columns.update({f"{label(n)}|{run}": values[n][0][: len(current["time"])] for n in names})
    if bands is not None:
        for n in names:
            for suffix, values in quantile_columns(bands, n).items():
                columns[f"{label(n)}|{suffix}"] = values
    table = pa.table({"month": current["time"], **columns})
    # Variables below the plot (one a line when three would not fit side by side), runs above it.
    legend = {"orient": "bottom", "columns": 2 if len(names) <= 2 else 1, "labelLimit": 0}
    color = {"field": "variable", "type": "nominal", "title": None, "legend": legend,
             "scale": {"domain": labels, "range": palette(len(labels))}}
    y_scale = {"domain": list(y_range)} if y_range is not None else {"zero": True}
    layers: list[dict[str, Any]] = []
    for name in labels if bands is not None else ():
        for low, high, opacity in (("p05", "p95", 0.12), ("p25", "p75", 0.25)):
            layers.append({"mark": {"type": "area", "opacity": opacity},
                           "encoding": {"x": {"field": "month", "type": "quantitative"},
                                        "y": {"field": f"{name}|{low}", "type": "quantitative", "scale": y_scale, "title": None},
                                        "y2": {"field": f"{name}|{high}"}, "color": {"datum": name, **color}}})
    folded = [c for c in columns if c.split("|", 1)[1] in runs]
    dash_legend = {"orient": "top", "labelLimit": 0} if len(runs) > 1 else None
    layers.append({
        "transform": [{"fold": folded, "as": ["series", "value"]},
                      {"calculate": "split(datum.series, '|')[0]", "as": "variable"},
                      {"calculate": "split(datum.series, '|')[1]", "as": "run"}],
        "mark": {"type": "line", "strokeWidth": 2.5},
        "encoding": {
            "x": {"field": "month", "type": "quantitative", "title": "month"},
            "y": {"field": "value", "type": "quantitative", "scale": y_scale, "title": None},
            "color": color,
            "strokeDash": {"field": "run", "type": "nominal", "title": None, "legend": dash_legend,
                           "scale": {"domain": runs, "range": [DASHES[i % len(DASHES)] for i in range(len(runs))]}},
            "tooltip": [{"field": "variable"}, {"field": "run"}, {"field": "month", "type": "quantitative"},
                        {"field": "value", "type": "quantitative", "format": ".3f"}],
        },
    })
    spec = {"title": title, "height": height, "autosize": {"type": "fit-x", "contains": "padding"}, "layer": layers}
    return spec, table


def read_upload(uploaded) -> tuple[Scenario | None, list[str]]:
    """An uploaded TOML file checked like the command line does; (scenario, problems)."""
    raw = uploaded.getvalue()
    if len(raw) > MAX_FILE_BYTES:
        return None, [f"{uploaded.name}:1: file: is larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a short text"]
    try:
        return load_uploaded(raw, file_name=uploaded.name), []
    except ScenarioError as error:
        return None, [str(p) for p in error.problems]


@st.cache_resource(show_spinner=False)
def shipped() -> dict[str, Scenario]:
    """The shipped scenarios by name (an empty dict if the folder is not there); read once per process.

    Shared by every session: the scenarios are only read, never changed.
    """
    folder = shipped_scenarios()
    return {p.stem: load_scenario(p) for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}
