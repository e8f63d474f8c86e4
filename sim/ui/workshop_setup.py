"""The facilitator's set-up: declare a workshop, get its join code and links."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.ui.common import read_upload, shipped
from sim.ui.workshop_common import link, show_problems, store
from sim.workshop import EVENT_INPUTS, SCORE_COMPONENTS, Event, WorkshopError, WorkshopSetup, create_workshop
from sim.workshop.setup import DEFAULT_WEIGHTS, MAX_MONTHS_PER_ROUND, MAX_ROUNDS

DEFAULT_SCENARIO = "baseline"
#: The events table a facilitator starts from (one crisis, hidden until it happens).
DEFAULT_EVENTS = pd.DataFrame([{"round": 3, "headline": "A flagship programme fails; the board questions the portfolio",
                                "input": "risk_shock", "size": 0.5, "duration": 3.0, "hidden": True}])


def _starting_pmo() -> tuple[dict | None, list[str]]:
    """The chosen shipped scenario, or the uploaded one; (resolved scenario, problems)."""
    available = shipped()
    names = list(available)
    choice = st.selectbox("Starting PMO (a shipped scenario)", names, index=names.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in names else 0,
                          key="setup_scenario", help="Every team starts from the same PMO; its description is shown below.")
    upload = st.file_uploader("...or your own scenario file (TOML)", type=["toml"], key="setup_upload")
    if upload is not None:
        scenario, problems = read_upload(upload)
        return (scenario.resolved() if scenario else None), problems
    scenario = available.get(choice)
    if scenario is not None:
        st.caption(scenario.description)
    return (scenario.resolved() if scenario else None), []


def _events(rounds: int) -> list[Event]:
    st.markdown("**Events** (shocks at the start of a round; a hidden event is news only when it happens)")
    table = st.data_editor(DEFAULT_EVENTS, num_rows="dynamic", key="setup_events", width="stretch", column_config={
        "round": st.column_config.NumberColumn("round", min_value=1, max_value=MAX_ROUNDS, step=1),
        "headline": st.column_config.TextColumn("news headline", width="large"),
        "input": st.column_config.SelectboxColumn("what it shocks", options=list(EVENT_INPUTS)),
        "size": st.column_config.NumberColumn("size", step=0.05),
        "duration": st.column_config.NumberColumn("months", min_value=0.125, step=1.0),
        "hidden": st.column_config.CheckboxColumn("hidden"),
    })
    events = []
    for row in table.to_dict("records"):
        if pd.isna(row.get("round")) and not row.get("headline"):
            continue  # an empty new row
        events.append(Event(round=int(row["round"]) if not pd.isna(row["round"]) else 0, headline=str(row.get("headline") or ""),
                            input=str(row.get("input") or "risk_shock"), size=float(row.get("size") or 0),
                            duration=float(row.get("duration") or 0), hidden=bool(row.get("hidden"))))
    return events


def _created() -> None:
    created = st.session_state.get("workshop_created")
    if not created:
        return
    st.success("The workshop is ready.", icon=":material/check_circle:")
    code, links = st.columns([1, 2])
    code.markdown(f"Join code\n# `{created['code']}`")
    links.markdown("**Teams** open:")
    links.code(link("team", code=created["code"]), language=None)
    links.markdown("**Your console** (keep this link to yourself: it opens the console without the PIN):")
    links.code(link("console", console=created["token"]), language=None)
    st.markdown(f":material/play_circle: [Open the console]({link('console', console=created['token'])})")


def render() -> None:
    st.title("Workshop: set up")
    st.markdown("Teams of managers run a PMO round by round: each round they ask for a budget and split it between the "
                "execution track (governance, delivery support), the value track (strategic alignment, value "
                "management) and capability development, then see what happened. Set the workshop up here; run it "
                "from the console.")
    _created()
    left, right = st.columns(2)
    with left:
        name = st.text_input("Workshop name", value="PMO flight simulator", max_chars=80, key="setup_name")
        rounds = st.number_input("Rounds", min_value=1, max_value=MAX_ROUNDS, value=6, step=1, key="setup_rounds")
        months = st.number_input("Months per round", min_value=1, max_value=MAX_MONTHS_PER_ROUND, value=12, step=1, key="setup_months")
        scenario, problems = _starting_pmo()
        for problem in problems:
            st.error(problem)
    with right:
        st.markdown("**Decisions teams make**")
        budget = st.checkbox("Budget request", value=True, key="setup_budget")
        shares = st.checkbox("The five shares of the budget", value=True, key="setup_shares")
        authority = st.checkbox("PMO Authority (supportive, controlling, directive)", value=False, key="setup_authority")
        st.markdown("**Balanced score** (weights in percent, adding up to 100)")
        weights = {k: float(column.number_input(k.replace("_", " "), min_value=0.0, max_value=100.0, value=DEFAULT_WEIGHTS[k],
                                                step=5.0, key=f"setup_weight_{k}", help=SCORE_COMPONENTS[k]))
                   for column, k in zip(st.columns(3), SCORE_COMPONENTS)}
        threshold = st.slider("A PMO is closed (team out) when its survival falls below", 0.05, 0.95, 0.5, 0.05,
                              key="setup_threshold")
        auto = st.checkbox("Advance automatically when every team has submitted", value=False, key="setup_auto")
    events = _events(int(rounds))
    pin = st.text_input("Facilitator PIN (6 characters or more; needed to open the console)", type="password", key="setup_pin")
    if st.button("Create the workshop", type="primary", key="setup_create", disabled=scenario is None):
        setup = WorkshopSetup(name=name.strip(), scenario=scenario, rounds=int(rounds), months_per_round=int(months),
                              events=tuple(events), decide_budget=budget, decide_shares=shares, decide_authority=authority,
                              weights=weights, closure_threshold=float(threshold), auto_advance=auto)
        try:
            with st.spinner("Preparing the simulation (the first time on a machine takes up to a minute)..."):
                created = create_workshop(store(), setup, pin)
        except WorkshopError as error:
            show_problems(error)
            return
        st.session_state["workshop_created"] = {"code": created.code, "token": created.facilitator_token}
        st.rerun()
