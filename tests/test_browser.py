"""End to end: the app served on localhost, driven in Debian's headless Chromium with Playwright.

The screenshots in the README are made here (docs/screenshots/). CI installs chromium with apt-get;
without it these tests fail in CI and are skipped, with the reason, on a developer's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from browser import CHROMIUM, ROOT, chromium, open_page, served_app, wait_idle
from sim.cli import main

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

SCREENSHOTS = Path(os.environ.get("PMO_SIM_SCREENSHOTS", ROOT / "docs" / "screenshots"))
PAGES = {"executive": "", "trainer": "trainer", "analyst": "analyst"}
# Streamlit scrolls inside its own container, so a screenshot shows the viewport: make it page-sized.
SCREENSHOT_HEIGHTS = {"executive": 1450, "trainer": 3000, "analyst": 1500}


@pytest.fixture(scope="module")
def app_url():
    with served_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def exceptions(page) -> list[str]:
    return page.locator('[data-testid="stException"]').all_inner_texts()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_an_exception(app_url, browser, name):
    page = open_page(browser, app_url, PAGES[name])
    try:
        if name == "analyst":
            page.get_by_role("button", name="Run").click()
            page.wait_for_selector('[data-testid="stImage"]', timeout=120_000)
            wait_idle(page)
        assert exceptions(page) == []
        assert page.locator("h1").first.inner_text() in {"Executive what-if", "Trainer: the short-cycle and the long-cycle engine", "Analyst: scenarios"}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1440, "height": SCREENSHOT_HEIGHTS[name]})
        page.wait_for_timeout(1000)
        wait_idle(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    finally:
        page.close()


def kpi(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_a_slider_moved_by_keyboard_updates_a_kpi(app_url, browser):
    page = open_page(browser, app_url)
    try:
        before = kpi(page, "PMO Performance: 10 years")
        page.get_by_role("slider", name="PMO Budget (k$/Month)").focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "before => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".find(m => m.innerText.includes('PMO Performance: 10 years'))"
            ".querySelector('[data-testid=\"stMetricValue\"]').innerText !== before", arg=before, timeout=30_000)
        wait_idle(page)
        assert kpi(page, "PMO Performance: 10 years") != before
        assert page.get_by_role("slider", name="PMO Budget (k$/Month)").get_attribute("aria-valuenow") in (None, "150")
        assert exceptions(page) == []
    finally:
        page.close()


def test_the_csv_and_toml_downloads_work(app_url, browser, tmp_path):
    page = open_page(browser, app_url)
    try:
        wait_idle(page)
        with page.expect_download(timeout=120_000) as csv_download:  # made on click, on a cold server
            page.get_by_role("button", name="Download the results (CSV)").click()
        csv_path = tmp_path / "what_if_timeseries.csv"
        csv_download.value.save_as(csv_path)
        series = pd.read_csv(csv_path)
        assert list(series["time"]) == list(range(121)) and "pmo_performance" in series
        wait_idle(page)
        with page.expect_download(timeout=120_000) as toml_download:
            page.get_by_role("button", name="Download these settings (scenario TOML)").click()
        toml_path = tmp_path / "what_if.toml"
        toml_download.value.save_as(toml_path)
        assert main(["run", str(toml_path), "--out", str(tmp_path / "out")]) == 0
        assert (tmp_path / "out" / "what_if" / "manifest.json").exists()
    finally:
        page.close()


def test_a_bad_upload_shows_the_clear_error(app_url, browser, tmp_path):
    page = open_page(browser, app_url)
    try:
        bad = tmp_path / "mine.toml"
        bad.write_text("[params]\npmo_budgte = 100\n")
        page.get_by_text("Open or save a scenario file").click()
        page.locator('input[type="file"]').set_input_files(str(bad))
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="cannot be used")
        alert.wait_for(timeout=30_000)
        assert "mine.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?" in alert.inner_text()
    finally:
        page.close()
