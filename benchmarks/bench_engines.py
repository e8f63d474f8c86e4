"""Speed and memory of the batch engine against PySD, measured in the same run.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_engines.py [--runs 10000] [--pysd-repeats 5]

Prints PySD's time per run, the batch engine's single-run time, its time and peak memory for
``--runs`` random parameter sets (every input uniform in its documented range) over 120 months,
and the ratios. "Cold" is the first batch call of a fresh process (it pays for the operating
system handing over fresh memory); "warm" is a repeated call in a process that already did one,
as in the app or a study that runs several batches. Batches of at least
``sim.engine.batch.PARALLEL_MIN_RUNS`` runs are split over the cores by default.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def random_table(n: int, seed: int = 1) -> pd.DataFrame:
    import sim

    rng = np.random.default_rng(seed)
    return pd.DataFrame({v.py_name: rng.uniform(v.minimum, v.maximum, n) for v in sim.get_model().inputs})


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _cold_batch(n: int, outputs: list[str] | None, queue) -> None:
    """In a fresh process: build the table, then time the first batch call and read peak memory."""
    warnings.simplefilter("ignore")
    import sim

    table = random_table(n)
    sim.simulate_batch(table.head(1))  # compile once, as any process does before its first study
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    sim.simulate_batch(table, outputs=outputs)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((elapsed, peak / 1024, (peak - before) / 1024))


def cold(n: int, outputs: list[str] | None) -> tuple[float, float, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_cold_batch, args=(n, outputs, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--pysd-repeats", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import pysd

    import sim
    from sim.model import CONTRACT_OUTPUTS
    from sim.engine import pysd_engine

    table = random_table(args.runs)
    one = table.iloc[0].to_dict()

    # PySD, as the reference engine runs it (fresh model per run), and PySD's run() alone.
    pysd_engine_times = timed(lambda: sim.simulate(one, engine="pysd"), args.pysd_repeats)
    model = pysd.load(str(pysd_engine.translated_model_file()))
    pysd_run_times = timed(lambda: model.run(params=one, reload=True), args.pysd_repeats)
    pysd_per_run = statistics.median(pysd_run_times)

    sim.simulate(one)  # compile the batch engine once
    single = statistics.median(timed(lambda: sim.simulate(one), 20))

    study_outputs = list(CONTRACT_OUTPUTS)
    cold_all = cold(args.runs, None)
    cold_study = cold(args.runs, study_outputs)
    from sim.engine import batch

    sim.simulate_batch(table)  # warm the allocator, as a second call in the same process
    warm_all = statistics.median(timed(lambda: sim.simulate_batch(table), 3))
    warm_all_one_thread = statistics.median(timed(lambda: batch.run(table, workers=1), 3))
    warm_study = statistics.median(timed(lambda: sim.simulate_batch(table, outputs=study_outputs), 3))

    n = args.runs
    rows = [
        ("PySD engine, one run (fresh model each run)", f"{statistics.median(pysd_engine_times):.3f} s"),
        ("PySD Model.run alone, one run", f"{pysd_per_run:.3f} s"),
        ("batch engine, one run", f"{single * 1000:.1f} ms"),
        (f"batch {n} runs, all 106 variables, cold", f"{cold_all[0]:.2f} s, peak RSS {cold_all[1]:.0f} MB"),
        (f"batch {n} runs, {len(study_outputs)} contract outputs, cold", f"{cold_study[0]:.2f} s, peak RSS {cold_study[1]:.0f} MB"),
        (f"batch {n} runs, all 106 variables, warm", f"{warm_all:.2f} s"),
        (f"batch {n} runs, all 106 variables, warm, one thread", f"{warm_all_one_thread:.2f} s"),
        (f"batch {n} runs, {len(study_outputs)} contract outputs, warm", f"{warm_study:.2f} s"),
        ("ratio one run: PySD run / batch", f"{pysd_per_run / single:.0f}x"),
        (f"ratio {n} runs: PySD one by one / batch cold, all variables", f"{pysd_per_run * n / cold_all[0]:.0f}x"),
        (f"ratio {n} runs: PySD one by one / batch warm, all variables", f"{pysd_per_run * n / warm_all:.0f}x"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"pmo-sim engine benchmark ({n} runs x 120 months, TIME STEP 0.125; numpy {np.__version__}, PySD {pysd.__version__})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
