"""Scorecard and debrief: the leaderboard, each team against the baseline and the benchmark with its
decisions under the charts, the class view, a replay round by round, and the report (HTML, PDF)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.scenario import safe_folder_name
from sim.ui.workshop_common import facilitator_token, refused, store
from sim.workshop import AccessError, Debrief, debrief
from sim.workshop.report import LEADERBOARD_COLUMNS, decision_columns, decision_rows, leaderboard_rows, summary_lines, team_heading
from sim.workshop.dominance import debrief_loops
from sim.workshop.report_charts import LOOPS_NOTE
from sim.workshop.report_images import class_png, loops_png, team_png


def _replay(token: str) -> Debrief:
    """The debrief at the end of the round chosen on a slider (all rounds played by default)."""
    whole = debrief(store(), token)
    played = whole.rounds_played
    if played < 2:
        return whole
    upto = st.slider("Replay: the workshop as it stood at the end of round", 1, played, played, key="replay_round")
    return whole if upto == played else debrief(store(), token, upto_round=upto)


def _downloads(token: str, report: Debrief) -> None:
    from sim.workshop.report import debrief_html
    from sim.workshop.report_pdf import debrief_pdf

    stem = f"debrief_{safe_folder_name(report.workshop.name)}"
    left, right = st.columns(2)
    left.download_button("Download the debrief (HTML)", lambda: debrief_html(report), file_name=f"{stem}.html",
                         mime="text/html", key="download_html")
    right.download_button("Download the debrief (PDF)", lambda: debrief_pdf(report), file_name=f"{stem}.pdf",
                          mime="application/pdf", key="download_pdf")


def render() -> None:
    st.title("Workshop: scorecard and debrief")
    token = facilitator_token("debrief")
    if not token:
        return
    try:
        report = _replay(token)
    except AccessError as error:
        refused(error, "debrief")
        return
    setup = report.workshop.setup
    st.markdown(f"### {report.workshop.name}")
    st.markdown("\n".join(f"- {line}" for line in summary_lines(report)))
    st.subheader("Leaderboard")
    # A plain table: readable on a projector, and the teams' names are text (not drawn on a canvas).
    st.table(pd.DataFrame(leaderboard_rows(report), columns=list(LEADERBOARD_COLUMNS)).set_index("Rank"))
    if not report.teams:
        st.caption("No team has joined yet.")
        return
    _downloads(token, report)
    st.subheader("The class")
    st.image(class_png(report), width="stretch")
    st.subheader("Each team against the baseline and the benchmark")
    names = [d.team.name for d in report.teams]
    chosen = st.selectbox("Team", names, key="debrief_team")
    data = report.teams[names.index(chosen)]
    st.markdown(f"#### {team_heading(data)}")
    st.image(team_png(report, data), width="stretch")
    st.caption("Dotted red lines: the events. Under the charts: the team's split each round (bars) and the budget it "
               "asked for (line); 'kept' marks a round in which the team submitted nothing and kept its last decisions.")
    st.dataframe([dict(zip(decision_columns(setup), row)) for row in decision_rows(setup, data)], hide_index=True, width="stretch")
    loops = debrief_loops(report).get(data.team.id)
    if loops is not None:
        st.markdown("##### Which feedback loops drove the PMO")
        chart, periods = st.columns([3, 2], gap="large")
        chart.image(loops_png(report, data, loops), width="stretch")
        periods.caption(LOOPS_NOTE)
        lasting = [p for p in loops.periods if p.end - p.start >= 1]  # a month alone is a passing blip
        if lasting:
            periods.markdown("**Dominant for two months or more**\n" + "\n".join(
                f"- months {p.start:g}-{p.end:g}: {', '.join(p.loops)} ({p.share:.0%} of the change)" for p in lasting))
