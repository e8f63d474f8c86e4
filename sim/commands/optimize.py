"""``pmo-sim optimize``: the budget split (or schedule) that maximises an objective, robust over uncertainty."""

from __future__ import annotations

import argparse
import json
import sys

from sim.commands.inputs import BAD_INPUT, report
from sim.commands.study import add_common, names, numbers, run_study


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "optimize", help="the budget split that maximises an objective, robust over uncertainty",
        description="Find the budget split (constant, or two or three phases with their switch months, optionally with "
                    "the budget) that maximises an objective over the scenario's uncertainty samples (scipy's "
                    "differential evolution; each generation one batch of population x samples runs). Writes "
                    "best_policy.toml (runs with pmo-sim run), policy_kpis.csv, comparison_kpis.csv, comparison.png, "
                    "convergence.csv/.png, pareto.csv/.png (--pareto) and manifest.json to OUT/<name>/. Defaults come "
                    "from the file's [study.optimize] table.")
    add_common(parser, "optimize")
    parser.add_argument("--objective", metavar="OBJ",
                        help="performance (PMO Performance averaged over --window, the default), net_value (Cumulative Net "
                             "Value at the horizon), survival (PMO Survival at the horizon), or weights as JSON, e.g. "
                             "'{\"performance\": 1, \"survival\": 0.5}'")
    parser.add_argument("--window", metavar="FIRST,LAST", help="months of the performance average (default 60,120)")
    parser.add_argument("--phases", type=int, choices=(1, 2, 3), help="1: a constant split (default); 2 or 3: a schedule")
    parser.add_argument("--shares", metavar="A,B", help="shares the optimiser may move (default all five)")
    parser.add_argument("--switch-months", metavar="LOW,HIGH", help="range of the switch months (default 6 to horizon - 6)")
    parser.add_argument("--budget", metavar="LOW,HIGH", help="optimise PMO Budget in this range (k$/Month) too")
    parser.add_argument("--budget-cap", type=float, metavar="B", help="constraint: PMO Budget at most B")
    parser.add_argument("--min-share", type=float, metavar="F", help="constraint: each share moved gets at least F of the budget")
    parser.add_argument("--min-survival", type=float, metavar="P", help="constraint: PMO Survival at the horizon at least P")
    parser.add_argument("--robust", choices=("mean", "percentile", "worst"), help="statistic over the samples (default mean)")
    parser.add_argument("--percentile", type=float, metavar="Q", help="with --robust percentile (default 10)")
    parser.add_argument("--samples", type=int, metavar="N", help="uncertainty samples per candidate (default 200)")
    parser.add_argument("--pareto", action="store_true", default=None, help="also the Pareto front of performance against cost (pymoo)")
    parser.add_argument("--popsize", type=int, metavar="K", help="candidates per generation per decision (default 8)")
    parser.add_argument("--maxiter", type=int, metavar="G", help="generations at most (default 200)")
    parser.add_argument("--tol", type=float, metavar="T", help="relative tolerance of convergence (default 0.005)")


def _objective(text: str | None):
    if text is None or not text.lstrip().startswith("{"):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise argparse.ArgumentTypeError("expected a name or JSON weights, e.g. '{\"performance\": 1}'") from None


def main(args, command_line: list[str]) -> int:
    from sim.analysis.optimize import optimize
    from sim.analysis.optimize_files import write_optimize

    values = {}
    for option in ("objective", "window", "switch_months", "budget"):
        try:
            values[option] = _objective(args.objective) if option == "objective" else numbers(getattr(args, option))
        except argparse.ArgumentTypeError as error:
            report([f"pmo-sim: --{option.replace('_', '-')} {getattr(args, option)}: {error}"])
            return BAD_INPUT
    changes = {"name": args.name, **values, "phases": args.phases, "shares": names(args.shares), "budget_cap": args.budget_cap,
               "min_share": args.min_share, "min_survival": args.min_survival, "robust": args.robust,
               "percentile": args.percentile, "samples": args.samples, "pareto": args.pareto, "popsize": args.popsize,
               "maxiter": args.maxiter, "tol": args.tol, "seed": args.seed}
    typed = {k: "--pareto" if k == "pareto" else f"--{k.replace('_', '-')} {getattr(args, k)}" for k, v in changes.items() if v is not None}

    def describe(result) -> str:
        kpis = result.kpis.set_index("measure")
        return (f"{result.runs:,} runs, objective {kpis.loc['objective', 'current']:.4g} -> {kpis.loc['objective', 'best']:.4g}"
                f"{'' if result.converged else ' (not converged)'}")

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rgeneration {done} (at most {total})", end="", file=sys.stderr, flush=True)

    def study(scenario, **options):
        return optimize(scenario, progress=progress, **options)

    return run_study(args, command_line, "optimize", changes, typed, study, write_optimize, describe)
