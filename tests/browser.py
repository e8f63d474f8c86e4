"""Serve the app on localhost and drive it in Debian's headless Chromium (tests and benchmarks)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Sequence

from sim.ui.serve import wait_healthy

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PMO_SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Headless, sandbox off (root in CI), and no background traffic: this machine's network is closed.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: In the page: time from the next key press until the KPIs have changed and nothing is stale
#: (Streamlit marks elements data-stale while a rerun is pending), plus two frames for painting.
MEASURE_NEXT_REDRAW = """
() => {
  const value = () => {
    const kpis = [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(k => k.innerText);
    return kpis.length ? kpis.join('|') : null;
  };
  const bench = window.__redraw = {start: null, end: null, before: value()};
  document.addEventListener('keydown', () => { bench.start = performance.now(); }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (bench.start === null || bench.end !== null) return;
    const now = value();
    if (now !== null && now !== bench.before && document.querySelectorAll('[data-stale="true"]').length === 0) {
      observer.disconnect();
      requestAnimationFrame(() => requestAnimationFrame(() => { bench.end = performance.now(); }));
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served_app(port: int | None = None, timeout: float = 90, options: Sequence[str] = ()) -> Iterator[str]:
    """Run ``streamlit run app.py`` (with Streamlit ``options``) on 127.0.0.1 and yield its URL; stop it afterwards."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false", *options]
    # The server's log goes to a file: an unread pipe would fill up and block the server.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, process, timeout)
        except RuntimeError:
            log.seek(0)
            raise RuntimeError(f"streamlit did not start:\n{log.read().decode(errors='replace')}") from None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: What shows that a page has fully rendered (skeletons are not marked stale, so idleness alone is not enough).
READY = {"": '[data-testid="stMetricValue"]', "trainer": '[data-testid="stGraphVizChart"]',
         "analyst": '[data-testid="stButton"]'}


def open_page(browser, url: str, path: str = ""):
    """A new tab on ``url/path`` once the page has rendered and finished running."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page.goto(f"{url}/{path}")
    page.wait_for_selector(READY.get(path, '[data-testid="stHeading"]'), timeout=90_000)
    wait_idle(page)
    return page


def wait_idle(page, timeout: float = 60) -> None:
    """Until the app has finished running: no element is stale and the status widget is gone."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout * 1000)
    page.wait_for_timeout(300)


def timed_key(page, slider_label: str, key: str = "ArrowRight") -> float:
    """Milliseconds from pressing ``key`` on a slider to the redrawn page."""
    page.evaluate(MEASURE_NEXT_REDRAW)
    page.get_by_role("slider", name=slider_label).focus()
    page.keyboard.press(key)
    page.wait_for_function("() => window.__redraw && window.__redraw.end !== null", timeout=30_000)
    return page.evaluate("() => window.__redraw.end - window.__redraw.start")


#: Streamlit scrolls inside its own main container, not the window.
MAIN = '[data-testid="stMain"]'

#: In the page: texts that do not fit their box and are cut off (an ellipsis or a clipped end).
CLIPPED_TEXTS = """
() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(e => e.innerText && e.scrollWidth > e.clientWidth + 1 && ['hidden', 'clip'].includes(getComputedStyle(e).overflowX))
  .map(e => e.innerText)
"""


def clipped_texts(page) -> list[str]:
    """The texts on the page that are cut off at the current window size (charts, drawn on a canvas, aside)."""
    return page.evaluate(CLIPPED_TEXTS)


def screenshot(page, path: str | Path, *, width: int = 1280, height: int = 800, heading: str | None = None,
               whole_page: bool = False) -> None:
    """Save what a ``width`` x ``height`` screen shows: the top of the page, the section under
    ``heading`` (scrolled to the top of the screen), or with ``whole_page`` the whole page (a screen
    as tall as the page, since a screenshot only shows the viewport)."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)  # charts redraw for the new width
    if whole_page:
        page.set_viewport_size({"width": width, "height": page.eval_on_selector(MAIN, "main => main.scrollHeight")})
    if heading is not None:
        page.get_by_role("heading", name=heading).first.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1000)
    wait_idle(page)
    page.screenshot(path=str(path))
