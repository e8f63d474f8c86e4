"""The tables of a loop-dominance study: family and loop scores by month, the loop catalogue, dominant periods.

With several runs, family scores are medians over the runs (with the 10th and 90th percentiles),
loop scores are means, and each month's dominant families are those dominant in at least half of
the runs; ``dominance_share`` gives each family's share of runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.loop_catalogue import MEANINGS
from sim.analysis.loop_scores import DominantPeriod, periods
from sim.analysis.loops import MAIN_PARTITION, LoopDominance

#: A loop is listed by month in loop_scores.csv when its relative score reaches this size at some month.
LISTED_SHARE = 0.01


def family_scores(study: LoopDominance) -> pd.DataFrame:
    """Composite relative score of each family by month (median over runs, with p10 and p90 when several)."""
    if study.runs == 1:
        return study.family_frame(0).reset_index()
    table = {"time": study.times}
    for i, family in enumerate(study.families):
        values = study.family_relative[i]
        table[family] = np.median(values, axis=1)
        table[f"{family}_p10"], table[f"{family}_p90"] = np.quantile(values, [0.1, 0.9], axis=1)
    return pd.DataFrame(table)


def loop_scores(study: LoopDominance) -> pd.DataFrame:
    """Relative score of each loop that reaches :data:`LISTED_SHARE` by month (the mean over runs when several)."""
    return study.loop_frame(0 if study.runs == 1 else None, min_share=LISTED_SHARE).reset_index()


def loop_catalogue(study: LoopDominance) -> pd.DataFrame:
    """Every loop: id, family, partition, polarity as it acted and its confidence, mean and largest |relative score|, path."""
    from sim.model import get_model

    rows = []
    for i, loop in enumerate(study.loops):
        polarity, confidence = study.polarity(loop)
        size = np.abs(study.mean_relative[i])
        rows.append({"loop": loop.id, "family": loop.family, "partition": loop.partition, "polarity": polarity,
                     "polarity_confidence": round(confidence, 6), "mean_abs_relative_score": size.mean(),
                     "max_abs_relative_score": size.max(), "length": len(loop.variables),
                     "path": loop.path(get_model()) if loop.variables[0] in get_model().variables else " -> ".join(loop.variables)})
    return pd.DataFrame(rows)


def majority_periods(study: LoopDominance) -> list[DominantPeriod]:
    """Family dominance: that of the run, or with several runs the families dominant in at least half of them."""
    if study.runs == 1:
        return study.dominant_periods(run=0, level="family")
    majority = study.family_dominant.mean(axis=2) >= 0.5
    return periods(majority, np.median(study.family_relative, axis=2), study.times, study.families)


def period_table(study: LoopDominance) -> pd.DataFrame:
    """Dominant periods: of the families (main partition), and with one run also of the loops."""
    rows = [{"level": "family", "start": p.start, "end": p.end, "dominant": " + ".join(p.loops), "share": p.share,
             "meaning": "; ".join(MEANINGS.get(f, "") for f in p.loops)} for p in majority_periods(study)]
    if study.relative is not None and study.runs == 1:
        rows += [{"level": "loop", "start": p.start, "end": p.end, "dominant": " + ".join(p.loops), "share": p.share, "meaning": ""}
                 for p in study.dominant_periods(level="loop", partition=MAIN_PARTITION)]
    return pd.DataFrame(rows, columns=["level", "start", "end", "dominant", "share", "meaning"])


def dominance_share(study: LoopDominance) -> pd.DataFrame:
    """Share of runs in which each family dominates, by month."""
    return study.dominance_share().reset_index()


def years_summary(study: LoopDominance) -> list[str]:
    """One line per dominant period of the families, in years: "years 0.3-0.8: B saturation (60%)"."""
    return [f"months {p.start:g}-{p.end:g}: {' + '.join(p.loops)} ({p.share:.0%} of the behaviour at least)"
            for p in majority_periods(study)]
