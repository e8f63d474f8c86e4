"""The executive what-if page with Streamlit's AppTest (the script really runs; no browser)."""

from __future__ import annotations

import pytest
from apptest import ROOT, TIMEOUT, kpis, page
from streamlit.delta_generator import DeltaGenerator
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from sim.cli import main
from sim.model import get_model
from sim.ui.inputs import extra_inputs

MONEY = ("PMO cost (M$)", "Value delivered (M$)", "Net value (M$)", "Payback month")
SAME = "same as baseline"


def test_app_opens_on_the_executive_page():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert app.title[0].value == "Executive what-if"
    assert list(kpis(app)) == ["PMO Performance", "Delivery Performance", "Value Realization",
                               "PMO Survival", *MONEY]
    assert "Value to Cost Ratio" not in " ".join(m.label for m in app.metric)  # nothing rewards starving the PMO


def test_executive_sliders_come_from_the_model_file():
    app = page("executive")
    budget = app.slider(key="budget")
    assert budget.label == "PMO Budget (k$/Month)" and (budget.min, budget.max, budget.value) == (0, 1000, 100)
    assert app.slider(key="p1_share_governance").label == "Share Governance (% of budget)"
    assert app.slider(key="horizon").label == "Final Time (months)"
    assert "asks for" in budget.help  # the model file's comment


def test_every_input_of_the_model_file_has_a_slider_and_reset_restores_the_defaults():
    app = page("executive")
    model = get_model()
    keys = {s.key for s in app.slider}
    grouped = [name for names in extra_inputs().values() for name in names]
    assert {f"in_{n}" for n in grouped} <= keys
    in_front = {"budget", "turbulence", "authority", "complexity"} | {k for k in keys if k.startswith("p1_")}
    assert len(grouped) + len(in_front) == len(model.inputs)  # every documented input, once
    app.slider(key="in_risk_tolerance").set_value(0.5).run()
    app.slider(key="budget").set_value(300).run()
    assert "1 changed" in " ".join(m.value for m in app.markdown)
    assert kpis(app)["PMO Performance"][1] != SAME
    app.button(key="reset").click().run()
    assert app.slider(key="in_risk_tolerance").value == model.defaults()["risk_tolerance"]
    assert app.slider(key="budget").value == 100
    assert {delta for _, delta in kpis(app).values()} == {SAME}


def test_moving_a_slider_changes_the_kpis_against_the_saved_baseline():
    app = page("executive")
    before = kpis(app)
    assert before["PMO Performance"][1] == SAME
    app.slider(key="budget").set_value(200).run()
    after = kpis(app)
    assert after["PMO Performance"][0] != before["PMO Performance"][0]
    assert after["PMO Performance"][1].startswith("+")
    app.text_input(key="save_name_1").input("double budget").run()
    app.button(key="save").click().run()  # saved, and compared with as well
    assert app.multiselect(key="compare").value == ["baseline", "double budget"]
    app.multiselect(key="compare").set_value(["double budget", "baseline"]).run()
    assert kpis(app)["PMO Performance"][1] == "same as double budget"
    assert "Compare with saved runs" in app.multiselect(key="compare").label


@pytest.mark.parametrize("start", [50, 100, 150, 200])
def test_a_budget_rise_that_adds_net_value_never_shows_a_red_money_delta(start):
    app = page("executive")
    app.slider(key="budget").set_value(start).run()
    app.text_input(key="save_name_1").input("before").run()
    app.button(key="save").click().run()
    app.multiselect(key="compare").set_value(["before"]).run()
    app.slider(key="budget").set_value(start + 50).run()
    cards = {m.label: m for m in app.metric}
    net = cards["Net value (M$)"]
    if net.delta.startswith("+"):
        assert all(cards[name].proto.color != Metric.MetricColor.RED for name in MONEY), {m.label: m.delta for m in app.metric}


def test_the_budget_chart_marks_the_current_and_the_best_budget():
    app = page("executive")
    caption = next(c.value for c in app.caption if "adds the most net value" in c.value)
    best = float(caption.split("budgets tried, **")[1].split(" ")[0])
    assert 15 <= best <= 500  # an interior best: neither nothing nor the most
    spec = next(c for c in app.get("vega_lite_chart") if "How much budget" in str(c.proto.spec))
    assert "current 100" in str(spec.proto.spec) and f"best {best:g}" in str(spec.proto.spec)


def test_authority_and_complexity_sliders_come_from_the_model_file():
    app = page("executive")
    authority, complexity = app.slider(key="authority"), app.slider(key="complexity")
    assert authority.label == "PMO Authority (0 to 1)" and (authority.min, authority.max, authority.value) == (0, 1, 0.5)
    assert complexity.label == "Organisational Complexity (0 to 1)"
    assert all(word in authority.help for word in ("supportive", "controlling", "directive"))
    assert "small agile firm" in complexity.help and "complex, high-risk transformation" in complexity.help
    assert any("PMO type: **controlling**" in c.value for c in app.caption)


def test_moving_pmo_authority_changes_a_kpi():
    app = page("executive")
    app.slider(key="complexity").set_value(0.0).run()  # a small agile firm ...
    app.button(key="save").click().run()
    app.multiselect(key="compare").set_value(["run 1"]).run()
    app.slider(key="authority").set_value(1.0).run()  # ... with a directive PMO: a misfit
    assert not app.exception
    assert any("PMO type: **directive**" in c.value for c in app.caption)
    assert any("Organisation: **a small agile firm**" in c.value for c in app.caption)
    assert kpis(app)["Delivery Performance"][1].startswith("-")
    fit = next(c.value for c in app.caption if "Authority Fit of these settings" in c.value)
    assert float(fit.split("Authority Fit of these settings: ")[1][:4]) < 1


def test_survival_and_money_cards():
    app = page("executive")
    cards = kpis(app)
    survival, net = cards["PMO Survival"], cards["Net value (M$)"]
    assert survival[0].endswith("%") and 0 <= float(survival[0].rstrip("%")) <= 100
    assert float(cards["PMO cost (M$)"][0]) > 0 and float(net[0]) == float(net[0])
    app.slider(key="budget").set_value(0).run()  # no money: the PMO cannot keep its people
    cards = kpis(app)
    assert cards["PMO cost (M$)"][0] == "0.00" and cards["Net value (M$)"][1] != SAME
    assert cards["PMO Survival"][1].startswith("-") and cards["PMO Survival"][1].endswith(" pts")


def test_second_phase_has_whole_months_its_own_heading_and_uncertainty_shows():
    app = page("executive")
    app.toggle(key="phase2").set_value(True).run()
    month = app.slider(key="phase2_month")
    assert month.value == 18 and isinstance(month.value, int)
    assert any(m.value == "**The split from month 18**" for m in app.markdown)
    app.slider(key="p2_share_strategic_alignment").set_value(40).run()
    assert not app.exception
    assert kpis(app)["PMO Performance"][1] != SAME
    app.toggle(key="uncertainty").set_value(True).run()
    assert any("in 90% of 200 runs" in c.value for c in app.caption)


def test_a_bad_upload_shows_the_command_line_messages():
    app = page("executive")
    app.file_uploader(key="upload").upload("mine.toml", b"[params]\npmo_budgte = 100\n", "application/toml").run()
    assert not app.exception
    assert "mine.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?" in app.error[0].value


def test_an_opened_scenarios_inputs_and_shocks_show_and_count():
    app = page("executive")
    text = (b'description = "up"\n[params]\npmo_budget = 150\nshare_governance = 0.1\npmo_authority = 1.0\n'
            b'organisational_complexity = 0.8\nrisk_tolerance = 0.6\n'
            b'[[shocks]]\ninput = "risk_shock"\nat = 24\nsize = 0.5\nduration = 3\n')
    app.file_uploader(key="upload").upload("mine.toml", text, "application/toml").run()
    assert not app.exception
    assert app.slider(key="budget").value == 150 and app.slider(key="p1_share_governance").value == 10
    assert app.slider(key="authority").value == 1.0 and app.slider(key="in_risk_tolerance").value == 0.6
    assert "1 shock(s) are in the Shocks table" in app.info[0].value
    shocks = app.session_state["shocks_table"]
    assert shocks.to_dict("records") == [{"input": "risk_shock", "month": 24.0, "size": 0.5, "duration": 3.0}]
    with_shock = kpis(app)
    app.session_state["shocks_table"] = shocks.iloc[:0]  # the same scenario without its shock
    app.session_state["shocks_editor"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert kpis(app) != with_shock  # the shock counts


def test_the_downloaded_toml_is_named_and_round_trips_through_pmo_sim_run(monkeypatch, tmp_path):
    downloads: dict[str, object] = {}
    real = DeltaGenerator.download_button

    def spy(self, label, data, *args, **kwargs):  # records what the real button offers
        downloads[kwargs.get("file_name", label)] = data() if callable(data) else data
        return real(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    app = page("executive")
    assert app.text_input(key="download_name").value.startswith("what_if_")  # unique by default
    app.slider(key="budget").set_value(250).run()
    app.text_input(key="download_name").input("big_budget").run()
    toml = downloads["big_budget.toml"]
    assert "pmo_budget = 250" in toml and 'name = "big_budget"' in toml
    (tmp_path / "big_budget.toml").write_text(toml)
    assert main(["run", str(tmp_path / "big_budget.toml"), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "big_budget" / "kpis.csv").exists()
    assert downloads["big_budget_timeseries.csv"].startswith("time,execution_track_strength")


def test_any_variable_can_be_charted():
    app = page("executive")
    app.multiselect(key="picked").set_value(["effective_budget", "closure_hazard"]).run()
    assert not app.exception
    assert any("Effective Budget, Closure Hazard" in str(c.proto.spec) for c in app.get("vega_lite_chart"))
