"""matplotlib Figure builders for reports (no pyplot global state).

With several runs, a chart shows the median with 25-75% and 5-95% bands.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from sim.model import get_model

#: The charts of one scenario: heading, variables, vertical limits (None: fit the data) and axis label.
PANELS = (
    ("Execution vs value track", ("execution_track_strength", "value_track_strength"), (0, 1), "strength (0-1)"),
    ("Performance", ("delivery_performance", "strategic_value_realization", "pmo_performance"), (0, 1), "share (0-1)"),
    ("Transformation and risk", ("pmo_transformation", "transformation_pressure", "risk_signal"), (0, 1), "level (0-1)"),
    ("Legitimacy", ("executive_support", "maturity_index"), (0, 1), "level (0-1)"),
    ("PMO survival", ("pmo_survival",), (0, 1.02), "probability the PMO still exists"),
    ("Cumulative net value against no PMO", ("cumulative_net_value",), None, "k$"),
)
COMPARED = ("pmo_performance", "delivery_performance", "strategic_value_realization", "executive_support")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def label(name: str) -> str:
    variable = get_model().variables.get(name)
    return variable.name if variable else name


def curves(source: xr.Dataset | pd.DataFrame, name: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """Months and one curve (a single run) or the 5/25/50/75/95% quantile curves (many runs) of ``name``.

    ``source`` is the runs (dims run, time) or a time-series table of them (``time`` and ``name``, or
    ``name_p05`` ... ``name_p95``, as in ``timeseries.csv``).
    """
    if isinstance(source, pd.DataFrame):
        months = source["time"].to_numpy()
        if name in source:
            return months, [source[name].to_numpy()]
        return months, [source[f"{name}_p{round(q * 100):02d}"].to_numpy() for q in QUANTILES]
    values = source[name].to_numpy()
    if values.shape[0] == 1:
        return source["time"].to_numpy(), [values[0]]
    return source["time"].to_numpy(), list(np.quantile(values, QUANTILES, axis=0))


def has(source: xr.Dataset | pd.DataFrame, name: str) -> bool:
    return name in source or (isinstance(source, pd.DataFrame) and f"{name}_p50" in source)


def draw(axes, source: xr.Dataset | pd.DataFrame, name: str, *, color=None, line_label: str | None = None) -> None:
    """One variable on ``axes``: a line for one run; median and bands for many."""
    months, lines = curves(source, name)
    if len(lines) == 1:
        axes.plot(months, lines[0], color=color, label=line_label or label(name))
        return
    p05, p25, p50, p75, p95 = lines
    (line,) = axes.plot(months, p50, color=color, label=(line_label or label(name)) + " (median)")
    axes.fill_between(months, p25, p75, color=line.get_color(), alpha=0.25, linewidth=0)
    axes.fill_between(months, p05, p95, color=line.get_color(), alpha=0.12, linewidth=0)


def scenario_figure(source: xr.Dataset | pd.DataFrame, *, title: str) -> Figure:
    """Tracks, performance, transformation and risk, legitimacy, survival and net value of one scenario,
    from its runs or their time-series table (see :func:`curves`)."""
    figure = Figure(figsize=(12, 11), layout="constrained")
    many = source.sizes["run"] > 1 if isinstance(source, xr.Dataset) else any(c.endswith("_p50") for c in source)
    bands = " (bands: 25-75% and 5-95% of runs)" if many else ""
    figure.suptitle(f"{title}{bands}")
    for axes, (heading, names, limits, unit) in zip(figure.subplots(3, 2).flat, PANELS):
        for name in names:
            if has(source, name):
                draw(axes, source, name)
        if limits is None:
            axes.axhline(0, color="#555555", linewidth=0.8)  # break-even: as much as without a PMO
        else:
            axes.set_ylim(*limits)
        axes.set_title(heading)
        axes.set_xlabel("month")
        axes.set_ylabel(unit)
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small", loc="best")
    return figure


def comparison_figure(datasets: Sequence[tuple[str, xr.Dataset | pd.DataFrame]]) -> Figure:
    """Several scenarios overlaid on the key outputs (runs or time-series tables, see :func:`curves`)."""
    figure = Figure(figsize=(12, 8), layout="constrained")
    figure.suptitle("Scenario comparison")
    colors = [f"C{i % 10}" for i in range(len(datasets))]
    for axes, name in zip(figure.subplots(2, 2).flat, COMPARED):
        for (scenario, dataset), color in zip(datasets, colors):
            if has(dataset, name):
                draw(axes, dataset, name, color=color, line_label=scenario)
        axes.set_title(label(name))
        axes.set_xlabel("month")
        axes.set_ylim(0, 1)
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small", loc="best")
    return figure
