"""``pmo-sim run --scheduler``: each scenario's Monte Carlo in chunks on a Dask cluster, streamed to Parquet."""

from __future__ import annotations

import sys

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, EachFile, load_inputs, report, runs_for


def main(args, command_line: list[str]) -> int:
    from sim.analysis.distributed import dask_client, monte_carlo

    if args.chunk_runs < 1:
        report([f"pmo-sim: --chunk-runs {args.chunk_runs}: must be 1 or more"])
        return BAD_INPUT
    inputs = load_inputs(args)
    report(inputs.problems)
    if inputs.problems:
        return BAD_INPUT
    jobs = EachFile("run", hint="; run again with --resume to keep the chunks already finished")
    with dask_client(args.scheduler) as client:
        for scenario in inputs.scenarios:
            def progress(done: int, total: int, name: str = scenario.name) -> None:
                print(f"{name}: {done:,} of {total:,} runs", file=sys.stderr, flush=True)

            runs = runs_for(scenario, args)
            with jobs.one(scenario.path) as outcome:
                done = monte_carlo(scenario, args.out, client=client, runs=runs, seed=args.seed,
                                   chunk_runs=args.chunk_runs, resume=args.resume, command_line=command_line,
                                   progress=progress)
            if outcome.ok:
                print(f"{scenario.path}: {done.runs:,} run{'s' if done.runs > 1 else ''} in {done.chunks} "
                      f"chunk{'s' if done.chunks > 1 else ''}{f' ({done.resumed} resumed)' if done.resumed else ''} -> {done.folder}")
    return RUN_FAILED if jobs.failed else OK
