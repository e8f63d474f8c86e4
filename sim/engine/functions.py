"""Vensim's functions with PySD's semantics, over numpy arrays (or numbers), and lookup tables.

What the generated step function of the numpy backend calls; the numba backend has scalar twins in
:mod:`sim.engine.numba_functions` with the same formulas.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import numpy as np

from sim.model import ModelError

SMALL_VENSIM = 1e-6  # what Vensim (and PySD) treat as zero in ZIDZ, XIDZ, PULSE, RAMP


class BatchError(ModelError):
    """The batch engine cannot compile or run a model or request."""


def _zidz(numerator, denominator):
    return np.where(np.abs(denominator) < SMALL_VENSIM, 0.0, np.divide(numerator, denominator))


def _xidz(numerator, denominator, x):
    return np.where(np.abs(denominator) < SMALL_VENSIM, x, np.divide(numerator, denominator))


def _if_then_else(condition, if_true, if_false):
    return np.where(condition, if_true, if_false)


def _step(time, time_step, height, step_time):
    return height * (time + time_step / 2 > step_time)


def _pulse(time, start, width):
    return 1.0 * ((start - SMALL_VENSIM <= time) & (time < start + width))


def _ramp(time, slope, start, finish=None):
    final = time if finish is None else np.minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


@dataclass(frozen=True)
class Table:
    """A lookup's points; ``extrapolate`` continues the end slopes instead of holding the ends."""

    xs: np.ndarray
    ys: np.ndarray
    extrapolate: bool

    @functools.cached_property
    def points(self) -> tuple[list[float], list[float]]:
        return self.xs.tolist(), self.ys.tolist()


def _lookup(x, table: Table):
    """PySD's lookup: linear inside, ends held (or extrapolated); arrays or a single number."""
    if np.ndim(x) == 0 and not table.extrapolate:
        return _lookup_scalar(float(x), *table.points)
    xs, ys = table.xs, table.ys
    y = np.interp(x, xs, ys)
    if table.extrapolate:
        below_slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        above_slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        y = np.where(x < xs[0], ys[0] + below_slope * (x - xs[0]), y)
        y = np.where(x > xs[-1], ys[-1] + above_slope * (x - xs[-1]), y)
    return y


def _lookup_scalar(x: float, xs: list[float], ys: list[float]) -> np.float64:
    """``np.interp`` for one number, without numpy's per-call cost (same formula, same result)."""
    if x != x:
        return np.float64(x)
    if x <= xs[0]:
        return np.float64(ys[0])
    if x >= xs[-1]:
        return np.float64(ys[-1])
    j = bisect.bisect_right(xs, x) - 1
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return np.float64(slope * (x - xs[j]) + ys[j])


# Vensim function (PySD's name) -> (Python template, number of arguments or None for any).
FUNCTIONS: dict[str, tuple[str, tuple[int, ...]]] = {
    "min": ("np.minimum({0}, {1})", (2,)),
    "max": ("np.maximum({0}, {1})", (2,)),
    "abs": ("np.abs({0})", (1,)),
    "exp": ("np.exp({0})", (1,)),
    "ln": ("np.log({0})", (1,)),
    "sqrt": ("np.sqrt({0})", (1,)),
    "power": ("np.power({0}, {1})", (2,)),
    "zidz": ("_zidz({0}, {1})", (2,)),
    "xidz": ("_xidz({0}, {1}, {2})", (3,)),
    "if_then_else": ("_if_then_else({0}, {1}, {2})", (3,)),
    "step": ("_step(time, time_step, {0}, {1})", (2,)),
    "pulse": ("_pulse(time, {0}, {1})", (2,)),
    "ramp": ("_ramp(time, {0}, {1}, {2})", (3,)),
    "Xramp": ("_ramp(time, {0}, {1})", (2,)),
}
OPERATORS = {
    "^": "**", "*": "*", "/": "/", "+": "+", "-": "-",
    "=": "==", "<>": "!=", ">=": ">=", ">": ">", "<=": "<=", "<": "<",
}
HELPERS = {
    "np": np,
    "_zidz": _zidz,
    "_xidz": _xidz,
    "_if_then_else": _if_then_else,
    "_step": _step,
    "_pulse": _pulse,
    "_ramp": _ramp,
    "_lookup": _lookup,
}

