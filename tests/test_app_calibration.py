"""The analyst page's calibration section (Streamlit AppTest): upload a history, fit it, see the fit."""

from __future__ import annotations

from apptest import page

HISTORY = b"""month,delivery_performance,executive_support,pmo_budget
0,0.61,0.6,100
3,0.63,0.58,100
6,0.66,0.57,120
9,0.68,0.57,120
12,0.69,0.56,120
15,0.71,0.56,120
"""


def test_an_uploaded_history_is_checked_fitted_and_shown_with_its_calibrated_scenario():
    """A bad upload shows file:line: column messages; a good one fits the chosen parameters and shows the fit."""
    app = page("analyst")
    app.file_uploader(key="calibration_upload").upload("bad.csv", b"month,delivery_performance\n0,0.6\n1,high\n",
                                                       "text/csv").run()
    assert not app.exception
    assert "bad.csv:3: delivery_performance: 'high' is not a number" in app.error[0].value
    app.file_uploader(key="calibration_upload").upload("pmo.csv", HISTORY, "text/csv").run()
    assert not app.error
    chosen = next(m for m in app.multiselect if m.key.startswith("calibration_params"))
    assert "initial_delivery_support" in chosen.value and "pmo_budget" not in chosen.options  # a decision of the history
    chosen.set_value(["initial_delivery_support", "initial_executive_support"]).run()
    app.button(key="calibrate").click().run()
    assert not app.exception and not app.error
    estimates = app.dataframe[0].value
    assert list(estimates["parameter"]) == ["Initial Delivery Support", "Initial Executive Support"]
    assert set(estimates["identified"]) <= {"identified", "lower bound only", "upper bound only", "not identified"}
    assert list(app.dataframe[1].value["series"]) == ["Delivery Performance", "Executive Support"]
    assert [d.key for d in app.get("download_button")] == ["calibration_toml", "calibration_zip"]
    assert "12 observations of 2 series" in " ".join(m.value for m in app.markdown)
    chosen = next(m for m in app.multiselect if m.key.startswith("calibration_params"))
    chosen.set_value(["initial_delivery_support"]).run()
    assert "Out of date" in app.warning[-1].value


def test_a_bad_date_of_month_0_is_named_as_the_box_not_as_an_option():
    app = page("analyst")
    app.text_input(key="calibration_start").set_value("01/02/2021").run()
    app.file_uploader(key="calibration_upload").upload("dated.csv", b"date,delivery_performance\n2021-01-31,0.6\n2021-04-30,0.62\n",
                                                       "text/csv").run()
    assert not app.exception
    assert "Date of month 0: '01/02/2021' is not an ISO date" in app.error[0].value and "--start" not in app.error[0].value
