"""The balanced score declared at set-up, and the leaderboard.

Three components, each 0-100: average PMO Performance over the months played (a closed PMO scores 0
for the months after its closure, up to the class's furthest month); Cumulative Net Value, 0 for the
lowest and 100 for the highest in the class with the baseline and the benchmark counted as
contestants (so one team alone still gets a meaningful figure); and PMO Survival at the end, 0 for a
closed PMO. The score is their average weighted by the set-up's percentages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from sim.workshop.setup import SCORE_COMPONENTS, WorkshopSetup

Series = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Score:
    """One contestant's standing (a team, or the baseline or benchmark for comparison)."""

    name: str
    performance: float
    net_value: float
    survival: float
    score: float
    months: int  # months played
    closed_round: int | None
    cumulative_net_value: float  # k$
    reference: bool = False  # the baseline or the benchmark, not a team

    @property
    def status(self) -> str:
        if self.reference:
            return "reference"
        return f"closed in round {self.closed_round}" if self.closed_round else "in play"


def _until(series: Series, month: float) -> Series:
    keep = series["time"] <= month + 1e-9
    return {name: np.asarray(values)[keep] for name, values in series.items()}


def scores(setup: WorkshopSetup, teams: Mapping[str, tuple[Series, int | None]],
           references: Mapping[str, Series]) -> list[Score]:
    """Scores of ``teams`` (name -> (series so far, round its PMO closed or None)), best first, and of
    the ``references`` (name -> whole series, cut at the class's furthest month)."""
    played = {name: series for name, (series, _) in teams.items() if len(series["time"])}
    furthest = max((float(s["time"][-1]) for s in played.values()), default=0.0)
    entries: list[tuple[str, Series, int | None, bool]] = [(n, s, teams[n][1], False) for n, s in played.items()]
    entries += [(n, _until(s, furthest), None, True) for n, s in references.items()] if played else []
    if not entries:
        return []
    net = {name: float(series["cumulative_net_value"][-1]) for name, series, _, _ in entries}
    low, high = min(net.values()), max(net.values())
    weights = setup.weights
    result = []
    for name, series, closed, reference in entries:
        performance = np.asarray(series["pmo_performance"], dtype=float)
        # Months 1..last (month 0 is the starting point, the same for everyone).
        months = max(len(performance) - 1, 1)
        span = max(months, int(furthest)) if closed else months
        average = float(performance[1:].sum() / span) if len(performance) > 1 else float(performance[0])
        parts = {
            "performance": 100 * average,
            "net_value": 100.0 if high - low < 1e-9 else 100 * (net[name] - low) / (high - low),
            "survival": 0.0 if closed else 100 * float(series["pmo_survival"][-1]),
        }
        total = sum(weights[k] * parts[k] for k in SCORE_COMPONENTS) / 100
        result.append(Score(name, parts["performance"], parts["net_value"], parts["survival"], total,
                            int(series["time"][-1]), closed, net[name], reference))
    return sorted(result, key=lambda s: (-s.score, s.name))
