"""matplotlib Figures of the studies (no pyplot global state): rankings, indices over time, convergence,
Pareto fronts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plotting import label

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
           "#882255", "#44AA99", "#999933", "#AA4499", "#888888")


def ranking_figure(indices: pd.DataFrame, method: str, title: str) -> Figure:
    """One panel per output (at its last reported month): inputs ranked, total and first-order bars with intervals."""
    groups = [(key, group) for key, group in indices.groupby(["output", "month"], sort=False)]
    last = {}
    for (output, month), group in groups:
        last[output] = (month, group)
    figure = Figure(figsize=(6.4 * len(last), 0.42 * max(len(g) for _, g in last.values()) + 1.8), layout="constrained")
    for axes, (output, (month, group)) in zip(figure.subplots(1, len(last), squeeze=False)[0], last.items()):
        group = group.sort_values("rank", ascending=False)
        rows = np.arange(len(group))
        names = [label(p) for p in group["parameter"]]
        if method == "sobol":
            axes.barh(rows + 0.2, group["ST"], height=0.4, xerr=group["ST_conf"], color=COLOURS[0], label="total (ST)")
            axes.barh(rows - 0.2, group["S1"], height=0.4, xerr=group["S1_conf"], color=COLOURS[1], label="first order (S1)")
            axes.set_xlabel("share of the output's variance")
            axes.set_xlim(left=min(0.0, float(np.nanmin(group["S1"] - group["S1_conf"]))))
        else:
            axes.barh(rows, group["mu_star"], xerr=group["mu_star_conf"], color=COLOURS[0], label="mu* (mean |effect|)")
            axes.plot(group["sigma"], rows, "o", color=COLOURS[3], label="sigma (non-linearity, interaction)")
            axes.set_xlabel("elementary effect over the input's whole range")
        axes.set_yticks(rows, names, fontsize=8)
        axes.set_title(f"{label(output)} at month {month:g}", fontsize=10)
        axes.legend(fontsize=8, loc="lower right")
        axes.grid(axis="x", alpha=0.3)
    figure.suptitle(title, fontsize=11)
    return figure


def over_time_figure(over_time: pd.DataFrame, method: str, title: str, *, shown: int = 6) -> Figure:
    """One panel per output: the total index (or mu*) of the inputs that matter most, month by month."""
    measure = "ST" if method == "sobol" else "mu_star"
    outputs = list(dict.fromkeys(over_time["output"]))
    figure = Figure(figsize=(6.4 * len(outputs), 3.8), layout="constrained")
    for axes, output in zip(figure.subplots(1, len(outputs), squeeze=False)[0], outputs):
        frame = over_time[over_time["output"] == output].pivot(index="month", columns="parameter", values=measure)
        top = frame.max().sort_values(ascending=False).index[:shown]
        for colour, name in zip(COLOURS, top):
            axes.plot(frame.index, frame[name], color=colour, linewidth=2, label=label(name))
        axes.set_title(label(output), fontsize=10)
        axes.set_xlabel("month")
        axes.set_ylabel("total Sobol index (ST)" if method == "sobol" else "mu*")
        if method == "sobol":
            axes.set_ylim(0, 1.05)
        axes.legend(fontsize=7, loc="upper left")
        axes.grid(alpha=0.3)
    figure.suptitle(title, fontsize=11)
    return figure


def convergence_figure(history: pd.DataFrame, title: str) -> Figure:
    """The best and the mean objective of each generation."""
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    axes = figure.subplots()
    axes.plot(history["generation"], history["best"], color=COLOURS[0], linewidth=2, label="best so far")
    axes.plot(history["generation"], history["mean"], color=COLOURS[1], linewidth=1.5, label="mean of the generation")
    axes.set_xlabel("generation")
    axes.set_ylabel("objective")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    axes.set_title(title, fontsize=10)
    return figure


def pareto_figure(front: pd.DataFrame, best: pd.Series | None, title: str) -> Figure:
    """Performance against cost on the Pareto front, the best single-objective policy marked."""
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.subplots()
    ordered = front.sort_values("cost")
    axes.plot(ordered["cost"], ordered["performance"], "o-", color=COLOURS[0], label="Pareto front")
    if best is not None:
        axes.plot([best["cost"]], [best["performance"]], "*", markersize=14, color=COLOURS[3], label="best policy")
    axes.set_xlabel(f"{label('cumulative_pmo_cost')} at the horizon (k$)")
    axes.set_ylabel("PMO Performance (window average)")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    axes.set_title(title, fontsize=10)
    return figure
