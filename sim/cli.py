"""The ``pmo-sim`` command line for analysts. ``main(argv) -> int``: 0 ok, 1 a run failed (or units
do not add up), 2 bad input. The subcommands live in :mod:`sim.commands`, one module each.

    pmo-sim run FILES_OR_DIRS... --out DIR [--runs N] [--seed S] [--format csv|parquet] [-p name=value ...]
              [--engine batch|pysd] [--chunk-runs N]
    pmo-sim validate FILES_OR_DIRS... [--runs N] [--seed S] [-p name=value ...]
    pmo-sim compare FILES_OR_DIRS... --out DIR [--runs N] [--seed S] [-p name=value ...]
    pmo-sim list-params [--json]
    pmo-sim schema
    pmo-sim check-units [MODEL_FILE.mdl]
    pmo-sim loops FILES_OR_DIRS... --out DIR [--variable NAME] [--runs N] [--seed S] [-p name=value ...]
    pmo-sim sensitivity FILES... --out DIR [--method sobol|morris] [--vary A,B] [--outputs A,B] [-n N] ...
    pmo-sim optimize FILES... --out DIR [--objective performance|net_value|survival] [--phases 1|2|3] ...
    pmo-sim calibrate HISTORY.csv --scenario S.toml --out DIR [--params a,b,c] [--noise SERIES=SD ...] [--posterior]
    pmo-sim survey STUDY.toml --out DIR [--pmos N] [--bootstrap B] [--seed S] [--no-sem]
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Sequence

from sim.runner import CHUNK_RUNS
from sim.commands.inputs import BAD_INPUT, out_problem
from sim.scenario import MAX_RUNS


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 without raising SystemExit past main()."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _scenario_options(parser: argparse.ArgumentParser, *, paths_help: str, runs: bool = True) -> None:
    """The options every command that reads scenario files shares, so ``validate`` checks what ``run`` would."""
    parser.add_argument("paths", nargs="+", metavar="FILES_OR_DIRS", help=paths_help)
    parser.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter in every scenario, e.g. -p pmo_budget=150 (repeat for more; see list-params)")
    if runs:
        parser.add_argument("--runs", type=int, metavar="N",
                            help=f"Monte Carlo runs, 1 to {MAX_RUNS:,} (overrides [uncertainty].runs; files without [uncertainty] run once)")
        parser.add_argument("--seed", type=int, metavar="S", help="sampling seed, 0 or more (overrides [uncertainty].seed)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pmo-sim", description="Simulate how a PMO evolves: the PMO Dual-Track model.",
                     epilog="Exit codes: 0 ok, 1 a run failed, 2 bad input (reported as file:line: field: message), "
                            "141 the reader of the output went away (as in pmo-sim schema | head).")
    parser.add_argument("--version", action="version", version=f"pmo-sim {_version()}", help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    run = commands.add_parser("run", help="run scenario files and write results",
                              description="Run scenario files (Monte Carlo in chunks, with progress) and write each one's "
                                          "results to OUT/<scenario name>/.")
    _scenario_options(run, paths_help="scenario files, or folders of *.toml files")
    run.add_argument("--out", required=True, type=Path, metavar="OUT", help="results go to OUT/<scenario name>/")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv",
                     help="csv (default): time series, KPIs, charts, manifest; parquet: also runs.parquet with every run")
    run.add_argument("--engine", choices=("batch", "pysd"), default="batch",
                     help="batch (default): all runs at once, fast; pysd: the reference engine, one run at a time")
    run.add_argument("--chunk-runs", type=int, default=CHUNK_RUNS, metavar="N",
                     help=f"runs per chunk of a Monte Carlo (default {CHUNK_RUNS:,}); fewer use less memory, more are a little faster")
    validate = commands.add_parser("validate", help="check scenario files without running them",
                                   description="Check scenario files as run would, without running them.")
    _scenario_options(validate, paths_help="scenario files, or folders of *.toml files")
    compare = commands.add_parser("compare", help="overlay chart and KPI table of several scenarios",
                                  description="Run two or more scenarios and write OUT/comparison.png and "
                                              "OUT/comparison_kpis.csv (medians for Monte Carlo; milestones with the "
                                              "number and share of runs reaching them).")
    _scenario_options(compare, paths_help="two or more scenario files, or folders of *.toml files")
    compare.add_argument("--out", required=True, type=Path, metavar="OUT", help="folder for comparison.png and comparison_kpis.csv")
    listing = commands.add_parser("list-params", help="every model input: units, default, range, comment",
                                  description="Every model input a scenario may set: units, default, documented range, comment.")
    listing.add_argument("--json", action="store_true", help="as JSON")
    commands.add_parser("schema", help="the scenario JSON Schema, for editors",
                        description="Print the JSON Schema of scenario files (for editors' completion and checks).")
    # -- loops (Loops that Matter) --
    loops = commands.add_parser("loops", help="which feedback loop dominates when (Loops that Matter)",
                                description="Score every feedback loop of the model at every month of each scenario's runs "
                                            "(Loops that Matter: Schoenberg, Davidsen and Eberlein 2020; Schoenberg, Hayward "
                                            "and Eberlein 2023) and write OUT/<scenario name>/: family_scores.csv, loop_scores.csv, "
                                            "loops.csv, dominant_periods.csv, loop_dominance.png and manifest.json.")
    _scenario_options(loops, paths_help="scenario files, or folders of *.toml files")
    loops.add_argument("--out", required=True, type=Path, metavar="OUT", help="results go to OUT/<scenario name>/")
    loops.add_argument("--variable", default="pmo_performance", metavar="NAME",
                       help="the variable whose behaviour the chart shows above the loop scores (default pmo_performance)")
    # -- end loops --
    check_units = commands.add_parser("check-units", help="check that every equation's units add up (needs pint)",
                                      description="Check that every equation of a model file is dimensionally consistent.")
    check_units.add_argument("model", nargs="?", type=Path, metavar="MODEL_FILE.mdl", help="default: the shipped model")
    _study_parsers(commands, run)
    from sim.commands import calibrate, survey

    calibrate.add_parser(commands)
    survey.add_parser(commands)
    return parser


def _study_parsers(commands, run: argparse.ArgumentParser) -> None:
    """The studies (sensitivity, optimize) and the option to run a Monte Carlo on a Dask cluster."""
    from sim.commands import optimize, sensitivity

    sensitivity.add_parser(commands)
    optimize.add_parser(commands)
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run the Monte Carlo on a Dask cluster: a scheduler's address, or 'local' for a LocalCluster "
                          "on this machine's cores; every run streams to OUT/<name>/runs/ (partitioned Parquet)")
    run.add_argument("--resume", action="store_true", help="with --scheduler: keep the chunks an interrupted run finished")


def _version() -> str:
    """The installed distribution's version (package metadata), else the package's own."""
    from importlib import metadata

    try:
        return metadata.version("pmo-sim")
    except metadata.PackageNotFoundError:
        import sim

        return sim.__version__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        print(error, file=sys.stderr)
        return BAD_INPUT
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    if getattr(args, "out", None) is not None and (problem := out_problem(Path(args.out))):
        print(problem, file=sys.stderr)  # before any run: a run must not be lost for want of a place to write it
        return BAD_INPUT
    warnings.simplefilter("ignore")  # library warnings are not for analysts; problems are reported below
    try:
        from sim.commands import compare, model_info, optimize, run, sensitivity, validate
        from sim.commands import loops as loops_command

        command = {"run": run.main, "validate": validate.main, "compare": compare.main, "list-params": model_info.list_params,
                   "schema": model_info.schema, "check-units": model_info.check_units,
                   "sensitivity": sensitivity.main, "optimize": optimize.main, "loops": loops_command.main}
        from sim.commands import calibrate, survey

        command["calibrate"] = calibrate.main
        command["survey"] = survey.main
        code = command[args.command](args, ["pmo-sim", *argv])
        sys.stdout.flush()  # here, not at exit, so that a reader gone away is noticed below
        return code
    except KeyboardInterrupt:
        print("pmo-sim: interrupted; results already written are complete, the rest were not started", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()


#: The exit code of a command whose output's reader went away (``pmo-sim schema | head``): 128 + SIGPIPE,
#: as a shell reports a command ended by that signal.
READER_GONE = 141


def _reader_gone() -> int:
    """Stop quietly when the reader of standard output has gone (Python's documentation, "Note on SIGPIPE"):
    what is still buffered goes to the null device, so that the flush at exit raises nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in-process): nothing to flush later
        pass
    return READER_GONE


if __name__ == "__main__":
    raise SystemExit(main())
