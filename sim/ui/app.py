"""The app's frame: page configuration and navigation between the three pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"


def _workshop_pages() -> list:
    """The workshop's pages: set-up, team, console, debrief (their paths are the links teams are given)."""
    return [st.Page(PAGES / f"workshop_{name}.py", title=title, url_path=path) for name, title, path in (
        ("setup", "Workshop: set up", "workshop"), ("team", "Workshop: team", "team"),
        ("console", "Workshop: console", "console"), ("debrief", "Workshop: debrief", "debrief"))]


def main() -> None:
    st.set_page_config(page_title="pmo-sim: the PMO Dual-Track simulator", layout="wide")
    # Navigation on top: at 1280 pixels a sidebar would take the width the KPI cards and charts need.
    workshop_pages = _workshop_pages()
    navigation = st.navigation([
        st.Page(PAGES / "executive.py", title="Executive what-if", url_path="executive", default=True),
        st.Page(PAGES / "trainer.py", title="Trainer: short vs long cycle", url_path="trainer"),
        st.Page(PAGES / "analyst.py", title="Analyst: scenarios", url_path="analyst"),
        *workshop_pages,
    ], position="top")
    navigation.run()
