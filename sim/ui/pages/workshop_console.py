"""The workshop's console page (a Streamlit page script)."""

from sim.ui.workshop_console import render

render()
