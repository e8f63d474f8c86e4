"""The workshop's setup page (a Streamlit page script)."""

from sim.ui.workshop_setup import render

render()
