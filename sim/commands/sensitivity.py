"""``pmo-sim sensitivity``: which assumptions drive the answer (SALib Sobol or Morris)."""

from __future__ import annotations

import argparse

from sim.commands.study import add_common, names, numbers, run_study


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "sensitivity", help="which assumptions drive the answer (Sobol or Morris)",
        description="Global sensitivity of a scenario's outputs to its uncertain inputs ([uncertainty.params]) or those "
                    "named: Sobol first-order and total indices with confidence intervals (second order on request) or "
                    "Morris mu* and sigma, at chosen months and over time. Writes indices.csv, indices_over_time.csv, "
                    "ranking.png, over_time.png and manifest.json to OUT/<name>/. Defaults come from the file's "
                    "[study.sensitivity] table.")
    add_common(parser, "sensitivity")
    parser.add_argument("--method", choices=("sobol", "morris"), help="sobol (default) or morris")
    parser.add_argument("--vary", metavar="A,B", help="inputs to vary (default: those of [uncertainty.params])")
    parser.add_argument("--outputs", metavar="A,B", help="outputs (default pmo_performance)")
    parser.add_argument("--months", metavar="M,M", help="months the indices are reported at (default: the horizon)")
    parser.add_argument("-n", "--n", type=int, metavar="N", help="Sobol base sample, a power of 2 (default 1024); Morris trajectories")
    parser.add_argument("--second-order", action="store_true", default=None, help="Sobol: also the second-order indices")
    parser.add_argument("--levels", type=int, metavar="L", help="Morris grid levels (default 4)")
    parser.add_argument("--every", type=float, metavar="M", help="months between the points of the indices over time (default 12)")


def main(args, command_line: list[str]) -> int:
    from sim.analysis.sensitivity import sensitivity, write_sensitivity

    try:
        months = numbers(args.months)
    except argparse.ArgumentTypeError as error:
        from sim.commands.inputs import BAD_INPUT, report

        report([f"pmo-sim: --months {args.months}: {error}"])
        return BAD_INPUT
    changes = {"name": args.name, "method": args.method, "params": names(args.vary), "outputs": names(args.outputs),
               "months": months, "n": args.n, "second_order": args.second_order, "levels": args.levels,
               "every": args.every, "seed": args.seed}
    flags = {"second_order": "--second-order", "params": f"--vary {args.vary}"}
    typed = {k: flags.get(k, f"--{k} {getattr(args, k)}") for k, v in changes.items() if v is not None}

    def describe(result) -> str:
        top = result.ranking()
        return f"{result.method}, {result.runs:,} runs; most important: {', '.join(top['parameter'].head(3))}"

    return run_study(args, command_line, "sensitivity", changes, typed, sensitivity, write_sensitivity, describe)
