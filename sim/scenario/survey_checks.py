"""Checking a scenario's ``[study.survey]`` against the scenario and the model file; every problem at once."""

from __future__ import annotations

from sim.scenario.checks import _Checker, base_points, truncation
from sim.scenario.distributions import Lognormal, Normal, Triangular
from sim.scenario.schema import ScenarioFile
from sim.scenario.survey_study import CONSTRUCT_NAMES, SurveyStudy

SURVEY = ("study", "survey")
NO_POPULATION = ("a survey needs an [uncertainty] table: its runs are the PMOs surveyed and its params the "
                 "distributions they are drawn from")


def check_survey(checker: _Checker, spec: ScenarioFile, study: SurveyStudy) -> None:
    if spec.uncertainty is None:
        checker.add(SURVEY, NO_POPULATION)
    final = spec.run.final_time
    bounds = bounded(checker, SURVEY + ("age",), study.age)
    if bounds is not None:
        low, high = bounds
        if low < 0:
            checker.add(SURVEY + ("age", "low"), "an age cannot be negative")
        if high > final:
            checker.add(SURVEY + ("age", "high"), f"{high:g} is beyond the horizon [run] final_time = {final:g}; raise "
                                                  "final_time or lower the window")
    _check_items(checker, SURVEY, study.loadings, study.noise, study.common_method)
    from sim.scenario.study_checks import outputs_problem

    for name in CONSTRUCT_NAMES:
        measurement = getattr(study.constructs, name)
        if measurement is None:
            continue
        where = SURVEY + ("constructs", name)
        if measurement.variable is not None:
            problem = outputs_problem(measurement.variable)
            if problem:
                checker.add(where + ("variable",), problem.replace("unknown output", "unknown model variable"))
        if measurement.window is not None and measurement.window > final:
            checker.add(where + ("window",), f"{measurement.window:g} months is longer than the horizon ({final:g})")
        loadings = measurement.loadings or study.loadings
        if measurement.loadings is not None or measurement.noise is not None:
            _check_items(checker, where, loadings, measurement.noise, study.common_method)
    if study.events is not None:
        _check_events(checker, spec, study)


def bounded(checker: _Checker, location: tuple, dist) -> tuple[float, float] | None:
    """The interval a distribution's draws lie in, or None (with the problem noted) when it has none."""
    if isinstance(dist, (Normal, Lognormal)):
        if dist.low is None or dist.high is None:
            checker.add(location, "give low and high: the draws must stay within a window")
            return None
        low, high = truncation(dist, _Unbounded())
    else:
        low, high = dist.low, dist.high
        if isinstance(dist, Triangular) and not low <= dist.mode <= high:
            checker.add(location + ("mode",), "mode must lie between low and high")
    if not low < high:
        checker.add(location + ("high",), "high must be above low")
        return None
    return low, high


class _Unbounded:
    minimum = maximum = None


def _check_items(checker: _Checker, where: tuple, loadings: list[float], noise: list[float] | None,
                 common_method: float) -> None:
    if noise is not None:
        if len(noise) != len(loadings):
            checker.add(where + ("noise",), f"give one value per item: {len(loadings)} loadings, {len(noise)} noise values")
        return
    worst = max(loadings)
    if worst**2 + common_method**2 >= 1:
        checker.add(where + ("loadings",), f"a loading of {worst:g} with common_method {common_method:g} leaves the item "
                                           "no error of its own (loading² + common_method² must stay below 1); lower "
                                           "one, or give noise")


def _check_events(checker: _Checker, spec: ScenarioFile, study: SurveyStudy) -> None:
    events = study.events
    where = SURVEY + ("events",)
    variable = checker.input(where + ("input",), events.input)
    size = bounded(checker, where + ("size",), events.size)
    duration = bounded(checker, where + ("duration",), events.duration)
    if duration is not None and duration[0] <= 0:
        checker.add(where + ("duration", "low"), "an event must last more than 0 months")
    if variable is None or size is None:
        return
    uncertain = spec.uncertainty.params if spec.uncertainty else {}
    if events.input in uncertain:
        checker.add(where + ("input",), f"'{events.input}' is uncertain in this scenario; events go on an input with one "
                                        "value or schedule for every PMO")
        return
    base = [v for _, v in base_points(spec, events.input)]
    shocks = [s.size for s in spec.shocks if s.input == events.input]
    # one event at a time, on top of the input's own value and every shock the file declares
    peak = max(base) + sum(s for s in shocks if s > 0) + max(size[1], 0)
    trough = min(base) + sum(s for s in shocks if s < 0) + min(size[0], 0)
    for value in (peak, trough):
        checker.in_range(where + ("size",), variable, value, "with an event the input reaches ")
