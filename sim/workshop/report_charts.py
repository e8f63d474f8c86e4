"""The debrief's charts (matplotlib, no pyplot state): a team against the baseline and the benchmark,
its decisions drawn under the charts, which feedback loops drove its PMO, and the class view."""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.loop_charts import dominance_figure
from sim.workshop.decisions import SHARE_LABELS
from sim.workshop.dominance import TeamLoops
from sim.workshop.setup import WorkshopSetup
from sim.workshop.store import DecisionRow, Series
from sim.workshop.views import Debrief, TeamData

#: Colour-blind-safe hues (Okabe and Ito 2008).
TEAM, BASELINE, BENCHMARK = "#0072B2", "#888888", "#009E73"
SHARE_COLOURS = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2", "#CC79A7")
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#882255", "#44AA99", "#999933")
PANELS = (("pmo_performance", "PMO Performance", (0, 1)), ("cumulative_net_value", "Cumulative Net Value (k$)", None),
          ("pmo_survival", "PMO Survival", (0, 1.02)))


def png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _events(axes, setup: WorkshopSetup, last_month: float) -> None:
    for event in setup.events:
        month = setup.round_start(event.round) + event.offset
        if month <= last_month:
            axes.axvline(month, color="#CC0000", linestyle=":", linewidth=1)


def _lines(axes, name: str, team: Series, references: dict[str, Series], label: str) -> None:
    for kind, colour, dash in (("baseline", BASELINE, "--"), ("benchmark", BENCHMARK, "-.")):
        if kind in references and len(references[kind]["time"]):
            axes.plot(references[kind]["time"], references[kind][name], color=colour, linestyle=dash, label=kind)
    if len(team["time"]):
        axes.plot(team["time"], team[name], color=TEAM, linewidth=2.2, label=label)


def decision_axes(axes, decisions: dict[int, DecisionRow], setup: WorkshopSetup) -> None:
    """Each round's split as stacked bars a round wide, the budget asked as a step line (right axis)."""
    m = setup.months_per_round
    rounds = sorted(decisions)
    if not rounds:
        axes.text(0.5, 0.5, "no round played yet", ha="center", va="center", transform=axes.transAxes)
        return
    starts = np.array([setup.round_start(r) for r in rounds], dtype=float)
    bottom = np.zeros(len(rounds))
    for i, (label, colour) in enumerate(zip(SHARE_LABELS, SHARE_COLOURS)):
        values = np.array([100 * decisions[r].decision.shares[i] for r in rounds])
        axes.bar(starts, values, width=m * 0.92, bottom=bottom, align="edge", color=colour, label=label)
        bottom += values
    for r, start in zip(rounds, starts):
        if decisions[r].carried:
            axes.text(start + m / 2, 50, "kept", ha="center", va="center", fontsize=8, color="white", rotation=90)
    axes.set_ylim(0, 100)
    axes.set_ylabel("split (%)")
    budget = axes.twinx()
    months = np.append(starts, starts[-1] + m)
    values = [decisions[r].decision.budget for r in rounds]
    budget.step(months, values + values[-1:], where="post", color="black", linewidth=1.8, label="budget asked")
    budget.set_ylim(0, max(values) * 1.3 or 1)
    budget.set_ylabel("budget (k$/month)")
    axes.legend(loc="upper left", bbox_to_anchor=(0, -0.25), ncol=6, fontsize="small", frameon=False)
    budget.legend(loc="upper right", bbox_to_anchor=(1, -0.25), fontsize="small", frameon=False)


def team_figure(report: Debrief, data: TeamData) -> Figure:
    """A team's performance, net value and survival against the baseline and the benchmark, its
    decisions under them on the same months; the events as dotted red lines."""
    setup = report.workshop.setup
    figure = Figure(figsize=(11, 7.2), layout="constrained")
    grid = figure.add_gridspec(2, 3, height_ratios=(1.3, 1))
    last = float(data.series["time"][-1]) if len(data.series["time"]) else 0.0
    span = (0, max(last, setup.months_per_round))
    for column, (name, title, limits) in enumerate(PANELS):
        axes = figure.add_subplot(grid[0, column])
        _lines(axes, name, data.series, report.references, data.team.name)
        _events(axes, setup, span[1])
        axes.set_title(title)
        axes.set_xlim(*span)
        if limits:
            axes.set_ylim(*limits)
        else:
            axes.axhline(0, color="#555555", linewidth=0.8)
        axes.set_xlabel("month")
        axes.grid(alpha=0.3)
        if column == 0:
            axes.legend(fontsize="small", loc="lower left")
    decisions = figure.add_subplot(grid[1, :])
    decision_axes(decisions, data.decisions, setup)
    decisions.set_xlim(*span)
    decisions.set_xlabel("month")
    decisions.set_title("Decisions, round by round")
    return figure


#: What the loop-dominance chart shows, in a sentence (under the chart on the page and in the reports).
LOOPS_NOTE = ("Loops that Matter (Schoenberg, Davidsen and Eberlein 2020): each family of feedback loops' relative loop "
              "score, its share of what moved the PMO that month (+ reinforcing, - balancing); shaded, the periods in "
              "which the same families dominate; dotted red lines, the events.")


def loops_figure(report: Debrief, data: TeamData, loops: TeamLoops) -> Figure:
    """Which feedback loops drove a team's PMO: its PMO Performance over the months it played, and each
    family's relative loop score below it, the dominant periods shaded."""
    months = len(loops.times)
    figure = dominance_figure(loops.times, np.asarray(data.series["pmo_performance"][:months]), "PMO Performance",
                              loops.families, loops.periods, title=f"{data.team.name}: which feedback loops drove the PMO")
    for axes in figure.axes[:2]:
        _events(axes, report.workshop.setup, float(loops.times[-1]))
    return figure


def class_figure(report: Debrief, names: Sequence[str] = ("pmo_performance", "cumulative_net_value")) -> Figure:
    """Every team on the same axes, with the baseline and the benchmark."""
    setup = report.workshop.setup
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    titles = {n: t for n, t, _ in PANELS}
    for axes, name in zip(figure.subplots(1, len(names)), names):
        for i, data in enumerate(report.teams):
            if len(data.series["time"]):
                axes.plot(data.series["time"], data.series[name], color=CLASS_COLOURS[i % len(CLASS_COLOURS)],
                          linestyle="-" if i < len(CLASS_COLOURS) else "--", linewidth=1.8, label=data.team.name)
        for kind, colour, dash in (("baseline", BASELINE, "--"), ("benchmark", BENCHMARK, "-.")):
            reference = report.references.get(kind)
            if reference is not None and len(reference["time"]):
                axes.plot(reference["time"], reference[name], color=colour, linestyle=dash, linewidth=1.5, label=kind)
        _events(axes, setup, float(setup.horizon))
        axes.set_title(titles[name])
        axes.set_xlabel("month")
        axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return figure
