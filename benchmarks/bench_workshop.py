"""Workshop load: 20 teams submitting in the same second, and the advance of a 20-team round (target <= 1 s).

    PYTHONPATH=$PWD python benchmarks/bench_workshop.py [--teams 20] [--rounds 10] [--numpy] [--cold]

Each advance re-runs every team from month 0 with its decisions so far (one batch-engine call), so the
last round is the most expensive; the figures printed are per round and as a ratio to the 1 s target.
By default the compiled kernel is warmed first, as ``make workshop`` does; ``--cold`` skips that (the
first advances then run on numpy while the kernel loads in the background); ``--numpy`` runs every
advance on numpy, for comparison.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time

import numpy as np

from sim.scenario import load_scenario, shipped_scenarios
from sim.workshop import Event, Store, WorkshopSetup, advance, create_workshop, join, submit
from sim.workshop import kernels
from sim.workshop.warm import warm_workshop

TARGET = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--numpy", action="store_true", help="every advance on numpy")
    parser.add_argument("--cold", action="store_true", help="no warm-up: the kernel loads in the background")
    args = parser.parse_args()
    if args.numpy:
        kernels.backend = lambda *_, **__: "numpy"  # what a machine without numba runs
    elif not args.cold:
        started = time.perf_counter()
        print(f"warm-up ({warm_workshop()}): {time.perf_counter() - started:.1f} s")
    store = Store(tempfile.mkdtemp(prefix="pmo-sim-bench-"))
    setup = WorkshopSetup(name="bench", scenario=load_scenario(shipped_scenarios() / "baseline.toml").resolved(),
                          rounds=args.rounds, months_per_round=args.months,
                          events=(Event(round=max(1, args.rounds // 2), headline="crisis"),))
    created = create_workshop(store, setup, "benchmark")
    tokens = [join(store, created.code, f"Team {i}") for i in range(args.teams)]
    rng = np.random.default_rng(7)
    print(f"{args.teams} teams, {args.rounds} rounds of {args.months} months")
    worst_submit, worst_advance = 0.0, 0.0
    for round_number in range(1, args.rounds + 1):
        barrier, times, errors = threading.Barrier(args.teams), [], []

        def play(token: str) -> None:
            shares = rng.dirichlet(np.ones(5)) * 100
            shares[-1] = 100 - shares[:-1].sum()
            barrier.wait()
            started = time.perf_counter()
            try:
                submit(store, token, round_number, budget=float(rng.uniform(50, 250)), shares_percent=list(shares))
            except Exception as error:  # noqa: BLE001 - counted
                errors.append(error)
            times.append(time.perf_counter() - started)

        threads = [threading.Thread(target=play, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result = advance(store, created.facilitator_token)
        worst_submit, worst_advance = max(worst_submit, max(times)), max(worst_advance, result.seconds)
        print(f"round {round_number:2d}: {args.teams} simultaneous submissions, slowest {max(times) * 1000:5.0f} ms, "
              f"{len(errors)} errors; advance {result.seconds * 1000:5.0f} ms on {result.engine} ({result.seconds / TARGET:.2f} x the 1 s target)")
    print(f"worst advance: {worst_advance:.3f} s = {worst_advance / TARGET:.2f} x target; worst submission {worst_submit:.3f} s")


if __name__ == "__main__":
    main()
