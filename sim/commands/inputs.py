"""What the commands that read scenario files share: finding the files, the command line's own
options (``-p``, ``--runs``, ``--seed``, ``--out``) checked and named as command-line problems, and loading
every file so that one bad file never stops the others."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from sim.scenario import MAX_RUNS, Scenario, ScenarioError, ScenarioProblem, load_scenario, safe_folder_name, scenario_from_dict

OK, RUN_FAILED, BAD_INPUT = 0, 1, 2


def report(problems: Iterable[ScenarioProblem | str]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def out_problem(out: Path) -> str | None:
    """Why results cannot be written into ``--out``, or None: it must be a folder, or one that can be created,
    where files can be made. Asked of the system itself, by making what a run would make (the missing
    folders, a file) and removing it again, so that a command can refuse before any run and leave nothing."""
    if os.path.exists(out) and not os.path.isdir(out):
        return f"pmo-sim: --out: '{out}' is a file, not a folder"
    missing = []
    existing = Path(os.path.abspath(out))
    while not os.path.exists(existing) and existing != existing.parent:
        missing.append(existing)
        existing = existing.parent
    if not os.path.isdir(existing):
        return f"pmo-sim: --out: '{out}' cannot be created: '{existing}' is a file, not a folder"
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
    except OSError as error:
        return f"pmo-sim: --out: '{out}' cannot be created: {error.strerror or error}"
    else:
        try:
            descriptor, probe = tempfile.mkstemp(dir=out, prefix=".pmo-sim-probe.")
            os.close(descriptor)
            os.unlink(probe)
        except OSError as error:
            return f"pmo-sim: --out: cannot write into '{out}': {error.strerror or error}"
    finally:
        for folder in reversed(made):
            with contextlib.suppress(OSError):  # something else wrote into it meanwhile: theirs, left alone
                folder.rmdir()
    return None


def _identity(path: Path) -> tuple[int, int] | str:
    """What makes two paths the same file: its device and inode (links and ``a/../a.toml`` alike), or for a
    file that cannot be read its resolved path (it is reported once when loaded)."""
    try:
        found = path.stat()
    except OSError:
        return str(path.resolve())
    return found.st_dev, found.st_ino


def scenario_paths(paths: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files as given; folders expand to their *.toml files, sorted. A folder without any is a problem.
    A file reached twice (``baseline.toml scenarios/``) is kept once, where it is first reached."""
    found: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.glob("*.toml"))
            if not files:
                problems.append(f"pmo-sim: {raw}: no scenario files (*.toml) in this folder")
            found.extend(files)
        else:
            found.append(path)
    unique: dict[tuple[int, int] | str, Path] = {}
    for path in found:
        unique.setdefault(_identity(path), path)
    return list(unique.values()), problems


def parse_overrides(pairs: Sequence[str]) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """``-p NAME=VALUE`` pairs -> values by name, each name's pair as typed, and problems."""
    values: dict[str, float] = {}
    typed: dict[str, str] = {}
    problems = []
    for pair in pairs:
        name, separator, value = pair.partition("=")
        name = name.strip()
        if not separator or not name:
            problems.append(f"pmo-sim: -p {pair}: expected NAME=VALUE, e.g. -p pmo_budget=150")
            continue
        try:
            values[name] = float(value)
        except ValueError:
            problems.append(f"pmo-sim: -p {pair}: expected a number after '='")
            continue
        typed[name] = pair
    return values, typed, problems


def _command_line_problem(problem: ScenarioProblem, typed: dict[str, str], where: str = "") -> str | None:
    """A problem at ``params.NAME`` when ``-p`` set NAME, as a command-line problem; None for others."""
    kind, _, name = problem.field.partition(".")
    if kind != "params" or name not in typed:
        return None
    return f"pmo-sim: -p {typed[name]}: {problem.message}{where}"


@dataclass
class Inputs:
    """The scenarios a command will use, and every problem found on the way."""

    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[ScenarioProblem | str] = field(default_factory=list)


def load_inputs(args, *, runs: bool = True) -> Inputs:
    """Check the command line (``-p``, ``--runs``, ``--seed``, the paths), then load every file.

    A problem of the command line itself stops there (every file would carry it); a bad file is
    reported and the others are still loaded.
    """
    overrides, typed, problems = parse_overrides(args.params)
    if overrides:
        try:
            scenario_from_dict({"params": overrides}, name="command line")
        except ScenarioError as error:
            problems += [_command_line_problem(p, typed) or f"pmo-sim: -p: {p.message}" for p in error.problems]
    if runs and args.runs is not None and not 1 <= args.runs <= MAX_RUNS:
        problems.append(f"pmo-sim: --runs {args.runs}: must be between 1 and {MAX_RUNS:,}")
    if runs and args.seed is not None and args.seed < 0:
        problems.append(f"pmo-sim: --seed {args.seed}: must be 0 or more")
    paths, path_problems = scenario_paths(args.paths)
    problems += path_problems
    if problems:
        return Inputs(problems=problems)
    return _load_all(paths, overrides, typed)


def _load_all(paths: list[Path], overrides: dict[str, float], typed: dict[str, str]) -> Inputs:
    loaded = Inputs()
    names: dict[str, str] = {}
    for path in paths:
        try:
            scenario = load_scenario(path, overrides=overrides or None)
        except ScenarioError as error:
            for problem in error.problems:
                loaded.problems.append(_command_line_problem(problem, typed, f" (with {problem.path})") or problem)
            continue
        folder = safe_folder_name(scenario.name)
        if folder in names:
            loaded.problems.append(ScenarioProblem(str(path), 1, "name", f"'{scenario.name}' writes to the same folder as "
                                                                         f"{names[folder]}; give one of them another name"))
            continue
        names[folder] = str(path)
        loaded.scenarios.append(scenario)
    return loaded


def progress_bar(items: list, description: str):
    """A progress bar over scenarios, on a terminal only."""
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="scenario", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def runs_for(scenario: Scenario, args) -> int | None:
    """``--runs`` for a file with ``[uncertainty]``; None, with a note when ``--runs`` or ``--seed`` was
    given, for a file without (it is one run)."""
    if scenario.spec.uncertainty is not None:
        return args.runs
    if args.runs is not None or args.seed is not None:
        print(f"pmo-sim: note: {scenario.path} has no [uncertainty]; --runs and --seed do not apply", file=sys.stderr)
    return None


@dataclass
class Outcome:
    """How one file's job ended: ``ok`` once it ran to its end without an exception."""

    ok: bool = False


@dataclass
class EachFile:
    """Runs one job per scenario file so that a failing file is reported and the others still run.

    ``with jobs.one(scenario.path) as outcome: ...`` reports a results folder that cannot be written
    (its own message) or any other failure (``<what> failed: <error>``, then ``hint``) against the
    file; ``outcome.ok`` says whether this file's job ended, ``failed`` whether any failed. Report a
    success after the ``with``, so that a failure to report it is not taken for a failed run.
    """

    what: str
    hint: str = ""
    failed: bool = False

    @contextlib.contextmanager
    def one(self, path: Path) -> Iterator[Outcome]:
        from sim.results import OutputError

        outcome = Outcome()
        try:
            yield outcome
            outcome.ok = True
        except OutputError as error:
            print(f"pmo-sim: {path}: {error}", file=sys.stderr)
            self.failed = True
        except Exception as error:  # noqa: BLE001 - report, keep going with the other files
            print(f"pmo-sim: {path}: {self.what} failed: {type(error).__name__}: {error}{self.hint}", file=sys.stderr)
            self.failed = True
