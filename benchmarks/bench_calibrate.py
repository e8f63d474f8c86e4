"""Speed of calibration: a 5-parameter fit to a 36-month history, alone and with profile intervals.

Run on demand (not part of the tests):

    .venv/bin/python benchmarks/bench_calibrate.py [--repeats 3] [--default-set]

The history is examples/histories/synthetic_monthly.csv (36 months, 3 observed series, made by the
model); the 5 parameters are those its truth file names. Targets: the fit (8 starts) within 10 s,
with 90% profile-likelihood intervals within 30 s (the predictive band included). Times are warm
(the model translated and the kernel compiled by a first call, reported as "cold"), medians of
``--repeats`` calls; the machine's other load shows in them, so the figures are indicative. Also
reported: the batch-engine calls and the runs they made. ``--default-set`` also times the default
parameter set of the baseline scenario (16 parameters).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HISTORY = ROOT / "examples" / "histories" / "synthetic_monthly.csv"
SCENARIO = ROOT / "scenarios" / "baseline.toml"
FIT_TARGET, PROFILE_TARGET = 10.0, 30.0


class Counter:
    """Counts the batch-engine calls the calibration makes and the runs in them."""

    def __init__(self) -> None:
        from sim.analysis.calibration import fitting, problem

        self.calls = self.runs = 0
        original = problem.evaluate

        def counted(requests, *, engine="batch"):
            self.calls += 1
            self.runs += sum(len(r.u) for r in requests)
            return original(requests, engine=engine)

        fitting.evaluate = counted

    def reset(self) -> tuple[int, int]:
        done = (self.calls, self.runs)
        self.calls = self.runs = 0
        return done


def timed(params: list[str] | None, repeats: int, counter: Counter) -> dict[str, float]:
    from sim.analysis import calibrate

    totals, fits = [], []
    for _ in range(repeats):
        counter.reset()
        start = time.perf_counter()
        result = calibrate(HISTORY, SCENARIO, params=params)
        totals.append(time.perf_counter() - start)
        fits.append(result.timings["fit_seconds"])
    calls, runs = counter.reset()
    return {"fit": statistics.median(fits), "total": statistics.median(totals), "calls": calls, "runs": runs,
            "parameters": len(result.names)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--default-set", action="store_true", help="also time the baseline's default parameter set")
    args = parser.parse_args(argv)
    params = list(tomllib.loads(HISTORY.with_suffix(".truth.toml").read_text())["params"])
    counter = Counter()
    start = time.perf_counter()
    from sim.analysis import calibrate

    calibrate(HISTORY, SCENARIO, params=params)
    print(f"cold (import, model translation, kernel, first calibration): {time.perf_counter() - start:.1f} s")
    cases = [("5 parameters", params)] + ([("default set", None)] if args.default_set else [])
    for name, chosen in cases:
        result = timed(chosen, args.repeats, counter)
        print(f"{name} ({result['parameters']}), 36-month history, warm median of {args.repeats}:")
        print(f"  fit (8 starts):               {result['fit']:6.2f} s   target {FIT_TARGET:.0f} s  "
              f"ratio {result['fit'] / FIT_TARGET:.2f}")
        print(f"  with profile intervals, band: {result['total']:6.2f} s   target {PROFILE_TARGET:.0f} s  "
              f"ratio {result['total'] / PROFILE_TARGET:.2f}")
        print(f"  batch-engine calls per calibration: {result['calls'] // args.repeats:,}, "
              f"runs {result['runs'] // args.repeats:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
