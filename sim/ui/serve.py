"""Serve the app to a class: one Streamlit process per core behind HAProxy, sessions kept on their process.

    python -m sim.ui.serve [--address localhost] [--port 8501] [--processes N]    (``make serve``)

One Streamlit process runs one Python interpreter, so its sessions share one core; this starts one
process per core on the ports after ``--port`` and puts Debian's HAProxy in front on ``--port``.
HAProxy passes websockets through and keeps each browser on the process that holds its session (a
cookie it sets), which Streamlit needs: a session, its uploads and its widgets live in one process.
Before the proxy opens, the pages' compiled kernels are built into the disk cache once and every
process opens the executive page once, so no visitor waits for a compilation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
#: Each process as `make serve` runs it. No full garbage collection after every run (Streamlit's
#: default): with numba, scipy and pandas loaded it took most of a redraw's CPU; Python still
#: collects as usual. No watching of the source files either.
STREAMLIT_OPTIONS = ["--server.headless", "true", "--browser.gatherUsageStats", "false", "--runner.postScriptGC", "false",
                     "--server.fileWatcherType", "none", "--server.runOnSave", "false"]

HAPROXY = """global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
frontend app
    bind {address}:{port}
    default_backend streamlit
backend streamlit
    balance leastconn
    cookie PMOSIM insert indirect nocache httponly
    option httpchk GET /_stcore/health
{servers}
"""


def warm_kernels() -> None:
    """Run each page once in this process so that every kernel the pages need is compiled to the
    disk cache (a few seconds per kernel the first time, nothing after)."""
    import logging

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # pages run without a server here, on purpose
    pages = ROOT / "sim" / "ui" / "pages"
    for name in ("executive", "trainer", "analyst"):
        app = AppTest.from_file(str(pages / f"{name}.py"), default_timeout=600).run()
        if name == "executive":
            app.toggle(key="uncertainty").set_value(True).run()  # the 200-run bands are their own kernel


async def _open_page(url: str) -> None:
    """One session on ``url`` through Streamlit's websocket protocol: the page runs once."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", max_size=None) as socket:
        back = BackMsg()
        back.rerun_script.page_script_hash = ""
        await socket.send(back.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await socket.recv())
            if message.WhichOneof("type") == "script_finished":
                return


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until the Streamlit server ``process`` answers on ``url``; RuntimeError if it stops or never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Streamlit process behind {url} did not start") from None
            time.sleep(0.3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="localhost", help="where the proxy listens (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="Streamlit processes (default: one per core)")
    parser.add_argument("--warm-only", action="store_true", help="only compile the pages' kernels into the cache (make app)")
    args = parser.parse_args(argv)
    if args.warm_only:
        warm_kernels()
        return 0
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        print("pmo-sim serve: needs HAProxy (Debian: apt-get install haproxy)", file=sys.stderr)
        return 2
    print("pmo-sim serve: compiling the pages' kernels into the cache (only the first time takes long)", flush=True)
    warm_kernels()
    ports = [args.port + 1 + i for i in range(args.processes)]
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="pmo-sim-serve-") as folder:
        try:
            for port in ports:  # each process on the loopback only: the proxy is the way in
                children.append(subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
                     "--server.port", str(port), *STREAMLIT_OPTIONS], cwd=ROOT,
                    stdout=subprocess.DEVNULL))  # its "view the app at" line would name the wrong port
            for port, child in zip(ports, children):
                url = f"http://127.0.0.1:{port}"
                wait_healthy(url, child)
                asyncio.run(_open_page(url))  # loads the kernels into this process before anyone comes
            servers = "\n".join(f"    server app{i} 127.0.0.1:{port} check cookie app{i}" for i, port in enumerate(ports))
            config = Path(folder) / "haproxy.cfg"
            config.write_text(HAPROXY.format(address=args.address, port=args.port, servers=servers), encoding="utf-8")
            children.append(subprocess.Popen([haproxy, "-db", "-f", str(config)]))
            shown = "localhost" if args.address in ("127.0.0.1", "localhost") else args.address
            print(f"pmo-sim serve: {len(ports)} Streamlit processes behind HAProxy on http://{shown}:{args.port} "
                  "(Ctrl+C stops them)", flush=True)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while all(child.poll() is None for child in children):
                time.sleep(1)
            return 1  # one of them stopped on its own
        except KeyboardInterrupt:
            return 0
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    raise SystemExit(main())
