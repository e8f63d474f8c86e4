"""The workshop's debrief page (a Streamlit page script)."""

from sim.ui.workshop_debrief import render

render()
