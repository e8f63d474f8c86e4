"""Loops that Matter: time of the loop scores against the time of the run itself.

    PYTHONPATH=$PWD python benchmarks/bench_loops.py

Prints, for one 120-month run and for 1,000 runs, the time of the run alone (numpy backend, the one
the scores are computed on; and the default batch backend) and of the whole loop analysis (the run
with its link scores, every loop's score, relative scores and dominance), best of three.
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
        loop_dominance(table.iloc[:1])  # compile and plan once
        simulate_batch(table.iloc[:1])
        numpy_run = best(lambda: simulate_batch(table, engine="numpy"))
        default_run = best(lambda: simulate_batch(table))
        loops = best(lambda: loop_dominance(table))
        print(f"{runs:>5} runs: run (numpy) {numpy_run:.3f} s, run (default backend) {default_run:.3f} s, "
              f"loop analysis {loops:.3f} s = {loops / numpy_run:.1f} x the numpy run, {loops / default_run:.1f} x the default run")


if __name__ == "__main__":
    main()
