"""End to end: the app served on localhost, driven in Debian's headless Chromium with Playwright.

The screenshots go to a temporary folder; with ``PMO_SIM_SCREENSHOTS=docs/screenshots`` (a folder,
relative to the repository) they go there instead, which is how the README's are remade; the 1280x800
screens to look at go to its ``review/`` folder, which git ignores. CI installs
chromium with apt-get; without it these tests fail in CI and are skipped, with the reason, on a
developer's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from browser import CHROMIUM, ROOT, chromium, clipped_texts, open_page, screenshot, served_app, wait_idle
from sim.cli import main

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

PAGES = {"executive": "", "trainer": "trainer", "analyst": "analyst"}
TITLES = {"Executive what-if", "Trainer: the short-cycle and the long-cycle engine", "Analyst: scenarios"}
#: The README's screenshots show whole pages this wide; the checks for cut-off text use a laptop's screen.
README_WIDTH, SCREEN = 1440, {"width": 1280, "height": 800}
MONEY_CARDS = ("PMO cost (M$)", "Value delivered (M$)", "Net value (M$)", "Payback month")
ZOMBIE, CRISIS = "4. The zombie PMO", "5. A crisis is an opportunity only for a ready, directed PMO"


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: ``PMO_SIM_SCREENSHOTS`` if set, else a temporary folder (the tree stays clean)."""
    chosen = os.environ.get("PMO_SIM_SCREENSHOTS")
    folder = ROOT / chosen if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def review(screenshots) -> Path:
    """Where the 1280x800 screens to look at go (not the README's: ``review/``, which git ignores)."""
    folder = screenshots / "review"
    folder.mkdir(exist_ok=True)
    return folder


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
def test_page_renders_without_an_exception(app_url, browser, screenshots, name):
    page = open_page(browser, app_url, PAGES[name])
    try:
        if name == "analyst":
            page.get_by_role("button", name="Run", exact=True).click()
            page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=120_000)
            wait_idle(page)
        assert exceptions(page) == []
        assert page.locator("h1").first.inner_text() in TITLES
        page.set_viewport_size(SCREEN)
        wait_idle(page)
        assert clipped_texts(page) == []
        screenshot(page, screenshots / f"{name}.png", width=README_WIDTH, whole_page=True)
    finally:
        page.close()


def kpi(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_the_executive_page_shows_authority_survival_and_net_value(app_url, browser, review):
    page = open_page(browser, app_url)
    try:
        for name in ("PMO Authority (0 to 1)", "Organisational Complexity (0 to 1)"):
            assert page.get_by_role("slider", name=name).is_visible()
        assert page.locator('[data-testid="stCaptionContainer"]').filter(has_text="PMO type: controlling").count() == 1
        assert kpi(page, "PMO Survival").endswith("%")
        assert all(kpi(page, card) for card in MONEY_CARDS)
        assert page.locator('[data-testid="stVegaLiteChart"]').count() == 8  # six over time, "how much budget?" and the picked variables
        heights = page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks').evaluate_all(
            "charts => charts.map(c => c.getBoundingClientRect().height)")
        assert len(heights) == 8 and min(heights) >= 220 + 30, heights  # a plot area of 220 px at least, and its axis
        page.set_viewport_size(SCREEN)
        wait_idle(page)
        assert clipped_texts(page) == []
        screenshot(page, review / "executive_1280x800.png")
    finally:
        page.close()


@pytest.mark.parametrize(("slider", "card", "after"), [
    ("PMO Budget (k$/Month)", "PMO Performance", "150"),
    ("PMO Authority (0 to 1)", "Delivery Performance", "1"),  # a directive PMO in a mid-range organisation
])
def test_a_slider_moved_by_keyboard_updates_a_kpi(app_url, browser, slider, card, after):
    page = open_page(browser, app_url)
    try:
        before = kpi(page, card)
        page.get_by_role("slider", name=slider).focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([card, before]) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".find(m => m.innerText.includes(card))"
            ".querySelector('[data-testid=\"stMetricValue\"]').innerText !== before", arg=[card, before], timeout=30_000)
        wait_idle(page)
        assert kpi(page, card) != before
        assert page.get_by_role("slider", name=slider).get_attribute("aria-valuenow") in (None, after)
        assert exceptions(page) == []
    finally:
        page.close()


@pytest.mark.parametrize(("heading", "charts", "file"), [(ZOMBIE, 5, "trainer_zombie_pmo.png"),
                                                          (CRISIS, 3, "trainer_crisis_opportunity.png")])
def test_the_trainers_new_demonstrations_render(app_url, browser, review, heading, charts, file):
    page = open_page(browser, app_url, "trainer")
    try:
        assert exceptions(page) == []
        assert page.get_by_role("heading", name=heading).is_visible()
        # Charts between this heading and the next.
        in_section = page.locator('[data-testid="stVegaLiteChart"]').evaluate_all(
            """(charts, heading) => {
                 const headings = [...document.querySelectorAll('h2')];
                 const start = headings.find(h => h.innerText.includes(heading));
                 const next = headings[headings.indexOf(start) + 1];
                 const after = (a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
                 return charts.filter(c => after(start, c) && (!next || after(c, next))).length;
               }""", heading)
        assert in_section == charts
        if heading == CRISIS:
            assert "deepest delivery dip" in page.locator('[data-testid="stTable"]').first.inner_text()
        assert "MODEL.md" not in page.locator("body").inner_text()
        page.set_viewport_size(SCREEN)
        wait_idle(page)
        assert clipped_texts(page) == []
        screenshot(page, review / file, heading=heading)
    finally:
        page.close()


def test_the_csv_and_toml_downloads_work(app_url, browser, tmp_path):
    page = open_page(browser, app_url)
    try:
        wait_idle(page)
        with page.expect_download(timeout=120_000) as csv_download:  # made on click, on a cold server
            page.get_by_role("button", name="Download the results (CSV)").click()
        csv_path = tmp_path / "timeseries.csv"
        csv_download.value.save_as(csv_path)
        series = pd.read_csv(csv_path)
        assert list(series["time"]) == list(range(121)) and "pmo_performance" in series and "pmo_survival" in series
        wait_idle(page)
        with page.expect_download(timeout=120_000) as toml_download:
            page.get_by_role("button", name="Download these settings (scenario TOML)").click()
        assert toml_download.value.suggested_filename.startswith("what_if_")  # a unique name by default
        toml_path = tmp_path / toml_download.value.suggested_filename
        toml_download.value.save_as(toml_path)
        assert "pmo_authority = 0.5" in toml_path.read_text()
        assert main(["run", str(toml_path), "--out", str(tmp_path / "out")]) == 0
        assert (tmp_path / "out" / toml_path.stem / "manifest.json").exists()
    finally:
        page.close()


def test_a_bad_upload_shows_the_clear_error(app_url, browser, tmp_path):
    page = open_page(browser, app_url)
    try:
        bad = tmp_path / "mine.toml"
        bad.write_text("[params]\npmo_budgte = 100\n")
        page.get_by_text("Open a scenario file", exact=True).click()
        page.locator('input[type="file"]').set_input_files(str(bad))
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="cannot be used")
        alert.wait_for(timeout=30_000)
        assert "mine.toml:2: params.pmo_budgte: unknown parameter 'pmo_budgte'; did you mean 'pmo_budget'?" in alert.inner_text()
    finally:
        page.close()


def test_the_causal_diagram_is_readable_on_a_projector(app_url, browser, review):
    page = open_page(browser, app_url, "trainer")
    try:
        page.set_viewport_size(SCREEN)
        diagram = page.locator('[data-testid="stGraphVizChart"] svg').first
        diagram.wait_for(timeout=60_000)
        wait_idle(page)
        sizes = diagram.locator("text").evaluate_all("texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))")
        assert sizes and min(sizes) >= 12, sorted(sizes)[:5]  # every label at least 12 px at 1280 px
        signs = diagram.locator("g.edge text").evaluate_all("texts => texts.map(t => t.textContent.trim())")
        assert {"+", "−"} <= set(signs)
        tips = diagram.locator("g.node a").evaluate_all(
            "links => links.map(a => a.getAttribute('xlink:title') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'title'))")
        assert any(tip and tip.startswith("Executive Support: 0.6 at month 0") for tip in tips), tips[:3]  # hover: its graph
        screenshot(page, review / "trainer_diagram.png", heading="6. The causal structure and its loops")
    finally:
        page.close()


def test_predict_then_reveal_draws_the_sketches_and_the_choice_beside_the_simulation(app_url, browser, review):
    page = open_page(browser, app_url, "trainer")
    try:
        page.set_viewport_size(SCREEN)
        page.get_by_text("Predict, then reveal").click()
        choice = page.locator('[data-testid="stRadio"] p', has_text="B: dips first, then climbs above")
        choice.wait_for(timeout=60_000)
        wait_idle(page)
        charts = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'
        drawn = page.locator(charts).evaluate_all("cs => cs.filter(c => c.getBoundingClientRect().height > 60).length")
        assert drawn >= 3 * 4, drawn  # three sketches for each of the four demonstrations, really drawn
        choice.click()
        wait_idle(page)
        page.get_by_role("button", name="Reveal the simulation").nth(1).click()
        page.get_by_role("button", name="Hide again").wait_for(timeout=60_000)
        wait_idle(page)
        assert exceptions(page) == [] and clipped_texts(page) == []
        screenshot(page, review / "trainer_predict.png", heading="2. Worse before better")
    finally:
        page.close()
