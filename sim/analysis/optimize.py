"""The budget split (or phased schedule, optionally with the budget) that maximises an objective,
robust over the scenario's uncertainty.

Each candidate policy runs over the same uncertainty samples (the scenario's ``[uncertainty]``,
Latin hypercube, common to every candidate so that they are compared on equal terms), and its
objective is the mean, a percentile or the worst of the samples' objectives. Each generation of the
optimiser is one batch-engine call of population x samples runs: scipy's ``differential_evolution``
(Storn and Price 1997) with ``vectorized=True`` for the best policy, pymoo's NSGA-II (Deb et al. 2002)
for the Pareto front of PMO Performance against Cumulative PMO Cost. Constraints on the split and the
budget hold by construction (:mod:`sim.analysis.policy`); a minimum survival is a penalty during the
search and is checked on the policy reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from sim.analysis.evaluate import Evaluator, Progress, local, run_settings
from sim.analysis.options import check_size, problem, seed_of, study_options
from sim.analysis.policy import Policies, PolicySpace, objective_window, policy_columns, policy_settings
from sim.experiments import SHARES
from sim.model import get_model
from sim.runner import parameter_table, samples
from sim.scenario import Scenario
from sim.scenario.study import OptimizeStudy

#: Per-run measures a study can optimise or constrain, and the output each is read from.
MEASURES = {"performance": "pmo_performance", "net_value": "cumulative_net_value", "survival": "pmo_survival",
            "cost": "cumulative_pmo_cost"}
#: Added to the objective (to be minimised) of a candidate that breaks the survival constraint.
PENALTY = 1e12
PARETO_POPULATION = 40
PARETO_GENERATIONS = 40

#: A table of runs (one row per run) -> each measure per run.
Measure = Callable[[pd.DataFrame], dict[str, np.ndarray]]


def model_measures(scenario: Scenario, window: tuple[float, float], evaluator: Evaluator | None = None) -> Measure:
    """The measures of runs of the model: performance averaged over ``window``, the rest at the horizon."""
    evaluate = evaluator or local

    def measure(table: pd.DataFrame) -> dict[str, np.ndarray]:
        runs = evaluate(run_settings(scenario), table, list(MEASURES.values()))
        inside = (runs.months >= window[0] - 1e-9) & (runs.months <= window[1] + 1e-9)
        return {"performance": runs.values["pmo_performance"][:, inside].mean(axis=1),
                **{name: runs.values[output][:, -1] for name, output in MEASURES.items() if name != "performance"}}

    return measure


@dataclass
class Scores:
    """Robust statistics of each candidate over the samples: ``objective``, and each measure."""

    objective: np.ndarray
    measures: dict[str, np.ndarray]
    feasible: np.ndarray


class PolicyProblem:
    """Evaluates a population of candidate policies over the uncertainty samples in one call."""

    def __init__(self, scenario: Scenario, options: OptimizeStudy, measure: Measure, space: PolicySpace, seed: int) -> None:
        self.options, self.measure, self.space = options, measure, space
        count = options.samples if scenario.spec.uncertainty is not None else 1
        self.samples = samples(scenario.spec, runs=count, seed=seed)
        self.base = parameter_table(scenario.spec, sampled=self.samples)
        defaults = get_model().defaults()
        for name in (*SHARES, "pmo_budget"):  # the scenario's own policy, for comparison
            if name not in self.base:
                self.base[name] = defaults[name]
        self.count = len(self.base)
        self.weights = {options.objective: 1.0} if isinstance(options.objective, str) else dict(options.objective)

    def robust(self, values: np.ndarray) -> np.ndarray:
        """(candidates, samples) -> (candidates,): the statistic the study asks for (higher is better)."""
        if self.options.robust == "mean":
            return values.mean(axis=1)
        if self.options.robust == "worst":
            return values.min(axis=1)
        return np.percentile(values, self.options.percentile, axis=1)

    def table(self, policies: Policies) -> pd.DataFrame:
        table = pd.concat([self.base] * len(policies), ignore_index=True)
        for name, column in policy_columns(policies, self.count).items():
            table[name] = column
        return table

    def scores_of(self, per_run: dict[str, np.ndarray], candidates: int) -> Scores:
        shaped = {name: np.asarray(values, dtype=float).reshape(candidates, self.count) for name, values in per_run.items()}
        objective = self.robust(sum(weight * shaped[name] for name, weight in self.weights.items()))
        measures = {name: self.robust(values) if name != "cost" else values.mean(axis=1) for name, values in shaped.items()}
        feasible = np.ones(candidates, dtype=bool)
        if self.options.min_survival is not None:
            feasible = measures["survival"] >= self.options.min_survival
        return Scores(objective, measures, feasible)

    def scores(self, policies: Policies) -> Scores:
        return self.scores_of(self.measure(self.table(policies)), len(policies))


@dataclass
class OptimizeResult:
    """The best policy, how it compares with the scenario's own, and how the search went."""

    scenario: Scenario
    options: dict[str, Any]
    policy: dict[str, Any]  # phases (share fractions), switch_months, pmo_budget
    settings: dict[str, Any]  # the policy as scenario-file tables (params, schedule)
    kpis: pd.DataFrame  # measure, statistic, unit, current, best, change
    history: pd.DataFrame  # generation, best, mean, feasible_share
    pareto: pd.DataFrame | None
    converged: bool
    message: str
    runs: int
    seed: int
    samples: int
    engine: str = "batch"
    warnings: list[str] = field(default_factory=list)

    @property
    def objective(self) -> float:
        return float(self.kpis.loc[self.kpis["measure"] == "objective", "best"].iloc[0])


def _differential_evolution(policy_problem: PolicyProblem, options: OptimizeStudy, seed: int,
                            progress: Progress | None) -> tuple[np.ndarray, pd.DataFrame, Any, int]:
    from scipy.optimize import differential_evolution

    space = policy_problem.space
    history: list[dict[str, float]] = []
    best = [-np.inf]
    runs = [0]

    def energies(x: np.ndarray) -> np.ndarray:  # x: decisions x candidates (scipy's vectorized layout)
        scores = policy_problem.scores(space.decode(x.T))
        runs[0] += x.shape[1] * policy_problem.count
        good = scores.objective[scores.feasible]
        if good.size:
            best[0] = max(best[0], float(good.max()))
        history.append({"generation": len(history), "best": best[0], "mean": float(good.mean()) if good.size else np.nan,
                        "feasible_share": float(scores.feasible.mean())})
        violation = np.clip((options.min_survival or 0.0) - scores.measures["survival"], 0, None)
        return np.where(scores.feasible, -scores.objective, PENALTY * (1 + violation))

    def callback(intermediate_result) -> None:
        if progress is not None:
            progress(len(history) - 1, options.maxiter)

    found = differential_evolution(energies, space.bounds, vectorized=True, updating="deferred", popsize=options.popsize,
                                   maxiter=options.maxiter, tol=options.tol, polish=False, rng=seed, callback=callback)
    return found.x, pd.DataFrame(history), found, runs[0]


def _pareto(policy_problem: PolicyProblem, options: OptimizeStudy, seed: int) -> tuple[pd.DataFrame | None, int]:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize

    space = policy_problem.space
    bounds = np.array(space.bounds)
    constrained = options.min_survival is not None
    runs = [0]

    class Front(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=len(bounds), n_obj=2, n_ieq_constr=1 if constrained else 0, xl=bounds[:, 0], xu=bounds[:, 1])

        def _evaluate(self, x, out, *args, **kwargs):  # the whole population at once
            scores = policy_problem.scores(space.decode(x))
            runs[0] += len(x) * policy_problem.count
            out["F"] = np.column_stack([-scores.measures["performance"], scores.measures["cost"]])
            if constrained:
                out["G"] = (options.min_survival - scores.measures["survival"])[:, None]

    found = minimize(Front(), NSGA2(pop_size=PARETO_POPULATION), ("n_gen", min(options.maxiter, PARETO_GENERATIONS)),
                     seed=seed, verbose=False)
    if found.X is None:
        return None, runs[0]
    policies = space.decode(np.atleast_2d(found.X))
    scores = policy_problem.scores(policies)
    keep = scores.feasible
    rows = [{**_flat(policies.row(i)), "performance": scores.measures["performance"][i], "cost": scores.measures["cost"][i],
             "survival": scores.measures["survival"][i]} for i in np.flatnonzero(keep)]
    runs[0] += len(policies) * policy_problem.count
    return pd.DataFrame(rows).sort_values("cost").reset_index(drop=True), runs[0]


def _flat(row: dict[str, Any]) -> dict[str, float]:
    """A policy as one table row: share_x (phase 1), share_x_phase2 ..., switch_month_1 ..., pmo_budget."""
    flat: dict[str, float] = {}
    for index, phase in enumerate(row["phases"]):
        flat.update({(name if index == 0 else f"{name}_phase{index + 1}"): value for name, value in phase.items()})
    flat.update({f"switch_month_{i + 1}": m for i, m in enumerate(row["switch_months"])})
    if "pmo_budget" in row:
        flat["pmo_budget"] = row["pmo_budget"]
    return flat


def _kpis(policy_problem: PolicyProblem, best: Policies) -> tuple[pd.DataFrame, Scores]:
    """The measures of the scenario's own policy and of the best, on the same samples, in one call."""
    current_table = policy_problem.base
    both = pd.concat([current_table, policy_problem.table(best)], ignore_index=True)
    scores = policy_problem.scores_of(policy_problem.measure(both), 2)
    statistic = policy_problem.options.robust + (f" {policy_problem.options.percentile:g}" if policy_problem.options.robust == "percentile" else "")
    units = {name: get_model().variables[output].units for name, output in MEASURES.items()}
    objective = policy_problem.options.objective
    rows = [{"measure": "objective", "statistic": statistic, "unit": units[objective] if isinstance(objective, str) else "weighted sum",
             "current": scores.objective[0], "best": scores.objective[1]}]
    rows += [{"measure": name, "statistic": "mean" if name == "cost" else statistic, "unit": units[name], "current": values[0],
              "best": values[1]} for name, values in scores.measures.items()]
    table = pd.DataFrame(rows)
    table["change"] = table["best"] - table["current"]
    return table, scores


def optimize(scenario: Scenario, *, evaluator: Evaluator | None = None, distributed: bool = False,
             progress: Progress | None = None, measure: Measure | None = None, **changes: Any) -> OptimizeResult:
    """The policy that maximises the study's objective, robust over the scenario's uncertainty.

    Options are the scenario's ``[study.optimize]`` with ``changes`` on top (``objective``, ``window``,
    ``phases``, ``shares``, ``budget``, ``budget_cap``, ``min_share``, ``min_survival``, ``robust``,
    ``percentile``, ``samples``, ``pareto``, ``popsize``, ``maxiter``, ``tol``, ``seed``), checked like the
    file: a bad one, or a constraint no policy found meets, raises :class:`~sim.scenario.ScenarioError`.
    ``measure`` replaces the model (tests plant a known optimum through the same search).
    """
    scenario, options = study_options(scenario, "optimize", changes)
    seed = seed_of(scenario, options.seed)
    space = PolicySpace.of(scenario, options)
    window = objective_window(scenario, options)
    measure = measure or model_measures(scenario, window, evaluator)
    policy_problem = PolicyProblem(scenario, options, measure, space, seed)
    population = options.popsize * len(space.bounds)
    check_size(scenario, "optimize", "samples", population * policy_problem.count,
               distributed=distributed or evaluator is not None)
    x, history, found, runs = _differential_evolution(policy_problem, options, seed, progress)
    best = space.decode(x)
    kpis, scores = _kpis(policy_problem, best)
    if not scores.feasible[1]:
        raise problem(scenario, "optimize", "min_survival",
                      f"infeasible: no policy found keeps PMO Survival at {options.min_survival:g} or more "
                      f"(the best reaches {scores.measures['survival'][1]:.3f})")
    front = None
    if options.pareto:
        front, more = _pareto(policy_problem, options, seed)
        runs += more
    runs += 2 * policy_problem.count
    warnings = [] if found.success else [f"the optimiser stopped before converging: {found.message}"]
    return OptimizeResult(scenario=scenario, options={**options.model_dump(mode="json"), "window": list(window)},
                          policy=best.row(0), settings=policy_settings(best, 0), kpis=kpis, history=history, pareto=front,
                          converged=bool(found.success), message=str(found.message), runs=runs, seed=seed,
                          samples=policy_problem.count, warnings=warnings)


def study_name(result: OptimizeResult) -> str:
    return result.options.get("name") or f"{result.scenario.name}_optimize"
