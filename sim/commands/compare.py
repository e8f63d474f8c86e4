"""``pmo-sim compare``: several scenarios side by side, an overlay chart and a KPI table."""

from __future__ import annotations

import sys

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, load_inputs, progress_bar, report


def main(args, command_line: list[str]) -> int:
    from sim import results, summary

    inputs = load_inputs(args)
    if inputs.problems:
        report(inputs.problems)
        return BAD_INPUT
    if len(inputs.scenarios) < 2:
        report(["pmo-sim compare: give at least two scenario files"])
        return BAD_INPUT
    try:
        reports = [summary.summarise(s, runs=args.runs if s.spec.uncertainty else None, seed=args.seed, with_parent=False)
                   for s in progress_bar(inputs.scenarios, "running")]
        files = results.comparison_files(reports)
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            results.write_atomic(args.out / name, content)
    except Exception as error:  # noqa: BLE001
        print(f"pmo-sim compare: run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return RUN_FAILED
    print(files["comparison_kpis.csv"].decode())
    print(f"wrote {args.out / 'comparison.png'} and {args.out / 'comparison_kpis.csv'}")
    return OK
