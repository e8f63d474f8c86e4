"""Speed of the studies (on demand, not a test). Figures are indicative on a shared machine.

    .venv/bin/python benchmarks/bench_studies.py sobol         # Sobol, N = 1024, second order, baseline (target 5 s)
    .venv/bin/python benchmarks/bench_studies.py optimize      # robust constant five-share split, 200 samples (target 60 s)
    .venv/bin/python benchmarks/bench_studies.py distributed   # 1,000,000-run Monte Carlo on a LocalCluster
                                                               # (target 2 GB peak per worker), runs/s against one process

Each study is timed after one small warm-up call in the same process (the batch engine's kernel
loaded), as an analyst's second study in a session would run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "scenarios" / "baseline.toml"
OUTPUTS = ["pmo_performance", "pmo_survival", "cumulative_net_value", "executive_support"]


def sobol() -> None:
    import sim
    from sim.analysis.sensitivity import sensitivity

    scenario = sim.load_scenario(SCENARIO)
    sensitivity(scenario, n=8)
    start = time.perf_counter()
    result = sensitivity(scenario, n=1024, second_order=True)
    seconds = time.perf_counter() - start
    print(f"Sobol, {len(result.params)} parameters, N = 1024, second order: {result.runs:,} runs x "
          f"{scenario.spec.run.final_time:g} months in {seconds:.2f} s (target 5 s: {seconds / 5:.2f} of it)")


def optimize() -> None:
    import sim
    from sim.analysis.optimize import optimize as run_optimize

    scenario = sim.load_scenario(SCENARIO)
    run_optimize(scenario, samples=4, maxiter=1, popsize=4)
    start = time.perf_counter()
    result = run_optimize(scenario, samples=200)
    seconds = time.perf_counter() - start
    print(f"Robust constant five-share split over 200 samples: {len(result.history) - 1} generations, {result.runs:,} runs, "
          f"converged={result.converged}, in {seconds:.1f} s (target 60 s: {seconds / 60:.2f} of it); "
          f"objective {result.kpis.iloc[0]['current']:.4f} -> {result.objective:.4f}")


def distributed(runs: int, single_runs: int, chunk_runs: int) -> None:
    import sim
    from sim.analysis.distributed import dask_client, monte_carlo

    scenario = sim.load_scenario(SCENARIO)
    folder = Path(tempfile.mkdtemp(prefix="pmo-sim-bench-"))
    try:
        monte_carlo(scenario, folder / "warm", runs=200, chunk_runs=100, outputs=OUTPUTS)
        start = time.perf_counter()
        monte_carlo(scenario, folder / "single", runs=single_runs, chunk_runs=chunk_runs, outputs=OUTPUTS)
        single = single_runs / (time.perf_counter() - start)
        shutil.rmtree(folder / "single")
        with dask_client("local") as client:
            client.run(lambda: __import__("sim").simulate(final_time=1))  # each worker loads the kernel
            start = time.perf_counter()
            done = monte_carlo(scenario, folder / "cluster", client=client, runs=runs, chunk_runs=chunk_runs, outputs=OUTPUTS)
            seconds = time.perf_counter() - start
            peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        size = sum(p.stat().st_size for p in (done.folder / "runs").glob("*.parquet")) / 1e9
        print(f"Monte Carlo on a LocalCluster of {len(peaks)} workers: {runs:,} runs ({len(OUTPUTS)} outputs x 121 months, "
              f"{size:.1f} GB of Parquet) in {seconds:.0f} s = {runs / seconds:,.0f} runs/s; one process, the same "
              f"chunks: {single:,.0f} runs/s (ratio {runs / seconds / single:.2f})")
        print("Peak memory per worker: " + ", ".join(f"{mb:,.0f} MB" for mb in peaks.values()) + " (target 2,048 MB)")
        print(f"Client process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=("sobol", "optimize", "distributed"))
    parser.add_argument("--runs", type=int, default=1_000_000, help="distributed: runs on the cluster")
    parser.add_argument("--single-runs", type=int, default=100_000, help="distributed: runs in one process, for the rate")
    parser.add_argument("--chunk-runs", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if args.which == "sobol":
        sobol()
    elif args.which == "optimize":
        optimize()
    else:
        distributed(args.runs, args.single_runs, args.chunk_runs)


if __name__ == "__main__":
    main()
