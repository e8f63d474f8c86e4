"""Loop scores, relative loop scores and dominant loops, from link scores (Loops that Matter).

Loop score: the product of the scores of the loop's links. Relative loop score: the loop score over
the sum of the absolute loop scores of every loop in the same cycle partition, in [-1, 1] (Schoenberg,
Davidsen and Eberlein 2020, System Dynamics Review 36(2), eq. 3 and 4). Dominant loops at a time: the
fewest loops of one polarity whose relative scores together reach 50% of the partition's behaviour,
from the polarity whose loops reach more (as isee Stella and Simlin report them).
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: Share of the behaviour a set of loops must explain to dominate.
DOMINANCE = 0.5


@dataclass(frozen=True, eq=False)
class LoopOrder:
    """The order in which loops are multiplied out: each started at its busiest link and sorted, so
    that loops sharing a path share its partial products (a quarter of the multiplications of one
    product per loop); ``common[k]`` is how much of its path the k-th loop shares with the one before."""

    rotated: list[tuple[int, ...]]
    order: np.ndarray  # (loop,) int
    common: np.ndarray  # (loop,) int
    sequence: np.ndarray  # the rotated loops' link indices, one after another
    offsets: np.ndarray  # where each loop starts in ``sequence`` (and where the last ends)

    @classmethod
    def of(cls, loops: Sequence[Sequence[int]]) -> "LoopOrder":
        use = Counter(i for loop in loops for i in loop)
        rotated = []
        for loop in loops:
            start = max(range(len(loop)), key=lambda k: (use[loop[k]], -loop[k]))
            rotated.append(tuple(loop[start:]) + tuple(loop[:start]))
        order = sorted(range(len(loops)), key=rotated.__getitem__)
        common, previous = [], ()
        for i in order:
            shared = 0
            while shared < min(len(previous), len(rotated[i])) and previous[shared] == rotated[i][shared]:
                shared += 1
            common.append(shared)
            previous = rotated[i]
        sequence = np.array([i for r in rotated for i in r], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum([len(r) for r in rotated])]).astype(np.int64)
        return cls(rotated, np.asarray(order, dtype=np.int64), np.asarray(common, dtype=np.int64), sequence, offsets)


@dataclass
class BlockScores:
    """The scores of a block of runs, reduced to what a study keeps: see :func:`score_block`."""

    relative: np.ndarray | None  # (loop, time, run) relative loop scores
    family: np.ndarray  # (family, time, run): sum of the member loops' relative scores
    relative_sum: np.ndarray  # (loop, time): relative scores summed over the block's runs
    absolute_sum: np.ndarray  # (loop,): absolute relative scores summed over times and runs


def score_block(link_scores: np.ndarray, loops: LoopOrder, partitions: Sequence[int], families: Sequence[int],
                n_families: int, *, keep: bool = True, compiled: bool | None = None) -> BlockScores:
    """Loop scores (products of the link scores ``loops`` index), relative loop scores within each
    partition, the sums of the member loops of each family (``families[i]``, -1 for none) and the
    sums a study keeps; the relative loop scores themselves only with ``keep``. ``compiled``: use the
    numba kernel (default: where numba is installed)."""
    if compiled is None:
        compiled = importlib.util.find_spec("numba") is not None
    if compiled:
        from sim.analysis import loop_kernel

        return BlockScores(*loop_kernel.scores(link_scores, loops, np.asarray(partitions), np.asarray(families), n_families, keep=keep))
    shape = link_scores.shape[1:]
    scores = np.empty((len(loops.rotated),) + shape)
    totals = np.zeros((max(partitions) + 1,) + shape)
    stack: list[np.ndarray] = []
    for i, shared in zip(loops.order, loops.common):
        sequence = loops.rotated[i]
        del stack[shared:]
        for j in range(len(stack), len(sequence)):
            stack.append(link_scores[sequence[0]] if j == 0 else stack[-1] * link_scores[sequence[j]])
        scores[i] = stack[-1]
        totals[partitions[i]] += np.abs(scores[i])
    inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    family = np.zeros((n_families,) + shape)
    relative_sum = np.empty((len(scores), shape[0]))
    absolute_sum = np.empty(len(scores))
    for i, (partition, member) in enumerate(zip(partitions, families)):
        relative = np.multiply(scores[i], inverse[partition], out=scores[i])
        if member >= 0:
            family[member] += relative
        relative_sum[i] = relative.sum(axis=1)
        absolute_sum[i] = np.abs(relative).sum()
    return BlockScores(scores if keep else None, family, relative_sum, absolute_sum)


def dominant(relative: np.ndarray, threshold: float = DOMINANCE) -> np.ndarray:
    """Which loops (first axis) dominate at each time and run: a boolean array shaped like ``relative``.

    For each polarity, the loops of that polarity are taken largest first until they reach
    ``threshold``; the polarity that reaches more wins, provided it reaches ``threshold``.
    """
    chosen = np.zeros(relative.shape, dtype=bool)
    reach = []
    for sign in (1.0, -1.0):
        share = np.where(np.sign(relative) == sign, np.abs(relative), 0.0)
        order = np.argsort(-share, axis=0, kind="stable")
        ranked = np.take_along_axis(share, order, axis=0)
        before = np.cumsum(ranked, axis=0) - ranked  # what the larger ones reach without this one
        take = (ranked > 0) & (before < threshold)
        mask = np.zeros_like(take)
        np.put_along_axis(mask, order, take, axis=0)
        reach.append((ranked.sum(axis=0), mask))
    (positive, positive_mask), (negative, negative_mask) = reach
    use_positive = (positive >= negative) & (positive >= threshold)
    use_negative = (negative > positive) & (negative >= threshold)
    chosen |= positive_mask & use_positive
    chosen |= negative_mask & use_negative
    return chosen


@dataclass(frozen=True)
class DominantPeriod:
    """Months ``start`` to ``end`` (saved times, both included) in which ``loops`` dominate together."""

    start: float
    end: float
    loops: tuple[str, ...]
    share: float  # their smallest combined |relative score| in the period


def periods(mask: np.ndarray, relative: np.ndarray, times: np.ndarray, names: Sequence[str]) -> list[DominantPeriod]:
    """Merge consecutive times with the same dominant set (``mask`` and ``relative`` shaped (loop, time))."""
    found: list[DominantPeriod] = []
    current: tuple[int, ...] = ()
    start = 0
    for k in range(len(times) + 1):
        members = tuple(np.flatnonzero(mask[:, k])) if k < len(times) else None
        if members == current:
            continue
        if current:
            share = float(np.abs(relative[list(current), start:k]).sum(axis=0).min())
            ordered = sorted(current, key=lambda i: -np.abs(relative[i, start:k]).mean())
            found.append(DominantPeriod(float(times[start]), float(times[k - 1]), tuple(names[i] for i in ordered), share))
        current, start = members or (), k
    return found
