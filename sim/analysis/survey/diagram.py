"""The path diagram: constructs as boxes, each path an arrow with its standardised coefficient.

Significant paths (the bootstrap interval excludes 0) are solid and starred, the others dashed and grey;
positive paths blue, negative red. Drawn with matplotlib (no pyplot state) and written as Graphviz dot
text for readers who render their own.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.survey.constructs import BY_NAME, MEDIATOR, OUTCOME, PREDICTORS, label

POSITIVE, NEGATIVE, FADED = "#0072B2", "#D55E00", "#999999"
ROLE_FILL = {"execution": "#E8F1FA", "value": "#FDF0E6", "enabling": "#EAF6EE", "risk": "#F6E9F2",
             "mediator": "#FFF7D6", "outcome": "#EEEEEE"}


def _direct(effects: pd.DataFrame) -> pd.DataFrame:
    return effects[effects["effect"] == "direct"].rename(columns={"from": "source"})


def _text(row) -> str:
    return f"{row.estimate:+.2f}{'*' if row.significant else ''}"


def path_figure(effects: pd.DataFrame, *, title: str) -> Figure:
    """The white paper's path model with the estimates of ``effects`` (a table of :func:`paths.effects_table`)."""
    figure = Figure(figsize=(11, 7.2))
    axes = figure.add_axes((0, 0, 1, 0.93))
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.05, 1.02)
    axes.axis("off")
    figure.suptitle(title, fontsize=12)
    rows = len(PREDICTORS)
    where = {name: (0.09, 0.95 - i * 0.9 / (rows - 1)) for i, name in enumerate(PREDICTORS)}
    where[MEDIATOR] = (0.62, 0.72)
    where[OUTCOME] = (0.9, 0.3)
    for row in _direct(effects).itertuples():
        colour = FADED if not row.significant else (POSITIVE if row.estimate > 0 else NEGATIVE)
        style = "-" if row.significant else (0, (4, 3))
        end = where[row.to]
        if row.source == MEDIATOR:
            start, bend = where[MEDIATOR], 0.0
            axes.text(0.79, 0.53, f"{_text(row)}", color=colour, fontsize=10, ha="center", va="center")
        else:
            x, y = where[row.source]
            above = row.to == MEDIATOR
            start, bend = (0.285, y + (0.012 if above else -0.012)), (0.05 if above else -0.05)
            axes.text(0.28, start[1], f"{'TR' if above else 'PERF'} {_text(row)}", color=colour if row.significant else "#666666",
                      fontsize=8.5, ha="right", va="center")
        axes.annotate("", xy=end, xytext=start, arrowprops={
            "arrowstyle": "-|>", "color": colour, "linestyle": style, "lw": 1.5 if row.significant else 0.9,
            "shrinkA": 0 if row.source != MEDIATOR else 14, "shrinkB": 16, "connectionstyle": f"arc3,rad={bend}",
            "alpha": 0.9 if row.significant else 0.6})
    for name, (x, y) in where.items():
        axes.text(x, y, label(name).replace(" & ", " &\n") if len(label(name)) > 22 else label(name), ha="center",
                  va="center", fontsize=9.5, wrap=True,
                  bbox={"boxstyle": "round,pad=0.4", "fc": ROLE_FILL[BY_NAME[name].role], "ec": "#444444"})
    axes.text(0.55, -0.035, "Standardised paths; * the bootstrap interval excludes 0 (solid); dashed: not significant.",
              ha="center", fontsize=8.5, color="#444444")
    return figure


def path_dot(effects: pd.DataFrame, *, title: str) -> str:
    """The same diagram as Graphviz dot text."""
    lines = ["digraph paths {", f'  label="{title}"; labelloc=t; rankdir=LR; node [shape=box, style="rounded,filled"];']
    for name in (*PREDICTORS, MEDIATOR, OUTCOME):
        lines.append(f'  {BY_NAME[name].short} [label="{label(name)}", fillcolor="{ROLE_FILL[BY_NAME[name].role]}"];')
    for row in _direct(effects).itertuples():
        colour = FADED if not row.significant else (POSITIVE if row.estimate > 0 else NEGATIVE)
        style = "solid" if row.significant else "dashed"
        lines.append(f'  {BY_NAME[row.source].short} -> {BY_NAME[row.to].short} [label="{_text(row)}", color="{colour}", '
                     f'fontcolor="{colour}", style={style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
