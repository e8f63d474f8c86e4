"""Which loop dominates when: Loops that Matter on the batch engine, for any scenario and many runs.

For every feedback loop of the model (:mod:`sim.analysis.loop_catalogue`) and every saved month of
every run: the loop score and the relative loop score (Schoenberg, Davidsen and Eberlein 2020, System
Dynamics Review 36(2); the flow-to-stock score of Schoenberg, Hayward and Eberlein 2023, SDR 39(2)),
from the link scores the batch engine computes while it runs (:mod:`sim.engine.link_scores`), so that
every schedule, shock and sampled input is followed. A named family's composite relative score is the
sum of its loops' relative scores (the paper's composite relative loop score of a simplified diagram).
The dominant loops (or families) at a month are the fewest of one polarity that together explain at
least half of the behaviour of their cycle partition.

Scores are computed at the saved months (SAVEPER) from the changes over the time step that ends
there; a scenario's ``saveper = time_step`` gives them at every time step.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis.loop_catalogue import FAMILIES, OTHER, FeedbackLoop, feedback_loops
from sim.analysis.loop_scores import DominantPeriod, LoopOrder, dominant, periods, score_block
from sim.engine.link_scores import LinkScores, link_scores
from sim.model import Model

#: Up to this many runs, every loop's relative score is kept for every run (beyond, per-run family scores and means).
DETAIL_RUNS = 20
#: Runs per batch-engine call, and per block of loop-score products without numba (to bound memory).
ENGINE_RUNS = 1000
PRODUCT_RUNS = 50
#: The PMO's own feedback structure; the other partitions are single loops (the comparison without a PMO, closure, smoothing).
MAIN_PARTITION = 0


@dataclass
class LoopDominance:
    """Relative loop scores and dominance of one or many runs (``run`` axes in run order)."""

    loops: tuple[FeedbackLoop, ...]
    families: tuple[str, ...]  # the families of the main partition, in FAMILIES order
    times: np.ndarray
    family_relative: np.ndarray  # (family, time, run): composite relative scores in the main partition
    family_dominant: np.ndarray  # (family, time, run): which families dominate
    mean_relative: np.ndarray  # (loop, time): relative loop score, mean over runs
    positive: np.ndarray  # (loop,): sum of the loop's positive relative scores over times and runs
    negative: np.ndarray  # (loop,): sum of the absolute negative ones
    relative: np.ndarray | None = None  # (loop, time, run), up to DETAIL_RUNS runs
    links: LinkScores | None = None  # the link scores, up to DETAIL_RUNS runs
    values: dict[str, np.ndarray] = field(default_factory=dict)  # (time, run) of the kept variables

    @property
    def runs(self) -> int:
        return self.family_relative.shape[2]

    def polarity(self, loop: FeedbackLoop) -> tuple[str, float]:
        """The loop's polarity as it acted ("R", "B", or "" if never active) and its confidence,
        ``|r - b| / (r + b)`` over its positive and negative relative scores (1: always one polarity)."""
        i = self.loops.index(loop)
        r, b = float(self.positive[i]), float(self.negative[i])
        if r + b == 0:
            return "", 0.0
        return ("R" if r >= b else "B"), abs(r - b) / (r + b)

    def family_frame(self, run: int = 0) -> pd.DataFrame:
        """Composite relative score of each family by month (one run)."""
        return pd.DataFrame(self.family_relative[:, :, run].T, index=pd.Index(self.times, name="time"), columns=list(self.families))

    def loop_frame(self, run: int | None = 0, *, min_share: float = 0.0) -> pd.DataFrame:
        """Relative score of each loop by month (one run, or the mean over runs with ``run=None``);
        only loops whose relative score reaches ``min_share`` in size at some month."""
        if run is None or self.relative is None:
            if run not in (None, 0) or (run == 0 and self.runs > 1):
                raise ValueError(f"every loop's score is kept for up to {DETAIL_RUNS} runs; use run=None for the mean")
            table = self.mean_relative
        else:
            table = self.relative[:, :, run]
        keep = np.abs(table).max(axis=1) >= min_share if min_share > 0 else np.ones(len(self.loops), dtype=bool)
        return pd.DataFrame(table[keep].T, index=pd.Index(self.times, name="time"),
                            columns=[loop.id for loop, k in zip(self.loops, keep) if k])

    def dominant_periods(self, *, run: int = 0, level: str = "family", partition: int = MAIN_PARTITION) -> list[DominantPeriod]:
        """Periods of one run in which the same families (``level="family"``, main partition) or loops dominate."""
        if level == "family":
            return periods(self.family_dominant[:, :, run], self.family_relative[:, :, run], self.times, self.families)
        if self.relative is None:
            raise ValueError(f"loop-level dominance is kept for up to {DETAIL_RUNS} runs")
        members = [i for i, loop in enumerate(self.loops) if loop.partition == partition]
        relative = self.relative[members, :, run]
        return periods(dominant(relative), relative, self.times, [self.loops[i].id for i in members])

    def dominance_share(self) -> pd.DataFrame:
        """Share of the runs in which each family is among the dominant ones, by month."""
        return pd.DataFrame(self.family_dominant.mean(axis=2).T, index=pd.Index(self.times, name="time"), columns=list(self.families))


@functools.lru_cache(maxsize=None)
def _compiled() -> bool:
    """Whether the loop scores use the numba kernel (where numba is installed, the ``fast`` extra)."""
    return importlib.util.find_spec("numba") is not None


def _families(loops: Sequence[FeedbackLoop]) -> tuple[str, ...]:
    """The families of the main partition's loops, in the order of :data:`FAMILIES`."""
    present = {loop.family for loop in loops if loop.partition == MAIN_PARTITION}
    return tuple(name for name in [f.name for f in FAMILIES] + [OTHER.name] if name in present)


@dataclass(frozen=True, eq=False)
class _Structure:
    """What every study of one model shares: its loops and families, the links they pass through, and
    the order in which the loop scores are multiplied out."""

    loops: tuple[FeedbackLoop, ...]
    families: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    order: LoopOrder
    partitions: np.ndarray  # (loop,) its cycle partition
    members: np.ndarray  # (loop,) its family's index among ``families``, -1 outside the main partition


@functools.lru_cache(maxsize=4)
def _structure(model: Model | None) -> _Structure:
    loops = feedback_loops(model)
    families = _families(loops)
    links = tuple(sorted({link for loop in loops for link in loop.links}))
    index = {link: i for i, link in enumerate(links)}
    order = LoopOrder.of([[index[link] for link in loop.links] for loop in loops])
    partitions = np.array([loop.partition for loop in loops], dtype=np.int64)
    members = np.array([families.index(loop.family) if loop.partition == MAIN_PARTITION else -1 for loop in loops], dtype=np.int64)
    return _Structure(loops, families, links, order, partitions, members)


def loop_dominance(param_table: pd.DataFrame, *, final_time: float | None = None, time_step: float | None = None,
                   saveper: float | None = None, keep: Sequence[str] = (), model: Model | None = None,
                   engine: str = "batch") -> LoopDominance:
    """Loops that Matter for every row of ``param_table`` (one run each, as :func:`sim.simulate_batch`).

    ``keep`` names variables whose values (time, run) come with the result; with up to
    :data:`DETAIL_RUNS` runs every varying variable is kept, with every link and loop score.
    ``model``: another model file's (default: the PMO model). ``engine``: the backend of the runs,
    as :func:`sim.simulate_batch`'s (a server may prefer numpy while a kernel is not compiled yet).
    """
    from sim.simulate import check_settings, check_table

    if model is None:
        param_table = check_table(param_table)
        check_settings(final_time if final_time is not None else 120, time_step, saveper)
    param_table = param_table.reset_index(drop=True)
    structure = _structure(model)
    loops, families, links, order = structure.loops, structure.families, structure.links, structure.order
    partitions, members = structure.partitions, structure.members
    n_runs = len(param_table)
    detail = n_runs <= DETAIL_RUNS
    parts: dict[str, list[np.ndarray]] = {"family": [], "dominant": [], "relative": []}
    relative_sum = absolute_sum = None
    compiled = _compiled()
    kept: dict[str, list[np.ndarray]] = {}
    scores = None
    for first in range(0, n_runs, ENGINE_RUNS):
        scores = link_scores(param_table.iloc[first:first + ENGINE_RUNS], final_time=final_time, time_step=time_step,
                             saveper=saveper, links=links, model=model, engine=engine)
        for name in (scores.values if detail else keep):
            kept.setdefault(name, []).append(scores.values[name])
        block_runs = scores.scores.shape[2] if compiled else PRODUCT_RUNS
        for block in range(0, scores.scores.shape[2], block_runs):
            scored = score_block(scores.scores[:, :, block:block + block_runs], order, partitions, members, len(families), keep=detail, compiled=compiled)
            parts["family"].append(scored.family)
            parts["dominant"].append(dominant(scored.family))
            if detail:
                parts["relative"].append(scored.relative)
            relative_sum = scored.relative_sum if relative_sum is None else relative_sum + scored.relative_sum
            absolute_sum = scored.absolute_sum if absolute_sum is None else absolute_sum + scored.absolute_sum
    total = relative_sum.sum(axis=1)
    return LoopDominance(
        loops=loops, families=families, times=scores.times,
        family_relative=np.concatenate(parts["family"], axis=2), family_dominant=np.concatenate(parts["dominant"], axis=2),
        mean_relative=relative_sum / n_runs, positive=(absolute_sum + total) / 2, negative=(absolute_sum - total) / 2,
        relative=np.concatenate(parts["relative"], axis=2) if detail else None, links=scores if detail else None,
        values={name: np.concatenate(arrays, axis=1) for name, arrays in kept.items()},
    )


def run_loop_dominance(params: Mapping[str, float | pd.Series] | None = None, *, final_time: float | None = None,
                       time_step: float | None = None, saveper: float | None = None, model: Model | None = None) -> LoopDominance:
    """Loops that Matter for one run with ``params`` (numbers or schedules, as :func:`sim.simulate`)."""
    from sim.simulate import check_params

    checked = check_params(params) if model is None else dict(params or {})
    table = pd.DataFrame({name: [value] for name, value in checked.items()}, index=[0])
    return loop_dominance(table, final_time=final_time, time_step=time_step, saveper=saveper, model=model)


def scenario_loop_dominance(scenario, *, runs: int | None = None, seed: int | None = None, keep: Sequence[str] = ()) -> LoopDominance:
    """Loops that Matter for a :class:`~sim.scenario.Scenario`: its schedules, shocks and Monte Carlo samples."""
    from sim.runner import parameter_table

    spec = scenario.spec
    table = parameter_table(spec, runs=runs, seed=seed)
    return loop_dominance(table, final_time=spec.run.final_time, time_step=spec.run.time_step, saveper=spec.run.saveper, keep=keep)
