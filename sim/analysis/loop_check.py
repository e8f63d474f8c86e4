"""An independent check of the loop scores: Simlin's implementation of Loops that Matter (pysimlin).

pysimlin reads the same Vensim file, finds its loops and scores them in its own engine. The two are
compared on the loops both report: the same variables in the same causal order, the relative loop
scores month by month, and the dominant loops. Simlin expands SMOOTH and DELAY into modules and
adds a net-flow variable to stocks whose flow is written inline; both are folded back into model
links here. Simlin takes the change of a flow over the time step before the one that ends at the
scored time (its documented one-step shift against isee Stella, whose timing the batch engine
follows), so its scores are compared with the batch engine's one time step earlier. pysimlin
overrides constants only, so a scenario's schedules and shocks cannot be checked with it; constants
are written into a copy of the model file.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from sim.analysis.loop_catalogue import FeedbackLoop
from sim.analysis.loops import LoopDominance, run_loop_dominance
from sim.model import Model, get_model


@dataclass
class SimlinLoop:
    id: str
    variables: tuple[str, ...]  # as model variables, rotated to start at the smallest name
    relative: np.ndarray  # relative loop score at each saved time


@dataclass
class SimlinAnalysis:
    loops: list[SimlinLoop]
    times: np.ndarray
    dominant: list[tuple[float, float, tuple[str, ...]]]  # (start, end, Simlin loop ids), main partition
    complete: bool  # Simlin enumerated every loop before choosing which to report


def _fold(names: tuple[str, ...], model: Model) -> tuple[str, ...]:
    kept = [n for n in names if n in model.variables]
    start = kept.index(min(kept))
    return tuple(kept[start:] + kept[:start])


def _with_constants(text: str, constants: Mapping[str, float], model: Model) -> str:
    for name, value in constants.items():
        vensim = re.escape(model.variables[model.resolve(name)].name)
        text, count = re.subn(rf"^({vensim}\s*=\s*)[^\n~]+$", rf"\g<1>{float(value)!r}", text, count=1, flags=re.MULTILINE)
        if count != 1:
            raise ValueError(f"'{name}' is not a constant written on one line of the model file")
    return text


def simlin_analysis(model: Model | None = None, constants: Mapping[str, float] | None = None) -> SimlinAnalysis:
    """pysimlin's Loops that Matter on the model file, with ``constants`` changed.

    Small models are enumerated exhaustively (``Model.run``); large ones, like the PMO model, go
    through its loop discovery (``Model.analyze``), which reports the loops that matter.
    """
    import simlin

    model = model or get_model()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / model.path.name
        path.write_text(_with_constants(model.text, constants or {}, model), encoding="utf-8")
        project = simlin.load(str(path))
        with warnings.catch_warnings():  # a large model "resolves to discovery mode": handled below
            warnings.simplefilter("ignore", RuntimeWarning)
            run = project.run(analyze_loops=True)
        if run.ltm_mode == "exhaustive":
            raw, periods, complete = run.loops, run.dominant_periods, True
            times = run.results.index.to_numpy(dtype=float)
        else:
            analysis = project.analyze()
            raw, periods, complete = analysis.loops, analysis.dominant_periods, analysis.enumeration_complete
            times = run.results.index.to_numpy(dtype=float)
    loops = [SimlinLoop(loop.id, _fold(tuple(loop.variables), model), np.asarray(loop.behavior_time_series, dtype=float))
             for loop in raw if loop.behavior_time_series is not None]
    sizes: dict[int | None, int] = {}
    for loop in raw:
        sizes[loop.partition] = sizes.get(loop.partition, 0) + 1
    main = max(sizes, key=sizes.get) if sizes else None
    dominant = [(p.start_time, p.end_time, tuple(p.dominant_loops)) for p in periods if p.partition == main]
    return SimlinAnalysis(loops, times[: len(loops[0].relative)] if loops else times, dominant, complete)


@dataclass
class LoopComparison:
    """How the batch engine's loop scores compare with Simlin's on the loops Simlin reports."""

    matched: dict[str, str]  # Simlin id -> batch-engine loop id
    unmatched: list[tuple[str, ...]]  # Simlin loops the batch engine does not have
    missed: list[str]  # batch-engine loops as large as the smallest Simlin reports that Simlin does not report
    largest_difference: float  # of a relative score, over matched loops and months (after the shift)
    differences: dict[str, float]  # the largest difference of each matched loop (by Simlin id)
    dominance_agreement: float  # share of months whose dominant loops (Simlin's, mapped) agree
    complete: bool


def compare_with_simlin(model: Model | None = None, constants: Mapping[str, float] | None = None,
                        *, ours: LoopDominance | None = None) -> LoopComparison:
    """Run both on ``model`` (the PMO model by default) with ``constants``, and compare."""
    model = model or get_model()
    theirs = simlin_analysis(model, constants)
    dt = float(model.variables["time_step"].default)
    if ours is None:
        ours = run_loop_dominance(dict(constants or {}), saveper=dt, model=None if model is get_model() else model)
    by_variables: dict[tuple[str, ...], FeedbackLoop] = {loop.variables: loop for loop in ours.loops}
    matched = {s.id: by_variables[s.variables].id for s in theirs.loops if s.variables in by_variables}
    unmatched = [s.variables for s in theirs.loops if s.variables not in by_variables]
    # Simlin's score at month t against ours one time step earlier.
    at = np.searchsorted(ours.times, theirs.times - dt + 1e-9 * dt)
    valid = (theirs.times - dt >= ours.times[0] - 1e-9) & (at < len(ours.times))
    frame = ours.loop_frame(0)
    differences = {}
    for s in theirs.loops:
        if s.id in matched:
            mine = frame[matched[s.id]].to_numpy()[at[valid]]
            differences[s.id] = float(np.nanmax(np.abs(mine - s.relative[valid]), initial=0.0))
    largest = max(differences.values(), default=0.0)
    reported = min((np.abs(s.relative).mean() for s in theirs.loops), default=0.0)
    main = [loop for loop in ours.loops if loop.partition == 0]
    strength = {loop.id: np.abs(frame[loop.id].to_numpy()).mean() for loop in main}
    missed = sorted((i for i, v in strength.items() if v > reported and i not in matched.values()), key=lambda i: -strength[i])
    agreement = _dominance_agreement(theirs, ours, matched, at, valid)
    return LoopComparison(matched, unmatched, missed, largest, differences, agreement, theirs.complete)


def _dominance_agreement(theirs: SimlinAnalysis, ours: LoopDominance, matched: dict[str, str], at: np.ndarray,
                         valid: np.ndarray) -> float:
    """Share of Simlin's saved months at which the batch engine, one time step earlier, has the loop
    Simlin names first among its dominant ones (its largest) among its own dominant loops.

    Not the whole sets: each side fills its set up to 50% from the loops it scores, and Simlin
    reports fewer of them (its discovery keeps the loops that matter), so the last members differ.
    """
    our_sets = {}
    for period in ours.dominant_periods(level="loop"):
        for k in np.flatnonzero((ours.times >= period.start) & (ours.times <= period.end)):
            our_sets[k] = set(period.loops)
    frame = ours.loop_frame(0)
    relative = {s.id: s.relative for s in theirs.loops}
    agree = total = 0
    for k, time in enumerate(theirs.times):
        if not valid[k]:
            continue
        loops = next((loops for start, end, loops in theirs.dominant if start <= time <= end), ())
        if not loops or any(i not in matched for i in loops) or not frame.shape[1]:
            continue
        largest = max(loops, key=lambda i: abs(relative[i][k]))
        total += 1
        agree += matched[largest] in our_sets.get(int(at[k]), set())
    return agree / total if total else 1.0
