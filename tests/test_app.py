"""The Streamlit app, page by page, with Streamlit's AppTest (the script really runs; no browser)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from sim.cli import main

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
    assert len(app.metric) == 12


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
    text = b'description = "up"\n[params]\npmo_budget = 150\nshare_governance = 0.1\n[[shocks]]\ninput = "risk_shock"\nat = 24\nsize = 0.5\nduration = 3\n'
    app.file_uploader(key="upload").upload("mine.toml", text, "application/toml").run()
    assert not app.exception
    assert app.slider(key="budget").value == 150 and app.slider(key="p1_share_governance").value == 10
    assert "shock on risk_shock at month 24" in app.info[0].value


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
    assert len(app.markdown) >= 4 and "PMO Transformation" in app.table[0].value.to_string()


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
