"""Workshops: a management flight simulator for trainers (no streamlit here; the pages call this).

A facilitator declares a workshop (:class:`WorkshopSetup`) and creates it with a PIN; teams join
with its code, decide each round, and the facilitator closes and advances the round: every team's
PMO advanced in one batch-engine call. State lives in SQLite (:class:`Store`); the debrief report
is written as HTML and PDF (:mod:`sim.workshop.report`).
"""

from sim.workshop.benchmark import BENCHMARKS, register_benchmark
from sim.workshop.decisions import SHARE_LABELS, SHARES, Decision, check_decision
from sim.workshop.game import (AccessError, Advanced, Created, advance, advance_workshop, configure, create_workshop,
                               end_workshop, join, login, new_team_link, rewind, submit)
from sim.workshop.setup import EVENT_INPUTS, SCORE_COMPONENTS, Event, WorkshopError, WorkshopSetup, check_setup
from sim.workshop.store import DATA_ENV, Store
from sim.workshop.views import ConsoleView, Debrief, TeamView, console_view, debrief, team_view

__all__ = [
    "BENCHMARKS", "DATA_ENV", "EVENT_INPUTS", "SCORE_COMPONENTS", "SHARES", "SHARE_LABELS", "AccessError", "Advanced",
    "ConsoleView", "Created", "Debrief", "Decision", "Event", "Store", "TeamView", "WorkshopError", "WorkshopSetup",
    "advance", "advance_workshop", "check_decision", "check_setup", "configure", "console_view", "create_workshop",
    "debrief", "end_workshop", "join", "login", "new_team_link", "register_benchmark", "rewind", "submit", "team_view",
]
