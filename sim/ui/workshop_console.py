"""The facilitator's console: who has joined and submitted; close and advance the round; the
leaderboard, auto-advance, rewinds, lost links, the end."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sim.ui.workshop_common import facilitator_token, link, refused, show_problems, store
from sim.workshop import (AccessError, ConsoleView, WorkshopError, advance, configure, console_view, end_workshop,
                          new_team_link, rewind)


def _status_table(view: ConsoleView) -> None:
    setup = view.workshop.setup
    rows = []
    for status in view.teams:
        team = status.team
        if team.closed_round is not None:
            state = f"PMO closed in round {team.closed_round}"
        elif team.round > setup.rounds:
            state = "played every round"
        else:
            state = "submitted" if status.submitted else "deciding"
        rows.append({"team": team.name, "round": min(team.round, setup.rounds), "status": state})
    playing = [t for t in view.teams if t.playing]
    submitted = sum(t.submitted for t in playing)
    left, right = st.columns(2)
    left.metric("Teams joined", len(view.teams))
    right.metric("Submitted this round", f"{submitted} of {len(playing)}")
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption("No team has joined yet.")


def _shape(view: ConsoleView) -> tuple:
    """What the controls depend on: the teams, which are playing, the workshop's state."""
    return tuple((s.team.id, s.playing) for s in view.teams), view.workshop.status


@st.fragment(run_every=3)
def _live(token: str, drawn: tuple) -> None:
    """The teams' status, refreshed every few seconds; the whole console when a team joins or leaves
    the game (the controls, e.g. the advance button and the rewind list, follow)."""
    try:
        view = console_view(store(), token)
    except AccessError:
        return
    if _shape(view) != drawn:
        st.rerun(scope="app")
    _status_table(view)


def _act(action, *args, done: str | None = None, **kwargs) -> None:
    try:
        result = action(store(), *args, **kwargs)
    except WorkshopError as error:
        show_problems(error)
        return
    if done:
        st.session_state["console_done"] = done.format(result=result)
    st.rerun()


def _controls(token: str, view: ConsoleView) -> None:
    workshop = view.workshop
    open_ = workshop.status == "open"
    playing = [t for t in view.teams if t.playing]
    left, middle, right = st.columns(3)
    if left.button("Close the round and advance", type="primary", disabled=not (open_ and playing), key="advance"):
        with st.spinner("Advancing every team's PMO..."):
            _act(advance, token, done="Round closed and advanced for {result.teams} team(s) in {result.seconds:.2f} s.")
    shown = middle.toggle("Show the leaderboard to teams", value=workshop.leaderboard, key="leaderboard")
    if shown != workshop.leaderboard:
        _act(configure, token, leaderboard=shown)
    auto = right.toggle("Advance when every team has submitted", value=workshop.auto_advance, key="auto_advance",
                        disabled=not open_)
    if auto != workshop.auto_advance:
        _act(configure, token, auto_advance=auto)
    teams = {s.team.name: s.team for s in view.teams}
    with st.expander("Rewind a team, or give a team a new link"):
        if not teams:
            st.caption("No team has joined yet.")
        else:
            name = st.selectbox("Team", list(teams), key="rewind_team")
            team = teams[name]
            last = max(1, min(team.round, workshop.setup.rounds))
            to_round = st.number_input("Back to the start of round", min_value=1, max_value=last, value=last, step=1, key="rewind_round")
            one, two = st.columns(2)
            if one.button("Rewind this team", key="rewind"):
                _act(rewind, token, team.id, int(to_round), done=f"{name} rewound to round {int(to_round)}.")
            if two.button("New link for this team", key="new_link"):
                try:
                    fresh = new_team_link(store(), token, team.id)
                except WorkshopError as error:
                    show_problems(error)
                else:
                    st.code(link("team", team=fresh), language=None)
                    st.caption("Give this link to the team only; their old link no longer works.")
    with st.expander("End the workshop"):
        sure = st.checkbox("Yes, end it now: no more decisions", key="end_sure", disabled=not open_)
        if st.button("End the workshop", disabled=not (sure and open_), key="end"):
            _act(end_workshop, token, done="The workshop has ended.")


def render() -> None:
    st.title("Workshop: facilitator console")
    token = facilitator_token("console")
    if not token:
        return
    try:
        view = console_view(store(), token)
    except AccessError as error:
        refused(error, "console")
        return
    workshop = view.workshop
    setup = workshop.setup
    st.markdown(f"### {workshop.name}: {setup.rounds} rounds of {setup.months_per_round} months ({workshop.status})")
    code, links = st.columns([1, 2])
    code.markdown(f"Join code\n# `{workshop.code}`")
    links.markdown("Teams open this link (or the team page and type the code):")
    links.code(link("team", code=workshop.code), language=None)
    done = st.session_state.pop("console_done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
    _live(token, _shape(view))
    _controls(token, view)
    st.markdown(f":material/leaderboard: [Scorecard and debrief]({link('debrief', console=token)})")
    with st.expander("What happened (journal)"):
        for at, message in reversed(view.journal):
            st.markdown(f"`{dt.datetime.fromtimestamp(at):%H:%M:%S}` {message}")
