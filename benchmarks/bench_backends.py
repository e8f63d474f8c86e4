"""Speed of the batch backends (numba, numpy) against PySD and each other, cold and warm.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_backends.py [--runs 10000 100000] [--skip-cold]

- single run: ``sim.simulate`` (warm: median of repeated calls in one process); PySD for reference;
- batches: ``--runs`` random parameter sets (every input uniform in its range) x 120 months,
  saving the contract outputs (``sim.model.CONTRACT_OUTPUTS``), warm (median of 3 calls, each
  result dropped before the next, as a study's loop does, so the numba backend writes into the memory
  of the one before: :mod:`sim.engine.buffers`); the first call of each size in the process is also
  shown (fresh memory from the operating system);
- cold: fresh processes. "empty cache" is a process whose kernel cache folder is empty (it pays
  numba's compilation); "warm cache" is the next process on the same folder. Each reports the time of
  ``import sim``, of reading the model file, and of its first single run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_RUN = """
import json, time
t0 = time.perf_counter()
import sim
t1 = time.perf_counter()
sim.get_model(); from sim.engine import plan; plan.compiled()
t2 = time.perf_counter()
sim.simulate(engine=ENGINE)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "first_run": t3 - t2}))
"""


def median_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold(engine: str, kernel_cache: Path) -> dict[str, float]:
    env = {"PMO_SIM_KERNEL_CACHE": str(kernel_cache), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", FIRST_RUN.replace("ENGINE", repr(engine))], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    import sim
    from sim.engine import batch

    backends = [b for b in batch.BACKENDS if b == "numpy" or batch.default_backend() == "numba"]
    if not args.skip_cold:
        for engine in backends:
            with tempfile.TemporaryDirectory() as folder:
                empty, warm = cold(engine, Path(folder)), cold(engine, Path(folder))
            for label, figures in (("empty cache", empty), ("warm cache", warm)):
                print(f"cold process, {label:11} {engine:5}: import sim {figures['import']:.2f} s, model "
                      f"{figures['model']:.2f} s, first run {figures['first_run']:.3f} s")

    single = {"pysd": median_time(lambda: sim.simulate(engine="pysd"), 5)}
    for engine in backends:
        sim.simulate(engine=engine)
        single[engine] = median_time(lambda: sim.simulate(engine=engine), 200)
    for engine, seconds in single.items():
        print(f"single run, warm, {engine:5}: {seconds * 1e3:8.3f} ms   PySD / this: {single['pysd'] / seconds:7.1f}x")

    rng = np.random.default_rng(1)
    inputs = sim.get_model().inputs
    outputs = list(sim.model.CONTRACT_OUTPUTS)
    for n in args.runs:
        table = pd.DataFrame({v.py_name: rng.uniform(v.minimum, v.maximum, n) for v in inputs})
        batched, first = {}, {}
        for engine in backends:
            sim.simulate_batch(table.head(100), engine=engine, outputs=outputs)
            first[engine] = median_time(lambda: sim.simulate_batch(table, engine=engine, outputs=outputs), 1)
            batched[engine] = median_time(lambda: sim.simulate_batch(table, engine=engine, outputs=outputs), 3)
        for engine, seconds in batched.items():
            print(f"{n:>7} runs x 120 months, warm, {engine:5}: {seconds:7.3f} s   PySD x {n} / this: "
                  f"{single['pysd'] * n / seconds:8.0f}x   numpy / this: {batched['numpy'] / seconds:5.1f}x   "
                  f"(first call of this size in the process: {first[engine]:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
