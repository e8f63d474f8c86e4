"""Teams' PMOs on the batch engine: every team re-run from month 0 with its decisions so far, in one call.

A team's decisions become step schedules (each round's values from its first month), the workshop's
events become pulses on the environment's inputs, and the starting scenario supplies everything
else. Re-running from month 0 keeps nothing in memory between rounds (a restarted server continues
from the database alone) and costs little: the engine advances all the teams at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from sim.runner import input_schedule
from sim.scenario import SHOCK_EDGE, ScenarioFile, base_points
from sim.simulate import simulate_batch
from sim.workshop import kernels
from sim.workshop.decisions import DECISION_INPUTS, SHARES, Decision
from sim.workshop.setup import EVENT_INPUTS, WorkshopSetup

#: What a round's results keep (and the team page, the console and the debrief show).
OUTPUTS = ("pmo_performance", "delivery_performance", "strategic_value_realization", "execution_track_strength",
           "value_track_strength", "pmo_transformation", "executive_support", "effective_budget", "pmo_survival",
           "net_value_added", "cumulative_net_value", "risk_signal", "maturity_level")


@dataclass(frozen=True)
class Plan:
    """One run: the decisions per round (round 1 first) and which inputs they set; the starting
    scenario's own values for the rest. ``Plan((), frozenset())`` is the starting PMO unchanged."""

    decisions: tuple[Decision, ...]
    sets: frozenset[str]


def team_plan(setup: WorkshopSetup, decisions: Sequence[Decision]) -> Plan:
    """A team's run: only what the set-up lets teams decide comes from its decisions."""
    sets = set()
    if setup.decide_budget:
        sets.add("pmo_budget")
    if setup.decide_shares:
        sets.update(SHARES)
    if setup.decide_authority:
        sets.add("pmo_authority")
    return Plan(tuple(decisions), frozenset(sets))


def policy_plan(decisions: Sequence[Decision]) -> Plan:
    """A policy's run (the benchmark): every decision input from the policy."""
    return Plan(tuple(decisions), frozenset(DECISION_INPUTS))


def step_schedule(values: Sequence[float], months_per_round: int) -> pd.Series:
    """Round ``r``'s value from its first month to the last instant before the next round."""
    months, points = [0.0], [float(values[0])]
    for r in range(1, len(values)):
        months += [r * months_per_round - SHOCK_EDGE, float(r * months_per_round)]
        points += [float(values[r - 1]), float(values[r])]
    return pd.Series(points, index=months)


def _pulses(spec: ScenarioFile, setup: WorkshopSetup, name: str) -> list[tuple[float, float, float]]:
    pulses = [(s.at, s.size, s.duration) for s in spec.shocks if s.input == name]
    pulses += [(setup.round_start(e.round) + e.offset, e.size, e.duration) for e in setup.events if e.input == name]
    return pulses


def _environment(setup: WorkshopSetup, spec: ScenarioFile) -> dict[str, float | pd.Series]:
    """Every input the starting scenario sets, and the decision and event inputs always as schedules
    (one compiled plan whatever the workshop)."""
    scheduled = set(spec.schedule) | {s.input for s in spec.shocks} | set(DECISION_INPUTS) | set(EVENT_INPUTS)
    values: dict[str, float | pd.Series] = {name: value for name, value in spec.params.items() if name not in scheduled}
    for name in sorted(scheduled):
        values[name] = input_schedule(base_points(spec, name), _pulses(spec, setup, name))
    return values


def parameter_table(setup: WorkshopSetup, plans: Sequence[Plan]) -> pd.DataFrame:
    """One row per plan (the starting scenario's uncertainty, if any, is not sampled: one central run)."""
    spec = setup.starting_scenario().spec
    environment = _environment(setup, spec)
    rows = []
    for plan in plans:
        row = dict(environment)
        for name in plan.sets:
            row[name] = step_schedule([d.inputs()[name] for d in plan.decisions], setup.months_per_round)
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Runs:
    """What one batch-engine call gave: ``"time"`` (months) and one (plan, month) array per output."""

    values: dict[str, np.ndarray]
    engine: str  # the backend that ran them (see :mod:`sim.workshop.kernels`)


def run_plans(setup: WorkshopSetup, plans: Sequence[Plan], *, months: int) -> Runs:
    """Every plan over ``months`` in one batch-engine call, on the compiled kernel once this process
    has it (numpy until then)."""
    spec = setup.starting_scenario().spec
    table = parameter_table(setup, plans)
    engine = kernels.backend(table, final_time=months, time_step=spec.run.time_step)
    dataset = simulate_batch(table, final_time=months, time_step=spec.run.time_step, saveper=1, outputs=list(OUTPUTS), engine=engine)
    return Runs({"time": dataset["time"].to_numpy(), **{name: dataset[name].to_numpy() for name in OUTPUTS}}, engine)


def round_slice(values: dict[str, np.ndarray], run: int, setup: WorkshopSetup, round_number: int) -> dict[str, np.ndarray]:
    """One run's months of round ``round_number`` (round 1 also keeps month 0)."""
    time = values["time"]
    first = setup.round_start(round_number) + (0 if round_number == 1 else 1)
    keep = (time >= first - 1e-9) & (time <= setup.round_start(round_number + 1) + 1e-9)
    return {"time": time[keep], **{name: values[name][run][keep] for name in OUTPUTS}}


def whole_run(values: dict[str, np.ndarray], run: int) -> dict[str, np.ndarray]:
    return {"time": values["time"], **{name: values[name][run] for name in OUTPUTS}}
