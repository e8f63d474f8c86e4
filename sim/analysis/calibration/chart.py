"""The calibration chart: each observed series' history against the fitted run, with the 5-95% predictive band
to the horizon (matplotlib Figure, no pyplot global state)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.plotting import label

if TYPE_CHECKING:
    from sim.analysis.calibrate import Calibration

BAND_COLOUR = "#56B4E9"
FIT_COLOUR = "#0072B2"
HISTORY_COLOUR = "#D55E00"


def calibration_figure(calibration: "Calibration", *, title: str | None = None) -> Figure:
    """One panel per observed series: history (dots), fitted run (line), 5-95% predictive band (shaded)."""
    from sim.analysis.calibration.report import statistics

    series = list(calibration.history.observed)
    columns = 1 if len(series) == 1 else 2
    rows = math.ceil(len(series) / columns)
    figure = Figure(figsize=(6.2 * columns, 3.4 * rows + 0.6), layout="constrained")
    figure.suptitle(title or f"{calibration.history.label}: history, fitted run and 5-95% predictive band")
    table = statistics(calibration).set_index("series")
    band = calibration.band
    last = calibration.history.last_month
    for number, (axes, name) in enumerate(zip(figure.subplots(rows, columns, squeeze=False).flat, series)):
        observed = calibration.history.observed[name]
        axes.fill_between(band["time"], band[f"{name}_p05"], band[f"{name}_p95"], color=BAND_COLOUR, alpha=0.25,
                          linewidth=0, label="5-95% predictive band")
        axes.fill_between(band["time"], band[f"{name}_runs_p05"], band[f"{name}_runs_p95"], color=BAND_COLOUR, alpha=0.5,
                          linewidth=0, label="5-95% of runs (parameters)")
        axes.plot(band["time"], band[name], color=FIT_COLOUR, linewidth=2, label="fitted run")
        axes.plot(observed.months, observed.values, "o", color=HISTORY_COLOUR, markersize=4, label="history")
        if last < band["time"][-1]:
            axes.axvline(last, color="#555555", linestyle=":", linewidth=1)
            axes.annotate("history ends", (last, 0.02), xycoords=("data", "axes fraction"), fontsize="small",
                          color="#555555", xytext=(3, 0), textcoords="offset points")
        stats = table.loc[name]
        axes.set_title(f"{label(name)}  (R² {stats['r2']:.2f}, MAPE {stats['mape_percent']:.1f}%)", fontsize="medium")
        axes.set_xlabel("month")
        axes.grid(alpha=0.3)
        if number == 0:  # the same four entries on every panel: once is enough
            axes.legend(fontsize="small", loc="best")
    for axes in list(figure.axes)[len(series):]:
        axes.set_visible(False)
    return figure
