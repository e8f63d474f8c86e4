"""Vensim's functions for one run at a time, compiled by numba: the numba kernel's helpers.

Scalar twins of :mod:`sim.engine.functions` with the same formulas (PySD's semantics), so both
backends agree with PySD; lookups and schedules read flat arrays the kernel is given.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.engine.functions import SMALL_VENSIM

jit = numba.njit(cache=True, error_model="numpy", inline="always")


@jit
def _zidz(numerator, denominator):
    return 0.0 if abs(denominator) < SMALL_VENSIM else numerator / denominator


@jit
def _xidz(numerator, denominator, x):
    return x if abs(denominator) < SMALL_VENSIM else numerator / denominator


@jit
def _if_then_else(condition, if_true, if_false):
    return if_true if condition else if_false


@jit
def _step(time, time_step, height, step_time):
    return height * (time + time_step / 2 > step_time)


@jit
def _pulse(time, start, width):
    return 1.0 * ((start - SMALL_VENSIM <= time) and (time < start + width))


@jit
def _ramp(time, slope, start, finish):
    return (time + SMALL_VENSIM > start) * slope * (min(finish, time) - start)


@jit
def _ramp_open(time, slope, start):
    return (time + SMALL_VENSIM > start) * slope * (time - start)


@jit
def _interp(x, xs, ys, start, n):
    """``np.interp`` (ends held) over ``xs[start:start + n]``, by its formula."""
    if x != x:
        return x
    if x <= xs[start]:
        return ys[start]
    last = start + n - 1
    if x >= xs[last]:
        return ys[last]
    lo, hi = start, last  # xs[lo] <= x < xs[hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xs[mid] <= x:
            lo = mid
        else:
            hi = mid
    slope = (ys[lo + 1] - ys[lo]) / (xs[lo + 1] - xs[lo])
    return slope * (x - xs[lo]) + ys[lo]


@jit
def _lookup(x, xs, ys, start, n, extrapolate):
    """PySD's lookup over one table of the flat arrays: linear inside, ends held or extrapolated."""
    if extrapolate:
        last = start + n - 1
        if x < xs[start]:
            return ys[start] + (ys[start + 1] - ys[start]) / (xs[start + 1] - xs[start]) * (x - xs[start])
        if x > xs[last]:
            return ys[last] + (ys[last] - ys[last - 1]) / (xs[last] - xs[last - 1]) * (x - xs[last])
    return _interp(x, xs, ys, start, n)


@jit
def _schedule(time, months, counts, values, which, row):
    """Schedule ``which`` at ``time`` for the values row ``row`` (per run, or 0 when shared)."""
    return _interp(time, months[which], values[which, row], 0, counts[which])


HELPERS = ("_zidz", "_xidz", "_if_then_else", "_step", "_pulse", "_ramp", "_ramp_open", "_lookup", "_schedule")
__all__ = list(HELPERS) + ["np"]
