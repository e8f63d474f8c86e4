"""The Streamlit app, page by page, with Streamlit's AppTest (the script really runs; no browser)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.demonstrations import CRISIS_CASES, crisis_opportunity, crisis_summary, first_month_below, zombie_pmo
from apptest import page


def test_trainer_page_moves_with_its_controls():
    app = page("trainer")
    text = app.markdown[1].value
    assert "reaches half of its final effect" in text
    app.slider(key="step_month").set_value(30).run()
    assert not app.exception
    assert len(app.markdown) >= 4 and any("PMO Transformation" in t.value.to_string() for t in app.table)


def test_trainer_shows_the_zombie_pmo_and_the_crisis_demonstrations():
    app = page("trainer")
    headers = [h.value for h in app.header]
    assert "4. The zombie PMO" in headers and "5. A crisis is an opportunity only for a ready, directed PMO" in headers
    text = "\n".join(m.value for m in app.markdown)
    assert "execution-only PMO" in text and "probability that the PMO still exists" in text
    assert "Hobbs and Aubry" in text and "PMI Pulse" in text and '"PMO Dual-Track Mechanism"' in text
    assert "MODEL.md" not in text and "seed" not in text.lower()
    summary = next(t.value for t in app.table if "deepest delivery dip" in t.value.columns)
    assert list(summary.index) == list(CRISIS_CASES)
    # one for each of the first three, four and two for the new ones, the diagram's variable, and under each of the
    # five demonstrations its loop-dominance chart
    assert len(app.get("vega_lite_chart")) == 10 + 5


def test_the_zombie_pmo_delivers_but_loses_support_and_survival():
    zombie = zombie_pmo()
    end = zombie.iloc[-1]
    for case in ("execution only", "balanced"):
        survival = zombie[f"{case}: PMO Survival"]
        assert survival.iloc[0] == 1 and (np.diff(survival) <= 1e-12).all()  # a closed PMO stays closed
    # It delivers better while it is funded; once its executives withdraw, its budget and delivery go too.
    early = zombie.loc[36]
    assert early["execution only: Delivery Performance"] > early["balanced: Delivery Performance"]
    assert end["execution only: Delivery Performance"] < early["execution only: Delivery Performance"]
    assert end["execution only: Strategic Value Realization"] < end["balanced: Strategic Value Realization"]
    assert end["execution only: Executive Support"] < end["balanced: Executive Support"]
    assert end["execution only: PMO Survival"] < end["balanced: PMO Survival"]


def test_first_month_below():
    survival = pd.Series([1.0, 0.8, 0.5, 0.4, 0.3], index=[0.0, 12.0, 24.0, 36.0, 48.0])
    assert first_month_below(survival, 0.5) == 36.0 and np.isnan(first_month_below(survival, 0.2))


def test_a_crisis_pays_only_in_a_ready_directed_pmo():
    responses = crisis_opportunity()
    assert list(responses.columns) == [f"{case}: {output}" for case in CRISIS_CASES
                                       for output in ("PMO Performance", "Delivery Performance")]
    assert (responses.loc[:23.9].abs() < 1e-12).all().all()  # nothing changes before the shock
    summary = crisis_summary(responses, month=84)
    ready, unready, undirected = (summary.loc[case] for case in ("ready, directed", "unready", "ready, no value track"))
    assert ready["gain at month 84"] > unready["gain at month 84"]
    assert ready["largest gain"] > max(unready["largest gain"], undirected["largest gain"])
    assert ready["deepest delivery dip"] < 0 and ready["month of deepest dip"] > 24  # the price, paid while it reconfigures


def test_analyst_page_runs_compares_and_reports_bad_files():
    app = page("analyst")
    app.multiselect(key="chosen").set_value(["reporting_factory", "balanced_dual_track"]).run()
    app.slider(key="analyst_runs").set_value(40).run()
    app.file_uploader(key="analyst_uploads").upload("bad.toml", b"[run]\ntime_step = 0\n", "application/toml").run()
    assert "bad.toml:2: run.time_step: input should be greater than 0" in app.error[0].value
    app.button(key="run").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table.columns) == ["kpi", "unit", "reporting_factory", "balanced_dual_track"]
    charts = [str(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert len(charts) == 2 and "PMO Survival" in charts[1] and "tooltip" in charts[0]  # interactive, not a picture
    assert not app.warning
    app.multiselect(key="chosen").set_value(["reporting_factory"]).run()  # a new selection: the old results are marked
    assert "Out of date" in app.warning[0].value and "reporting_factory, balanced_dual_track" in app.warning[0].value
    app.button(key="run").click().run()
    assert not app.warning and list(app.dataframe[0].value.columns) == ["kpi", "unit", "reporting_factory"]


def test_the_core_never_imports_streamlit():
    code = ("import sys, sim, sim.cli, sim.runner, sim.results, sim.plotting, sim.demonstrations, sim.diagram; "
            "print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("upload", [b"\x00\x01binary", b"x" * 1_000_001])
def test_uploads_that_are_not_short_toml_texts_are_refused(upload):
    app = page("executive")
    app.file_uploader(key="upload").upload("odd.toml", upload, "application/toml").run()
    assert not app.exception
    assert "odd.toml:1: file: is" in app.error[0].value


def test_every_shipped_scenario_gets_its_own_colour_and_dash_in_the_overlay():
    from sim import runner
    from sim.ui.analyst import overlay_chart
    from sim.ui.common import shipped

    results = [runner.run(s, runs=2 if s.spec.uncertainty else None, outputs=["pmo_performance"]) for s in shipped().values()]
    spec = overlay_chart(results, "pmo_performance")
    line = spec["layer"][1]["encoding"]
    styles = list(zip(line["color"]["scale"]["range"], map(tuple, line["strokeDash"]["scale"]["range"])))
    assert len(results) >= 11 and len(set(styles)) == len(results)
    assert len(set(line["color"]["scale"]["range"])) == min(len(results), 12)
    assert "#F0E442" not in line["color"]["scale"]["range"]  # no yellow on white


def test_predict_then_reveal_hides_each_demonstration_until_the_room_has_chosen():
    app = page("trainer")
    shown = len(app.get("vega_lite_chart"))
    app.toggle(key="predict_mode").set_value(True).run()
    assert not app.exception
    radios = [r.key for r in app.radio]
    # the loop-dominance case pickers wait for the reveal too (they would give the answer away); the crisis has no prediction
    assert radios == ["predict_step", "predict_move", "predict_shock", "predict_zombie", "loops_crisis"]
    assert app.button(key="reveal_move").disabled  # nothing to reveal before a choice
    assert len(app.get("vega_lite_chart")) == 3 * 4 + 2 + 1 + 1  # sketches; the crisis, its loops and the diagram's variable stay
    app.radio(key="predict_move").set_value("B: dips first, then climbs above").run()
    app.button(key="reveal_move").click().run()
    charts = [str(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert any("Predicted: B: dips first" in c for c in charts)  # the choice, beside ...
    assert any("of the execution shares move to the value track" in c for c in charts)  # ... the simulation
    app.button(key="hide_move").click().run()
    app.toggle(key="predict_mode").set_value(False).run()
    assert len(app.get("vega_lite_chart")) == shown


def test_the_diagram_carries_measured_polarities_loop_markers_and_graphs_on_hover():
    from sim.diagram import causal_dot, link_polarities, sparkline
    from sim.simulate import simulate

    polarity = link_polarities()
    assert polarity[("executive_support", "effective_budget")] == "+"
    assert polarity[("perceived_pmo_value", "executive_support")] == "+"
    assert polarity[("pmo_transformation", "risk_signal")] == "−"  # transformation lowers risk: the balancing loop
    assert set(polarity.values()) <= {"+", "−"}
    dot = causal_dot(run=simulate({}))
    assert 'label=" + "' in dot and 'label=" − "' in dot
    assert "⟳ R credibility" in dot and "⟳ B adaptation" in dot
    assert "Executive Support: 0.6 at month 0" in dot  # the hover text: the variable's values and its graph
    assert sparkline([0.0, 1.0], width=2) == "▁█"
