"""The analyst page (a Streamlit page script)."""

from sim.ui.analyst import render

render()
