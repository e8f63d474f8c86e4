"""Reading a model quantity as a questionnaire does: at the survey month, or over the months before it.

Each PMO has its own age; ``values`` are (runs, saved months). A window reaches back ``window`` months
from the age, or to month 0 for a younger PMO. The integral uses the trapezoidal rule over the saved
months, interpolated linearly at the window's ends.
"""

from __future__ import annotations

import numpy as np


def at_ages(values: np.ndarray, months: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Per run, ``values`` (runs x saved months) linearly interpolated at that run's age."""
    position = np.interp(ages, months, np.arange(len(months)))
    before = np.floor(position).astype(int)
    after = np.minimum(before + 1, len(months) - 1)
    weight = position - before
    rows = np.arange(len(ages))
    return values[rows, before] * (1 - weight) + values[rows, after] * weight


def read(values: np.ndarray, months: np.ndarray, ages: np.ndarray, measure: str, window: float) -> np.ndarray:
    """Each run's ``values`` read at its age: ``state``, or the ``mean``, ``total`` (integral over months),
    ``change`` or ``peak`` over the ``window`` months before it."""
    if measure == "state":
        return at_ages(values, months, ages)
    start = np.maximum(ages - window, months[0])
    if measure == "change":
        return at_ages(values, months, ages) - at_ages(values, months, start)
    if measure == "peak":
        inside = (months[None, :] >= start[:, None]) & (months[None, :] <= ages[:, None])
        peak = np.where(inside, values, -np.inf).max(axis=1)
        return np.maximum(peak, np.maximum(at_ages(values, months, ages), at_ages(values, months, start)))
    steps = np.diff(months)[None, :] * (values[:, 1:] + values[:, :-1]) / 2
    cumulative = np.concatenate([np.zeros((len(values), 1)), np.cumsum(steps, axis=1)], axis=1)
    # between two saved months the integral is interpolated linearly (saved months are the model's SAVEPER)
    total = at_ages(cumulative, months, ages) - at_ages(cumulative, months, start)
    if measure == "total":
        return total
    if measure == "mean":
        length = ages - start
        return np.where(length > 0, total / np.where(length > 0, length, 1), at_ages(values, months, ages))
    raise ValueError(f"unknown measure '{measure}'")
