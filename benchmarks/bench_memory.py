"""Peak memory and time of a 100,000-run Monte Carlo through ``pmo-sim run`` (on demand, not a test).

    .venv/bin/python benchmarks/bench_memory.py              # the chunked run against the 1.5 GB target
    .venv/bin/python benchmarks/bench_memory.py --plain      # also one plain in-memory run of the same runs (~7 GB)

Each measurement runs in a fresh process, so that its peak resident set size (``ru_maxrss``) is its
own: ``pmo-sim run scenarios/baseline.toml --runs 100000`` called as ``sim.cli.main`` (the same code
path as the command), and with ``--plain`` the same runs held in memory at once (``sim.run`` then
``sim.results.write_results``), as ``pmo-sim run`` did before it ran in chunks.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
TARGET_MB = 1500


def _measure(kind: str, runs: int, chunk_runs: int | None) -> dict:
    """In this (fresh) process: run, then report seconds and peak resident set size in MB."""
    import sim
    from sim import results
    from sim.cli import main

    sim.simulate(final_time=1)  # compile the batch engine first, as any process does before a study
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        if kind == "chunked":
            extra = ["--chunk-runs", str(chunk_runs)] if chunk_runs else []
            code = main(["run", str(SCENARIO), "--out", out, "--runs", str(runs), *extra])
            assert code == 0, code
        else:
            result = sim.run(sim.load_scenario(SCENARIO), runs=runs)
            results.write_results(result, Path(out))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(kind: str, runs: int, chunk_runs: int | None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--runs", str(runs)]
    if chunk_runs:
        command += ["--chunk-runs", str(chunk_runs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="Monte Carlo runs (default 100,000)")
    parser.add_argument("--chunk-runs", type=int, help="runs per chunk (default: pmo-sim run's)")
    parser.add_argument("--plain", action="store_true", help="also measure the runs held in memory at once (needs ~7 GB)")
    parser.add_argument("--child", choices=("chunked", "plain"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.runs, args.chunk_runs)))
        return
    print(f"{SCENARIO.name}, {args.runs:,} runs x 121 months, through pmo-sim run")
    chunked = _child("chunked", args.runs, args.chunk_runs)
    verdict = "within" if chunked["peak_mb"] <= TARGET_MB else "OVER"
    print(f"  chunked (pmo-sim run): peak {chunked['peak_mb']:,.0f} MB ({verdict} the {TARGET_MB:,} MB target), "
          f"{chunked['seconds']:.1f} s")
    if args.plain:
        plain = _child("plain", args.runs, None)
        print(f"  plain, every run in memory: peak {plain['peak_mb']:,.0f} MB, {plain['seconds']:.1f} s")
        print(f"  chunked / plain: memory {chunked['peak_mb'] / plain['peak_mb']:.2f}x, time {chunked['seconds'] / plain['seconds']:.2f}x")


if __name__ == "__main__":
    main()
