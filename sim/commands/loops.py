"""``pmo-sim loops``: which feedback loop dominates when (Loops that Matter), per scenario file.

Writes OUT/<scenario name>/ atomically (every file into a temporary folder, then one rename):
family_scores.csv, loop_scores.csv, loops.csv, dominant_periods.csv, dominance_share.csv (several
runs), loop_dominance.png and manifest.json.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.commands.inputs import BAD_INPUT, OK, RUN_FAILED, EachFile, load_inputs, report
from sim.scenario import Scenario

#: The variable whose behaviour the chart shows above the loop scores, unless --variable says otherwise.
DEFAULT_VARIABLE = "pmo_performance"


def _engine() -> str:
    from sim.engine.batch import default_backend

    return f"{default_backend()} (Loops that Matter)"


@dataclass
class _Study:
    """What the manifest records of a study (as of a run)."""

    scenario: Scenario
    seed: int | None
    runs: int
    engine: str = field(default_factory=_engine)  # the backend the run and its scores are computed on


def study_files(scenario: Scenario, *, variable: str, runs: int | None, seed: int | None, command_line: list[str]) -> dict[str, bytes]:
    """Every file of a scenario's loop-dominance study, by name, as bytes."""
    from sim import results
    from sim.analysis import loop_tables
    from sim.analysis.loops import scenario_loop_dominance
    from sim.loop_charts import dominance_figure
    from sim.model import get_model

    study = scenario_loop_dominance(scenario, runs=runs, seed=seed, keep=(variable,))
    values = study.values[variable]
    behaviour = values[:, 0] if study.runs == 1 else np.median(values, axis=1)
    band = None if study.runs == 1 else tuple(np.quantile(values, [0.1, 0.9], axis=1))
    scores = loop_tables.family_scores(study)
    figure = dominance_figure(study.times, behaviour, get_model().variables[variable].name,
                              {f: scores[f].to_numpy() for f in study.families}, loop_tables.majority_periods(study),
                              title=f"{scenario.name}: which loops dominate when", band=band)
    files = {
        "family_scores.csv": results._csv(scores),
        "loop_scores.csv": results._csv(loop_tables.loop_scores(study)),
        "loops.csv": results._csv(loop_tables.loop_catalogue(study)),
        "dominant_periods.csv": results._csv(loop_tables.period_table(study)),
        "loop_dominance.png": results._png(figure),
    }
    if study.runs > 1:
        files["dominance_share.csv"] = results._csv(loop_tables.dominance_share(study))
    seed_used = (scenario.spec.uncertainty.seed if seed is None else seed) if scenario.spec.uncertainty else None
    manifest = results.manifest(_Study(scenario, seed_used, study.runs), command_line=command_line, files=files)
    manifest["variable"] = variable
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def write_study(files: dict[str, bytes], out: Path, name: str) -> Path:
    """Write ``files`` into ``out/<name>/`` at once: a temporary folder beside it, renamed into place."""
    from sim.results import output_folder

    existed = (out / name).exists()
    folder = output_folder(out, name)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        mask = os.umask(0o022)
        os.umask(mask)
        for file_name, content in files.items():
            (staging / file_name).write_bytes(content)
            (staging / file_name).chmod(0o666 & ~mask)
        staging.chmod(0o777 & ~mask)
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def main(args, command_line: list[str]) -> int:
    from sim.model import get_model

    model = get_model()
    variable = args.variable
    if variable not in model.variables or model.variables[variable].kind == "lookup":
        try:
            variable = model.resolve(variable, allowed={n for n, v in model.variables.items() if v.kind != "lookup"})
        except Exception as error:  # noqa: BLE001 - a bad option is bad input
            report([f"pmo-sim: --variable {args.variable}: {error}"])
            return BAD_INPUT
    inputs = load_inputs(args)
    report(inputs.problems)
    jobs = EachFile("loop analysis")
    for scenario in inputs.scenarios:
        uncertain = scenario.spec.uncertainty is not None
        with jobs.one(scenario.path) as outcome:
            files = study_files(scenario, variable=variable, runs=args.runs if uncertain else None, seed=args.seed,
                                command_line=command_line)
            folder = write_study(files, args.out, scenario.name)
        if outcome.ok:
            print(f"{scenario.path}: loop dominance -> {folder}")
    return BAD_INPUT if inputs.problems else (RUN_FAILED if jobs.failed else OK)
