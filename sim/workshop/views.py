"""What each participant may see, read in one snapshot of the store.

A team's view holds its own data only (and the leaderboard's names and scores when the facilitator
shows it); the console and the debrief need a facilitator token. ``upto_round`` replays a workshop:
everything as it stood at the end of that round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.workshop.benchmark import BENCHMARKS
from sim.workshop.decisions import Decision
from sim.workshop.game import facilitated, in_play, previous_decision, team_of
from sim.workshop.scoring import Score, scores
from sim.workshop.setup import Event, WorkshopSetup
from sim.workshop.store import DecisionRow, Series, Store, TeamRow, Tx, WorkshopRow


def joined(segments: dict[int, Series], upto_round: int | None = None) -> Series:
    """A team's rounds (``round -> series``) as one series, up to ``upto_round``."""
    rounds = [r for r in sorted(segments) if upto_round is None or r <= upto_round]
    if not rounds:
        return {"time": np.array([])}
    return {name: np.concatenate([segments[r][name] for r in rounds]) for name in segments[rounds[0]]}


@dataclass(frozen=True)
class TeamData:
    """One team's record."""

    team: TeamRow
    series: Series
    decisions: dict[int, DecisionRow]

    @property
    def rounds_played(self) -> int:
        return len({r for r in self.decisions if r < self.team.round})


@dataclass(frozen=True)
class TeamView:
    workshop: str
    status: str
    setup: WorkshopSetup
    team: TeamRow
    series: Series  # months played so far
    decisions: dict[int, DecisionRow]
    draft: Decision  # what the form starts from: this round's submission, else the last decision
    submitted: bool  # a decision for the open round is stored
    news: list[Event]  # events that have happened (round reached)
    announced: list[Event]  # events announced in advance (not hidden), still to come
    leaderboard: list[Score] | None  # only when the facilitator shows it

    @property
    def playing(self) -> bool:
        return self.status == "open" and in_play(self.team, self.setup)


def _team_data(tx: Tx, team: TeamRow, upto_round: int | None = None, *, played_only: bool = False) -> TeamData:
    decisions = {r: d for r, d in tx.decisions(team.id).items() if upto_round is None or r <= upto_round}
    if played_only:  # the open round's decision is not part of the record yet
        decisions = {r: d for r, d in decisions.items() if r < team.round}
    return TeamData(team, joined(tx.results(team.id), upto_round), decisions)


def _closed_by(team: TeamRow, upto_round: int | None) -> int | None:
    if team.closed_round is None or (upto_round is not None and team.closed_round > upto_round):
        return None
    return team.closed_round


def _leaderboard(workshop: WorkshopRow, data: list[TeamData], references: dict[str, Series],
                 upto_round: int | None) -> list[Score]:
    teams = {d.team.name: (d.series, _closed_by(d.team, upto_round)) for d in data}
    return scores(workshop.setup, teams, references)


def team_view(store: Store, token: str) -> TeamView:
    """Everything a team's page shows; raises :class:`~sim.workshop.game.AccessError` for a bad token."""
    with store.reading() as tx:
        team, workshop = team_of(tx, token)
        setup = workshop.setup
        data = _team_data(tx, team)
        leaderboard = None
        if workshop.leaderboard:
            others = [_team_data(tx, t) for t in tx.teams(workshop.id)]
            leaderboard = [s for s in _leaderboard(workshop, others, tx.references(workshop.id), None) if not s.reference]
    history = {r: row.decision for r, row in data.decisions.items()}
    draft = history.get(team.round) or previous_decision(setup, history, team.round)
    reached = min(team.round, setup.rounds) if team.closed_round is None else team.closed_round
    news = [e for e in setup.events if e.round <= reached]
    announced = [e for e in setup.events if e.round > reached and not e.hidden]
    return TeamView(workshop.name, workshop.status, setup, team, data.series, data.decisions, draft,
                    team.round in data.decisions and not data.decisions[team.round].carried, news, announced, leaderboard)


@dataclass(frozen=True)
class TeamStatus:
    team: TeamRow
    submitted: bool
    playing: bool


@dataclass(frozen=True)
class ConsoleView:
    workshop: WorkshopRow
    teams: list[TeamStatus]
    journal: list[tuple[float, str]]

    @property
    def all_submitted(self) -> bool:
        playing = [t for t in self.teams if t.playing]
        return bool(playing) and all(t.submitted for t in playing)


def console_view(store: Store, token: str) -> ConsoleView:
    with store.reading() as tx:
        workshop = facilitated(tx, token)
        teams = []
        for team in tx.teams(workshop.id):
            decisions = tx.decisions(team.id)
            playing = in_play(team, workshop.setup)
            submitted = playing and team.round in decisions and not decisions[team.round].carried
            teams.append(TeamStatus(team, submitted, playing))
        return ConsoleView(workshop, teams, tx.journal(workshop.id))


@dataclass(frozen=True)
class Debrief:
    """The whole class as it stood at the end of ``upto_round`` (all rounds played when None)."""

    workshop: WorkshopRow
    teams: list[TeamData]
    references: dict[str, Series]  # baseline and benchmark, cut at the furthest month played
    leaderboard: list[Score]
    upto_round: int | None
    benchmark: str = field(default="")

    @property
    def rounds_played(self) -> int:
        return max((d.rounds_played for d in self.teams), default=0)


def debrief(store: Store, token: str, *, upto_round: int | None = None) -> Debrief:
    """The scorecard and debrief data (facilitator only)."""
    with store.reading() as tx:
        workshop = facilitated(tx, token)
        data = [_team_data(tx, t, upto_round, played_only=True) for t in tx.teams(workshop.id)]
        references = tx.references(workshop.id)
    furthest = max((float(d.series["time"][-1]) for d in data if len(d.series["time"])), default=0.0)
    cut = {k: {n: v[s["time"] <= furthest + 1e-9] for n, v in s.items()} for k, s in references.items()}
    # the closure as it stood then: a team closed after upto_round still played then
    shown = [TeamData(TeamRow(d.team.id, d.team.workshop_id, d.team.name, d.team.round, _closed_by(d.team, upto_round),
                              d.team.joined), d.series, d.decisions) for d in data]
    leaderboard = _leaderboard(workshop, shown, references, None)
    return Debrief(workshop, shown, cut, leaderboard, upto_round, BENCHMARKS[workshop.setup.benchmark][1])
