"""``pmo-sim survey``: survey a population of simulated PMOs and test the Dual-Track white paper's claims."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, report


def add_parser(commands) -> None:
    """The ``survey`` subcommand's options."""
    survey = commands.add_parser(
        "survey", help="survey simulated PMOs and test the white paper's claims (needs semopy)",
        description="Draw the study's population of PMOs, run them all at once, survey each at its age with Likert "
                    "items, estimate the Dual-Track path model with bootstrap intervals, and judge the white paper's "
                    "three empirical claims. Writes OUT/<study name>/ (verdicts.txt, effects.csv, paths.png, ...).")
    survey.add_argument("study", type=Path, metavar="STUDY.toml", help="a scenario file with [uncertainty] (the population) and a [study.survey] table")
    survey.add_argument("--out", required=True, type=Path, metavar="OUT", help="results go to OUT/<study name>/")
    survey.add_argument("--pmos", type=int, metavar="N", help="PMOs drawn (overrides [uncertainty].runs)")
    survey.add_argument("--bootstrap", type=int, metavar="B", help="bootstrap resamples (overrides the study's)")
    survey.add_argument("--seed", type=int, metavar="S", help="seed of ages, answers and resamples (overrides the study's)")
    survey.add_argument("--no-sem", action="store_true", help="skip the semopy fit (the closed-form estimates remain)")


def _option_problems(args: argparse.Namespace) -> list[str]:
    from sim.scenario import MAX_RUNS

    if args.pmos is not None and not 30 <= args.pmos <= MAX_RUNS:
        return [f"pmo-sim survey: --pmos {args.pmos}: must be between 30 and {MAX_RUNS:,}"]
    return []


def main(args, command_line: list[str]) -> int:
    from sim.commands.study import _cli_problem
    from sim.results import OutputError
    from sim.scenario import ScenarioError

    problems = _option_problems(args)
    if problems:
        report(problems)
        return BAD_INPUT
    try:
        from sim.analysis.survey import SurveyError, load_study, run_survey
        from sim.analysis.survey.report import summary_lines, survey_files
        from sim.results import publish_folder
    except ImportError as error:
        print(f"pmo-sim survey: needs the survey packages ({error.name}): pip install 'pmo-sim[survey]'", file=sys.stderr)
        return RUN_FAILED
    changes = {"bootstrap": args.bootstrap, "seed": args.seed}
    typed = {k: f"--{k} {v}" for k, v in changes.items() if v is not None}
    try:
        scenario, options = load_study(args.study, changes)
    except ScenarioError as error:
        report(_cli_problem(p, "survey", typed) for p in error.problems)
        return BAD_INPUT
    try:
        result = run_survey(scenario, options, pmos=args.pmos, fit_sem=not args.no_sem)
        folder = publish_folder(args.out, options.name or scenario.name, survey_files(result, command_line=command_line))
    except (SurveyError, OutputError) as error:
        print(f"pmo-sim survey: {args.study}: {error}", file=sys.stderr)
        return RUN_FAILED
    except Exception as error:  # noqa: BLE001 - reported, not a traceback
        print(f"pmo-sim survey: {args.study}: run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return RUN_FAILED
    print("\n".join(summary_lines(result)))
    print(f"wrote {folder}")
    return OK
