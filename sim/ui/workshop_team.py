"""A team's page: join with the code, see the PMO's past rounds, decide the next one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sim.model import get_model
from sim.ui.workshop_common import TEAM_CHARTS, refused, series_chart, show_problems, store
from sim.workshop import SHARE_LABELS, AccessError, TeamView, WorkshopError, join, submit, team_view

#: The cards: output, label, format.
CARDS = (("pmo_performance", "PMO Performance", "{:.3f}"), ("delivery_performance", "Delivery Performance", "{:.3f}"),
         ("strategic_value_realization", "Value Realization", "{:.3f}"), ("executive_support", "Executive Support", "{:.3f}"),
         ("pmo_survival", "PMO Survival", "{:.1%}"), ("cumulative_net_value", "Net value (k$)", "{:,.0f}"))


def _join_form() -> None:
    st.markdown("Join the workshop with the code your facilitator shows, and your team's name.")
    with st.form("join"):
        code = st.text_input("Join code", value=st.query_params.get("code", ""), key="join_code")
        name = st.text_input("Team name", max_chars=40, key="join_name")
        if st.form_submit_button("Join", type="primary"):
            try:
                token = join(store(), code, name)
            except WorkshopError as error:
                show_problems(error)
                return
            st.query_params.clear()
            st.query_params["team"] = token
            st.rerun()


def _cards(view: TeamView) -> None:
    """The KPIs at the end of the last round played, two cards a row (beside the decisions)."""
    series = view.series
    months = int(series["time"][-1]) if len(series["time"]) else 0
    st.markdown(f"**Your PMO at month {months}** (the end of the last round played)")
    columns = [column for _ in range(0, len(CARDS), 2) for column in st.columns(2)]
    for column, (name, title, shape) in zip(columns, CARDS):
        values = series.get(name)
        if values is None or not len(values):
            column.metric(title, "-")
            continue
        delta = None
        if len(values) > 12 and name != "cumulative_net_value":
            delta = f"{values[-1] - values[-13]:+.3f} in a year"
        column.metric(title, shape.format(values[-1]), delta)


def _news(view: TeamView) -> None:
    for event in view.news:
        st.warning(f"**News (round {event.round})**: {event.headline}", icon=":material/campaign:")
    for event in view.announced:
        st.info(f"**Announced for round {event.round}**: {event.headline}", icon=":material/event:")


@st.fragment
def _decision_form(token: str) -> None:
    """The round's decisions, three boxes a row (budget, the five shares, authority), the status above them.

    A fragment: submitting redraws the form and its status, not the KPIs and charts beside it."""
    try:
        view = team_view(store(), token)
    except AccessError:
        return
    if not view.playing:  # the workshop moved on since the page was drawn
        st.rerun(scope="app")
    setup, round_number, draft = view.setup, view.team.round, view.draft
    budget_range = get_model().variables["pmo_budget"]
    st.markdown(f"#### Your decisions for round {round_number} (months {setup.round_start(round_number)}-"
                f"{setup.round_start(round_number + 1)})")
    rules = ([f"the budget in k$/month ({budget_range.minimum:g} to {budget_range.maximum:g})"] if setup.decide_budget else []) \
        + (["the split in percent, adding up to 100"] if setup.decide_shares else [])
    if rules:
        st.caption("Enter " + " and ".join(rules) + ".")
    status = st.empty()  # above the form: seen without scrolling
    with st.form(f"decide_{round_number}"):
        count = int(setup.decide_budget) + 5 * int(setup.decide_shares) + int(setup.decide_authority)
        boxes = iter([column for _ in range(0, count, 3) for column in st.columns(3)])
        budget = shares = authority = None
        if setup.decide_budget:
            budget = next(boxes).number_input("Budget asked (k$/month)", value=float(draft.budget), step=5.0, key=f"budget_{round_number}",
                                              help="What the PMO asks for; what it receives also depends on executive support.")
        if setup.decide_shares:
            shares = [next(boxes).number_input(label, value=round(100 * share, 1), step=5.0, key=f"share_{i}_{round_number}")
                      for i, (label, share) in enumerate(zip(SHARE_LABELS, draft.shares))]
        if setup.decide_authority:
            authority = next(boxes).number_input("PMO Authority", value=float(draft.authority), step=0.05, key=f"authority_{round_number}",
                                                 help="0 supportive, 0.5 controlling, 1 directive")
        pressed = st.form_submit_button("Submit", type="primary")
    submitted = view.submitted
    if pressed:  # the form stays as entered; only the status changes (no rerun: the charts stay as they are)
        try:
            submit(store(), token, round_number, budget=budget, shares_percent=shares, authority=authority)
        except WorkshopError as error:
            with status.container():
                show_problems(error)
            return
        st.session_state["submitted_at"] = dt.datetime.now().strftime("%H:%M:%S")
        submitted = True
    if submitted:
        at = st.session_state.get("submitted_at")
        status.success(f"**Submitted**{f' at {at}' if at else ''}: your decisions for round {round_number} are saved "
                       "(you may change them until the round closes).", icon=":material/check_circle:")


@st.fragment(run_every=4)
def _watch(token: str, seen: tuple) -> None:
    """Reload the page when the round moves on, the workshop ends or the leaderboard appears."""
    try:
        view = team_view(store(), token)
    except AccessError:
        return
    if (view.team.round, view.status, view.leaderboard is not None) != seen:
        st.rerun(scope="app")


def _leaderboard(view: TeamView) -> None:
    if view.leaderboard is None:
        return
    st.subheader("Leaderboard")
    st.table(pd.DataFrame([{"rank": i, "team": s.name, "score": f"{s.score:.1f}", "status": s.status}
                           for i, s in enumerate(view.leaderboard, start=1)]).set_index("rank"))


def render() -> None:
    token = st.query_params.get("team")
    if not token:
        st.title("Workshop: your team")
        _join_form()
        return
    try:
        view = team_view(store(), token)
    except AccessError as error:
        st.title("Workshop: your team")
        refused(error, "team")
        return
    setup, team = view.setup, view.team
    played = len([r for r in view.decisions if r < team.round])
    st.title(f"{team.name}: round {min(team.round, setup.rounds)} of {setup.rounds}")
    st.caption(f"Workshop *{view.workshop}*")
    if team.closed_round is not None:
        st.error(f"**Your PMO was closed** at the end of round {team.closed_round}: executives withdrew their backing. "
                 "You are out of the game; watch the others and keep your notes for the debrief.", icon=":material/block:")
    elif view.status != "open" or team.round > setup.rounds:
        st.info("The workshop is over. Thank you for playing: the debrief follows.", icon=":material/flag:")
    _news(view)
    # The round's decisions first, beside the KPIs they answer: on a laptop's screen without scrolling.
    decide, kpis = st.columns([3, 2], gap="large")
    if view.playing:
        with decide:
            _decision_form(token)
    with kpis if view.playing else decide:
        if played:
            _cards(view)
        else:
            st.caption("No round played yet: your PMO starts as the scenario describes. Enter your first decisions.")
    if played:
        st.subheader("Your PMO, round by round")
        for row in range(0, len(TEAM_CHARTS), 2):
            for column, (title, names, y_range) in zip(st.columns(2), TEAM_CHARTS[row:row + 2]):
                spec, data = series_chart(title, names, view.series, y_range)
                column.vega_lite_chart(data, spec, width="stretch")
    _leaderboard(view)
    _watch(token, (team.round, view.status, view.leaderboard is not None))
