"""Checking a scenario's ``[study]`` table against the scenario and the model file; every problem at once."""

from __future__ import annotations

import difflib

from sim.experiments import SHARES
from sim.model import get_model
from sim.scenario.checks import _Checker, base_points
from sim.scenario.schema import ScenarioFile
from sim.scenario.study import OptimizeStudy, SensitivityStudy

SENSITIVITY = ("study", "sensitivity")
OPTIMIZE = ("study", "optimize")


def check_study(checker: _Checker, spec: ScenarioFile) -> None:
    if spec.study.sensitivity is not None:
        _check_sensitivity(checker, spec, spec.study.sensitivity)
    if spec.study.optimize is not None:
        _check_optimize(checker, spec, spec.study.optimize)
    if spec.study.survey is not None:
        from sim.scenario.survey_checks import check_survey

        check_survey(checker, spec, spec.study.survey)


def outputs_problem(name: str) -> str | None:
    """Why ``name`` is not a model variable a study can report, or None."""
    model = get_model()
    names = [n for n, v in model.variables.items() if v.kind not in ("control", "lookup")]
    if name in names:
        return None
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"unknown output '{name}'" + (f"; did you mean '{close[0]}'?" if close else "; see pmo-sim list-params and docs/model.md")


def _duplicates(checker: _Checker, location: tuple, names: list[str]) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        checker.add(location, f"names {', '.join(twice)} more than once")


def _check_sensitivity(checker: _Checker, spec: ScenarioFile, study: SensitivityStudy) -> None:
    uncertain = spec.uncertainty.params if spec.uncertainty else {}
    if study.params is None:
        if not uncertain:
            checker.add(SENSITIVITY, "no inputs to vary: list them in params = [...] or declare [uncertainty.params]")
    else:
        location = SENSITIVITY + ("params",)
        if not study.params:
            checker.add(location, "list at least one input to vary")
        _duplicates(checker, location, study.params)
        for name in study.params:
            variable = checker.input(location, name)
            if variable is None:
                continue
            if name in spec.schedule:
                checker.add(location, f"'{name}' is scheduled; an input varied by the study has one value per run")
            elif name not in uncertain and (variable.minimum is None or variable.maximum is None
                                            or not variable.minimum < variable.maximum):
                checker.add(location, f"'{name}' has no documented range in the model file; give it a distribution "
                                      "in [uncertainty.params]")
    for name in study.outputs:
        problem = outputs_problem(name)
        if problem:
            checker.add(SENSITIVITY + ("outputs",), problem)
    _duplicates(checker, SENSITIVITY + ("outputs",), study.outputs)
    final = spec.run.final_time
    for month in study.months or ():
        if not 0 <= month <= final:
            checker.add(SENSITIVITY + ("months",), f"month {month:g} lies outside the horizon 0 to {final:g}")
    if study.method == "sobol" and study.n & (study.n - 1):
        lower = 1 << (study.n.bit_length() - 1)
        checker.add(SENSITIVITY + ("n",), f"Sobol sampling needs a power of 2, e.g. {lower} or {2 * lower}")
    if study.every > final:
        checker.add(SENSITIVITY + ("every",), f"{study.every:g} months is longer than the horizon ({final:g})")


def default_window(final_time: float) -> tuple[float, float]:
    """Months 60 to 120, or the second half of a shorter horizon."""
    return (60.0, 120.0) if final_time >= 120 else (final_time / 2, final_time)


def free_fraction(spec: ScenarioFile, free: list[str]) -> float:
    """The part of the budget the free shares split between them (the others keep theirs), from month 0."""
    values = {name: base_points(spec, name)[0][1] for name in SHARES}
    total = sum(values.values())
    return 1.0 if total <= 0 else 1.0 - sum(v for n, v in values.items() if n not in free) / total


def _check_optimize(checker: _Checker, spec: ScenarioFile, study: OptimizeStudy) -> None:
    final = spec.run.final_time
    uncertain = spec.uncertainty.params if spec.uncertainty else {}
    if study.window is not None:
        first, last = study.window
        if not 0 <= first < last <= final:
            checker.add(OPTIMIZE + ("window",), f"[{first:g}, {last:g}] lies outside the horizon 0 to {final:g} months "
                                                "(or is empty)")
    if isinstance(study.objective, dict) and not any(study.objective.values()):
        checker.add(OPTIMIZE + ("objective",), "give at least one objective a weight other than 0")
    free = SHARES if study.shares is None else study.shares
    location = OPTIMIZE + ("shares",)
    for name in free:
        if name not in SHARES:
            close = difflib.get_close_matches(name, SHARES, n=1, cutoff=0.6)
            checker.add(location, f"'{name}' is not a budget share" + (f"; did you mean '{close[0]}'?" if close else
                                                                        f"; choose among {', '.join(SHARES)}"))
        elif name in uncertain:
            checker.add(location, f"'{name}' is uncertain in this scenario; a share the optimiser moves cannot be")
    _duplicates(checker, location, list(free))
    if len(set(free)) < 2 and study.budget is None:
        checker.add(location, "move at least two shares (or give budget = [low, high]): one share alone is always all of its part")
    budget = get_model().describe("pmo_budget")
    if study.phases > 1:
        low, high = study.switch_months or (6.0, final - 6.0)
        if not 0 < low <= high < final:
            checker.add(OPTIMIZE + ("switch_months",), f"[{low:g}, {high:g}] must lie inside the horizon, 0 to {final:g} months")
    if study.budget is not None:
        low, high = study.budget
        if not low < high:
            checker.add(OPTIMIZE + ("budget",), "high must be above low")
        for value in (low, high):
            checker.in_range(OPTIMIZE + ("budget",), budget, value)
        if "pmo_budget" in uncertain or "pmo_budget" in spec.schedule:
            checker.add(OPTIMIZE + ("budget",), "PMO Budget is uncertain or scheduled in this scenario; the optimiser cannot also set it")
    if study.budget_cap is not None:
        if study.budget is not None and study.budget_cap < study.budget[0]:
            checker.add(OPTIMIZE + ("budget_cap",), f"infeasible: the budget range starts at {study.budget[0]:g}, above "
                                                    f"the cap {study.budget_cap:g}")
        elif study.budget is None:
            spent = max(v for _, v in base_points(spec, "pmo_budget"))
            if spent > study.budget_cap:
                checker.add(OPTIMIZE + ("budget_cap",), f"infeasible: the scenario's PMO Budget ({spent:g}) is above the cap "
                                                        f"{study.budget_cap:g}; lower it or give budget = [low, high]")
    moved = [n for n in dict.fromkeys(free) if n in SHARES]
    if moved and study.min_share * len(moved) > free_fraction(spec, moved) + 1e-12:
        checker.add(OPTIMIZE + ("min_share",), f"infeasible: {len(moved)} shares x {study.min_share:g} is more than the "
                                               f"{free_fraction(spec, moved):.3g} of the budget they split")
    if study.pareto and study.budget is None:
        checker.add(OPTIMIZE + ("pareto",), "a Pareto front of performance against cost needs budget = [low, high]: "
                                            "the cost only moves with the budget")
