"""The loop scores of :func:`sim.analysis.loop_scores.score_block` as one compiled kernel (numba, the ``fast`` extra).

The same arithmetic as the numpy version, in the same order, with the saved times as the outer,
parallel loop and the runs as the inner, contiguous one: the partial products of loops that share
a path stay in the cache instead of making a round trip through memory per multiplication. One
kernel for every model and plan, compiled once (and cached on disk by numba).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.engine.numba_backend import _LOCK


@numba.njit(parallel=True, cache=True)
def _scores(link, sequence, offsets, common, order, partitions, families, n_partitions,
            scores, family, relative_sum, absolute_sum):  # pragma: no cover - compiled
    n_runs = link.shape[2]
    depth = 0
    for i in range(len(offsets) - 1):
        depth = max(depth, offsets[i + 1] - offsets[i])
    keep = scores.shape[0] > 0
    for t in numba.prange(link.shape[1]):
        stack = np.empty((depth, n_runs))
        totals = np.zeros((n_partitions, n_runs))
        local = np.empty((len(order), n_runs))
        for position in range(len(order)):
            i = order[position]
            start, length = offsets[i], offsets[i + 1] - offsets[i]
            for j in range(common[position], length):
                source = link[sequence[start + j], t]
                if j == 0:
                    for n in range(n_runs):
                        stack[0, n] = source[n]
                else:
                    for n in range(n_runs):
                        stack[j, n] = stack[j - 1, n] * source[n]
            p = partitions[i]
            for n in range(n_runs):
                local[i, n] = stack[length - 1, n]
                totals[p, n] += abs(stack[length - 1, n])
        for p in range(n_partitions):
            for n in range(n_runs):
                totals[p, n] = 1.0 / totals[p, n] if totals[p, n] > 0 else 0.0
        for i in range(len(order)):
            p, f = partitions[i], families[i]
            row_sum, row_abs = 0.0, 0.0
            for n in range(n_runs):
                r = local[i, n] * totals[p, n]
                if keep:
                    scores[i, t, n] = r
                if f >= 0:
                    family[f, t, n] += r
                row_sum += r
                row_abs += abs(r)
            relative_sum[i, t] = row_sum
            absolute_sum[i, t] = row_abs


def scores(link: np.ndarray, rotated: list[tuple[int, ...]], order: list[int], common: list[int],
           partitions: np.ndarray, families: np.ndarray, n_families: int, *, keep: bool) -> tuple:
    """Relative loop scores (loop, time, run; None unless ``keep``), family sums (family, time, run),
    and per loop the relative scores summed over runs (loop, time) and the absolute ones summed over
    times and runs."""
    lengths = np.array([len(r) for r in rotated])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    sequence = np.array([i for r in rotated for i in r], dtype=np.int64)
    n_loops, (_, n_times, n_runs) = len(rotated), link.shape
    relative = np.empty((n_loops, n_times, n_runs) if keep else (0, 0, 0))
    family = np.zeros((n_families, n_times, n_runs))
    relative_sum = np.empty((n_loops, n_times))
    absolute_sum = np.empty((n_loops, n_times))
    with _LOCK:
        _scores(np.ascontiguousarray(link), sequence, offsets, np.asarray(common, dtype=np.int64), np.asarray(order, dtype=np.int64),
                np.asarray(partitions, dtype=np.int64), np.asarray(families, dtype=np.int64), int(max(partitions)) + 1,
                relative, family, relative_sum, absolute_sum)
    return (relative if keep else None), family, relative_sum, absolute_sum.sum(axis=1)
