"""The analyst page (a Streamlit page script): scenarios, then calibration to a PMO's history."""

from sim.ui.analyst import render
from sim.ui.calibration import render_calibration

render()
render_calibration()
