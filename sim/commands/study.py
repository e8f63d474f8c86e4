"""What the study commands (``sensitivity``, ``optimize``) share: their options as changes to the scenario's
``[study.<kind>]``, problems with an option named as the command line gave it, a Dask scheduler, and
running the study on each scenario file."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any, Callable, Iterator

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, EachFile, load_inputs, report
from sim.scenario import ScenarioError, ScenarioProblem


def add_common(parser: argparse.ArgumentParser, kind: str) -> None:
    """The options every study command has."""
    parser.add_argument("paths", nargs="+", metavar="FILES", help="scenario files (their [study] table gives the defaults)")
    parser.add_argument("--out", required=True, metavar="OUT", help=f"the study goes to OUT/<name>/ (default name <scenario>_{kind})")
    parser.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter of the scenario, e.g. -p pmo_budget=150 (repeat for more)")
    parser.add_argument("--name", metavar="NAME", help="the study's folder name under OUT")
    parser.add_argument("--seed", type=int, metavar="S", help="sampling (and optimiser) seed, 0 or more")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for a "
                             "LocalCluster on this machine's cores")


def names(text: str | None) -> list[str] | None:
    """A comma-separated list (``a,b``), or None when not given."""
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def numbers(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got '{text}'") from None


def _cli_problem(problem: ScenarioProblem, kind: str, typed: dict[str, str]) -> str | ScenarioProblem:
    """A problem with an option the command line gave, as ``pmo-sim: --option value: message``."""
    prefix = f"study.{kind}."
    option = problem.field[len(prefix):] if problem.field.startswith(prefix) else None
    if option in typed:
        return f"pmo-sim: {typed[option]}: {problem.message}"
    return problem


@contextlib.contextmanager
def evaluator(address: str | None) -> Iterator[Any]:
    """The evaluator of ``--scheduler`` (None: this process), the cluster closed afterwards."""
    if address is None:
        yield None
        return
    from sim.analysis.distributed import dask_evaluator

    with dask_evaluator(address) as found:
        yield found


def run_study(args, command_line: list[str], kind: str, changes: dict[str, Any], typed: dict[str, str],
              study: Callable[..., Any], write: Callable[..., Any], describe: Callable[[Any], str]) -> int:
    """Load each scenario, run ``study`` on it with ``changes`` and ``write`` its folder; the exit code.

    ``typed`` gives each changed option as typed on the command line, to name it in problems.
    """
    from pathlib import Path

    inputs = load_inputs(args, runs=False)
    report(inputs.problems)
    if inputs.problems:
        return BAD_INPUT
    bad = False
    jobs = EachFile(kind)
    with evaluator(args.scheduler) as chosen:
        for scenario in inputs.scenarios:
            with jobs.one(scenario.path) as outcome:
                try:
                    result = study(scenario, evaluator=chosen, **changes)
                except ScenarioError as error:
                    report(_cli_problem(p, kind, typed) for p in error.problems)
                    bad = True
                    continue
                folder = write(result, Path(args.out), command_line=command_line)
            if outcome.ok:
                for warning in getattr(result, "warnings", []):
                    print(f"pmo-sim: warning: {scenario.path}: {warning}", file=sys.stderr)
                print(f"{scenario.path}: {describe(result)} -> {folder}")
    return BAD_INPUT if bad else (RUN_FAILED if jobs.failed else OK)
