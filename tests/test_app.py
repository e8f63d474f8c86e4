"""The Streamlit app, page by page, with Streamlit's AppTest (the script really runs; no browser)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from sim.cli import main
from sim.demonstrations import CRISIS_CASES, crisis_opportunity, crisis_summary, first_month_below, zombie_pmo

ROOT = Path(__file__).parent.parent
PAGES = ROOT / "sim" / "ui" / "pages"
TIMEOUT = 120


def page(name: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def kpis(app: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in app.metric}


def test_app_opens_on_the_executive_page():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert app.title[0].value == "Executive what-if"
    assert len(app.metric) == 15


def test_executive_sliders_come_from_the_model_file():
    app = page("executive")
    budget = app.slider(key="budget")
    assert budget.label == "PMO Budget (k$/Month)" and (budget.min, budget.max, budget.value) == (0, 1000, 100)
    assert app.slider(key="p1_share_governance").label == "Share Governance (% of budget)"
    assert app.slider(key="horizon").label == "Final Time (Month)"
    assert "asks for" in budget.help  # the model file's comment


def test_moving_a_slider_changes_the_kpis_against_the_pinned_baseline():
    app = page("executive")
    before = kpis(app)
    assert before["PMO Performance: 10 years"][1] == "same as baseline"
    app.slider(key="budget").set_value(200).run()
    after = kpis(app)
    assert after["PMO Performance: 10 years"][0] != before["PMO Performance: 10 years"][0]
    assert after["PMO Performance: 10 years"][1].startswith("+")
    app.button(key="pin").click().run()  # pin: the current settings become the baseline
    assert kpis(app)["PMO Performance: 10 years"][1] == "same as baseline"


def test_authority_and_complexity_sliders_come_from_the_model_file():
    app = page("executive")
    authority, complexity = app.slider(key="authority"), app.slider(key="complexity")
    assert authority.label == "PMO Authority (Dmnl)" and (authority.min, authority.max, authority.value) == (0, 1, 0.5)
    assert complexity.label == "Organisational Complexity (Dmnl)"
    assert all(word in authority.help for word in ("supportive", "controlling", "directive"))
    assert "small agile firm" in complexity.help and "complex, high-risk transformation" in complexity.help
    assert any("PMO type: **controlling**" in c.value for c in app.caption)


def test_moving_pmo_authority_changes_a_kpi():
    app = page("executive")
    app.slider(key="complexity").set_value(0.0).run()  # a small agile firm ...
    app.button(key="pin").click().run()
    app.slider(key="authority").set_value(1.0).run()  # ... with a directive PMO: a misfit
    assert not app.exception
    assert any("PMO type: **directive**" in c.value for c in app.caption)
    assert any("Organisation: **a small agile firm**" in c.value for c in app.caption)
    moved = {name: delta for name, (_, delta) in kpis(app).items() if delta != "same as baseline"}
    assert moved and moved.get("Delivery Performance: 1 year", "").startswith("-"), moved
    fit = next(c.value for c in app.caption if "Authority Fit of these settings" in c.value)
    assert float(fit.split("Authority Fit of these settings: ")[1][:4]) < 1


def test_survival_and_net_value_cards():
    app = page("executive")
    cards = kpis(app)
    survival, net, cumulative = (cards["PMO Survival (end)"], cards["Net Value Added (end, k$/Month)"],
                                 cards["Cumulative Net Value (end, M$)"])
    assert survival[0].endswith("%") and 0 <= float(survival[0].rstrip("%")) <= 100
    assert float(net[0]) == float(net[0]) and float(cumulative[0]) == float(cumulative[0])
    assert {survival[1], net[1], cumulative[1]} == {"same as baseline"}
    app.slider(key="budget").set_value(0).run()  # no money: the PMO cannot keep its people
    cards = kpis(app)
    assert cards["Cumulative Net Value (end, M$)"][1] != "same as baseline"
    assert cards["PMO Survival (end)"][1].startswith("-") and cards["PMO Survival (end)"][1].endswith(" pts")


def test_second_phase_and_uncertainty():
    app = page("executive")
    app.toggle(key="phase2").set_value(True).run()
    app.slider(key="p2_share_strategic_alignment").set_value(40).run()
    assert not app.exception
    assert kpis(app)["PMO Performance: 10 years"][1] != "same as baseline"
    app.toggle(key="uncertainty").set_value(True).run()
    assert any("in 90% of 200 runs" in c.value for c in app.caption)


def test_a_bad_upload_shows_the_command_line_messages():
    app = page("executive")
    app.file_uploader(key="upload").upload("mine.toml", b"[params]\npmo_budgte = 100\n", "application/toml").run()
    assert not app.exception
    assert "mine.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?" in app.error[0].value


def test_a_good_upload_sets_the_sliders():
    app = page("executive")
    text = (b'description = "up"\n[params]\npmo_budget = 150\nshare_governance = 0.1\npmo_authority = 1.0\n'
            b'organisational_complexity = 0.8\n[[shocks]]\ninput = "risk_shock"\nat = 24\nsize = 0.5\nduration = 3\n')
    app.file_uploader(key="upload").upload("mine.toml", text, "application/toml").run()
    assert not app.exception
    assert app.slider(key="budget").value == 150 and app.slider(key="p1_share_governance").value == 10
    assert app.slider(key="authority").value == 1.0 and app.slider(key="complexity").value == 0.8
    assert "shock on risk_shock at month 24" in app.info[0].value and "parameter pmo_authority" not in app.info[0].value


def test_the_downloaded_toml_round_trips_through_pmo_sim_run(monkeypatch, tmp_path):
    downloads: dict[str, object] = {}
    real = DeltaGenerator.download_button

    def spy(self, label, data, *args, **kwargs):  # records what the real button offers
        downloads[kwargs.get("file_name", label)] = data() if callable(data) else data
        return real(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    app = page("executive")
    app.slider(key="budget").set_value(250).run()
    toml = downloads["what_if.toml"]
    assert "pmo_budget = 250" in toml
    (tmp_path / "what_if.toml").write_text(toml)
    assert main(["run", str(tmp_path / "what_if.toml"), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "what_if" / "kpis.csv").exists()
    assert downloads["what_if_timeseries.csv"].startswith("time,execution_track_strength")


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
    assert len(app.get("vega_lite_chart")) == 9  # one chart for each of the first three, four and two for the new ones


def test_the_zombie_pmo_delivers_but_loses_support_and_survival():
    zombie = zombie_pmo()
    end = zombie.iloc[-1]
    for case in ("execution only", "balanced"):
        survival = zombie[f"{case}: PMO Survival"]
        assert survival.iloc[0] == 1 and (np.diff(survival) <= 1e-12).all()  # a closed PMO stays closed
    assert end["execution only: Delivery Performance"] > end["balanced: Delivery Performance"]
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
