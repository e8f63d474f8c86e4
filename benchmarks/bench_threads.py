"""The numpy backend's thread split: one thread against one per core, across batch sizes.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_threads.py [--runs 500 1000 2000 5000 10000 20000 50000 100000] [--repeats 3]

For each size: random parameter sets (every input uniform in its range) x 120 months, saving the
contract outputs, on ``engine="numpy"`` with ``workers=1``, with one worker per core, and with the
default choice (``workers=None``: split only from ``numpy_backend.PARALLEL_MIN_RUNS`` runs). Prints
the best of ``--repeats`` calls (the machine may be shared) and the ratios; the default must never
be slower than one thread by more than the noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def best_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    import sim
    from sim.engine import batch, numpy_backend

    cores = os.cpu_count() or 1
    rng = np.random.default_rng(1)
    inputs = sim.get_model().inputs
    outputs = list(sim.model.CONTRACT_OUTPUTS)
    print(f"numpy backend, {cores} cores, split from {numpy_backend.PARALLEL_MIN_RUNS} runs (best of {args.repeats}):")
    print(f"{'runs':>8} {'1 thread':>10} {f'{cores} threads':>10} {'default':>10}   1 thread / {cores} threads   1 thread / default")
    for n in args.runs:
        table = pd.DataFrame({v.py_name: rng.uniform(v.minimum, v.maximum, n) for v in inputs})

        def call(workers):
            return lambda: batch.outputs(table, engine="numpy", outputs=outputs, workers=workers)

        one, many, default = (best_time(call(w), args.repeats) for w in (1, cores, None))
        print(f"{n:>8} {one:>9.3f}s {many:>9.3f}s {default:>9.3f}s   {one / many:>21.2f}x   {one / default:>17.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
