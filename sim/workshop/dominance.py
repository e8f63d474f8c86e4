"""Which feedback loops drove each team's PMO: Loops that Matter on each team's own run, for the debrief.

Every team's run (its decisions as schedules, the workshop's events) is scored in one call of
:func:`sim.analysis.loops.loop_dominance` (on the workshop's compiled kernel once the process has it,
numpy until then: see :mod:`sim.workshop.kernels`), then each team's
months are cut out: the composite relative loop score of each family of loops, and the periods in
which the same families dominate (Schoenberg, Davidsen and Eberlein 2020, System Dynamics Review
36(2)). A debrief page redrawn for another team, or a report made from it, reads the same analysis
again from a small cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sim.analysis.loop_scores import DominantPeriod, periods
from sim.analysis.loops import loop_dominance
from sim.workshop import kernels
from sim.workshop.memo import Memo
from sim.workshop.setup import WorkshopSetup
from sim.workshop.simulation import Plan, parameter_table, team_plan
from sim.workshop.views import Debrief, TeamData

#: Analyses kept (a workshop's debrief, replayed round by round, asks for a few).
CACHED = 16


@dataclass(frozen=True)
class TeamLoops:
    """One team's run, month by month: each family's composite relative loop score and the dominant periods."""

    times: np.ndarray
    families: dict[str, np.ndarray]
    periods: tuple[DominantPeriod, ...]


def team_dominance(setup: WorkshopSetup, plans: Sequence[Plan], months: Sequence[int]) -> list[TeamLoops]:
    """Loops that Matter for each plan over its own ``months``, in one call for all of them."""
    spec = setup.starting_scenario().spec
    table = parameter_table(setup, plans)
    engine = kernels.backend(table, final_time=max(months), time_step=spec.run.time_step)  # never a compilation on a request
    result = loop_dominance(table, final_time=max(months), time_step=spec.run.time_step, saveper=1, engine=engine)
    found = []
    for run, last in enumerate(months):
        keep = int(np.searchsorted(result.times, last + 1e-9))
        relative, mask = result.family_relative[:, :keep, run], result.family_dominant[:, :keep, run]
        times = result.times[:keep]
        found.append(TeamLoops(times, dict(zip(result.families, relative)), tuple(periods(mask, relative, times, result.families))))
    return found


_ANALYSES: Memo[dict[int, TeamLoops]] = Memo(CACHED)


def _played(data: TeamData) -> tuple[list, int]:
    decisions = [row.decision for _, row in sorted(data.decisions.items())]
    return decisions, int(data.series["time"][-1]) if len(data.series["time"]) else 0


def debrief_loops(report: Debrief) -> dict[int, TeamLoops]:
    """Each team's loop dominance over the rounds it played (by team id; a team that played none is absent)."""
    setup = report.workshop.setup
    played = {d.team.id: _played(d) for d in report.teams if d.decisions and len(d.series["time"])}
    if not played:
        return {}
    key = (report.workshop.code, tuple((team, tuple(decisions), months) for team, (decisions, months) in played.items()))

    def analyse() -> dict[int, TeamLoops]:
        analyses = team_dominance(setup, [team_plan(setup, decisions) for decisions, _ in played.values()],
                                  [months for _, months in played.values()])
        return dict(zip(played, analyses))

    return _ANALYSES.get(key, analyse)
