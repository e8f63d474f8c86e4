"""Every feedback loop of the model, named after the loops its file documents.

The loops are the elementary cycles of the model's causal graph (SMOOTH and DELAY structures count as
one link, their inner stages not at all). Each loop belongs to one named family: the loops the model
file's comments name (R credibility, B erosion, B saturation, R learning, B adaptation) and the few
other mechanisms its equations describe. A family is matched by the variables or links a loop passes
through, first rule first, so every loop has exactly one family.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import networkx as nx

from sim.engine.plan import compiled, plan_for
from sim.engine.scoring_graph import scoring_graph
from sim.model import Model, get_model


@dataclass(frozen=True)
class Family:
    name: str  # "R credibility": its letter is the polarity the mechanism has
    meaning: str
    matches: Callable[[tuple[str, ...], set[tuple[str, str]]], bool]


def _has(*names: str) -> Callable[[tuple[str, ...], set[tuple[str, str]]], bool]:
    return lambda variables, links: any(n in variables for n in names)


#: The families, in the order their rules are tried.
FAMILIES: tuple[Family, ...] = (
    Family("B erosion", "every capability decays towards its floor without reinvestment (staff turnover, drift)",
           lambda v, l: any(n.endswith("_erosion") for n in v) or v in (("governance_without_pmo",), ("delivery_support_without_pmo",))),
    Family("B saturation", "building slows as a capability nears the level its spending can sustain",
           lambda v, l: len(v) == 2 and any(n.endswith("_building") for n in v)),
    Family("B adaptation", "risk past the organisation's tolerance triggers transformation, and transformation lowers the risk",
           _has("risk_trigger")),
    Family("B churn", "reconfigurations that complete without a value track's direction replace part of the configuration",
           lambda v, l: ("transformation_completion_rate", "transformation_obsolescence") in l),
    Family("R credibility", "visible value earns executive support, support sets the budget, the budget builds value",
           lambda v, l: "executive_support" in v and len(v) > 1),
    Family("R learning", "Capability Development speeds the building of every capability, itself included",
           _has("learning_multiplier")),
    Family("B support adjustment", "executive support moves towards what the perceived value justifies, over a budget cycle",
           lambda v, l: v == ("executive_support",)),
    Family("B transformation gap", "each completed reconfiguration closes a share of the remaining gap to full fit",
           lambda v, l: set(v) == {"pmo_transformation", "transformation_activity"}),
    Family("B obsolescence", "a configuration loses its fit as strategy and environment move on",
           _has("transformation_obsolescence", "pmo_transformation_without_pmo")),
    Family("B closure", "a PMO that is closed stays closed: closures deplete the PMOs that remain",
           _has("pmo_survival")),
)
OTHER = Family("loop", "a loop of none of the named mechanisms", lambda v, l: True)
MEANINGS = {family.name: family.meaning for family in FAMILIES + (OTHER,)}


@dataclass(frozen=True)
class FeedbackLoop:
    """One feedback loop: its variables in causal order (the last feeds the first) and its family."""

    id: str  # e.g. "R credibility 3"
    family: str
    variables: tuple[str, ...]
    partition: int  # index of its cycle partition (stocks connected by feedback); 0 is the PMO's own

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip(self.variables, self.variables[1:] + self.variables[:1]))

    def path(self, model: Model | None = None) -> str:
        """The loop as the model file names its variables, back to where it starts."""
        names = (model or get_model()).variables
        return " -> ".join(names[n].name for n in self.variables + self.variables[:1])


def _rotated(cycle: list[str]) -> tuple[str, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def family_of(variables: tuple[str, ...]) -> Family:
    links = set(zip(variables, variables[1:] + variables[:1]))
    return next((f for f in FAMILIES if f.matches(variables, links)), OTHER)


@functools.lru_cache(maxsize=2)
def feedback_loops(model: Model | None = None) -> tuple[FeedbackLoop, ...]:
    """Every feedback loop of the model with every input at its default (the full causal structure).

    Partitions are numbered by size, largest first, so partition 0 holds the PMO's own feedback.
    """
    compiled_model = compiled(model or get_model())
    graph = nx.DiGraph(scoring_graph(compiled_model, plan_for(compiled_model, frozenset(), ())).links)
    components = sorted((c for c in nx.strongly_connected_components(graph)
                         if len(c) > 1 or any(graph.has_edge(n, n) for n in c)), key=lambda c: (-len(c), min(c)))
    partition = {n: i for i, component in enumerate(components) for n in component}
    cycles = sorted((_rotated(c) for c in nx.simple_cycles(graph)), key=lambda c: (len(c), c))
    counters: dict[str, int] = {}
    loops = []
    for variables in cycles:
        family = family_of(variables).name
        counters[family] = counters.get(family, 0) + 1
        loops.append(FeedbackLoop(f"{family} {counters[family]}", family, variables, partition[variables[0]]))
    return tuple(loops)
