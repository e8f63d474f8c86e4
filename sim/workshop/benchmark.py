"""Benchmark policies: what a reference PMO does each round, under the same events as the teams.

A policy maps a workshop's set-up to one decision per round. The balanced split (every share 20%,
the starting PMO's budget and authority) is the benchmark until a better policy is known; an
optimised policy (for example the best split found by an optimiser over the same horizon) joins with
:func:`register_benchmark` and is then chosen by name at set-up.
"""

from __future__ import annotations

from typing import Callable

from sim.workshop.decisions import Decision, scenario_decision
from sim.workshop.setup import WorkshopSetup

Policy = Callable[[WorkshopSetup], list[Decision]]


def balanced_split(setup: WorkshopSetup) -> list[Decision]:
    """Every share 20% every round; budget and authority as the starting PMO has them."""
    spec = setup.starting_scenario().spec
    decisions = []
    for round_number in range(1, setup.rounds + 1):
        start = scenario_decision(spec, setup.round_start(round_number))
        decisions.append(Decision(start.budget, (0.2,) * 5, start.authority))
    return decisions


#: Name -> (policy, description shown in the debrief).
BENCHMARKS: dict[str, tuple[Policy, str]] = {
    "balanced": (balanced_split, "the balanced split: every share 20% every round, the starting budget"),
}


def register_benchmark(name: str, policy: Policy, description: str) -> None:
    """Make ``policy`` available as a benchmark named ``name`` (e.g. an optimiser's best policy)."""
    BENCHMARKS[name] = (policy, description)


def benchmark_decisions(setup: WorkshopSetup) -> list[Decision]:
    return BENCHMARKS[setup.benchmark][0](setup)
