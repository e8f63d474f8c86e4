"""The workshop's pages with Streamlit's AppTest: set-up, two teams, the console, the debrief."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from apptest import PAGES, TIMEOUT
from sim.workshop import DATA_ENV

pytestmark = pytest.mark.usefixtures("workshop_kernel")


@pytest.fixture(autouse=True)
def _data_folder(tmp_path, monkeypatch):
    """A fresh workshops database for each test."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "workshops"))


def _page(name: str, **params: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"workshop_{name}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _create(pin: str = "letmein42") -> dict[str, str]:
    setup = _page("setup")
    setup.number_input(key="setup_rounds").set_value(3)
    setup.text_input(key="setup_pin").input(pin)
    setup.button(key="setup_create").click().run()
    assert not setup.exception and not setup.error, [e.value for e in setup.error]
    created = setup.session_state["workshop_created"]
    assert any(created["code"] in c.value for c in setup.code)  # the team link shows the code
    return created


def _join(code: str, name: str) -> AppTest:
    team = _page("team", code=code)
    team.text_input(key="join_name").input(name)
    team.button[0].click().run()  # the form's Join
    assert not team.exception and not team.error, [e.value for e in team.error]
    assert "team" in team.query_params
    return team


def _decide(team: AppTest, budget: float, shares: list[float]) -> AppTest:
    team.number_input(key="budget_1").set_value(budget)
    for i, share in enumerate(shares):
        team.number_input(key=f"share_{i}_1").set_value(share)
    return team.button[0].click().run()


def test_a_workshop_is_set_up_joined_played_and_debriefed():
    """Facilitator creates; two teams join and decide (an out-of-range budget refused with a message);
    the round advances; the leaderboard and the debrief show."""
    created = _create()
    alpha, beta = _join(created["code"], "Alpha"), _join(created["code"], "Beta")
    _decide(alpha, 150, [20, 20, 20, 20, 20])
    assert any("Submitted" in s.value for s in alpha.success)
    _decide(beta, 5000, [40, 40, 0, 0, 20])
    assert any("PMO Budget" in e.value and "5000 is outside the allowed range 0 to 1000" in e.value for e in beta.error)
    _decide(beta, 80, [40, 40, 0, 0, 20])
    assert any("Submitted" in s.value for s in beta.success)

    console = _page("console", console=created["token"])
    assert "2 of 2" in [m.value for m in console.metric]
    console.button(key="advance").click().run()
    assert not console.exception and any("advanced for 2 team(s)" in s.value for s in console.success)
    console.toggle(key="leaderboard").set_value(True).run()

    alpha.run()
    assert not alpha.exception
    assert alpha.title[0].value == "Alpha: round 2 of 3"
    assert len(alpha.get("vega_lite_chart")) == 4 and [m.label for m in alpha.metric][0] == "PMO Performance"
    board = alpha.table[0].value
    assert sorted(board["team"]) == ["Alpha", "Beta"]

    debrief = _page("debrief", console=created["token"])
    table = debrief.table[0].value
    assert {"Alpha", "Beta", "baseline", "benchmark"} == set(table["Team"])
    assert len(debrief.get("image")) == 3  # the class view; the chosen team's charts over its decisions, and its loops
    assert any("Which feedback loops drove the PMO" in m.value for m in debrief.markdown)
    assert [b.label for b in debrief.get("download_button")] == ["Download the debrief (HTML)", "Download the debrief (PDF)"]
    assert set(debrief.dataframe[0].value["Round"]) == {"1"}  # the chosen team's decision log
    assert any("Audit" in m.value or "flagship" in m.value for m in debrief.markdown)


def test_a_wrong_pin_is_refused():
    created = _create()
    console = _page("console")
    console.text_input(key="console_code").input(created["code"])
    console.text_input(key="console_pin").input("not-the-pin")
    console.button[0].click().run()
    assert any("wrong PIN" in e.value for e in console.error)
    assert "console" not in console.query_params
    console.text_input(key="console_pin").input("letmein42")
    console.button[0].click().run()
    assert console.query_params.get("console") and not console.error
