"""The loop scores of :func:`sim.analysis.loop_scores.score_block` as one compiled kernel (numba, the ``fast`` extra).

The same arithmetic as the numpy version, in the same order, over chunks of saved times as the
outer, parallel loop and the times and runs of a chunk as the inner, contiguous one: the partial
products of loops that share a path stay in the cache instead of making a round trip through
memory per multiplication, and a single run still has long inner loops (all its times at once). One
kernel for every model and plan, compiled once (and cached on disk by numba), in a parallel build
and a serial one for a single chunk.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING

import numba
import numpy as np

from sim.engine.numba_backend import _LOCK

if TYPE_CHECKING:
    from sim.analysis.loop_scores import LoopOrder

#: Saved times x runs scored together: whole saved times, as many as make about this many values
#: (a few runs: many times at once, so the innermost loops stay long; many runs: one time each).
CHUNK = 512


def _scores(blocks, n_times, n_runs, sequence, offsets, common, order, partitions, families, n_partitions,
            scores, family, relative_sum, absolute_sum):  # pragma: no cover - compiled
    n_chunks, width = blocks.shape[1], blocks.shape[2]
    chunk_rows = width // n_runs
    depth = 0
    for i in range(len(offsets) - 1):
        depth = max(depth, offsets[i + 1] - offsets[i])
    keep = scores.shape[0] > 0
    for chunk in numba.prange(n_chunks):
        first, last = chunk * chunk_rows, min(n_times, (chunk + 1) * chunk_rows)
        stack = np.empty((depth, width))
        inverse = np.zeros((n_partitions, chunk_rows, n_runs))
        local = np.empty((len(order), chunk_rows, n_runs))
        totals, products = inverse.reshape((n_partitions, width)), local.reshape((len(order), width))
        for position in range(len(order)):
            i = order[position]
            start, length = offsets[i], offsets[i + 1] - offsets[i]
            for j in range(common[position], length):
                source = blocks[sequence[start + j], chunk]
                if j == 0:
                    for e in range(width):
                        stack[0, e] = source[e]
                else:
                    for e in range(width):
                        stack[j, e] = stack[j - 1, e] * source[e]
            p = partitions[i]
            for e in range(width):
                products[i, e] = stack[length - 1, e]
                totals[p, e] += abs(stack[length - 1, e])
        for p in range(n_partitions):
            for e in range(width):
                totals[p, e] = 1.0 / totals[p, e] if totals[p, e] > 0 else 0.0
        for i in range(len(order)):
            p, f = partitions[i], families[i]
            for t in range(first, last):
                row = t - first
                row_sum, row_abs = 0.0, 0.0
                for n in range(n_runs):
                    r = local[i, row, n] * inverse[p, row, n]
                    if keep:
                        scores[i, t, n] = r
                    if f >= 0:
                        family[f, t, n] += r
                    row_sum += r
                    row_abs += abs(r)
                relative_sum[i, t] = row_sum
                absolute_sum[i, t] = row_abs


def _twin(function, name: str):
    """``function`` under another name: numba caches compiled code by name, so its serial and parallel builds stay apart."""
    twin = types.FunctionType(function.__code__, function.__globals__, name)
    twin.__qualname__ = name
    return twin


_parallel = numba.njit(parallel=True, cache=True)(_scores)
#: One chunk (a single run): the same kernel without the parallel region, whose start costs more than the scores.
_serial = numba.njit(cache=True)(_twin(_scores, "_scores_serial"))


def scores(link: np.ndarray, loops: "LoopOrder", partitions: np.ndarray, families: np.ndarray, n_families: int, *, keep: bool) -> tuple:
    """Relative loop scores (loop, time, run; None unless ``keep``), family sums (family, time, run),
    and per loop the relative scores summed over runs (loop, time) and the absolute ones summed over
    times and runs."""
    n_loops, (_, n_times, n_runs) = len(loops.rotated), link.shape
    relative = np.empty((n_loops, n_times, n_runs) if keep else (0, 0, 0))
    family = np.zeros((n_families, n_times, n_runs))
    relative_sum = np.empty((n_loops, n_times))
    absolute_sum = np.empty((n_loops, n_times))
    rows = min(n_times, max(1, CHUNK // n_runs))
    n_chunks = -(-n_times // rows)
    blocks = np.ascontiguousarray(link)
    if n_chunks * rows != n_times:  # whole chunks: the last one padded with zero scores
        blocks = np.concatenate([blocks, np.zeros((link.shape[0], n_chunks * rows - n_times, n_runs))], axis=1)
    blocks = blocks.reshape(link.shape[0], n_chunks, rows * n_runs)
    arguments = (blocks, n_times, n_runs, loops.sequence, loops.offsets, loops.common, loops.order, partitions, families,
                 int(partitions.max()) + 1, relative, family, relative_sum, absolute_sum)
    if n_chunks == 1:
        _serial(*arguments)
    else:
        with _LOCK:
            _parallel(*arguments)
    return (relative if keep else None), family, relative_sum, absolute_sum.sum(axis=1)
