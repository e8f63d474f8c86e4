"""The studies in the app, with Streamlit's AppTest: which assumptions matter (analyst page) and a better
split suggested and applied (executive page)."""

from __future__ import annotations

from apptest import kpis, page

from sim.experiments import SHARES


def test_the_analyst_page_ranks_the_assumptions_of_a_scenario():
    """Sobol indices of the chosen scenario's uncertain assumptions: two charts, the top three named."""
    app = page("analyst")
    assert "Which assumptions matter" in [h.value for h in app.subheader]
    app.selectbox(key="sens_scenario").set_value("baseline")
    app.selectbox(key="sens_output").set_value("pmo_survival")
    app.select_slider(key="sens_n").set_value(64)
    app.button(key="sens_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    text = " ".join(m.value for m in app.markdown)
    assert "Most important for **PMO Survival**" in text and "(896 runs)" in text  # 64 x (12 + 2)
    charts = [str(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert sum("share of the variance" in c for c in charts) == 1 and sum("total index (ST)" in c for c in charts) == 1


def test_suggest_a_better_split_shows_both_kpi_sets_and_applies_to_the_sliders():
    """The suggestion beats the current split on its own measure; applying it moves the share sliders."""
    app = page("executive")
    app.slider(key="horizon").set_value(48).run()  # a short horizon keeps the search quick
    before = {n: app.slider(key=f"p1_{n}").value for n in SHARES}
    app.button(key="suggest").click().run()
    assert not app.exception, [e.value for e in app.exception]
    frames = {tuple(frame.value.columns): frame.value for frame in app.dataframe}
    split, measures = frames[("capability", "current %", "suggested %")], frames[("figure", "current", "suggested")]
    assert list(split.columns) == ["capability", "current %", "suggested %"]
    performance = measures[measures["figure"].str.startswith("PMO Performance, months")].iloc[0]
    assert performance["suggested"] >= performance["current"]
    assert set(measures["figure"].str.removesuffix(" (at the end, one run)")) >= set(kpis(app))
    app.button(key="apply_suggestion").click().run()
    after = {n: app.slider(key=f"p1_{n}").value for n in SHARES}
    assert after != before
    assert max(abs(after[n] - v) for n, v in zip(SHARES, split["suggested %"])) <= 0.1  # the table's rounding
