"""What any run accepts, checked the same way for scenario files and the Python API.

Each check returns a message (``None`` or an empty list when all is well); the caller says where
the problem is: ``path:line: field`` for a file, the parameter's name for :func:`sim.simulate`.
"""

from __future__ import annotations

import math
import numbers

from sim.model import MAX_FINAL_TIME, Variable, get_model

#: Euler steps per run: a guard against requests that would exhaust the machine.
MAX_STEPS = 100_000
NOT_FINITE = "must be a finite number (not nan or inf)"


def is_bool(value: object) -> bool:
    """A bool, Python's or numpy's."""
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def is_number(value: object) -> bool:
    """A real number (Python or numpy, ``np.int64(150)`` and ``np.float32`` included), not a bool."""
    return isinstance(value, numbers.Real) and not is_bool(value)


def outside_range(variable: Variable, value: float) -> str | None:
    """"is outside the documented range ..." when a finite ``value`` is outside ``variable``'s ``[min, max]``, or None."""
    low, high = variable.minimum, variable.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        low_text = "-inf" if low is None else f"{low:g}"
        high_text = "inf" if high is None else f"{high:g}"
        return f"is outside the documented range {low_text} to {high_text} ({variable.units})"
    return None


def range_problem(variable: Variable, value: float, what: str = "") -> str | None:
    """Why ``value`` is outside ``variable``'s documented ``[min, max]`` in the model file, or None."""
    if not math.isfinite(value):
        return NOT_FINITE
    outside = outside_range(variable, value)
    return f"{what}{value:g} {outside}" if outside else None


def time_problems(final_time: float, time_step: float | None, saveper: float | None) -> list[tuple[str, str]]:
    """``(field, message)`` for settings that are each valid but not together (defaults: the model file's)."""
    defaults = get_model().defaults()
    given_saveper = saveper is not None
    time_step = time_step or defaults["time_step"]
    saveper = saveper or defaults["saveper"]
    problems = []
    if final_time / time_step > MAX_STEPS:
        problems.append(("time_step", f"{final_time:g} months in steps of {time_step:g} is more than {MAX_STEPS:,} steps"))
    if saveper < time_step or not math.isclose(saveper / time_step, round(saveper / time_step)):
        if given_saveper:
            problems.append(("saveper", f"{saveper:g} month{'s' if saveper != 1 else ''} is not a multiple of the time step "
                                        f"({time_step:g} months), so values would be saved at other months than asked; "
                                        "give a saveper that is a multiple of the time step, or a time step that divides it"))
        else:  # only the step was given: say so of the step
            problems.append(("time_step", f"{time_step:g} months does not divide the saving interval (saveper, default "
                                          f"{saveper:g} month): values are saved at multiples of the time step; give a time "
                                          "step that divides it (e.g. 0.25 or 0.125), or a saveper that is a multiple of the step"))
    return problems


def setting_problem(value: object, *, maximum: float) -> str | None:
    """Why a horizon, step or saving interval (months, above 0, at most ``maximum``) is refused, or None."""
    if not is_number(value):
        return f"expected a number of months, got {type(value).__name__}"
    if not math.isfinite(value):
        return NOT_FINITE
    if not 0 < value <= maximum:
        return f"must be greater than 0 and at most {maximum:g} month{'s' if maximum != 1 else ''}, got {value:g}"
    return None


def settings_problems(final_time: object, time_step: object, saveper: object) -> list[tuple[str, str]]:
    """Every problem of a run's horizon, step and saving interval, as ``(field, message)``."""
    limits = {"final_time": (final_time, MAX_FINAL_TIME), "time_step": (time_step, 1.0), "saveper": (saveper, MAX_FINAL_TIME)}
    problems = [(name, message) for name, (value, maximum) in limits.items()
                if value is not None and (message := setting_problem(value, maximum=maximum))]
    if problems:
        return problems
    return time_problems(float(final_time), time_step, saveper)  # type: ignore[arg-type]
