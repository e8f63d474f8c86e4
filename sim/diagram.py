"""The causal diagram of the model, drawn from its dependency graph, and its named feedback loops."""

from __future__ import annotations

import networkx as nx

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


def causal_dot(model: Model | None = None) -> str:
    """Graphviz DOT of the condensed causal diagram: stocks as boxes, delayed links dashed."""
    model = model or get_model()
    stocks = {v.py_name for v in model.stocks}
    lines = ["digraph pmo {", '  rankdir=TB; nodesep=0.25; ranksep=0.35; node [fontname="Helvetica", fontsize=16]; edge [color="#555555"];']
    for name in DIAGRAM_NODES:
        style = STOCK_STYLE if name in stocks else "shape=ellipse"
        color = ', color="#1f77b4", penwidth=2' if name in TRACKS["execution"] else (
            ', color="#ff7f0e", penwidth=2' if name in TRACKS["value"] else "")
        lines.append(f'  {name} [label="{model.variables[name].name}", {style}{color}];')
    for (source, target), delayed in sorted(condensed_edges(model).items()):
        lines.append(f"  {source} -> {target}{' [style=dashed]' if delayed else ''};")
    lines.append("}")
    return "\n".join(lines)


def loop_exists(model: Model, loop: tuple[str, ...]) -> bool:
    graph = model.dynamic_graph()
    return all(nx.has_path(graph, a, b) for a, b in zip(loop, loop[1:] + loop[:1]))
