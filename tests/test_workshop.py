"""Workshops without the app: state machine, SQLite store, access, scoring and the debrief report,
on the real engine and a real SQLite file."""

from __future__ import annotations

import sqlite3
import threading
import time

import numpy as np
import pandas as pd
import pytest

import sim
import sim.workshop.simulation as simulation
from sim.scenario import load_scenario, shipped_scenarios
from sim.workshop import (AccessError, Event, Store, WorkshopError, WorkshopSetup, advance, configure, console_view,
                          create_workshop, debrief, join, login, rewind, submit, team_view)
from sim.workshop.access import CODE_ALPHABET, normalise_code
from sim.workshop.report import debrief_html
from sim.workshop import kernels
from sim.analysis.loops import loop_dominance
from sim.workshop.benchmark import benchmark_decisions
from sim.workshop.dominance import debrief_loops
from sim.workshop.simulation import parameter_table, policy_plan, step_schedule, team_plan

pytestmark = pytest.mark.usefixtures("workshop_kernel")

PIN = "tr41ner!"
CRISIS = Event(round=2, headline="A flagship programme fails", size=0.5, duration=3, hidden=True)
FORECAST = Event(round=3, headline="A reorganisation is announced", input="strategic_turbulence", size=0.3, duration=6, hidden=False)
BALANCED = [20, 20, 20, 20, 20]


def _setup(**changes) -> WorkshopSetup:
    scenario = load_scenario(shipped_scenarios() / "baseline.toml").resolved()
    return WorkshopSetup(**{"name": "Test workshop", "scenario": scenario, "rounds": 3, "events": (CRISIS, FORECAST), **changes})


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "data")


@pytest.fixture
def workshop(store):
    return create_workshop(store, _setup(), PIN)


def test_a_decision_is_committed_before_submit_returns(store, workshop):
    """Another connection (another process) sees the decision as soon as submit returns."""
    token = join(store, workshop.code, "Alpha")
    submit(store, token, 1, budget=150, shares_percent=BALANCED)
    with sqlite3.connect(store.path) as other:
        stored = other.execute("SELECT round, decision FROM decisions").fetchall()
        mode = other.execute("PRAGMA journal_mode").fetchone()[0]
    assert len(stored) == 1 and stored[0][0] == 1 and '"budget": 150.0' in stored[0][1]
    assert mode == "wal"


def test_twenty_teams_submitting_in_the_same_second_lose_nothing(store, workshop):
    """20 threads released together: no error, 20 decisions stored, each with its own budget."""
    tokens = [join(store, workshop.code, f"Team {i}") for i in range(20)]
    barrier, errors, elapsed = threading.Barrier(20), [], []

    def play(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            submit(store, tokens[i], 1, budget=100 + i, shares_percent=BALANCED)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        elapsed.append(time.perf_counter() - started)

    threads = [threading.Thread(target=play, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert max(elapsed) < 5.0, f"the slowest submission took {max(elapsed):.2f} s"  # served in turn, none starved
    views = [team_view(store, t) for t in tokens]
    assert sorted(v.draft.budget for v in views) == [100 + i for i in range(20)] and all(v.submitted for v in views)
    print(f"\n20 simultaneous submissions: median {np.median(elapsed) * 1000:.0f} ms, slowest {max(elapsed) * 1000:.0f} ms")


def test_an_advance_is_one_batch_call_and_matches_a_direct_run(store, workshop, monkeypatch):
    """Every team in one simulate_batch call; a team's months equal a plain run with its decisions as schedules."""
    calls = []
    real = simulation.simulate_batch
    monkeypatch.setattr(simulation, "simulate_batch", lambda table, **kw: calls.append(len(table)) or real(table, **kw))
    alpha, beta = join(store, workshop.code, "Alpha"), join(store, workshop.code, "Beta")
    submit(store, alpha, 1, budget=200, shares_percent=BALANCED)
    advance(store, workshop.facilitator_token)
    submit(store, alpha, 2, budget=50, shares_percent=[40, 40, 0, 0, 20])
    result = advance(store, workshop.facilitator_token)
    assert calls == [2, 2] and result.teams == 2
    view = team_view(store, alpha)
    assert list(view.series["time"]) == list(range(25))
    params = {"pmo_budget": step_schedule([200, 50], 12), "share_governance": step_schedule([0.2, 0.4], 12),
              "share_delivery_support": step_schedule([0.2, 0.4], 12), "share_strategic_alignment": step_schedule([0.2, 0.0], 12),
              "share_value_management": step_schedule([0.2, 0.0], 12), "share_capability_development": step_schedule([0.2, 0.2], 12),
              "risk_shock": pd.Series([0, 0, 0.5, 0.5, 0], index=[0, 12 - 1e-6, 12, 15 - 1e-6, 15])}
    direct = sim.simulate(params, final_time=24, engine="numpy")  # the advances ran on numpy or the kernel: they agree
    np.testing.assert_allclose(view.series["pmo_performance"], direct["pmo_performance"].to_numpy(), rtol=1e-9)
    # Beta submitted nothing: it kept the starting PMO's decisions, which is the baseline.
    report = debrief(store, workshop.facilitator_token)
    beta_series = next(d.series for d in report.teams if d.team.name == "Beta")
    np.testing.assert_allclose(beta_series["cumulative_net_value"], report.references["baseline"]["cumulative_net_value"], rtol=1e-9)
    assert all(row.carried for row in next(d.decisions for d in report.teams if d.team.name == "Beta").values())


def test_an_advance_runs_on_the_compiled_kernel_once_this_process_has_it(store, workshop, workshop_kernel):
    """Warmed (as ``make workshop`` does): the advance runs on the compiled kernel where numba is installed."""
    alpha = join(store, workshop.code, "Alpha")
    submit(store, alpha, 1, budget=150, shares_percent=BALANCED)
    assert advance(store, workshop.facilitator_token).engine == workshop_kernel


def test_a_process_without_the_kernel_runs_on_numpy_while_it_loads_in_the_background(workshop_kernel):
    """As in a server that was not warmed: numpy at once, one background load, then the kernel."""
    setup = _setup()
    table = parameter_table(setup, [policy_plan(benchmark_decisions(setup))])
    if workshop_kernel != "numba":
        assert kernels.backend(table, final_time=36, time_step=0.125) == "numpy"
        return
    from sim.engine import numba_backend

    numba_backend.kernel_for.cache_clear()  # forget the loaded kernel, as a new process would not have it
    numba_backend._KERNELS.clear()
    before = len(kernels._LOADING)
    assert kernels.backend(table, final_time=36, time_step=0.125) == "numpy"
    deadline = time.monotonic() + 60
    while kernels.backend(table, final_time=36, time_step=0.125) != "numba":
        assert time.monotonic() < deadline, "the kernel did not load in the background"
        time.sleep(0.05)
    assert len(kernels._LOADING) == before + 1  # one load, however many runs asked meanwhile


def test_a_restarted_server_loses_nothing_and_replays_round_by_round(store, workshop):
    """A new Store on the same folder sees every decision and result; round 1 is unchanged by round 2."""
    alpha = join(store, workshop.code, "Alpha")
    submit(store, alpha, 1, budget=150, shares_percent=BALANCED)
    advance(store, workshop.facilitator_token)
    first = team_view(store, alpha).series
    reopened = Store(store.folder)
    submit(reopened, alpha, 2, budget=120, shares_percent=[30, 30, 10, 10, 20])
    advance(reopened, workshop.facilitator_token)
    view = team_view(reopened, alpha)
    assert sorted(view.decisions) == [1, 2] and view.decisions[1].decision.budget == 150
    np.testing.assert_array_equal(view.series["pmo_performance"][:13], first["pmo_performance"])
    replay = debrief(reopened, workshop.facilitator_token, upto_round=1)
    assert list(replay.teams[0].series["time"]) == list(range(13)) and sorted(replay.teams[0].decisions) == [1]


def test_events_are_news_when_they_happen_and_announced_ones_before(store, workshop):
    alpha = join(store, workshop.code, "Alpha")
    view = team_view(store, alpha)
    assert view.news == [] and view.announced == [FORECAST]  # the hidden crisis is not shown
    advance(store, workshop.facilitator_token)
    assert team_view(store, alpha).news == [CRISIS]


def test_a_closed_pmo_is_out_and_a_rewind_brings_it_back(store):
    """Zero budget closes the PMO (survival below the threshold): submissions refused; a rewind reopens it."""
    created = create_workshop(store, _setup(events=(), closure_threshold=0.9, rounds=3), PIN)
    token = join(store, created.code, "Zero")
    submit(store, token, 1, budget=0, shares_percent=BALANCED)
    assert advance(store, created.facilitator_token).closed == ("Zero",)
    with pytest.raises(WorkshopError, match="closed in round 1; you are out"):
        submit(store, token, 2, budget=100, shares_percent=BALANCED)
    assert store_status(store, created) == "finished"
    rewind(store, created.facilitator_token, team_view(store, token).team.id, 1)
    view = team_view(store, token)
    assert view.team.round == 1 and view.team.closed_round is None and view.playing and len(view.series["time"]) == 0


def store_status(store: Store, created) -> str:
    return console_view(store, created.facilitator_token).workshop.status


def test_out_of_range_decisions_are_refused_with_every_problem(store, workshop):
    token = join(store, workshop.code, "Alpha")
    with pytest.raises(WorkshopError) as error:
        submit(store, token, 1, budget=5000, shares_percent=[50, 50, 50, 0, -5])
    text = str(error.value)
    assert "PMO Budget: 5000 is outside the allowed range 0 to 1000" in text
    assert "Capability development share: -5 is outside the allowed range 0 to 100" in text
    with pytest.raises(WorkshopError, match="add up to 150%"):
        submit(store, token, 1, budget=100, shares_percent=[50, 50, 50, 0, 0])
    with pytest.raises(WorkshopError, match="round 2 has closed|enter your decisions for round 1"):
        submit(store, token, 2, budget=100, shares_percent=BALANCED)
    assert not team_view(store, token).submitted


def test_access_codes_tokens_and_pin(store, workshop):
    """Long random codes; a team sees only its own data; a wrong PIN is refused and repeated ones lock."""
    assert len(workshop.code.replace("-", "")) == 12 and set(workshop.code.replace("-", "")) <= set(CODE_ALPHABET)
    assert normalise_code(workshop.code.lower().replace("-", " ")) == workshop.code
    alpha, beta = join(store, workshop.code, "Alpha"), join(store, workshop.code, "Beta")
    submit(store, alpha, 1, budget=321, shares_percent=BALANCED)
    assert team_view(store, beta).draft.budget != 321 and team_view(store, beta).team.name == "Beta"
    with pytest.raises(AccessError):
        team_view(store, alpha[:-1] + ("A" if alpha[-1] != "A" else "B"))
    with pytest.raises(AccessError):
        advance(store, alpha)  # a team token is not a console token
    with pytest.raises(WorkshopError, match="already joined"):
        join(store, workshop.code, " alpha ")
    with pytest.raises(WorkshopError, match="team name"):
        join(store, workshop.code, "<script>")
    with pytest.raises(AccessError, match="no workshop has this code"):
        join(store, "0000-0000-0000", "Gamma")
    with store.reading() as tx:
        row = tx.db.execute("SELECT pin_hash, token_hash FROM workshops, teams LIMIT 1").fetchone()
    assert PIN.encode() not in row["pin_hash"] and alpha not in row["token_hash"]
    for _ in range(5):
        with pytest.raises(AccessError, match="wrong PIN"):
            login(store, workshop.code, "000000")
    with pytest.raises(AccessError, match="too many wrong PINs"):
        login(store, workshop.code, PIN)


def test_the_leaderboard_scores_and_the_report(store, workshop):
    """Scores follow the declared weights; teams see the leaderboard only when shown; the HTML report is complete."""
    alpha, beta = join(store, workshop.code, "Alpha"), join(store, workshop.code, "Beta")
    submit(store, alpha, 1, budget=200, shares_percent=BALANCED)
    submit(store, beta, 1, budget=0, shares_percent=BALANCED)
    advance(store, workshop.facilitator_token)
    assert team_view(store, alpha).leaderboard is None
    configure(store, workshop.facilitator_token, leaderboard=True)
    board = team_view(store, beta).leaderboard
    assert [s.name for s in board] == ["Alpha", "Beta"] and all(not s.reference for s in board)
    report = debrief(store, workshop.facilitator_token)
    for score in report.leaderboard:
        assert score.score == pytest.approx(0.4 * score.performance + 0.4 * score.net_value + 0.2 * score.survival)
    assert {"baseline", "benchmark"} <= {s.name for s in report.leaderboard}
    page = debrief_html(report)
    assert page.count("<img") == 1 + 2 * 2 and "Alpha" in page  # the class; per team, its trajectory and its loops and "Decision log" in page and "A flagship programme fails" in page


def test_each_team_s_loop_dominance_is_that_of_its_own_run_over_the_months_it_played(store, workshop):
    """One loop analysis for the class, cut per team, equals each team's own run analysed alone."""
    alpha, beta = join(store, workshop.code, "Alpha"), join(store, workshop.code, "Beta")
    submit(store, alpha, 1, budget=200, shares_percent=BALANCED)
    submit(store, beta, 1, budget=40, shares_percent=[40, 40, 0, 0, 20])
    advance(store, workshop.facilitator_token)
    submit(store, alpha, 2, budget=60, shares_percent=[10, 10, 40, 30, 10])
    advance(store, workshop.facilitator_token)
    report = debrief(store, workshop.facilitator_token)
    beta_id = next(d.team.id for d in report.teams if d.team.name == "Beta")
    rewind(store, workshop.facilitator_token, beta_id, 2)  # Beta has played one round, Alpha two
    report = debrief(store, workshop.facilitator_token)
    found = debrief_loops(report)
    setup = report.workshop.setup
    for data in report.teams:
        months = 12 * len(data.decisions)
        alone = loop_dominance(parameter_table(setup, [team_plan(setup, [row.decision for _, row in sorted(data.decisions.items())])]),
                               final_time=months, time_step=0.125, saveper=1)
        loops = found[data.team.id]
        assert list(loops.times) == list(range(months + 1))
        for i, family in enumerate(alone.families):
            np.testing.assert_allclose(loops.families[family], alone.family_relative[i, :, 0], rtol=1e-9, atol=1e-12)
        assert list(loops.periods) == alone.dominant_periods(run=0)
    assert debrief_loops(report) is found  # the page and the reports share one analysis


def test_a_setup_is_checked_with_clear_messages():
    with pytest.raises(WorkshopError) as error:
        from sim.workshop import check_setup
        check_setup(_setup(name=" ", rounds=0, weights={"performance": 50, "net_value": 10, "survival": 10}))
    text = str(error.value)
    assert "name: give the workshop a name" in text and "rounds: must be between 1 and 20" in text
    assert "weights are percentages that add up to 100" in text
    with pytest.raises(WorkshopError, match="event 1 size: strategic_turbulence would reach 1.2"):
        check_setup(_setup(events=(Event(round=1, headline="x", input="strategic_turbulence", size=0.9),)))
