"""The debrief report as a PDF (reportlab's Platypus): the same content as the HTML report."""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sim.workshop.report import LEADERBOARD_COLUMNS, decision_columns, decision_rows, leaderboard_rows, summary_lines, team_heading
from sim.workshop.dominance import debrief_loops
from sim.workshop.report_charts import LOOPS_NOTE
from sim.workshop.report_images import DPI, class_png, loops_png, team_png
from sim.workshop.views import Debrief

PAGE = landscape(A4)
MARGIN = 12 * mm
WIDTH = PAGE[0] - 2 * MARGIN


def _table(columns, rows, font_size: float = 8) -> Table:
    table = Table([list(columns), *rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", font_size),
        ("FONT", (0, 1), (-1, -1), "Helvetica", font_size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (1, 0), (1, -1), "LEFT"),
        ("ALIGN", (-1, 0), (-1, -1), "LEFT"),
    ]))
    return table


def _chart(data: bytes) -> Image:
    """A chart's PNG, as large as the page allows below a heading and a few lines."""
    pixels = ImageReader(io.BytesIO(data)).getSize()
    width, height = (72 * p / DPI for p in pixels)
    scale = min(WIDTH / width, (PAGE[1] - 2 * MARGIN - 75 * mm) / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def debrief_pdf(report: Debrief) -> bytes:
    """The whole debrief as PDF bytes: summary and leaderboard, the class, then a page per team."""
    styles = getSampleStyleSheet()
    setup = report.workshop.setup
    story = [Paragraph(escape(f"Debrief: {report.workshop.name}"), styles["Title"]),
             Paragraph(f"pmo-sim workshop report, {dt.date.today():%d %B %Y}", styles["Italic"]), Spacer(1, 4 * mm)]
    story += [Paragraph("&bull; " + escape(line), styles["BodyText"]) for line in summary_lines(report)]
    story += [Spacer(1, 4 * mm), Paragraph("Leaderboard", styles["Heading2"]), _table(LEADERBOARD_COLUMNS, leaderboard_rows(report), 9)]
    if report.teams:
        story += [PageBreak(), Paragraph("The class", styles["Heading2"]), _chart(class_png(report))]
    loops = debrief_loops(report)
    for data in report.teams:
        story += [PageBreak(), KeepTogether([Paragraph(escape(team_heading(data)), styles["Heading2"]), _chart(team_png(report, data))]),
                  Paragraph("Decision log", styles["Heading3"]), _table(decision_columns(setup), decision_rows(setup, data))]
        if data.team.id in loops:
            story.append(KeepTogether([Paragraph("Which feedback loops drove the PMO", styles["Heading3"]),
                                       _chart(loops_png(report, data, loops[data.team.id])),
                                       Paragraph(escape(LOOPS_NOTE), styles["Italic"])]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=f"Debrief: {report.workshop.name}", author="pmo-sim")
    document.build(story)
    return buffer.getvalue()
