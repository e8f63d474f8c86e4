"""Loops that Matter: time of the loop scores against the time of the run itself.

    PYTHONPATH=$PWD python benchmarks/bench_loops.py

Prints, for one 120-month run and for 1,000 runs, the time of the run alone (the default batch
backend, the one the scores are computed on: the numba kernel with the ``fast`` extra; and the numpy
backend) and of the whole loop analysis (the run with its link scores, every loop's score, relative
scores and dominance), best of three (of twenty for one run). Targets: one run's analysis at most 3x
the run itself; 1,000 runs' at most 3 s.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sim.analysis.loops import loop_dominance
from sim.simulate import simulate_batch


def best(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    for runs in (1, 1000):
        table = pd.DataFrame({"pmo_budget": np.linspace(80, 120, runs)})
        loop_dominance(table)  # compile and plan once
        simulate_batch(table)
        repeat = 20 if runs == 1 else 3
        numpy_run = best(lambda: simulate_batch(table, engine="numpy"), repeat)
        default_run = best(lambda: simulate_batch(table), repeat)
        loops = best(lambda: loop_dominance(table), repeat)
        print(f"{runs:>5} runs: run (default backend) {default_run * 1e3:.1f} ms, run (numpy) {numpy_run * 1e3:.1f} ms, "
              f"loop analysis {loops * 1e3:.1f} ms = {loops / default_run:.1f} x the default run, {loops / numpy_run:.1f} x the numpy run")


if __name__ == "__main__":
    main()
