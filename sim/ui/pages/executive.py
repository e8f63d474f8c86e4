"""The executive page (a Streamlit page script)."""

from sim.ui.executive import render

render()
