"""The loop-dominance chart for reports: a variable's behaviour on top, the families' relative loop
scores below on the same months, the dominant periods shaded (matplotlib, no pyplot state)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.loop_scores import DominantPeriod

#: One colour per family (reinforcing: warm; balancing: cool), shared by the app and the reports.
FAMILY_COLOURS = {
    "R credibility": "#CC79A7", "R learning": "#D55E00", "B saturation": "#0072B2", "B erosion": "#56B4E9",
    "B adaptation": "#009E73", "B churn": "#E69F00", "B support adjustment": "#999999", "B transformation gap": "#7f7f3f",
    "B obsolescence": "#5f3f7f", "B closure": "#000000", "loop": "#444444",
}


def family_colour(family: str, index: int = 0) -> str:
    return FAMILY_COLOURS.get(family, ["#444444", "#888888", "#bbbbbb"][index % 3])


def dominance_figure(times: np.ndarray, behaviour: np.ndarray, behaviour_label: str, scores: dict[str, np.ndarray],
                     dominant: Sequence[DominantPeriod], *, title: str, band: tuple[np.ndarray, np.ndarray] | None = None) -> Figure:
    """``behaviour`` of one variable over ``times`` (with an optional 10-90% ``band``), and below it
    each family's relative loop score; each dominant period is shaded in its largest family's colour."""
    figure = Figure(figsize=(9, 6.2), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1.3))
    top.plot(times, behaviour, color="#222222", linewidth=2)
    if band is not None:
        top.fill_between(times, band[0], band[1], color="#222222", alpha=0.15, linewidth=0, label="10-90% of runs")
        top.legend(loc="best", fontsize=8, frameon=False)
    top.set_ylabel(behaviour_label)
    top.set_title(title)
    top.grid(alpha=0.3)
    for period in dominant:
        colour = family_colour(period.loops[0])
        for axes in (top, bottom):
            axes.axvspan(period.start - 0.5, period.end + 0.5, color=colour, alpha=0.12, linewidth=0)
    for i, (family, values) in enumerate(scores.items()):
        if np.nanmax(np.abs(values), initial=0.0) < 0.01:
            continue
        bottom.plot(times, values, color=family_colour(family, i), linewidth=2,
                    linestyle="-" if family.startswith("R") else "--", label=family)
    bottom.axhline(0, color="gray", linewidth=0.8)
    bottom.set_ylim(-1.05, 1.05)
    bottom.set_ylabel("relative loop score\n(+ reinforcing, − balancing)")
    bottom.set_xlabel("month")
    bottom.grid(alpha=0.3)
    bottom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8, frameon=False)
    return figure
