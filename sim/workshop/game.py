"""The workshop's state machine: create, join, decide, close and advance a round, rewind, end.

Each team has its own clock, ``round``: the round it decides now. A facilitator's advance moves every
team still in play (PMO not closed, rounds left) one round on, in one batch-engine call; a rewound
team replays from an earlier round while the others go on. Every function here is one transaction
of the :class:`~sim.workshop.store.Store`: committed before it returns, so what a caller reports as
done is on disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sim.workshop import access
from sim.workshop.benchmark import benchmark_decisions
from sim.workshop.decisions import Decision, check_decision, scenario_decision
from sim.workshop.setup import WorkshopError, WorkshopSetup, check_setup
from sim.workshop.simulation import policy_plan, round_slice, run_plans, team_plan, whole_run, Plan
from sim.workshop.store import Store, TeamRow, Tx, WorkshopRow

MAX_TEAMS = 60
#: Wrong PINs in a row before the console locks, and for how long (seconds).
PIN_ATTEMPTS, PIN_LOCK = 5, 60.0


class AccessError(WorkshopError):
    """A code, link or PIN that does not open what it was used for."""


@dataclass(frozen=True)
class Created:
    code: str
    facilitator_token: str
    workshop_id: int


@dataclass(frozen=True)
class Advanced:
    """What an advance did."""

    teams: int  # teams moved one round on
    closed: tuple[str, ...]  # teams whose PMO closed in this round
    finished: bool  # the workshop is over (no team left in play)
    seconds: float  # the whole advance: reading, the batch-engine call and the commit
    engine: str = ""  # the batch backend that ran it ("numba": the compiled kernel; "numpy")


def references(setup: WorkshopSetup) -> dict[str, dict]:
    """The baseline (the starting PMO unchanged) and the benchmark policy, under the same events, in one call."""
    values = run_plans(setup, [Plan((), frozenset()), policy_plan(benchmark_decisions(setup))], months=setup.horizon).values
    return {"baseline": whole_run(values, 0), "benchmark": whole_run(values, 1)}


def create_workshop(store: Store, setup: WorkshopSetup, pin: str) -> Created:
    """A new workshop; its join code and the facilitator's console token."""
    problem = access.pin_problem(pin)
    check_setup(setup)
    if problem:
        raise WorkshopError([("PIN", problem)])
    runs = references(setup)
    salt, pin_hash = access.hash_pin(pin)
    token = access.new_token()
    with store.transaction() as tx:
        code = access.new_join_code()
        while tx.workshop_by_code(code) is not None:
            code = access.new_join_code()
        workshop_id = tx.add_workshop(code, setup, salt, pin_hash)
        for kind, series in runs.items():
            tx.add_reference(workshop_id, kind, series)
        tx.add_session(access.token_hash(token), workshop_id)
        tx.log(workshop_id, f"Workshop created: {setup.rounds} rounds of {setup.months_per_round} months")
    return Created(code, token, workshop_id)


def _workshop_for_code(tx: Tx, code: str) -> WorkshopRow:
    workshop = tx.workshop_by_code(access.normalise_code(code))
    if workshop is None:
        raise AccessError([("code", "no workshop has this code; check it with your facilitator")])
    return workshop


def login(store: Store, code: str, pin: str) -> str:
    """A facilitator token for the workshop with ``code``, if ``pin`` is its PIN."""
    with store.transaction() as tx:
        workshop = _workshop_for_code(tx, code)
        wait = workshop.locked_until - time.time()
        if wait > 0:
            raise AccessError([("PIN", f"too many wrong PINs; try again in {wait:.0f} s")])
        if access.pin_matches(pin, workshop.pin_salt, workshop.pin_hash):
            token = access.new_token()
            tx.add_session(access.token_hash(token), workshop.id)
            tx.update_workshop(workshop.id, failed_pins=0)
            return token
        failed = workshop.failed_pins + 1
        locked = time.time() + PIN_LOCK if failed >= PIN_ATTEMPTS else 0.0
        tx.update_workshop(workshop.id, failed_pins=0 if locked else failed, locked_until=locked)
    raise AccessError([("PIN", "wrong PIN for this workshop")])


def facilitated(tx: Tx, token: str) -> WorkshopRow:
    """The workshop a facilitator token opens."""
    workshop_id = tx.session_workshop(access.token_hash(token)) if token else None
    workshop = tx.workshop(workshop_id) if workshop_id is not None else None
    if workshop is None:
        raise AccessError([("console", "this console link is not valid; sign in with the workshop's code and PIN")])
    return workshop


def team_of(tx: Tx, token: str) -> tuple[TeamRow, WorkshopRow]:
    """The team a team token belongs to, and its workshop."""
    team = tx.team_by_token(access.token_hash(token)) if token else None
    if team is None:
        raise AccessError([("team", "this team link is not valid; join again with the workshop's code")])
    return team, tx.workshop(team.workshop_id)  # type: ignore[return-value]


def join(store: Store, code: str, name: str) -> str:
    """A new team named ``name`` in the workshop with ``code``; its token (the team's private link)."""
    problem = access.name_problem(name)
    if problem:
        raise WorkshopError([("team name", problem)])
    name = " ".join(name.split())
    token = access.new_token()
    with store.transaction() as tx:
        workshop = _workshop_for_code(tx, code)
        if workshop.status != "open":
            raise WorkshopError([("code", "this workshop is over; ask your facilitator for the debrief")])
        if tx.team_named(workshop.id, name) is not None:
            raise WorkshopError([("team name", f"a team called '{name}' has already joined; choose another name "
                                               "(or ask the facilitator for your team's link)")])
        if len(tx.teams(workshop.id)) >= MAX_TEAMS:
            raise WorkshopError([("code", f"this workshop has its {MAX_TEAMS} teams already")])
        tx.add_team(workshop.id, name, access.token_hash(token))
        tx.log(workshop.id, f"Team '{name}' joined")
    return token


def previous_decision(setup: WorkshopSetup, decisions: dict[int, Decision], round_number: int) -> Decision:
    """What a team carries into ``round_number``: its last decision, or the starting PMO's."""
    earlier = [r for r in decisions if r < round_number]
    if earlier:
        return decisions[max(earlier)]
    return scenario_decision(setup.starting_scenario().spec, setup.round_start(round_number))


def in_play(team: TeamRow, setup: WorkshopSetup) -> bool:
    return team.closed_round is None and team.round <= setup.rounds


def submit(store: Store, token: str, round_number: int, *, budget: object = None, shares_percent: object = None,
           authority: object = None) -> Decision:
    """Record a team's decisions for ``round_number`` (replacing any earlier ones for that round).

    Refused unless the team is in play and ``round_number`` is its open round. The decision is
    committed when this returns.
    """
    with store.transaction() as tx:
        team, workshop = team_of(tx, token)
        setup = workshop.setup
        if team.closed_round is not None:
            raise WorkshopError([("round", f"your PMO was closed in round {team.closed_round}; you are out of the game")])
        if workshop.status != "open":
            raise WorkshopError([("round", "the workshop is over; decisions are no longer taken")])
        if team.round > setup.rounds:
            raise WorkshopError([("round", "you have played every round")])
        if round_number != team.round:
            raise WorkshopError([("round", f"round {round_number} has closed; enter your decisions for round {team.round}")])
        decisions = {r: row.decision for r, row in tx.decisions(team.id).items()}
        decision = check_decision(setup, previous_decision(setup, decisions, round_number), budget=budget,
                                  shares_percent=shares_percent, authority=authority)
        tx.put_decision(team.id, round_number, decision)
        auto = workshop.auto_advance
    if auto:
        advance_workshop(store, workshop.id, only_if_all_submitted=True)
    return decision


def advance(store: Store, token: str) -> Advanced:
    """Close every team's open round and advance its PMO (the facilitator's button)."""
    with store.reading() as tx:
        workshop = facilitated(tx, token)
    return advance_workshop(store, workshop.id)


def advance_workshop(store: Store, workshop_id: int, *, only_if_all_submitted: bool = False) -> Advanced:
    """Every team in play, one round on, in one batch-engine call; a team without a decision keeps its last.

    With ``only_if_all_submitted`` (auto-advance), nothing happens unless every team in play has
    submitted its open round.
    """
    started = time.perf_counter()
    with store.transaction() as tx:
        workshop = tx.workshop(workshop_id)
        if workshop is None or workshop.status != "open":
            raise WorkshopError([("round", "the workshop is over")])
        setup = workshop.setup
        playing = [t for t in tx.teams(workshop.id) if in_play(t, setup)]
        histories = {t.id: {r: row.decision for r, row in tx.decisions(t.id).items()} for t in playing}
        if not playing or (only_if_all_submitted and any(t.round not in histories[t.id] for t in playing)):
            return Advanced(0, (), not playing, time.perf_counter() - started)
        plans = []
        for team in playing:
            history = histories[team.id]
            if team.round not in history:
                history[team.round] = previous_decision(setup, history, team.round)
                tx.put_decision(team.id, team.round, history[team.round], carried=True)
            plans.append(team_plan(setup, [history[r] for r in range(1, team.round + 1)]))
        runs = run_plans(setup, plans, months=setup.round_start(max(t.round for t in playing) + 1))
        closed = []
        for run, team in enumerate(playing):
            segment = round_slice(runs.values, run, setup, team.round)
            tx.put_result(team.id, team.round, segment)
            out = float(segment["pmo_survival"][-1]) < setup.closure_threshold
            tx.move_team(team.id, team.round + 1, team.round if out else None)
            if out:
                closed.append(team.name)
        rounds = sorted({t.round for t in playing})
        tx.log(workshop.id, f"Round {', '.join(map(str, rounds))} closed and advanced for {len(playing)} team(s)"
                            + (f"; PMO closed: {', '.join(closed)}" if closed else ""))
        finished = all(t.round + 1 > setup.rounds or t.name in closed for t in playing)
        tx.update_workshop(workshop.id, advances=workshop.advances + 1, **({"status": "finished"} if finished else {}))
        if finished:
            tx.log(workshop.id, "Workshop finished: every team has played its last round or is out")
    return Advanced(len(playing), tuple(closed), finished, time.perf_counter() - started, runs.engine)


def rewind(store: Store, token: str, team_id: int, to_round: int) -> None:
    """Take a team back to the start of ``to_round``: its decisions and results from there on are
    forgotten, a closed PMO is reopened, and the team decides that round again."""
    with store.transaction() as tx:
        workshop = facilitated(tx, token)
        team = tx.team(team_id)
        if team is None or team.workshop_id != workshop.id:
            raise AccessError([("team", "no such team in this workshop")])
        if not isinstance(to_round, int) or not 1 <= to_round <= min(team.round, workshop.setup.rounds):
            raise WorkshopError([("round", f"choose a round from 1 to {min(team.round, workshop.setup.rounds)}")])
        tx.forget_from(team.id, to_round)
        tx.move_team(team.id, to_round, None)
        if workshop.status == "finished":
            tx.update_workshop(workshop.id, status="open")
        tx.log(workshop.id, f"Team '{team.name}' rewound to round {to_round}")


def new_team_link(store: Store, token: str, team_id: int) -> str:
    """A fresh token for a team that lost its link (the old one stops working)."""
    fresh = access.new_token()
    with store.transaction() as tx:
        workshop = facilitated(tx, token)
        team = tx.team(team_id)
        if team is None or team.workshop_id != workshop.id:
            raise AccessError([("team", "no such team in this workshop")])
        tx.set_team_token(team.id, access.token_hash(fresh))
        tx.log(workshop.id, f"New link issued for team '{team.name}'")
    return fresh


def configure(store: Store, token: str, *, leaderboard: bool | None = None, auto_advance: bool | None = None) -> None:
    """Show or hide the leaderboard to teams; switch auto-advance (when every team has submitted)."""
    with store.transaction() as tx:
        workshop = facilitated(tx, token)
        changes = {k: int(v) for k, v in (("leaderboard", leaderboard), ("auto_advance", auto_advance)) if v is not None}
        if changes:
            tx.update_workshop(workshop.id, **changes)
            tx.log(workshop.id, "; ".join(f"{k.replace('_', '-')} {'on' if v else 'off'}" for k, v in changes.items()))
    if auto_advance:
        if workshop.status == "open":
            advance_workshop(store, workshop.id, only_if_all_submitted=True)


def end_workshop(store: Store, token: str) -> None:
    """End the workshop now: no more decisions; the debrief shows the rounds played."""
    with store.transaction() as tx:
        workshop = facilitated(tx, token)
        tx.update_workshop(workshop.id, status="ended")
        tx.log(workshop.id, "Workshop ended by the facilitator")
