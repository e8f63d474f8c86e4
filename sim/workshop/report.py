"""The debrief report: the tables every format shares, and the report as one HTML file.

The HTML is self-contained (styles inline, charts as embedded PNG), so it opens offline in any
browser; :mod:`sim.workshop.report_pdf` lays out the same content as a PDF with reportlab.
"""

from __future__ import annotations

import base64
import datetime as dt
import html

from sim.workshop.decisions import SHARE_LABELS
from sim.workshop.dominance import debrief_loops
from sim.workshop.report_charts import LOOPS_NOTE
from sim.workshop.report_images import class_png, loops_png, team_png
from sim.workshop.setup import WorkshopSetup
from sim.workshop.views import Debrief, TeamData

LEADERBOARD_COLUMNS = ("Rank", "Team", "Score", "Performance", "Net value", "Survival", "Cumulative Net Value (k$)", "Status")


def leaderboard_rows(report: Debrief) -> list[list[str]]:
    """The leaderboard as text cells; the baseline and benchmark are listed, unranked, for comparison."""
    rows, rank = [], 0
    for score in report.leaderboard:
        if not score.reference:
            rank += 1
        rows.append([str(rank) if not score.reference else "ref.", score.name, f"{score.score:.1f}", f"{score.performance:.1f}",
                     f"{score.net_value:.1f}", f"{score.survival:.1f}", f"{score.cumulative_net_value:,.0f}", score.status])
    return rows


def decision_columns(setup: WorkshopSetup) -> list[str]:
    columns = ["Round", "Budget (k$/month)", *[f"{s} %" for s in SHARE_LABELS]]
    if setup.decide_authority:
        columns.append("Authority")
    return columns + ["Note"]


def decision_rows(setup: WorkshopSetup, data: TeamData) -> list[list[str]]:
    rows = []
    for round_number, row in sorted(data.decisions.items()):
        decision = row.decision
        cells = [str(round_number), f"{decision.budget:g}", *[f"{100 * s:.0f}" for s in decision.shares]]
        if setup.decide_authority:
            cells.append(f"{decision.authority:g}")
        note = "kept (no decision submitted)" if row.carried else (f"changed {row.changes - 1}x before closing" if row.changes > 1 else "")
        events = [e.headline for e in setup.events if e.round == round_number]
        rows.append(cells + ["; ".join(filter(None, [note, *(f"event: {h}" for h in events)]))])
    return rows


def team_heading(data: TeamData) -> str:
    closed = data.team.closed_round
    return data.team.name + (f" (PMO closed in round {closed}: out of the game)" if closed else "")


def summary_lines(report: Debrief) -> list[str]:
    """What the workshop was: rounds, starting PMO, decisions, events, score rule, benchmark."""
    setup = report.workshop.setup
    decided = [name for name, on in (("budget request", setup.decide_budget), ("the five shares", setup.decide_shares),
                                     ("PMO Authority", setup.decide_authority)) if on]
    played = f"as it stood at the end of round {report.upto_round}" if report.upto_round else f"{report.rounds_played} round(s) played"
    lines = [
        f"{setup.rounds} rounds of {setup.months_per_round} months; {played}; status: {report.workshop.status}.",
        f"Starting PMO: scenario '{setup.scenario.get('name', '')}'. Teams decided: {', '.join(decided)}.",
        setup.score_rule() + ".",
        f"Benchmark: {report.benchmark}, under the same events. Baseline: the starting PMO unchanged.",
        f"A PMO whose Survival fell below {setup.closure_threshold:.0%} at the end of a round was closed.",
    ]
    for event in setup.events:
        lines.append(f"Event in round {event.round}{' (hidden until it happened)' if event.hidden else ''}: {event.headline} "
                     f"({event.input} {event.size:+g} for {event.duration:g} months)")
    return lines


def _table(columns: list[str] | tuple[str, ...], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(data: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f2f2f2}td:nth-child(2),th:nth-child(2){text-align:left}
td:last-child{text-align:left}img{max-width:100%}.muted{color:#666}"""


def debrief_html(report: Debrief) -> str:
    """The whole debrief as one HTML document (readable offline)."""
    setup = report.workshop.setup
    parts = [f"<h1>Debrief: {html.escape(report.workshop.name)}</h1>",
             f'<p class="muted">pmo-sim workshop report, {dt.date.today():%d %B %Y}</p>',
             "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(report)) + "</ul>",
             "<h2>Leaderboard</h2>", _table(LEADERBOARD_COLUMNS, leaderboard_rows(report))]
    if report.teams:
        parts += ["<h2>The class</h2>", _image(class_png(report), "every team's PMO Performance and net value")]
    loops = debrief_loops(report)
    for data in report.teams:
        parts += [f"<h2>{html.escape(team_heading(data))}</h2>",
                  _image(team_png(report, data), f"{data.team.name}: trajectory against baseline and benchmark"),
                  "<h3>Decision log</h3>", _table(decision_columns(setup), decision_rows(setup, data))]
        if data.team.id in loops:
            parts += ["<h3>Which feedback loops drove the PMO</h3>",
                      _image(loops_png(report, data, loops[data.team.id]), f"{data.team.name}: loop dominance"),
                      f'<p class="muted">{html.escape(LOOPS_NOTE)}</p>']
    parts.append('<p class="muted">Simulated with pmo-sim, a system-dynamics model of the PMO Dual-Track Mechanism '
                 "(execution track, value track and PMO Transformation), calibrated on PMI Pulse of the Profession "
                 "and Hobbs &amp; Aubry's studies of PMOs.</p>")
    title = html.escape(f"Debrief: {report.workshop.name}")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")
