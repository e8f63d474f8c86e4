"""``pmo-sim calibrate``: fit a scenario's parameters to a PMO's history and write the estimates, the fit, the
chart and the calibrated scenarios into ``OUT/<history>_calibration/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, report

DESCRIPTION = """Fit a scenario's parameters to a PMO's history (weighted least squares from several starts, profile-likelihood
intervals) and write OUT/<history>_calibration/: summary.txt, estimates.csv, fit.csv (R2, MAPE, Theil U^M/U^S/U^C),
correlation.csv, starts.csv, fitted.csv, calibration.png, calibrated.toml (the estimates: one run, the fitted trajectory),
calibrated_uncertain.toml (their uncertainty as a Monte Carlo), posterior.csv (with --posterior) and manifest.json.
The history is a CSV with a 'month' (or 'date') column and any of the model's outputs (observed) and inputs (known
decisions such as pmo_budget, run as schedules); an empty cell is a gap."""


def add_parser(commands) -> None:
    parser = commands.add_parser("calibrate", help="fit the model to a PMO's history", description=DESCRIPTION)
    parser.add_argument("history", type=Path, metavar="HISTORY.csv", help="the PMO's history (CSV)")
    parser.add_argument("--scenario", required=True, type=Path, metavar="S.toml",
                        help="the scenario describing the PMO: the fit starts from its values and keeps its other inputs")
    parser.add_argument("--out", required=True, type=Path, metavar="OUT", help="results go to OUT/<history>_calibration/")
    parser.add_argument("--params", metavar="a,b,c",
                        help="parameters to fit, comma-separated (default: the scenario's uncertain assumption parameters "
                             "and the five initial capability levels; see list-params)")
    parser.add_argument("--noise", action="append", default=[], metavar="SERIES=SD",
                        help="standard deviation of a series' observation noise (repeat; default: estimated from the fit)")
    parser.add_argument("--start", metavar="DATE", help="the date of month 0 (YYYY-MM-DD or YYYY-MM) for a history with a "
                                                        "'date' column (default: the first date)")
    parser.add_argument("--starts", type=int, default=8, metavar="N",
                        help="least-squares starts: the scenario's values and N-1 Latin-hypercube points (default 8)")
    parser.add_argument("--level", type=float, default=0.9, metavar="L", help="confidence level of the intervals (default 0.9)")
    parser.add_argument("--posterior", action="store_true", help="also sample the posterior with emcee (needs the calibrate extra)")
    parser.add_argument("--walkers", type=int, metavar="N", help="emcee walkers (default: 4 per parameter, at least 16)")
    parser.add_argument("--steps", type=int, default=2000, metavar="N", help="emcee steps (default 2000)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seeds the starts, the band and the posterior (default 0)")
    parser.add_argument("--engine", choices=("batch", "numba", "numpy"), default="batch",
                        help="batch backend (default batch: numba where installed, else numpy)")


def _options(args: argparse.Namespace) -> tuple[dict, list[str]]:
    """The command line's own options, checked; (keyword arguments of calibrate, problems)."""
    problems, noise = [], {}
    for pair in args.noise:
        name, separator, value = pair.partition("=")
        try:
            sd = float(value) if separator and name.strip() else None
        except ValueError:
            sd = None
        if sd is not None:
            noise[name.strip()] = sd
        else:
            problems.append(f"pmo-sim calibrate: --noise {pair}: expected SERIES=SD, e.g. --noise delivery_performance=0.03")
    checks = [(args.starts >= 1, f"--starts {args.starts}: must be 1 or more"),
              (0 < args.level < 1, f"--level {args.level:g}: must be between 0 and 1, e.g. 0.9"),
              (args.steps >= 10, f"--steps {args.steps}: must be 10 or more"),
              (args.walkers is None or args.walkers >= 2, f"--walkers {args.walkers}: must be 2 or more"),
              (args.seed >= 0, f"--seed {args.seed}: must be 0 or more")]
    problems += [f"pmo-sim calibrate: {message}" for ok, message in checks if not ok]
    params = [p for p in args.params.split(",") if p.strip()] if args.params is not None else None
    return {"params": params, "noise": noise, "start": args.start, "starts": args.starts, "seed": args.seed,
            "level": args.level, "posterior": args.posterior, "walkers": args.walkers, "steps": args.steps,
            "engine": args.engine}, problems


def _problem_text(problem) -> str:
    from sim.analysis.calibration.history import OptionProblem

    return f"pmo-sim calibrate: {problem}" if isinstance(problem, OptionProblem) else str(problem)


def main(args: argparse.Namespace, command_line: list[str]) -> int:
    options, problems = _options(args)
    if problems:
        report(problems)
        return BAD_INPUT
    from sim.analysis.calibrate import HistoryError, calibrate
    from sim.analysis.calibration import report as files
    from sim.results import OutputError
    from sim.scenario import ScenarioError

    try:
        calibration = calibrate(args.history, args.scenario, **options)
    except (HistoryError, ScenarioError) as error:
        report(_problem_text(p) for p in error.problems)
        return BAD_INPUT
    except ImportError as error:
        report([f"pmo-sim calibrate: {error}"])
        return BAD_INPUT
    except Exception as error:  # noqa: BLE001 - a failed fit is reported, never a traceback
        print(f"pmo-sim calibrate: fit failed: {type(error).__name__}: {error}", file=sys.stderr)
        return RUN_FAILED
    try:
        folder = files.write(calibration, args.out, command_line=command_line)
    except (OSError, OutputError) as error:
        print(f"pmo-sim calibrate: cannot write results into {args.out}: {error}", file=sys.stderr)
        return RUN_FAILED
    print(files.summary(calibration))
    print(f"\nwrote {folder}/ (calibration.png, estimates.csv, calibrated.toml, ...)")
    return OK
