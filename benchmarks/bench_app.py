"""How fast the executive page redraws after a slider change, measured in a real browser.

    .venv/bin/python benchmarks/bench_app.py [--repeats 15]

Serves the app on localhost, opens it in headless Chromium (Debian's package, driven by
Playwright), presses the right-arrow key on the PMO Budget slider and times, inside the page,
from the key press until the KPIs have changed, nothing is stale and two frames have painted.
First with one run per redraw, then with the 200-run uncertainty bands switched on.
Targets: 300 ms (single run) and 1 s (bands).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import chromium, open_page, served_app, timed_key, wait_idle  # noqa: E402

SLIDER = "PMO Budget (k$/Month)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    with served_app() as url, chromium() as browser:
        page = open_page(browser, url)
        results = {}
        for label, bands in (("single run", False), ("200-run bands", True)):
            if bands:
                page.get_by_text("Show uncertainty").click()
                wait_idle(page)
            timed_key(page, SLIDER)  # warm-up: first redraw compiles caches
            wait_idle(page)
            times = []
            for _ in range(args.repeats):
                times.append(timed_key(page, SLIDER))
                wait_idle(page)
            results[label] = times
    print("pmo-sim app redraw after a slider key press (ms, in the browser):")
    for label, times in results.items():
        ordered = sorted(times)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"  {label:14}  median {statistics.median(times):6.0f}   p90 {p90:6.0f}   max {max(times):6.0f}   n={len(times)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
