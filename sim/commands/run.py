"""``pmo-sim run``: run scenario files and write each one's results, a Monte Carlo in chunks."""

from __future__ import annotations

import sys

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, EachFile, load_inputs, progress_bar, report, runs_for
from sim.scenario import Scenario


def _progress(scenario: Scenario, chunk_runs: int):
    """Prints "name: 40,000 of 100,000 runs" to stderr after each chunk of a run that takes several."""

    def show(done: int, total: int) -> None:
        if total > chunk_runs:
            print(f"{scenario.name}: {done:,} of {total:,} runs", file=sys.stderr, flush=True)

    return show


def main(args, command_line: list[str]) -> int:
    from sim import summary

    if getattr(args, "scheduler", None):  # on a Dask cluster (sim.analysis.distributed)
        from sim.commands import run_distributed

        return run_distributed.main(args, command_line)

    if args.chunk_runs < 1:
        report([f"pmo-sim: --chunk-runs {args.chunk_runs}: must be 1 or more"])
        return BAD_INPUT
    inputs = load_inputs(args)
    report(inputs.problems)
    jobs = EachFile("run")
    for scenario in progress_bar(inputs.scenarios, "running"):
        runs = runs_for(scenario, args)
        with jobs.one(scenario.path) as outcome:
            folder, done = summary.write_summarised(
                scenario, args.out, engine=args.engine, runs=runs, seed=args.seed,
                file_format=args.format, command_line=command_line, chunk_runs=args.chunk_runs,
                progress=_progress(scenario, args.chunk_runs))
        if outcome.ok:
            print(f"{scenario.path}: {done.runs} run{'s' if done.runs > 1 else ''} -> {folder}")
    return BAD_INPUT if inputs.problems else (RUN_FAILED if jobs.failed else OK)
