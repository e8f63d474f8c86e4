"""A workshop end to end in Debian's headless Chromium: a facilitator and three teams, each in its own
browser context, play three rounds; the server restarts mid-workshop; a team edits its link; the PDF
debrief renders. Screenshots go where tests/test_browser.py sends its own (``PMO_SIM_SCREENSHOTS``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from browser import CHROMIUM, ROOT, chromium, free_port, screenshot, served_app, wait_idle
from sim.workshop import DATA_ENV

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

TEAMS = {"Alpha": 150, "Beta": 60, "Gamma": 100}
PIN = "facilitate-42"


def _screens(tmp_path: Path) -> Path:
    chosen = os.environ.get("PMO_SIM_SCREENSHOTS")
    folder = ROOT / chosen if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stHeading"]', timeout=90_000)
    wait_idle(page)
    return page


def _submit(page, round_number: int, budget: float) -> None:
    field = page.get_by_role("spinbutton", name="PMO Budget asked")
    field.fill(str(budget))
    field.press("Tab")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text(f"your decisions for round {round_number} are saved").wait_for(timeout=30_000)


def _advance(console) -> None:
    console.get_by_role("button", name="Close the round and advance").click()
    console.get_by_text("Round closed and advanced").wait_for(timeout=60_000)
    wait_idle(console)


def _not_blank(pdf: Path, tmp_path: Path) -> bool:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "first")], check=True)
    pixels = np.asarray(Image.open(next(tmp_path.glob("first*.png"))).convert("L"), dtype=float)
    return pixels.std() > 5 and (pixels < 128).mean() > 0.002  # text and lines, not an empty page


def test_three_teams_play_three_rounds_through_a_server_restart(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "workshops"))
    port, screens = free_port(), _screens(tmp_path)
    with chromium() as browser:
        contexts = {name: browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
                    for name in ["facilitator", *TEAMS]}
        with served_app(port) as url:
            setup = _open(contexts["facilitator"], f"{url}/workshop")
            setup.get_by_label("Rounds").fill("3")
            setup.get_by_label("Facilitator PIN", exact=False).fill(PIN)
            setup.get_by_role("button", name="Create the workshop").click()
            setup.get_by_text("The workshop is ready").wait_for(timeout=90_000)
            setup.locator('[data-testid="stCode"]').nth(1).wait_for(timeout=30_000)
            team_link, console_link = (c.inner_text().strip() for c in setup.locator('[data-testid="stCode"]').all()[:2])
            teams = {}
            for name in TEAMS:
                page = _open(contexts[name], team_link)
                page.get_by_label("Team name").fill(name)
                page.get_by_role("button", name="Join").click()
                page.get_by_role("heading", name="Your decisions for round 1").wait_for(timeout=30_000)
                teams[name] = page
            links = {name: page.url for name, page in teams.items()}
            for name, page in teams.items():
                _submit(page, 1, TEAMS[name])
            console = _open(contexts["facilitator"], console_link)
            console.get_by_text("3 of 3").wait_for(timeout=30_000)
            _advance(console)
            for name in ("Alpha", "Beta"):  # Gamma keeps its decisions this round
                teams[name].reload()
                teams[name].get_by_role("heading", name="Your decisions for round 2").wait_for(timeout=30_000)
                _submit(teams[name], 2, TEAMS[name] + 10)
        # The server restarts mid-round: every decision and result is still there.
        with served_app(port) as url:
            for name, page in teams.items():
                page.reload()
                page.get_by_role("heading", name="Your decisions for round 2").wait_for(timeout=90_000)
                if name != "Gamma":
                    page.get_by_text("your decisions for round 2 are saved").wait_for(timeout=30_000)
                wait_idle(page)
                assert (page.get_by_text("your decisions for round 2 are saved").count() == 1) == (name != "Gamma")
                assert page.locator('[data-testid="stVegaLiteChart"]').count() == 4
            console.reload()
            console.get_by_text("2 of 3").wait_for(timeout=60_000)
            _advance(console)
            for name, page in teams.items():
                page.reload()
                page.get_by_role("heading", name="Your decisions for round 3").wait_for(timeout=30_000)
                _submit(page, 3, TEAMS[name])
            screenshot(teams["Alpha"], screens / "workshop_team.png")
            _advance(console)
            screenshot(console, screens / "workshop_console.png")

            # A team edits its link: another token, no token, a guessed id: never another team's data.
            alpha = teams["Alpha"]
            token = parse_qs(urlsplit(links["Beta"]).query)["team"][0]
            for edited in (f"{url}/team?team={token[:-2]}", f"{url}/team?team_id=2", f"{url}/team?team=2", f"{url}/team"):
                alpha.goto(edited)
                alpha.wait_for_selector('[data-testid="stHeading"]', timeout=30_000)
                wait_idle(alpha)
                body = alpha.locator("body").inner_text()
                assert "Beta" not in body and "Gamma" not in body, edited

            debrief = _open(contexts["facilitator"], console_link.replace("/console?", "/debrief?"))
            board = debrief.locator('[data-testid="stTable"]').first.inner_text()
            assert all(name in board for name in ("Alpha", "Beta", "Gamma", "baseline", "benchmark"))
            button = debrief.get_by_role("button", name="Download the debrief (PDF)")
            button.wait_for(timeout=60_000)
            wait_idle(debrief)
            with debrief.expect_download(timeout=120_000) as download:
                button.click()
            pdf = tmp_path / "debrief.pdf"
            download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF") and _not_blank(pdf, tmp_path)
            screenshot(debrief, screens / "workshop_debrief.png")
