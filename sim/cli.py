"""The ``pmo-sim`` command line for analysts. ``main(argv) -> int``: 0 ok, 1 a run failed (or units
do not add up), 2 bad input.

    pmo-sim run FILES_OR_DIRS... --out DIR [--runs N] [--seed S] [--format csv|parquet] [-p name=value ...]
    pmo-sim validate FILES_OR_DIRS...
    pmo-sim compare FILES... --out DIR
    pmo-sim list-params [--json]
    pmo-sim schema
    pmo-sim check-units [MODEL_FILE.mdl]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Iterable, Sequence

from sim.scenario import ScenarioError, ScenarioProblem, load_scenario, safe_folder_name

OK, RUN_FAILED, BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 without raising SystemExit past main()."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pmo-sim", description="Simulate how a PMO evolves: the PMO Dual-Track model.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="run scenario files and write results")
    run.add_argument("paths", nargs="+", metavar="FILES_OR_DIRS", help="scenario files, or folders of *.toml files")
    run.add_argument("--out", required=True, type=Path, help="results go to OUT/<scenario name>/")
    run.add_argument("--runs", type=int, help="Monte Carlo runs (overrides [uncertainty].runs)")
    run.add_argument("--seed", type=int, help="sampling seed (overrides [uncertainty].seed)")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv", help="parquet also writes every run")
    run.add_argument("--engine", choices=("batch", "pysd"), default="batch")
    run.add_argument("-p", dest="params", action="append", default=[], metavar="NAME=VALUE", help="set a parameter in every scenario")
    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("paths", nargs="+", metavar="FILES_OR_DIRS")
    compare = commands.add_parser("compare", help="overlay chart and KPI table of several scenarios")
    compare.add_argument("paths", nargs="+", metavar="FILES")
    compare.add_argument("--out", required=True, type=Path)
    compare.add_argument("--runs", type=int)
    compare.add_argument("--seed", type=int)
    listing = commands.add_parser("list-params", help="every model input: units, default, range, comment")
    listing.add_argument("--json", action="store_true", help="as JSON")
    commands.add_parser("schema", help="the scenario JSON Schema, for editors")
    check_units = commands.add_parser("check-units", help="check that every equation's units add up (needs pint)")
    check_units.add_argument("model", nargs="?", type=Path, metavar="MODEL_FILE.mdl", help="default: the shipped model")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        print(error, file=sys.stderr)
        return BAD_INPUT
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    warnings.simplefilter("ignore")  # library warnings are not for analysts; problems are reported below
    try:
        command = {"run": _run, "validate": _validate, "compare": _compare, "list-params": _list_params, "schema": _schema,
                   "check-units": _check_units}
        return command[args.command](args, ["pmo-sim", *argv])
    except KeyboardInterrupt:
        print("pmo-sim: interrupted; results already written are complete, the rest were not started", file=sys.stderr)
        return 130


# -- helpers ---------------------------------------------------------------------------------------


def scenario_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given; folders expand to their *.toml files, sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    return found


def _report(problems: Iterable[ScenarioProblem | str]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _overrides(pairs: Sequence[str]) -> tuple[dict[str, float], list[str]]:
    values: dict[str, float] = {}
    problems = []
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            problems.append(f"pmo-sim: -p {pair}: expected NAME=VALUE")
            continue
        try:
            values[name.strip()] = float(value)
        except ValueError:
            problems.append(f"pmo-sim: -p {pair}: expected a number after '='")
    return values, problems


def _load_all(paths: list[Path], overrides: dict[str, float] | None = None) -> tuple[list, list[ScenarioProblem]]:
    """Every valid scenario, and the problems of the others (a bad file never stops the rest)."""
    scenarios, problems, names = [], [], {}
    for path in paths:
        try:
            scenario = load_scenario(path, overrides=overrides)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        folder = safe_folder_name(scenario.name)
        if folder in names:
            problems.append(ScenarioProblem(str(path), 1, "name", f"'{scenario.name}' writes to the same folder as {names[folder]}; give one of them another name"))
            continue
        names[folder] = str(path)
        scenarios.append(scenario)
    return scenarios, problems


def _progress(items: list, description: str):
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="scenario", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


# -- commands --------------------------------------------------------------------------------------


def _run(args, command_line: list[str]) -> int:
    from sim import results, runner

    overrides, problems = _overrides(args.params)
    if problems:
        _report(problems)
        return BAD_INPUT
    if args.runs is not None and not 1 <= args.runs <= 100_000:
        _report([f"pmo-sim: --runs {args.runs}: must be between 1 and 100,000"])
        return BAD_INPUT
    scenarios, problems = _load_all(scenario_paths(args.paths), overrides or None)
    _report(problems)
    failed = False
    for scenario in _progress(scenarios, "running"):
        if (args.runs is not None or args.seed is not None) and scenario.spec.uncertainty is None:
            print(f"pmo-sim: note: {scenario.path} has no [uncertainty]; --runs and --seed do not apply", file=sys.stderr)
        try:
            result = runner.run(scenario, engine=args.engine, runs=args.runs if scenario.spec.uncertainty else None,
                                seed=args.seed, outputs=None)
            folder = results.write_results(result, args.out, file_format=args.format, command_line=command_line)
        except results.OutputError as error:
            print(f"pmo-sim: {scenario.path}: {error}", file=sys.stderr)
            failed = True
            continue
        except Exception as error:  # noqa: BLE001 - report, keep going with the other files
            print(f"pmo-sim: {scenario.path}: run failed: {type(error).__name__}: {error}", file=sys.stderr)
            failed = True
            continue
        print(f"{scenario.path}: {result.runs} run{'s' if result.runs > 1 else ''} -> {folder}")
    return BAD_INPUT if problems else (RUN_FAILED if failed else OK)


def _validate(args, command_line: list[str]) -> int:
    scenarios, problems = _load_all(scenario_paths(args.paths))
    for scenario in scenarios:
        kind = f"Monte Carlo, {scenario.spec.uncertainty.runs} runs" if scenario.spec.uncertainty else "single run"
        print(f"{scenario.path}: ok ({scenario.name}, {kind})")
    _report(problems)
    return BAD_INPUT if problems else OK


def _compare(args, command_line: list[str]) -> int:
    from sim import results, runner

    scenarios, problems = _load_all(scenario_paths(args.paths))
    if problems:
        _report(problems)
        return BAD_INPUT
    if len(scenarios) < 2:
        _report(["pmo-sim compare: give at least two scenario files"])
        return BAD_INPUT
    try:
        runs = [runner.run(s, runs=args.runs if s.spec.uncertainty else None, seed=args.seed, with_parent=False)
                for s in _progress(scenarios, "running")]
        files = results.comparison_files(runs)
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            results.write_atomic(args.out / name, content)
    except Exception as error:  # noqa: BLE001
        print(f"pmo-sim compare: run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return RUN_FAILED
    print(files["comparison_kpis.csv"].decode())
    print(f"wrote {args.out / 'comparison.png'} and {args.out / 'comparison_kpis.csv'}")
    return OK


def _list_params(args, command_line: list[str]) -> int:
    from sim.model import get_model

    inputs = get_model().inputs
    if args.json:
        print(json.dumps([{"name": v.py_name, "units": v.units, "default": v.default, "minimum": v.minimum,
                           "maximum": v.maximum, "group": v.group, "comment": v.comment} for v in inputs], indent=2))
        return OK
    width = max(len(v.py_name) for v in inputs)
    print(f"{'name':<{width}}  {'units':<10} {'default':>8}  {'range':<15} comment")
    for v in inputs:
        span = f"{v.minimum:g} to {v.maximum:g}"
        print(f"{v.py_name:<{width}}  {v.units:<10} {v.default:>8g}  {span:<15} {v.comment}")
    return OK


def _schema(args, command_line: list[str]) -> int:
    from sim.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return OK


def _check_units(args, command_line: list[str]) -> int:
    from sim.model import ModelError

    try:
        from sim import units
    except ImportError as error:
        if error.name != "pint":
            raise
        _report(["pmo-sim check-units: needs pint; install it with: pip install 'pmo-sim[units]'"])
        return BAD_INPUT
    try:
        model = units.load(args.model)
    except ModelError as error:
        _report([f"pmo-sim check-units: {error}"])
        return BAD_INPUT
    problems = units.check_model(model)
    for problem in problems:
        print(problem)
    count = units.equation_count(model)
    if problems:
        print(f"{len(problems)} unit problem{'s' if len(problems) > 1 else ''} in {count} equations")
        return RUN_FAILED
    print(f"{count} equations checked, all dimensionally consistent")
    return OK


if __name__ == "__main__":
    raise SystemExit(main())
