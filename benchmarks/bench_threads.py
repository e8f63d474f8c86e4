"""The batch backends' thread split: one thread against one per core, across batch sizes.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_threads.py [--backend numba numpy] [--runs 500 1000 ...] [--repeats 3]

For each size: random parameter sets (every input uniform in its range) x 120 months, saving the
contract outputs, on one thread, on one thread per core, and with the default choice (the numpy
backend splits from ``numpy_backend.PARALLEL_MIN_RUNS`` runs, the numba one from
``numba_backend.PARALLEL_MIN_RUNS``). Prints the best of ``--repeats`` calls (the machine may be
shared) and the ratios; the default must never be slower than one thread by more than the noise.
"""

from __future__ import annotations

import argparse
import importlib
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
    parser.add_argument("--backend", nargs="+", choices=["numba", "numpy"], default=["numba", "numpy"])
    parser.add_argument("--runs", type=int, nargs="+", help="batch sizes (default: a range suited to each backend)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    import sim
    from sim.engine import batch, numpy_backend

    numba_backend = importlib.import_module("sim.engine.numba_backend") if "numba" in args.backend else None
    cores = os.cpu_count() or 1
    rng = np.random.default_rng(1)
    inputs = sim.get_model().inputs
    outputs = list(sim.model.CONTRACT_OUTPUTS)
    sizes = {"numba": [1, 16, 32, 64, 128, 256, 1000, 10_000, 100_000], "numpy": [500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]}
    for backend in args.backend:
        split_from = (numpy_backend if backend == "numpy" else numba_backend).PARALLEL_MIN_RUNS
        print(f"{backend} backend, {cores} cores, split from {split_from} runs (best of {args.repeats}):")
        print(f"{'runs':>8} {'1 thread':>10} {f'{cores} threads':>10} {'default':>10}   1 thread / {cores} threads   1 thread / default")
        for n in args.runs or sizes[backend]:
            table = pd.DataFrame({v.py_name: rng.uniform(v.minimum, v.maximum, n) for v in inputs})
            batch.outputs(table.head(1), engine=backend, outputs=outputs)  # compiled before timing

            def call(threads):
                if backend == "numpy":
                    return lambda: batch.outputs(table, engine="numpy", outputs=outputs, workers=threads)

                def numba_call():  # the split threshold decides: never (1 thread), always (cores), shipped
                    numba_backend.PARALLEL_MIN_RUNS = {1: 10**12, cores: 1}.get(threads, split_from)
                    try:
                        return batch.outputs(table, engine="numba", outputs=outputs)
                    finally:
                        numba_backend.PARALLEL_MIN_RUNS = split_from
                return numba_call

            one, many, default = (best_time(call(w), args.repeats) for w in (1, cores, None))
            print(f"{n:>8} {one * 1e3:>8.2f}ms {many * 1e3:>8.2f}ms {default * 1e3:>8.2f}ms   {one / many:>21.2f}x   {one / default:>17.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
