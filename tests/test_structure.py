"""Structural rules and named loops, on the model's dependency graph (not only on behaviour)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest

from sim.diagram import NAMED_LOOPS, causal_dot, condensed_edges, loop_exists

PERFORMANCE = ("pmo_performance", "delivery_performance", "strategic_value_realization")
VALUE_TRACK = ("strategic_alignment", "performance_and_value_management")
RISKS = (
    "mandate_risk",
    "governance_fragmentation_risk",
    "value_measurement_risk",
    "risk_signal",
    "risk_shock",
    "risk_trigger",
)


#: The transformation process: PMO Transformation and its inflow (reconfiguring disrupts delivery
#: while it happens, and that disruption is part of transformation, not a direct effect).
TRANSFORMATION = ("pmo_transformation", "transformation_activity")


def _reaches_without(graph: nx.DiGraph, source: str, target: str, blocked: tuple[str, ...] = TRANSFORMATION) -> bool:
    reduced = graph.copy()
    reduced.remove_nodes_from(blocked)
    return nx.has_path(reduced, source, target)


@pytest.mark.parametrize("source,target", list(itertools.product(VALUE_TRACK, PERFORMANCE)))
def test_rule1_value_track_reaches_performance_only_through_transformation(model, source, target):
    graph = model.dynamic_graph()
    assert nx.has_path(graph, source, target), "the value track must reach performance at all"
    assert not _reaches_without(graph, source, target)


@pytest.mark.parametrize("source,target", list(itertools.product(RISKS, PERFORMANCE)))
def test_rule2_risk_reaches_performance_only_through_transformation(model, source, target):
    graph = model.dynamic_graph()
    assert nx.has_path(graph, source, target), "risk must act (as a trigger) at all"
    assert not _reaches_without(graph, source, target)


@pytest.mark.parametrize("source", ["governance_and_standardization", "delivery_support"])
def test_rule3_execution_reaches_delivery_within_three_months(model, source):
    """A path with no stock on it and no SMOOTH/DELAY longer than 3 months."""
    graph = model.dynamic_graph()
    stocks = {v.py_name for v in model.stocks}
    fast = nx.DiGraph()
    fast.add_edges_from(
        (s, t)
        for s, t, data in graph.edges(data=True)
        if (data["delay"] is None or data["delay"] <= 3) and (s == source or s not in stocks)
    )
    assert source in fast and nx.has_path(fast, source, "delivery_performance")


def test_delivery_performance_delay_is_finite_and_short(model):
    delays = [d["delay"] for _, _, d in model.dynamic_graph().in_edges("delivery_performance", data=True)]
    assert any(d is not None and not math.isinf(d) and d <= 3 for d in delays)


@pytest.mark.parametrize("loop", sorted(NAMED_LOOPS))
def test_named_loop_exists_in_graph_and_is_named_in_model_file(model, loop):
    assert loop_exists(model, NAMED_LOOPS[loop])
    assert loop in model.text  # named where it acts, for trainers


def test_feedback_loops_lists_the_named_loops(model):
    """Model.feedback_loops() finds the cycles of the dynamic graph, the short named loops among them."""
    cycles = [set(cycle) for cycle in model.feedback_loops(max_length=3)]
    for loop in ("B erosion", "B saturation", "R learning"):
        assert set(NAMED_LOOPS[loop]) in cycles


def test_causal_diagram_shows_the_two_tracks_and_the_delayed_converter(model):
    edges = condensed_edges(model)
    assert ("governance_and_standardization", "execution_track_strength") in edges
    assert edges[("transformation_pressure", "pmo_transformation")] is True  # through DELAY3
    assert ("strategic_alignment", "delivery_performance") not in edges
    dot = causal_dot(model)
    assert dot.startswith("digraph") and "PMO Transformation" in dot


def test_short_and_long_cycle_paths(model):
    """Short cycle: execution -> Delivery Performance; long cycle: value -> transformation -> value realised."""
    graph = model.dynamic_graph()
    assert nx.has_path(graph, "governance_and_standardization", "delivery_performance")
    # The long cycle runs through the third-order delay into PMO Transformation.
    assert nx.has_path(graph, "strategic_alignment", "transformation_completion_rate")
    assert nx.has_path(graph, "transformation_completion_rate", "transformation_activity")
    assert nx.has_path(graph, "transformation_activity", "strategic_value_realization")
