"""The workshop's team page (a Streamlit page script)."""

from sim.ui.workshop_team import render

render()
