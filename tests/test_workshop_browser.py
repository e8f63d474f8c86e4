"""A workshop end to end in Debian's headless Chromium: a facilitator and three teams, each in its own
browser context, play three rounds; the server restarts mid-workshop; a team edits its link; the PDF
debrief renders. With ``PMO_SIM_SCREENSHOTS`` set (``make screenshots``), the README's screenshots of
the team page, the console and the debrief are taken on the way.

The workshop is created through ``sim.workshop`` against the server's data folder (the set-up page
has its own AppTest); teams join, decide and see their results in their browsers, and what every
step waits for is the element it changes, never a fixed time: the three teams act side by side.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from browser import CHROMIUM, ROOT, chromium, free_port, screenshot, served_app
from sim.scenario import load_scenario, shipped_scenarios
from sim.workshop import DATA_ENV, Event, Store, WorkshopSetup, create_workshop

pytestmark = pytest.mark.usefixtures("workshop_kernel")

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

TEAMS = {"Alpha": 150, "Beta": 60, "Gamma": 100}
PIN = "facilitate-42"
CRISIS = Event(round=2, headline="A flagship programme fails; the board questions the portfolio")
SCREENS = os.environ.get("PMO_SIM_SCREENSHOTS")
STALE = "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
IMAGES_SHOWN = "n => { const images = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];" \
               " return images.length === n && images.every(i => i.complete && i.naturalWidth > 0); }"


def _heading(page, round_number: int):
    return page.get_by_role("heading", name=f"Your decisions for round {round_number}")


def _saved(page, round_number: int):
    return page.get_by_text(f"your decisions for round {round_number} are saved")


def _open_all(pages, url_of) -> None:
    """Every page starts loading (each its own session on the server) before any is waited for."""
    for name, page in pages.items():
        page.goto(url_of(name), wait_until="commit")


def _round_shown(pages, round_number: int) -> None:
    """Each team's page shows the round's decision form by itself (it follows the round, and
    reconnects to a restarted server), without a reload."""
    for page in pages.values():
        _heading(page, round_number).wait_for(timeout=60_000)


def _submit_all(pages, round_number: int, budgets: dict[str, float]) -> None:
    """Each team enters its budget and submits; then each sees its decisions saved."""
    for name, budget in budgets.items():
        field = pages[name].get_by_role("spinbutton", name="Budget asked")
        field.fill(str(budget))
        pages[name].get_by_role("button", name="Submit").click()
    for name in budgets:
        _saved(pages[name], round_number).wait_for(timeout=30_000)


def _advance(console, then: str) -> None:
    """Close the round; ``then`` is what the console shows once it has (not yet shown before)."""
    console.get_by_role("button", name="Close the round and advance").click()
    console.get_by_text(then).wait_for(timeout=60_000)
    console.wait_for_function(STALE, timeout=60_000)


def _not_blank(pdf: Path, folder: Path) -> bool:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(folder / "first")], check=True)
    pixels = np.asarray(Image.open(next(folder.glob("first*.png"))).convert("L"), dtype=float)
    return pixels.std() > 5 and (pixels < 128).mean() > 0.002  # text and lines, not an empty page


def _screenshot(page, name: str, **options) -> None:
    if SCREENS:
        folder = ROOT / SCREENS
        folder.mkdir(parents=True, exist_ok=True)
        screenshot(page, folder / name, **options)


def test_three_teams_play_three_rounds_through_a_server_restart(tmp_path, monkeypatch):
    folder = tmp_path / "workshops"
    monkeypatch.setenv(DATA_ENV, str(folder))
    setup = WorkshopSetup(name="Leadership academy, spring cohort", rounds=3, events=(CRISIS,),
                          scenario=load_scenario(shipped_scenarios() / "baseline.toml").resolved())
    created = create_workshop(Store(folder), setup, PIN)
    port, started = free_port(), time.perf_counter()
    with chromium() as browser:
        contexts = {name: browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
                    for name in ["facilitator", *TEAMS]}
        teams = {name: contexts[name].new_page() for name in TEAMS}
        console = contexts["facilitator"].new_page()
        with served_app(port) as url:
            console_link = f"{url}/console?console={created.facilitator_token}"
            # Each team joins from its own browser with the code and its name; the facilitator watches the console.
            _open_all(teams, lambda name: f"{url}/team?code={created.code}")
            console.goto(console_link, wait_until="commit")
            for name, page in teams.items():
                page.get_by_label("Team name").fill(name)
                page.get_by_role("button", name="Join").click()
            for page in teams.values():
                _heading(page, 1).wait_for(timeout=90_000)
            links = {name: page.url for name, page in teams.items()}
            assert len(set(links.values())) == 3 and all("team=" in link for link in links.values())
            _submit_all(teams, 1, TEAMS)
            console.get_by_text("3 of 3").wait_for(timeout=60_000)  # the console follows the submissions
            _advance(console, "0 of 3")
            _round_shown(teams, 2)
            _submit_all(teams, 2, {"Alpha": TEAMS["Alpha"] + 10, "Beta": TEAMS["Beta"] + 10})  # Gamma keeps its decisions
        # The server restarts mid-round: every decision and result is still there, and a refreshed page loses nothing.
        with served_app(port) as url:
            teams["Alpha"].reload()
            _round_shown(teams, 2)
            for name, page in teams.items():
                page.get_by_text("News (round 2)").wait_for(timeout=30_000)  # the crisis has happened
                page.locator('[data-testid="stVegaLiteChart"]').nth(3).wait_for(timeout=30_000)  # round 1's results
                if name != "Gamma":
                    _saved(page, 2).wait_for(timeout=30_000)
                page.wait_for_function(STALE, timeout=30_000)
                assert (_saved(page, 2).count() == 1) == (name != "Gamma")
                budget = page.get_by_role("spinbutton", name="Budget asked").input_value()
                assert float(budget) == TEAMS[name] + (10 if name != "Gamma" else 0)  # the decision entered, or the one kept
            console.get_by_text("2 of 3").wait_for(timeout=60_000)
            _advance(console, "0 of 3")
            _round_shown(teams, 3)
            _submit_all(teams, 3, TEAMS)
            _screenshot(teams["Alpha"], "workshop_team.png")

            # Teams edit their links: another's token cut short, guessed ids, no token: never a team's data,
            # only the refusal (a token) or the join form (none).
            token = parse_qs(urlsplit(links["Beta"]).query)["team"][0]
            edits = {"Alpha": [f"{url}/team?team={token[:-2]}", f"{url}/team?team_id=2"],
                     "Gamma": [f"{url}/team?team=2", f"{url}/team"]}
            teams.pop("Beta").close()
            for step in range(2):
                for name, edited in edits.items():
                    teams[name].goto(edited[step], wait_until="commit")
                for name, edited in edits.items():
                    page = teams[name]
                    shown = page.get_by_text("this team link is not valid") if "team=" in edited[step] else \
                        page.get_by_role("button", name="Join")
                    shown.wait_for(timeout=30_000)
                    page.wait_for_function(STALE, timeout=30_000)
                    body = page.locator("body").inner_text()
                    assert not any(team in body for team in TEAMS), edited[step]
            _advance(console, "(finished)")
            _screenshot(console, "workshop_console.png")
            console.close()

            debrief = contexts["facilitator"].new_page()
            debrief.goto(console_link.replace("/console?", "/debrief?"))
            board = debrief.locator('[data-testid="stTable"]').first
            board.wait_for(timeout=60_000)
            assert all(name in board.inner_text() for name in ("Alpha", "Beta", "Gamma", "baseline", "benchmark"))
            debrief.get_by_text("Which feedback loops drove the PMO").wait_for(timeout=60_000)
            debrief.wait_for_function(IMAGES_SHOWN, arg=3, timeout=60_000)  # the class, the team's trajectory, its loops
            _screenshot(debrief, "workshop_debrief.png")
            _screenshot(debrief, "workshop_debrief_loops.png", heading="Which feedback loops drove the PMO")
            with debrief.expect_download(timeout=120_000) as download:
                debrief.get_by_role("button", name="Download the debrief (PDF)").click()
            pdf = tmp_path / "debrief.pdf"
            download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF") and _not_blank(pdf, tmp_path)
    print(f"\nthree teams, three rounds, a restart: {time.perf_counter() - started:.1f} s in the browser")
