"""A class at once: N users moving the budget slider of the executive page, timed redraw by redraw.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_load.py [--users 1 5 10 20 30] [--duration 40] [--bands off on]
                                              [--client protocol|browser] [--url http://127.0.0.1:8501]

Without ``--url`` it serves the app itself (one ``streamlit run`` process on a free port) and
measures that process; with ``--url`` it drives a server already running, for example ``make serve``
(one process per core behind a proxy), and measures every local Streamlit process.

- ``--client protocol`` (default): each user is a websocket session speaking Streamlit's own
  protocol (``/_stcore/stream``, protobuf ``BackMsg`` / ``ForwardMsg`` from ``streamlit.proto``),
  as the browser does, without drawing anything, so the clients cost next to nothing. A redraw is
  the time from sending the slider's new value until the server says the run has finished.
- ``--client browser``: each user is a tab of Debian's headless Chromium (Playwright) pressing
  the right-arrow key on the slider; a redraw ends when the page shows new figures, nothing is stale
  and two frames have painted. The browser shares the machine's cores with the server.

Each user moves the slider about every ``--interval`` seconds (uniformly 0.5 to 1.5 times it) and,
every ``--burst`` seconds, all users move it together; a user waits for one redraw before the next.
Reports per level: redraws, errors, redraw median / p90 / max (ms), the server's CPU per redraw and
share of the machine, and its memory (resident, summed over the server's processes).
Targets for 30 users: p90 at most 1 s, at most 2 s with the 200-run bands; no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import CHROMIUM, CHROMIUM_ARGS, MEASURE_NEXT_REDRAW, served_app  # noqa: E402

from sim.ui.serve import STREAMLIT_OPTIONS  # noqa: E402

SLIDER_KEY, SLIDER_LABEL, TOGGLE_KEY = "budget", "PMO Budget (k$/Month)", "uncertainty"
COMPRESSION = "deflate"
DONE = {"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"}


class ProtocolUser:
    """One session over Streamlit's websocket protocol."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http", "ws", 1) + "/_stcore/stream"
        self.ids: dict[str, str] = {}  # widget key -> widget id
        self.fragments: dict[str, str] = {}  # widget key -> fragment id
        self.page_hash = ""
        self.states: dict[str, Any] = {}
        self.budget = 100.0
        self.step = 1.0

    async def open(self, bands: bool) -> None:
        import websockets

        self.socket = await websockets.connect(self.url, max_size=None, subprotocols=["streamlit"], compression=COMPRESSION)
        await self._run()
        if bands:
            await self._run(TOGGLE_KEY, True)

    async def _run(self, key: str | None = None, value: Any = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if key is not None:
            self.states[key] = value
        back = BackMsg()
        back.rerun_script.page_script_hash = self.page_hash
        if key is not None and key in self.fragments:
            back.rerun_script.fragment_id = self.fragments[key]  # as the browser: rerun the widget's fragment only
        for name, state in self.states.items():
            widget = back.rerun_script.widget_states.widgets.add()
            widget.id = self.ids[name]
            if isinstance(state, bool):
                widget.bool_value = state
            else:
                widget.double_array_value.data.append(state)
        await self.socket.send(back.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = message.navigation.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                widget = getattr(element, element.WhichOneof("type"))
                widget_id = getattr(widget, "id", "")
                for name in (SLIDER_KEY, TOGGLE_KEY):
                    if widget_id.endswith(f"-{name}"):
                        self.ids[name] = widget_id
                        self.fragments[name] = message.delta.fragment_id
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status not in DONE:
                    raise RuntimeError(f"the run ended with {status}")
                self.last_status = status
                return

    async def redraw(self) -> float:
        if not 50 <= self.budget + self.step <= 950:
            self.step = -self.step
        self.budget += self.step
        start = time.perf_counter()
        await self._run(SLIDER_KEY, self.budget)
        return time.perf_counter() - start

    async def close(self) -> None:
        await self.socket.close()


class BrowserUser:
    """One tab of headless Chromium."""

    def __init__(self, url: str, browser: Any) -> None:
        self.url, self.browser = url, browser

    async def open(self, bands: bool) -> None:
        self.page = await self.browser.new_page(viewport={"width": 1440, "height": 1000})
        await self.page.goto(self.url)
        await self.page.wait_for_selector('[data-testid="stMetricValue"]', timeout=180_000)
        await self._idle()
        if bands:
            await self.page.get_by_text("Show uncertainty").click()
            await self._idle()

    async def _idle(self) -> None:
        await self.page.wait_for_function(
            "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"
            " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000)

    async def redraw(self) -> float:
        await self.page.evaluate(MEASURE_NEXT_REDRAW)
        await self.page.get_by_role("slider", name=SLIDER_LABEL).focus()
        await self.page.keyboard.press("ArrowRight")
        await self.page.wait_for_function("() => window.__redraw && window.__redraw.end !== null", timeout=120_000)
        return await self.page.evaluate("() => window.__redraw.end - window.__redraw.start") / 1000

    async def close(self) -> None:
        await self.page.close()


class Server:
    """CPU time and resident memory of the app's server processes."""

    def __init__(self, pid: int | None) -> None:
        if pid is not None:
            root = psutil.Process(pid)
            self.processes = [root, *root.children(recursive=True)]
        else:  # every local Streamlit server (e.g. the processes of `make serve`)
            self.processes = [p for p in psutil.process_iter(["cmdline"])
                              if any("streamlit" in part for part in (p.info["cmdline"] or [])) and "run" in (p.info["cmdline"] or [])]
        self.peak = 0

    def cpu(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes if p.is_running())

    def memory(self) -> int:
        resident = sum(p.memory_info().rss for p in self.processes if p.is_running())
        self.peak = max(self.peak, resident)
        return resident


async def drive(users: list, duration: float, interval: float, burst: float, server: Server) -> dict[str, Any]:
    times: list[float] = []
    errors: list[str] = []
    start = time.monotonic()
    bursts = [burst * k for k in range(1, int(duration / burst) + 1)]

    async def user_loop(user: Any, rng: random.Random) -> None:
        moments, moment = [], rng.uniform(0, interval)
        while moment < duration:
            moments.append(moment)
            moment += rng.uniform(0.5, 1.5) * interval
        for moment in sorted(moments + bursts):
            delay = start + moment - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                times.append(await user.redraw())
            except Exception as error:  # counted, and the benchmark goes on
                errors.append(f"{type(error).__name__}: {error}")

    async def watch_memory() -> None:
        while True:
            server.memory()
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch_memory())
    cpu_before, wall_before = server.cpu(), time.monotonic()
    await asyncio.gather(*(user_loop(u, random.Random(i)) for i, u in enumerate(users)))
    cpu, wall = server.cpu() - cpu_before, time.monotonic() - wall_before
    watcher.cancel()
    ordered = sorted(times) or [float("nan")]
    return {"redraws": len(times), "errors": errors, "median": statistics.median(ordered),
            "p90": float(np.percentile(ordered, 90)), "max": ordered[-1],
            "cpu_per_redraw": cpu / max(1, len(times)), "cpu_share": cpu / wall / psutil.cpu_count(),
            "memory": server.peak}


async def level(url: str, client: str, n: int, bands: bool, args: argparse.Namespace, server: Server, browser: Any) -> dict[str, Any]:
    users = [ProtocolUser(url) if client == "protocol" else BrowserUser(url, browser) for _ in range(n)]
    for user in users:  # sessions open one by one, as a class arrives
        await user.open(bands)
    for user in users:  # one redraw each to warm the caches, not timed
        await user.redraw()
    try:
        return await drive(users, args.duration, args.interval, args.burst, server)
    finally:
        for user in users:
            await user.close()


async def run_levels(url: str, pid: int | None, args: argparse.Namespace) -> None:
    server = Server(pid)
    print(f"pmo-sim app under load: {args.client} clients, {args.duration:g} s per level, a move every "
          f"{args.interval:g} s per user and all together every {args.burst:g} s; {psutil.cpu_count()} cores, "
          f"{len(server.processes)} server process(es)")
    print(f"{'users':>5} {'bands':>5} {'redraws':>7} {'errors':>6} {'median ms':>9} {'p90 ms':>7} {'max ms':>7} "
          f"{'CPU ms/redraw':>13} {'CPU share':>9} {'memory MB':>9}")
    async with contextlib.AsyncExitStack() as stack:
        browser = None
        if args.client == "browser":
            from playwright.async_api import async_playwright

            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
        for bands in args.bands:
            for n in args.users:
                r = await level(url, args.client, n, bands == "on", args, server, browser)
                print(f"{n:>5} {bands:>5} {r['redraws']:>7} {len(r['errors']):>6} {r['median'] * 1e3:>9.0f} "
                      f"{r['p90'] * 1e3:>7.0f} {r['max'] * 1e3:>7.0f} {r['cpu_per_redraw'] * 1e3:>13.0f} "
                      f"{r['cpu_share']:>9.0%} {r['memory'] / 2**20:>9.0f}", flush=True)
                for error in sorted(set(r["errors"]))[:3]:
                    print(f"      error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 5, 10, 20, 30])
    parser.add_argument("--bands", nargs="+", choices=["off", "on"], default=["off", "on"])
    parser.add_argument("--duration", type=float, default=40.0, help="seconds measured per level")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between one user's moves, on average")
    parser.add_argument("--burst", type=float, default=20.0, help="seconds between moves of all users together")
    parser.add_argument("--client", choices=["protocol", "browser"], default="protocol")
    parser.add_argument("--url", help="a running server (e.g. make serve); default: serve the app here")
    args = parser.parse_args(argv)
    if args.url:
        asyncio.run(run_levels(args.url.rstrip("/"), None, args))
        return 0
    with served_app(options=STREAMLIT_OPTIONS) as url:  # as each process of `make serve` runs
        pid = next(c.pid for c in psutil.Process().children() if "streamlit" in " ".join(c.cmdline()))
        asyncio.run(run_levels(url, pid, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
