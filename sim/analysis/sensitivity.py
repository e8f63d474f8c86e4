"""Global sensitivity analysis with SALib: which assumptions drive which outputs, and when.

Sobol indices (Saltelli 2002; Saltelli et al. 2010): the first-order index S1 of an input is the share
of an output's variance it explains alone, the total index ST the share it explains with all its
interactions (an input with ST near 0 can be fixed anywhere in its range); the second-order index S2
of a pair is the share their interaction explains. Confidence intervals are bootstrap intervals.
Morris screening (Morris 1991; Campolongo et al. 2007) ranks inputs by mu*, the mean absolute
elementary effect, with sigma showing non-linearity or interactions, at a fraction of the runs.

Every input is sampled on the unit interval and mapped through its distribution's inverse CDF (those
of ``[uncertainty.params]``; uniform over the documented range for one the study names otherwise), so
indices refer to the scenario's own uncertainty. The whole design is one batch-engine call (or chunks
of it on a Dask cluster). :func:`indices` is the generic part (design, runs, analysis), which the
tests check on the Ishigami function; :func:`sensitivity` runs it on a scenario.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from sim.analysis.evaluate import Evaluator, local, run_settings
from sim.analysis.options import check_size, seed_of, study_options
from sim.model import get_model
from sim.runner import from_uniform, parameter_table
from sim.scenario import Scenario

RESAMPLES = 100  # bootstrap resamples of the confidence intervals
CONFIDENCE = 0.95
#: Inputs whose total index (or mu*, relative to the largest) is below this are not ranked against each other.
RANKED_FROM = 0.05


@dataclass(frozen=True)
class Factor:
    """An input a study varies: its name, how it varies, and the map from the unit interval to its values."""

    name: str
    description: str
    to_values: Callable[[np.ndarray], np.ndarray]


def factors(scenario: Scenario, params: Sequence[str] | None = None) -> list[Factor]:
    """The inputs to vary: ``params`` (default: the scenario's ``[uncertainty.params]``), sorted by name."""
    uncertain = scenario.spec.uncertainty.params if scenario.spec.uncertainty else {}
    model = get_model()
    found = []
    for name in sorted(params if params is not None else uncertain):
        variable = model.describe(name)
        if name in uncertain:
            dist = uncertain[name]
            shown = ", ".join(f"{k} {v:g}" for k, v in dist.model_dump(exclude={"dist"}).items() if v is not None)
            found.append(Factor(name, f"{dist.dist} ({shown})", lambda u, d=dist, v=variable: from_uniform(d, v, u)))
        else:
            low, high = variable.minimum, variable.maximum
            found.append(Factor(name, f"uniform over the documented range ({low:g} to {high:g})",
                                lambda u, a=low, b=high: a + u * (b - a)))
    return found


@dataclass
class SensitivityResult:
    """Indices of a sensitivity study.

    ``indices``: one row per output, reported month and input (Sobol: S1, S1_conf, ST, ST_conf; Morris:
    mu, mu_star, mu_star_conf, sigma), with ``rank`` (1 = matters most). ``over_time``: ST (Morris: mu*)
    of every input at months through the run. ``second_order``: S2 of every pair (Sobol on request).
    """

    method: str
    params: list[str]
    indices: pd.DataFrame
    over_time: pd.DataFrame
    second_order: pd.DataFrame | None
    warnings: list[str]
    runs: int
    seed: int
    n: int
    scenario: Scenario | None = None
    factors: list[Factor] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    engine: str = "batch"

    @property
    def measure(self) -> str:
        """The column inputs are ranked by."""
        return "ST" if self.method == "sobol" else "mu_star"

    def ranking(self, output: str | None = None, month: float | None = None) -> pd.DataFrame:
        """The inputs from most to least important for ``output`` at ``month`` (default: the first of each)."""
        table = self.indices
        output = table["output"].iloc[0] if output is None else output
        table = table[table["output"] == output]
        month = table["month"].iloc[-1] if month is None else month
        return table[table["month"] == month].sort_values("rank").reset_index(drop=True)


# -- the generic part: design, runs, analysis ------------------------------------------------------


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design(method: str, names: Sequence[str], *, n: int, second_order: bool = False, levels: int = 4,
           seed: int = 0) -> np.ndarray:
    """The runs' inputs on the unit interval (runs x inputs), as SALib samples them."""
    problem = _problem(names)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=levels, seed=seed)
    raise ValueError(f"unknown method '{method}'; choose sobol or morris")


def _first_order_rows(runs: int, inputs: int) -> np.ndarray:
    """Rows of a second-order Saltelli design that form the first-order one (A, AB_1..AB_D, B per base sample).

    SALib lays out each base sample as A, AB_1..AB_D, BA_1..BA_D, B (2D + 2 rows) with second order,
    A, AB_1..AB_D, B (D + 2 rows) without.
    """
    step = 2 * inputs + 2
    offsets = np.r_[np.arange(inputs + 1), step - 1]
    return (np.arange(0, runs, step)[:, None] + offsets[None, :]).ravel()


def _analyse(method: str, names: Sequence[str], unit: np.ndarray, y: np.ndarray, *, second_order: bool, levels: int,
             seed: int, resamples: int = RESAMPLES) -> dict[str, np.ndarray]:
    problem = _problem(names)
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # a constant output has no variance to share out
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            return sobol.analyze(problem, y, calc_second_order=second_order, num_resamples=resamples,
                                 conf_level=CONFIDENCE, seed=seed)
        from SALib.analyze import morris

        return morris.analyze(problem, unit, y, num_resamples=resamples, conf_level=CONFIDENCE, num_levels=levels, seed=seed)


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
    ranks = np.empty(len(values), dtype=int)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def _rows(method: str, names: Sequence[str], output: str, month: float, found: dict[str, np.ndarray]) -> pd.DataFrame:
    columns = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else ("mu", "mu_star", "mu_star_conf", "sigma")
    frame = pd.DataFrame({"output": output, "month": month, "parameter": list(names),
                          **{c: np.asarray(found[c], dtype=float) for c in columns}})
    frame["rank"] = _ranks(frame["ST" if method == "sobol" else "mu_star"].to_numpy())
    return frame


def _pairs(names: Sequence[str], output: str, month: float, found: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = [{"output": output, "month": month, "parameter_1": names[i], "parameter_2": names[j],
             "S2": found["S2"][i, j], "S2_conf": found["S2_conf"][i, j]}
            for i in range(len(names)) for j in range(i + 1, len(names))]
    return pd.DataFrame(rows)


def rank_warnings(method: str, table: pd.DataFrame, n: int) -> list[str]:
    """Where the confidence intervals are too wide to rank the inputs that matter."""
    measure, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    found = []
    for (output, month), group in table.groupby(["output", "month"], sort=False):
        values = group[measure].to_numpy()
        scale = 1.0 if method == "sobol" else np.nanmax(np.abs(values)) or 1.0
        ranked = group[group[measure] >= RANKED_FROM * scale].sort_values(measure, ascending=False)
        tied = [f"{a.parameter} and {b.parameter}" for a, b in zip(ranked.itertuples(), ranked.iloc[1:].itertuples())
                if getattr(a, measure) - getattr(a, conf) <= getattr(b, measure) + getattr(b, conf)]
        if tied:
            found.append(f"{output} at month {month:g}: the confidence intervals are too wide to rank "
                         f"{'; '.join(tied)} apart (raise n, now {n})")
    return found


def indices(names: Sequence[str], evaluate: Callable[[np.ndarray], dict[str, np.ndarray]], *, months: Sequence[float],
            reported: Sequence[float], method: str = "sobol", n: int = 1024, second_order: bool = False, levels: int = 4,
            seed: int = 0) -> SensitivityResult:
    """Sample, run and analyse: the generic study.

    ``evaluate`` maps the runs' inputs on the unit interval (runs x inputs) to each output's values at
    ``months`` (runs x months). Indices (and second order) are reported at ``reported`` (a subset of
    ``months``); the indices over time at every month of ``months``.
    """
    unit = design(method, names, n=n, second_order=second_order, levels=levels, seed=seed)
    outputs = evaluate(unit)
    if method == "sobol" and second_order:
        first_rows = _first_order_rows(len(unit), len(names))
    tables, over_time, pairs = [], [], []
    for output, values in outputs.items():
        for column, month in enumerate(months):
            y = np.ascontiguousarray(values[:, column], dtype=float)
            if month in reported:
                found = _analyse(method, names, unit, y, second_order=second_order, levels=levels, seed=seed)
                tables.append(_rows(method, names, output, month, found))
                if method == "sobol" and second_order:
                    pairs.append(_pairs(names, output, month, found))
            elif method == "sobol" and second_order:
                found = _analyse(method, names, unit[first_rows], y[first_rows], second_order=False, levels=levels, seed=seed)
            else:
                found = _analyse(method, names, unit, y, second_order=False, levels=levels, seed=seed)
            over_time.append(_rows(method, names, output, month, found))
    table = pd.concat(tables, ignore_index=True)
    measure = ["ST", "ST_conf"] if method == "sobol" else ["mu_star", "mu_star_conf"]
    over = pd.concat(over_time, ignore_index=True)[["output", "month", "parameter", *measure]]
    return SensitivityResult(method=method, params=list(names), indices=table, over_time=over,
                             second_order=pd.concat(pairs, ignore_index=True) if pairs else None,
                             warnings=rank_warnings(method, table, n), runs=len(unit), seed=seed, n=n)


def runs_needed(method: str, inputs: int, n: int, second_order: bool) -> int:
    if method == "morris":
        return n * (inputs + 1)
    return n * (2 * inputs + 2 if second_order else inputs + 2)


# -- on a scenario ---------------------------------------------------------------------------------


def sensitivity(scenario: Scenario, *, evaluator: Evaluator | None = None, distributed: bool = False,
                **changes: Any) -> SensitivityResult:
    """Global sensitivity of a scenario's outputs to its uncertain inputs (or those named).

    Options are the scenario's ``[study.sensitivity]`` with ``changes`` on top (``method``, ``params``,
    ``outputs``, ``months``, ``n``, ``second_order``, ``levels``, ``every``, ``seed``), checked like the
    file: a bad one raises :class:`~sim.scenario.ScenarioError`. ``evaluator`` makes the runs (default:
    one batch-engine call here; see :mod:`sim.analysis.distributed`).
    """
    scenario, options = study_options(scenario, "sensitivity", changes)
    chosen = factors(scenario, options.params)
    names = [f.name for f in chosen]
    check_size(scenario, "sensitivity", "n", runs_needed(options.method, len(names), options.n, options.second_order),
               distributed=distributed or evaluator is not None)
    final = scenario.spec.run.final_time
    reported = sorted(set(options.months or [final]))
    over_time = np.arange(options.every, final + 1e-9, options.every)
    months = sorted(set(reported) | {float(m) for m in over_time})
    seed = seed_of(scenario, options.seed)
    evaluate_runs = evaluator or local

    def evaluate(unit: np.ndarray) -> dict[str, np.ndarray]:
        sampled = pd.DataFrame({f.name: f.to_values(unit[:, i]) for i, f in enumerate(chosen)})
        runs = evaluate_runs(run_settings(scenario), parameter_table(scenario.spec, sampled=sampled), options.outputs)
        return {name: runs.at(name, months) for name in options.outputs}

    result = indices(names, evaluate, months=months, reported=reported, method=options.method, n=options.n,
                     second_order=options.second_order, levels=options.levels, seed=seed)
    result.scenario, result.factors = scenario, chosen
    result.options = options.model_dump(mode="json")
    return result


def study_name(scenario: Scenario, result: SensitivityResult) -> str:
    return result.options.get("name") or f"{scenario.name}_sensitivity"


def study_files(result: SensitivityResult) -> dict[str, bytes]:
    """The study's files by name: the indices (CSV), the ranking and the indices over time (PNG)."""
    from sim.analysis.charts import over_time_figure, ranking_figure
    from sim.analysis.study_files import csv_bytes, png_bytes

    name = result.scenario.name if result.scenario is not None else "study"
    what = f"{'Sobol' if result.method == 'sobol' else 'Morris'}, {result.runs:,} runs"
    files = {"indices.csv": csv_bytes(result.indices), "indices_over_time.csv": csv_bytes(result.over_time)}
    if result.second_order is not None:
        files["second_order.csv"] = csv_bytes(result.second_order)
    files["factors.csv"] = csv_bytes(pd.DataFrame({"parameter": [f.name for f in result.factors],
                                                   "varies as": [f.description for f in result.factors]}))
    files["ranking.png"] = png_bytes(ranking_figure(result.indices, result.method, f"Which assumptions matter: {name} ({what})"))
    files["over_time.png"] = png_bytes(over_time_figure(result.over_time, result.method, f"Sensitivity over time: {name}"))
    return files


def write_sensitivity(result: SensitivityResult, out, *, command_line: Sequence[str] = ()):
    """Write the study into ``out/<name>/`` (default name ``<scenario>_sensitivity``); returns the folder."""
    from sim.analysis.study_files import write_study

    study = {"kind": "sensitivity", **result.options, "params": result.params, "warnings": result.warnings}
    return write_study(out, study_name(result.scenario, result), study_files(result), result=result, study=study,
                       command_line=command_line)
