"""The trainer page (a Streamlit page script)."""

from sim.ui.trainer import render

render()
