"""The debrief's charts as PNG images, drawn once for each state of the class: the debrief page, the
HTML report and the PDF report show the same bytes (a page redrawn, or a report downloaded after
the page was seen, draws nothing again)."""

from __future__ import annotations

from sim.workshop.dominance import TeamLoops
from sim.workshop.memo import Memo
from sim.workshop.report_charts import class_figure, loops_figure, png, team_figure
from sim.workshop.views import Debrief, TeamData

#: Sharp on a projector and in print; the reports scale the images to their page.
DPI = 130
_IMAGES: Memo[bytes] = Memo(64)


def _state(report: Debrief) -> tuple:
    """What the charts are drawn from: the workshop, the round replayed, each team's record."""
    return (report.workshop.code, report.upto_round,
            tuple((d.team, tuple(sorted(d.decisions.items())), len(d.series["time"])) for d in report.teams))


def class_png(report: Debrief) -> bytes:
    return _IMAGES.get(("class", _state(report)), lambda: png(class_figure(report), dpi=DPI))


def team_png(report: Debrief, data: TeamData) -> bytes:
    return _IMAGES.get(("team", _state(report), data.team.id), lambda: png(team_figure(report, data), dpi=DPI))


def loops_png(report: Debrief, data: TeamData, loops: TeamLoops) -> bytes:
    return _IMAGES.get(("loops", _state(report), data.team.id), lambda: png(loops_figure(report, data, loops), dpi=DPI))
