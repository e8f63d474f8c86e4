"""What ``pmo-sim optimize`` writes: the best policy as a scenario file, its KPIs against the input
scenario's (the measures and the full KPI table of ``pmo-sim compare``), the convergence curve and, when
asked, the Pareto front."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from sim.analysis.optimize import OptimizeResult, study_name
from sim.results import comparison_files
from sim.scenario import Scenario, safe_folder_name, scenario_from_dict, to_toml

POLICY_FILE = "best_policy.toml"


def policy_scenario(result: OptimizeResult) -> Scenario:
    """The input scenario with the best policy in place of its own (extends resolved)."""
    data = result.scenario.resolved()
    settings = result.settings
    data["params"] = {k: v for k, v in data.get("params", {}).items() if k not in settings["schedule"]} | settings["params"]
    data["schedule"] = {k: v for k, v in data.get("schedule", {}).items() if k not in settings["params"]} | settings["schedule"]
    data["name"] = f"{result.scenario.name}_best_policy"
    data["description"] = f"The best policy pmo-sim optimize found for {result.scenario.name}: {_objective_text(result)}."
    return scenario_from_dict(data)


def _objective_text(result: OptimizeResult) -> str:
    options = result.options
    objective = options["objective"]
    named = objective if isinstance(objective, str) else " + ".join(f"{w:g} x {n}" for n, w in objective.items())
    robust = options["robust"] if options["robust"] != "percentile" else f"percentile {options['percentile']:g}"
    return f"maximises {named} ({robust} over {result.samples} uncertainty samples)"


def policy_toml(result: OptimizeResult, folder: Path) -> str:
    """The best policy as a scenario file that extends the input file (relative to ``folder``), when the
    input is a file and the policy's tables do not clash with it; else the whole scenario, resolved."""
    scenario = result.scenario
    standalone = policy_scenario(result)
    if scenario.path is not None:
        spec = scenario.spec
        settings = result.settings
        clash = set(settings["params"]) & set(spec.schedule) or set(settings["schedule"]) & set(spec.params)
        if not clash:
            extends = os.path.relpath(scenario.path.resolve(), folder)
            lines = [f"# {standalone.description}", f'name = "{standalone.name}"', f'extends = "{extends}"', "", "[params]"]
            lines += [f"{name} = {value!r}" for name, value in settings["params"].items()]
            for name, schedule in settings["schedule"].items():
                lines += ["", f"[schedule.{name}]", f"points = {schedule['points']!r}"]
            return "\n".join(lines) + "\n"
    return f"# {standalone.description}\n" + to_toml(standalone)


def optimize_files(result: OptimizeResult, folder: Path) -> dict[str, bytes]:
    """Every file of the study by name (the policy file written for ``folder``)."""
    import sim
    from sim.analysis.charts import convergence_figure, pareto_figure
    from sim.analysis.study_files import csv_bytes, png_bytes

    files = {POLICY_FILE: policy_toml(result, folder).encode(), "policy_kpis.csv": csv_bytes(result.kpis),
             "convergence.csv": csv_bytes(result.history),
             "convergence.png": png_bytes(convergence_figure(result.history, f"{result.scenario.name}: {_objective_text(result)}"))}
    runs = result.samples if result.scenario.spec.uncertainty is not None else None
    compared = [sim.run(s, runs=runs, seed=result.seed, with_parent=False) for s in (policy_scenario(result), result.scenario)]
    files.update(comparison_files(compared))
    if result.pareto is not None:
        best = result.kpis.set_index("measure")["best"]
        files["pareto.csv"] = csv_bytes(result.pareto)
        files["pareto.png"] = png_bytes(pareto_figure(result.pareto, best, f"{result.scenario.name}: performance against cost"))
    return files


def write_optimize(result: OptimizeResult, out: Path, *, command_line: Sequence[str] = ()) -> Path:
    """Write the study into ``out/<name>/`` (default name ``<scenario>_optimize``); returns the folder."""
    from sim.analysis.study_files import write_study

    name = study_name(result)
    folder = Path(out).resolve() / safe_folder_name(name)
    files = optimize_files(result, folder)
    study = {"kind": "optimize", **result.options, "policy": result.policy, "converged": result.converged,
             "message": result.message, "warnings": result.warnings}
    return write_study(out, name, files, result=result, study=study, command_line=command_line)
