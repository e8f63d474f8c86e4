"""The causal diagram of the model, drawn from its dependency graph, and its named feedback loops."""

from __future__ import annotations

import functools
import textwrap

import networkx as nx
import numpy as np
import pandas as pd

from sim.model import Model, get_model

#: The named feedback loops: each loop as the variables it runs through, in order; the last feeds the first.
NAMED_LOOPS: dict[str, tuple[str, ...]] = {
    "R credibility": (
        "executive_support", "effective_budget", "investment_in_strategic_alignment", "strategic_alignment",
        "pmo_transformation", "strategic_value_realization", "perceived_pmo_value", "indicated_executive_support",
    ),
    "B erosion": ("governance_and_standardization", "governance_erosion"),
    "B saturation": ("governance_and_standardization", "governance_building"),
    "R learning": ("capability_development", "learning_multiplier", "capability_development_building"),
    "B adaptation": (
        "pmo_transformation", "governance_fragmentation_risk", "risk_signal", "risk_trigger",
        "transformation_pressure", "transformation_start_rate", "transformation_completion_rate",
    ),
}

LOOP_MEANINGS = {
    "R credibility": "visible value earns executive support, support sets the budget, the budget builds value",
    "B erosion": "every capability decays without reinvestment (turnover, drift)",
    "B saturation": "building slows as a capability nears what its spending can sustain",
    "R learning": "Capability Development speeds the building of every capability, itself included",
    "B adaptation": "risk past tolerance triggers transformation, and transformation lowers the risk",
}

#: The variables the diagram shows; every other variable is folded into the arrows between them.
DIAGRAM_NODES = (
    "pmo_budget", "executive_support", "effective_budget",
    "governance_and_standardization", "delivery_support", "strategic_alignment",
    "performance_and_value_management", "capability_development",
    "execution_track_strength", "value_track_strength", "delivery_performance",
    "risk_signal", "strategic_turbulence", "risk_shock", "transformation_pressure",
    "pmo_transformation", "strategic_value_realization", "pmo_performance", "perceived_pmo_value",
)
STOCK_STYLE = 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"'
TRACKS = {
    "execution": ("governance_and_standardization", "delivery_support", "execution_track_strength", "delivery_performance"),
    "value": ("strategic_alignment", "performance_and_value_management", "value_track_strength", "transformation_pressure",
              "pmo_transformation", "strategic_value_realization"),
}


def condensed_edges(model: Model | None = None, nodes: tuple[str, ...] = DIAGRAM_NODES) -> dict[tuple[str, str], bool]:
    """Edges between ``nodes``: a reaches b through variables that are not shown.

    The value says whether the path passes through a delay (SMOOTH/DELAY) on the way.
    """
    graph = (model or get_model()).dynamic_graph()
    shown = set(nodes)
    edges: dict[tuple[str, str], bool] = {}
    for source in nodes:
        frontier = [(source, False)]
        seen = {source}
        while frontier:
            current, delayed = frontier.pop()
            for _, target, data in graph.out_edges(current, data=True):
                through_delay = delayed or data["delay"] is not None
                if target in shown:
                    if target != source:
                        edges[(source, target)] = edges.get((source, target), False) or through_delay
                elif target not in seen:
                    seen.add(target)
                    frontier.append((target, through_delay))
    return edges


#: Relative size of the nudge that measures a link's polarity.
NUDGE = 0.01
NUDGE_HORIZON = 6.0  # months watched after the nudge
SPARKS = "▁▂▃▄▅▆▇█"


@functools.lru_cache(maxsize=4)
def link_polarities(nodes: tuple[str, ...] = DIAGRAM_NODES) -> dict[tuple[str, str], str]:
    """Polarity ("+" or "−") of each condensed link, measured on the model at its defaults.

    For each shown variable the batch engine runs the model five times: with the variable held at
    its starting value, and held there until month 1 and then nudged up or down, by 1% or by a fifth of
    its range (a computed variable named as an input is held fixed). A link's polarity is the sign of
    its target's response at the first month it moves (at once for an auxiliary, later through a
    stock, a delay or a habituation): the first nudge that moves the target decides (a MIN that sits
    at its other argument moves only with a larger nudge). Measured, not declared, so the diagram cannot drift from the equations.
    """
    from sim.simulate import simulate, simulate_batch

    model = get_model()
    edges = condensed_edges(model, nodes)
    start = simulate({}, final_time=NUDGE_HORIZON).iloc[0]
    polarity: dict[tuple[str, str], str] = {}
    for source in nodes:
        targets = [b for a, b in edges if a == source]
        if not targets:
            continue
        value = float(start[source])
        variable = model.variables[source]
        low = variable.minimum if variable.minimum is not None else -np.inf
        high = variable.maximum if variable.maximum is not None else np.inf
        step = NUDGE * max(abs(value), 1e-3 if not np.isfinite(high) else 0.01 * high)
        # Small nudges first; large ones (a fifth of the range) where a small one moves nothing.
        big = 0.2 * (high - low) if np.isfinite(high - low) else 0.2 * max(abs(value), 1.0)
        nudged = [min(value + step, high), max(value - step, low), min(value + big, high), max(value - big, low)]
        schedules = [pd.Series([value, value, v], index=[0.0, 1.0 - 1e-9, 1.0]) for v in [value, *nudged]]
        # Numpy: each held variable is its own plan, and a compiled kernel per plan would cost more than the runs.
        runs = simulate_batch(pd.DataFrame({source: schedules}), final_time=NUDGE_HORIZON, outputs=targets, engine="numpy")
        for target in targets:
            series = runs[target].to_numpy()
            polarity[(source, target)] = "?"
            for run, moved_by in enumerate((v - value for v in nudged), start=1):
                change = (series[run] - series[0]) * np.sign(moved_by)
                moved = change[np.abs(change) > 1e-15]
                if moved_by != 0 and moved.size:
                    polarity[(source, target)] = "+" if moved[0] > 0 else "−"
                    break
    return polarity


def sparkline(values: np.ndarray, width: int = 24) -> str:
    """A line of block characters that follows ``values`` (a graph over time for a tooltip)."""
    sampled = np.asarray(values, dtype=float)[np.linspace(0, len(values) - 1, width).round().astype(int)]
    low, high = float(sampled.min()), float(sampled.max())
    if high - low < 1e-9:
        return SPARKS[3] * width
    return "".join(SPARKS[int(round((v - low) / (high - low) * (len(SPARKS) - 1)))] for v in sampled)


def _wrapped(name: str, width: int = 16) -> str:
    return "\\n".join(textwrap.wrap(name, width))


def causal_dot(model: Model | None = None, run: pd.DataFrame | None = None) -> str:
    """Graphviz DOT of the condensed causal diagram, readable on a projector.

    Stocks are boxes; delayed links are dashed; each link carries its measured polarity; each named
    loop has a marker (R reinforcing, B balancing) beside its variables. With ``run`` (a run's
    values by month), hovering over a variable shows its graph over time.
    """
    model = model or get_model()
    stocks = {v.py_name for v in model.stocks}
    polarity = link_polarities()
    lines = ["digraph pmo {",
             '  rankdir=TB; nodesep=0.2; ranksep=0.45; bgcolor="transparent";',
             '  node [fontname="Helvetica", fontsize=20, margin="0.08,0.04"]; edge [color="#555555", fontname="Helvetica", fontsize=22, penwidth=1.4];']
    for name in DIAGRAM_NODES:
        style = STOCK_STYLE if name in stocks else "shape=ellipse"
        color = ', color="#0072B2", penwidth=2.5' if name in TRACKS["execution"] else (
            ', color="#E69F00", penwidth=2.5' if name in TRACKS["value"] else "")
        tip = model.variables[name].name
        if run is not None and name in run:
            values = run[name].to_numpy()
            tip += f": {values[0]:.3g} at month {run.index[0]:g}, {values[-1]:.3g} at month {run.index[-1]:g}  {sparkline(values)}"
        lines.append(f'  {name} [label="{_wrapped(model.variables[name].name)}", tooltip="{tip}", {style}{color}];')
    for (source, target), delayed in sorted(condensed_edges(model).items()):
        sign = polarity.get((source, target), "?")
        colour = "#1a7f37" if sign == "+" else "#b42318"
        attributes = [f'label=" {sign} "', f'fontcolor="{colour}"'] + (["style=dashed"] if delayed else [])
        lines.append(f"  {source} -> {target} [{', '.join(attributes)}];")
    for loop, members in NAMED_LOOPS.items():
        shown = [n for n in members if n in DIAGRAM_NODES]
        kind, word = loop.split(" ", 1)
        marker = f"loop_{word.replace(' ', '_')}"
        colour = "#7a3e9d" if kind == "R" else "#0b6e4f"
        lines.append(f'  {marker} [label="⟳ {kind} {word}", shape=plaintext, fontsize=20, '
                     f'fontcolor="{colour}", tooltip="{LOOP_MEANINGS[loop]}"];')
        for anchor in shown[:2]:
            lines.append(f"  {marker} -> {anchor} [style=invis, weight=0];")
    lines.append("}")
    return "\n".join(lines)


def loop_exists(model: Model, loop: tuple[str, ...]) -> bool:
    graph = model.dynamic_graph()
    return all(nx.has_path(graph, a, b) for a, b in zip(loop, loop[1:] + loop[:1]))
